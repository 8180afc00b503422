/** @jsxImportSource hono/jsx */
/**
 * The public's own pages: verifying for an award, nominating, and "my nominations".
 *
 * Verification ends in the `laurel_voter` cookie (the same one the OpenID Connect callback sets): the encrypted
 * voter session of one award, HttpOnly, Secure, SameSite=Lax, for as long as the session lasts. The pages go back
 * to `return_to` afterwards, which is only ever a path on this site (format.ts `sameSitePath`).
 *
 * Every POST passes the CSRF checks first (403, nothing changed). A refusal of the services (wrong code, expired,
 * locked, disposable address, limit reached, wrong phase …) is shown on the form it came from, in the page
 * language, with the refusal's status; the services guarantee that a refusal changed nothing.
 */
import { Hono } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { CategoryRow, CeremonyRow } from '../../db/schema';
import { isListed, type NomineeContent, rulesOf } from '../ceremonies/model';
import type { LocalizedText } from '../ceremonies/schemas';
import type { AppDeps } from '../deps';
import { ApiError } from '../errors';
import type { Env } from '../http/router';
import { type MessageKey, type Translate } from '../i18n/messages';
import { EmailError, normalizeEmail } from '../identity/normalize';
import { requestEmailCode, verifyEmailCode } from '../identity/verify';
import { findCategory, myNominations, submitNomination } from '../nominations/service';
import type { NominationInput } from '../nominations/schemas';
import { clientAddress } from '../roll/client';
import { verifyRollCode } from '../roll/service';
import { formatInstant, pickText, sameSitePath } from './format';
import { type AwardPage, type C, openAwardPage, csrfFailed, errorMessageKey, privatePage, render } from './render';
import { csrfToken, currentVoter, originGuard, startVoterSession, verifiedForm } from './security';
import {
  type MyNominationItem,
  MinePage,
  MineVerifyFirst,
  NOMINATE_FIELDS,
  type NominateErrors,
  type NominateField,
  NominateClosed,
  NominateUsed,
  NominatePage,
  type NominateView,
  NominateVerifyFirst,
  type VerifyErrors,
  VerifyCodePage,
  VerifyPage,
  type VerifyView,
} from './voter-pages';

/** Whether an award takes nominations at `now` (the database clock): phase nominating, inside the window. */
export function takingNominations(
  c: Pick<CeremonyRow, 'phase' | 'nominating_opens' | 'nominating_closes'>,
  now: number,
): boolean {
  return (
    c.phase === 'nominating' &&
    (c.nominating_opens === null || c.nominating_opens <= now) &&
    (c.nominating_closes === null || now < c.nominating_closes)
  );
}

/** Longest texts of a nomination, as the API's schema has them. */
const MAX_LENGTH: Partial<Record<NominateField, number>> = {
  name: 200,
  affiliation: 300,
  region: 200,
  citation: 4000,
  contact: 254,
  reason: 2000,
};

/** The nominate form's field for a problem path of the nominations service (`body.proposal.contact` …). */
function fieldOfPath(path: string): NominateField | undefined {
  const last = path.replace(/^body\./, '').replace(/^proposal\./, '');
  return (NOMINATE_FIELDS as readonly string[]).includes(last) ? (last as NominateField) : undefined;
}

type Page = AwardPage;

export function voterRoutes(deps: AppDeps) {
  const web = new Hono<Env>();
  const sameOrigin = originGuard(deps);

  /** The published award with the page language chosen among its locales. */
  const open = (c: C): Promise<Page> => openAwardPage(deps, c);

  const awardPath = (p: Page) => `/a/${encodeURIComponent(p.award.ceremony.slug)}`;

  // ---------------------------------------------------------------------------------------- verification

  const verifyView = async (c: C, p: Page, rawReturnTo: string | undefined): Promise<VerifyView> => {
    const returnTo = sameSitePath(rawReturnTo, awardPath(p));
    const identity = rulesOf(p.award).identity;
    const voter = await currentVoter(deps, c, p.award.ceremony.id);
    let issuer: string | undefined;
    try {
      issuer = identity.oidc ? new URL(identity.oidc.issuer).host : undefined;
    } catch {
      issuer = undefined;
    }
    return {
      award: p.ref,
      method: identity.method,
      returnTo,
      issuer,
      oidcHref:
        identity.method === 'oidc'
          ? `/api/ceremonies/${encodeURIComponent(p.award.ceremony.slug)}/verify/oidc/start?return_to=${encodeURIComponent(returnTo)}`
          : undefined,
      verifiedUntil: voter ? formatInstant(voter.expiresAt, p.award.ceremony.time_zone, p.lang) : undefined,
    };
  };

  const verifyPath = (view: VerifyView) =>
    `/a/${encodeURIComponent(view.award.slug)}/verify?return_to=${encodeURIComponent(view.returnTo)}`;

  const verifyPage = (
    c: C,
    p: Page,
    status: ContentfulStatusCode,
    view: VerifyView,
    opts: { email?: string; errors?: VerifyErrors } = {},
  ) =>
    render(
      c,
      status,
      { lang: p.lang, t: p.t, title: p.t('verify.title'), path: verifyPath(view) },
      <VerifyPage t={p.t} lang={p.lang} view={view} token={csrfToken(c)} email={opts.email} errors={opts.errors} />,
    );

  /** The text of a refusal on the verification forms. */
  const verifyMessage = (p: Page, err: ApiError, field: 'email' | 'code' | 'roll'): string => {
    if (err.code === 'wrong-phase') return p.t('verify.closed');
    if (err.code === 'validation-failed') return p.t('error.email');
    if (field === 'roll' && err.code === 'code-invalid' && err.fields.length) return p.t('error.roll-format');
    return p.t(errorMessageKey(err));
  };

  /** Refusals that belong on the form; anything else (5xx) goes to the error page. */
  const onForm = (err: unknown): err is ApiError => err instanceof ApiError && err.status < 500;

  /** A posted verification form that passed the CSRF checks, with its award page and view; null otherwise. */
  const verifyPost = async (c: C) => {
    privatePage(c);
    const form = await verifiedForm(c, sameOrigin);
    if (!form) return null;
    const p = await open(c);
    return { form, p, view: await verifyView(c, p, form.return_to) };
  };

  web.get('/a/:slug/verify', async (c) => {
    privatePage(c);
    const p = await open(c);
    const view = await verifyView(c, p, c.req.query('return_to'));
    return verifyPage(c, p, 200, view);
  });

  web.post('/a/:slug/verify/email', async (c) => {
    const posted = await verifyPost(c);
    if (!posted) return csrfFailed(c);
    const { form, p, view } = posted;
    const email = (form.email ?? '').trim();
    if (!email || email.length > 254)
      return verifyPage(c, p, 400, view, { email, errors: { email: p.t('error.email') } });
    try {
      await requestEmailCode(deps, p.award, email, p.lang);
    } catch (err) {
      if (!onForm(err)) throw err;
      const field = err.code === 'wrong-method' || err.code === 'wrong-phase' ? 'form' : 'email';
      return verifyPage(c, p, err.status, view, { email, errors: { [field]: verifyMessage(p, err, 'email') } });
    }
    return render(
      c,
      200,
      { lang: p.lang, t: p.t, title: p.t('verify.codeTitle'), path: verifyPath(view) },
      <VerifyCodePage t={p.t} lang={p.lang} view={view} token={csrfToken(c)} email={email} />,
    );
  });

  web.post('/a/:slug/verify/code', async (c) => {
    const posted = await verifyPost(c);
    if (!posted) return csrfFailed(c);
    const { form, p, view } = posted;
    const email = (form.email ?? '').trim();
    const codePage = (status: ContentfulStatusCode, error: string) =>
      render(
        c,
        status,
        { lang: p.lang, t: p.t, title: p.t('verify.codeTitle'), path: verifyPath(view) },
        <VerifyCodePage t={p.t} lang={p.lang} view={view} token={csrfToken(c)} email={email} error={error} />,
      );
    if (!email || email.length > 254)
      return verifyPage(c, p, 400, view, { email, errors: { email: p.t('error.email') } });
    if (!/^\s*\d{3}\s?\d{3}\s*$/.test(form.code ?? '')) return codePage(400, p.t('error.code-format'));
    let session: { token: string; expiresAt: number };
    try {
      session = await verifyEmailCode(deps, p.award, email, form.code!);
    } catch (err) {
      if (!onForm(err)) throw err;
      if (err.code === 'wrong-method' || err.code === 'wrong-phase' || err.code === 'disposable-email')
        return verifyPage(c, p, err.status, view, { email, errors: { form: verifyMessage(p, err, 'code') } });
      return codePage(err.status, verifyMessage(p, err, 'code'));
    }
    startVoterSession(c, session.token, (session.expiresAt - deps.clock()) / 1000);
    return c.redirect(view.returnTo, 303);
  });

  web.post('/a/:slug/verify/roll', async (c) => {
    const posted = await verifyPost(c);
    if (!posted) return csrfFailed(c);
    const { form, p, view } = posted;
    let session: { token: string; expiresAt: number };
    try {
      const clientKey = await deps.wrapper.mac('client-address', clientAddress(c, deps.config));
      session = await verifyRollCode(deps, p.award, (form.code ?? '').slice(0, 64), clientKey);
    } catch (err) {
      if (!onForm(err)) throw err;
      const field = err.code === 'wrong-method' || err.code === 'wrong-phase' ? 'form' : 'roll';
      return verifyPage(c, p, err.status, view, { errors: { [field]: verifyMessage(p, err, 'roll') } });
    }
    startVoterSession(c, session.token, (session.expiresAt - deps.clock()) / 1000);
    return c.redirect(view.returnTo, 303);
  });

  // ---------------------------------------------------------------------------------------- my nominations

  web.get('/a/:slug/nominations/mine', async (c) => {
    privatePage(c);
    const p = await open(c);
    const path = `${awardPath(p)}/nominations/mine`;
    const voter = await currentVoter(deps, c, p.award.ceremony.id);
    if (!voter)
      return render(
        c,
        200,
        { lang: p.lang, t: p.t, title: p.t('mine.title'), path },
        <MineVerifyFirst t={p.t} lang={p.lang} award={p.ref} />,
      );
    const thanks = c.req.query('done') === 'nominated';
    const nominations: MyNominationItem[] = (await myNominations(deps, p.award, voter)).map((n) => ({
      id: n.id,
      category: { slug: n.category.slug, name: pickText(n.category.name, p.lang, p.fallback) },
      nominee: pickText(n.nominee.name, p.lang, p.fallback),
      status: n.status,
      decision: n.decision,
      reason: n.reason,
    }));
    return render(
      c,
      200,
      { lang: p.lang, t: p.t, title: p.t(thanks ? 'mine.thanks' : 'mine.title'), path },
      <MinePage
        t={p.t}
        lang={p.lang}
        award={p.ref}
        nominations={nominations}
        thanks={thanks}
        nominating={takingNominations(p.award.ceremony, await deps.store.readNow())}
      />,
    );
  });

  // ---------------------------------------------------------------------------------------- nominating

  const nominateView = (p: Page, category: CategoryRow): NominateView => {
    const rules = rulesOf(p.award);
    const name = (JSON.parse(category.content) as { name?: LocalizedText }).name;
    return {
      award: p.ref,
      category: { slug: category.slug, name: pickText(name, p.lang, p.fallback) },
      listed: p.award.nominees
        .filter((n) => n.category_id === category.id && isListed(n))
        .sort((a, b) => a.position - b.position)
        .map((n) => {
          const content = JSON.parse(n.content) as NomineeContent;
          return {
            slug: n.slug,
            name: pickText(content.name, p.lang, p.fallback),
            affiliation: pickText(content.affiliation, p.lang, p.fallback),
          };
        }),
      minorsAllowed: category.minors_allowed === 1,
      requireReason: rules.nominations.requireReason,
      cap: rules.nominations.perPersonPerCategory,
    };
  };

  /** The category of the nominate page (404 page for an unknown one), its view, and the voter if verified. */
  const nominating = async (c: C) => {
    const p = await open(c);
    const category = findCategory(p.award, c.req.param('category') ?? '');
    if (category.slug !== c.req.param('category')) throw new ApiError('not-found', 'No such category.');
    const view = nominateView(p, category);
    const path = `${awardPath(p)}/${encodeURIComponent(category.slug)}/nominate`;
    const frame = { lang: p.lang, t: p.t, title: p.t('nominate.title', { category: view.category.name.text }), path };
    const isOpen = takingNominations(p.award.ceremony, await deps.store.readNow());
    const voter = await currentVoter(deps, c, p.award.ceremony.id);
    return { p, category, view, frame, isOpen, voter };
  };

  web.get('/a/:slug/:category/nominate', async (c) => {
    privatePage(c);
    const { p, category, view, frame, isOpen, voter } = await nominating(c);
    if (!isOpen) return render(c, 409, frame, <NominateClosed t={p.t} lang={p.lang} view={view} />);
    if (!voter) return render(c, 200, frame, <NominateVerifyFirst t={p.t} lang={p.lang} view={view} />);
    // Merged duplicates set aside do not count under the cap (as in the service).
    const used = (await myNominations(deps, p.award, voter)).filter(
      (n) => n.category.id === category.id && n.decision !== 'merged',
    ).length;
    if (used >= view.cap) return render(c, 200, frame, <NominateUsed t={p.t} lang={p.lang} view={view} />);
    return render(c, 200, frame, <NominatePage t={p.t} lang={p.lang} view={view} token={csrfToken(c)} />);
  });

  web.post('/a/:slug/:category/nominate', async (c) => {
    privatePage(c);
    const form = await verifiedForm(c, sameOrigin);
    if (!form) return csrfFailed(c);
    const { p, category, view, frame, voter } = await nominating(c);
    if (!voter) return render(c, 401, frame, <NominateVerifyFirst t={p.t} lang={p.lang} view={view} />);
    const values: Record<string, string> = {};
    for (const f of NOMINATE_FIELDS) if (form[f] !== undefined) values[f] = form[f]!;
    const formPage = (status: ContentfulStatusCode, errors: NominateErrors, alert?: string) =>
      render(
        c,
        status,
        frame,
        <NominatePage
          t={p.t}
          lang={p.lang}
          view={view}
          token={csrfToken(c)}
          values={values}
          errors={errors}
          alert={alert}
        />,
      );
    const checked = readNomination(p.t, view, values);
    if ('errors' in checked) return formPage(400, checked.errors);
    try {
      await submitNomination(deps, p.award, category.slug, voter, checked.input);
    } catch (err) {
      if (!(err instanceof ApiError) || err.status >= 500) throw err;
      return formPage(err.status, ...nominationRefusal(p.t, err));
    }
    return c.redirect(`${awardPath(p)}/nominations/mine?done=nominated`, 303);
  });

  return web;
}

/** The nominate form as the service's input, or the errors of its fields (all at once, in the page language). */
function readNomination(
  t: Translate,
  view: NominateView,
  values: Record<string, string>,
): { input: NominationInput } | { errors: NominateErrors } {
  const errors: NominateErrors = {};
  const text = (f: NominateField) => (values[f] ?? '').trim();
  const choice = view.listed.length ? text('nominee') : 'new';
  const isNew = choice === 'new';
  if (!choice) errors.nominee = t('nominate.error.choose');
  else if (!isNew && text('name')) errors.nominee = t('nominate.error.both');
  else if (!isNew && !view.listed.some((n) => n.slug === choice)) errors.nominee = t('nominate.error.gone');
  if (isNew && !text('name')) errors.name = t('nominate.error.name');
  for (const [f, max] of Object.entries(MAX_LENGTH) as [NominateField, number][])
    if (text(f).length > max) errors[f] = t('nominate.error.tooLong');
  const guardian = isNew && view.minorsAllowed && values.guardian === 'yes';
  if (isNew && text('contact') && !errors.contact) {
    try {
      normalizeEmail(text('contact'));
    } catch (err) {
      if (!(err instanceof EmailError)) throw err;
      errors.contact = t('nominate.error.contact');
    }
  }
  if (guardian && !text('contact')) errors.contact = t('nominate.error.guardian');
  if (view.requireReason && !text('reason')) errors.reason = t('nominate.error.reason');
  if (Object.keys(errors).length) return { errors };
  const optional = (f: NominateField) => (text(f) ? { [f]: text(f) } : {});
  const reason = text('reason') ? { reason: text('reason') } : {};
  if (!isNew) return { input: { nominee: choice, ...reason } };
  return {
    input: {
      proposal: {
        name: text('name'),
        ...optional('affiliation'),
        ...optional('region'),
        ...optional('citation'),
        ...optional('contact'),
        ...(guardian ? { guardian: true } : {}),
      },
      ...reason,
    },
  };
}

/** A refusal of submitNomination as field errors or a message over the form. */
function nominationRefusal(t: Translate, err: ApiError): [NominateErrors, string?] {
  const alerts: Partial<Record<string, MessageKey>> = {
    'wrong-phase': 'nominate.closed',
    'nomination-limit': 'error.nomination-limit',
    'already-exists': 'nominate.error.already',
  };
  const alert = alerts[err.code];
  if (alert) return [{}, t(alert)];
  if (err.code === 'not-found') return [{ nominee: t('nominate.error.gone') }];
  if (err.code === 'validation-failed') {
    const errors: NominateErrors = {};
    for (const f of err.fields) {
      const field = fieldOfPath(f.path);
      if (!field) continue;
      errors[field] =
        field === 'contact' || field === 'guardian'
          ? t(field === 'guardian' ? 'nominate.error.guardian' : 'nominate.error.contact')
          : field === 'reason'
            ? t('nominate.error.reason')
            : t('error.bad-request');
    }
    if (Object.keys(errors).length) return [errors];
  }
  return [{}, t(errorMessageKey(err))];
}
