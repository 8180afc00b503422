/**
 * Nominee consent, withdrawal and erasure: the organizer API (consent status, contacts, consent requests,
 * withdrawal, erasure) and the pages behind the mailed links.
 *
 * Mailed links show a page on GET and change nothing there (mail scanners follow links); only the POST of the
 * page's form spends the link. Every form POST passes the Origin check and the double-submit `_csrf` token of
 * web/security.ts first; a failed check answers 403 and changes nothing. Page errors are HTML pages with the
 * problem's status, never problem+json.
 */
import { z } from '@hono/zod-openapi';
import { type Context, Hono } from 'hono';
import type { Child } from 'hono/jsx';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { CategoryRow } from '../../db/schema';
import type { AwardRows, CeremonyContent, NomineeContent } from '../ceremonies/model';
import { LocalizedText, Locale } from '../ceremonies/schemas';
import { requireAward } from '../ceremonies/service';
import type { AppDeps } from '../deps';
import { ApiError, isStorageUnavailable } from '../errors';
import { json, newRouter, organizerRoute, problems, requireOrganizer, SlugParam, type Env } from '../http/router';
import { type Lang, type MessageKey, translator } from '../i18n/messages';
import { manageAward } from '../organizers/service';
import { formatInstant, pickText } from '../web/format';
import { csrfToken, originGuard, pageLang, verifiedForm } from '../web/security';
import {
  ConsentDonePage,
  ConsentPage,
  Document,
  LinkProblemPage,
  type NomineeView,
  WithdrawDonePage,
  WithdrawPage,
} from './pages';
import {
  type OpenedLink,
  answerConsent,
  assertWithdrawable,
  consentChoices,
  consentOverview,
  consentPath,
  eraseNominee,
  openLink,
  requestConsent,
  setContact,
  withdrawByLink,
  withdrawNominee,
  withdrawPath,
} from './service';
import type { LinkPurpose } from './tokens';
import { type ConsentKey, consentTranslator } from './texts';

const NomineeParams = SlugParam.extend({
  nominee: z
    .string()
    .min(1)
    .max(64)
    .openapi({ param: { name: 'nominee', in: 'path' }, description: 'Nominee id (or its slug when unique)' }),
});
const Change = z.object({ event: z.object({ seq: z.number().int(), hash: z.string() }) });

const NomineeConsent = z
  .object({
    id: z.string(),
    slug: z.string(),
    category: z.string().openapi({ description: 'Category slug' }),
    name: LocalizedText.nullable().openapi({ description: 'null once erased' }),
    status: z.enum(['pending', 'accepted', 'rejected', 'withdrawn']),
    consent: z.enum(['not-asked', 'requested', 'given', 'declined']),
    consentAt: z.string().nullable().openapi({ description: "When the nominee answered, in the award's time zone" }),
    contact: z.boolean().openapi({ description: 'A contact address is on file' }),
    guardian: z.boolean().openapi({ description: "The contact is a minor nominee's parent or guardian" }),
    erased: z.boolean(),
  })
  .openapi('NomineeConsent');

const ContactInput = z
  .object({
    email: z.email().max(254),
    guardian: z.boolean().default(false).openapi({
      description: "The address is a minor nominee's parent or guardian (categories that allow minors only)",
    }),
  })
  .openapi('NomineeContact');

const WithdrawInput = z
  .object({
    reason: z
      .string()
      .trim()
      .min(1)
      .max(2000)
      .openapi({ description: 'Why (e.g. "asked by phone on 12 January"); only a commitment enters the log' }),
  })
  .openapi('NomineeWithdrawal');

export function consentRoutes(deps: AppDeps) {
  const app = newRouter();
  const auth = requireOrganizer(deps);

  app.openapi(
    organizerRoute(auth, {
      method: 'get',
      path: '/api/ceremonies/{slug}/consents',
      summary: 'Consent status of every nominee',
      description:
        'Per nominee: status, consent and when it was answered, whether a contact (or a guardian) is on file.',
      tags: ['Nominees'],
      request: { params: SlugParam },
      responses: { 200: json(z.object({ nominees: z.array(NomineeConsent) }), 'Consent status per nominee') },
    }),
    async (c) => {
      const { award } = await manageAward(deps, c.get('organizer'), c.req.valid('param').slug);
      const nominees = await consentOverview(deps, award);
      return c.json({ nominees: nominees as z.infer<typeof NomineeConsent>[] }, 200);
    },
  );

  app.openapi(
    organizerRoute(auth, {
      method: 'put',
      path: '/api/ceremonies/{slug}/nominees/{nominee}/contact',
      summary: "Set or replace a nominee's contact address",
      description:
        'For pending or accepted nominees that are not erased. Only a salted commitment to the address enters the log.',
      tags: ['Nominees'],
      request: {
        params: NomineeParams,
        body: { content: { 'application/json': { schema: ContactInput } }, required: true },
      },
      responses: { 200: json(Change, 'Set') },
    }),
    async (c) => {
      const { slug, nominee } = c.req.valid('param');
      const { award, actor } = await manageAward(deps, c.get('organizer'), slug);
      const event = await setContact(deps, award, nominee, c.req.valid('json'), actor);
      return c.json({ event }, 200);
    },
  );

  app.openapi(
    organizerRoute(auth, {
      method: 'post',
      path: '/api/ceremonies/{slug}/nominees/{nominee}/consent-request',
      summary: 'Mail (or mail again) the consent request to an accepted nominee',
      description:
        'Until voting opens. The nominee is not listed until they consent. Throttled per nominee. The mail is in `locale`, else in the award’s default language.',
      tags: ['Nominees'],
      request: { params: NomineeParams, query: z.object({ locale: Locale.optional() }) },
      responses: { 202: json(Change, 'Queued'), 429: problems[429] },
    }),
    async (c) => {
      const { slug, nominee } = c.req.valid('param');
      const { award, actor } = await manageAward(deps, c.get('organizer'), slug);
      const event = await requestConsent(deps, award, nominee, actor, c.req.valid('query').locale);
      return c.json({ event }, 202);
    },
  );

  app.openapi(
    organizerRoute(auth, {
      method: 'post',
      path: '/api/ceremonies/{slug}/nominees/{nominee}/withdraw',
      summary: 'Withdraw a nominee on their behalf (e.g. after a phone call)',
      description: 'Until the results are announced. Withdrawing a withdrawn nominee is a 409.',
      tags: ['Nominees'],
      request: {
        params: NomineeParams,
        body: { content: { 'application/json': { schema: WithdrawInput } }, required: true },
      },
      responses: { 200: json(Change, 'Withdrawn') },
    }),
    async (c) => {
      const { slug, nominee } = c.req.valid('param');
      const { award, actor } = await manageAward(deps, c.get('organizer'), slug);
      const event = await withdrawNominee(deps, award, nominee, {
        by: 'organizer',
        reason: c.req.valid('json').reason,
        actor,
      });
      return c.json({ event }, 200);
    },
  );

  app.openapi(
    organizerRoute(auth, {
      method: 'post',
      path: '/api/ceremonies/{slug}/nominees/{nominee}/erase',
      summary: "Erase a rejected or withdrawn nominee's personal data",
      description:
        'Deletes the contact, empties the public texts, blanks the reasons of its nominations and deletes the values behind its commitments. The event log keeps verifying: it holds only ids, hashes and commitments.',
      tags: ['Nominees'],
      request: { params: NomineeParams },
      responses: { 200: json(Change, 'Erased') },
    }),
    async (c) => {
      const { slug, nominee } = c.req.valid('param');
      const { award, actor } = await manageAward(deps, c.get('organizer'), slug);
      const event = await eraseNominee(deps, award, nominee, actor);
      return c.json({ event }, 200);
    },
  );

  app.route('/', linkPages(deps));
  return app;
}

type C = Context<Env>;

/** The pages behind the mailed links. */
function linkPages(deps: AppDeps) {
  const web = new Hono<Env>();
  const sameOrigin = originGuard(deps);
  const loadAward = (ceremonyId: string) => requireAward(deps, ceremonyId);

  web.onError((err, c) => {
    const lang = pageLang(c);
    const t = translator(lang);
    if (err instanceof ApiError) return problemPage(c, lang, err);
    const unavailable = isStorageUnavailable(err);
    if (unavailable) c.header('retry-after', '1');
    else
      console.error(
        JSON.stringify({ level: 'error', requestId: c.get('requestId'), msg: 'page failed', error: String(err) }),
      );
    return page(c, unavailable ? 503 : 500, lang, t('error.title', { status: unavailable ? 503 : 500 }), [
      LinkProblemPage({
        ct: consentTranslator(lang),
        message: t(unavailable ? 'error.unavailable' : 'error.internal'),
        home: t('error.home'),
      }),
    ]);
  });

  /**
   * Runs a link page: the CSRF checks first for a POST, then the link is read (nothing is spent by reading). An
   * ApiError becomes a page that says, in the nominee's language, why the link cannot be used.
   */
  const linkPage =
    (
      purpose: LinkPurpose,
      method: 'get' | 'post',
      fn: (c: C, opened: OpenedLink, lang: Lang, form: Record<string, string>) => Promise<Response>,
    ) =>
    async (c: C) => {
      // The link is a secret: never cached, never indexed.
      c.header('cache-control', 'no-store');
      c.header('x-robots-tag', 'noindex');
      let form: Record<string, string> = {};
      if (method === 'post') {
        const fields = await verifiedForm(c, sameOrigin);
        if (!fields) return problemPage(c, pageLang(c), new ApiError('csrf-failed', 'CSRF check failed.'));
        form = fields;
      }
      let opened: OpenedLink | undefined;
      try {
        opened = await openLink(deps, c.req.param('token') ?? '', purpose, loadAward);
        return await fn(c, opened, pageLang(c, localesOf(opened.award)), form);
      } catch (err) {
        if (err instanceof ApiError)
          return problemPage(c, pageLang(c, opened ? localesOf(opened.award) : undefined), err, opened, purpose);
        throw err;
      }
    };

  web.get(
    '/consent/:token',
    linkPage('consent', 'get', async (c, opened, lang) => {
      const choices = consentChoices(opened);
      const ct = consentTranslator(lang);
      const view = nomineeView(opened, lang);
      const consent = opened.nominee.consent;
      return page(c, 200, lang, ct(view.guardian ? 'consent.titleGuardian' : 'consent.title'), [
        ConsentPage({
          ct,
          lang,
          view,
          csrf: csrfToken(c),
          action: consentPath(c.req.param('token') ?? ''),
          choices,
          until: formatInstant(opened.link.expiresAt, opened.award.ceremony.time_zone, lang),
          current: consent === 'given' || consent === 'declined' ? consent : undefined,
        }),
      ]);
    }),
  );

  web.post(
    '/consent/:token',
    linkPage('consent', 'post', async (c, opened, lang, form) => {
      const decision = form.decision;
      if (decision !== 'give' && decision !== 'decline')
        throw new ApiError('bad-request', 'Choose to give or to decline consent.');
      const { withdrawToken } = await answerConsent(deps, opened, decision, lang);
      const ct = consentTranslator(lang);
      return page(c, 200, lang, ct(decision === 'give' ? 'consent.given.title' : 'consent.declined.title'), [
        ConsentDonePage({
          ct,
          lang,
          view: nomineeView(opened, lang),
          decision,
          withdrawHref: withdrawToken ? withdrawPath(withdrawToken) : undefined,
        }),
      ]);
    }),
  );

  web.get(
    '/withdraw/:token',
    linkPage('withdraw', 'get', async (c, opened, lang) => {
      assertWithdrawable(opened);
      const ct = consentTranslator(lang);
      return page(c, 200, lang, ct('withdraw.title'), [
        WithdrawPage({
          ct,
          lang,
          view: nomineeView(opened, lang),
          csrf: csrfToken(c),
          action: withdrawPath(c.req.param('token') ?? ''),
        }),
      ]);
    }),
  );

  web.post(
    '/withdraw/:token',
    linkPage('withdraw', 'post', async (c, opened, lang) => {
      await withdrawByLink(deps, opened);
      const ct = consentTranslator(lang);
      return page(c, 200, lang, ct('withdraw.done.title'), [
        WithdrawDonePage({ ct, lang, view: nomineeView(opened, lang) }),
      ]);
    }),
  );

  return web;
}

function page(c: C, status: ContentfulStatusCode, lang: Lang, title: string, body: Child[]) {
  // Language links keep the page's own path (the token), never a query.
  return c.html(Document({ lang, t: translator(lang), title, path: c.req.path, children: body }), status);
}

/** The page for a refused link or form, with the refusal's status. */
function problemPage(c: C, lang: Lang, err: ApiError, opened?: OpenedLink, purpose?: LinkPurpose) {
  const t = translator(lang);
  const ct = consentTranslator(lang);
  const key = problemKey(err, opened, purpose);
  const message = key.consent ? ct(key.consent) : t(key.site);
  c.header('cache-control', 'no-store');
  return page(c, err.status, lang, ct('link.title'), [LinkProblemPage({ ct, message, home: t('error.home') })]);
}

/** Which text explains a refusal: by its stable code and, for a conflict, by the nominee's state. */
function problemKey(
  err: ApiError,
  opened?: OpenedLink,
  purpose?: LinkPurpose,
): { consent: ConsentKey; site?: undefined } | { site: MessageKey; consent?: undefined } {
  switch (err.code) {
    case 'token-invalid':
      return { consent: 'link.invalid' };
    case 'token-spent':
      return { consent: 'link.spent' };
    case 'frozen':
      return { consent: 'link.frozen' };
    case 'wrong-phase':
      return { consent: 'link.announced' };
    case 'not-found':
      return { consent: 'link.closed' };
    case 'csrf-failed':
      return { site: 'error.csrf' };
    case 'bad-request':
    case 'validation-failed':
      return { site: 'error.bad-request' };
    case 'rate-limited':
      return { site: 'error.rate-limited' };
    case 'busy':
    case 'storage-unavailable':
      return { site: 'error.unavailable' };
    case 'conflict': {
      const n = opened?.nominee;
      if (!n || n.erased === 1) return { consent: 'link.closed' };
      if (purpose === 'withdraw') return { consent: n.status === 'withdrawn' ? 'link.withdrawn' : 'link.closed' };
      if (n.status !== 'accepted') return { consent: 'link.closed' };
      return { consent: n.consent === 'given' || n.consent === 'declined' ? 'link.answered' : 'link.closed' };
    }
    default:
      return { site: err.status >= 500 ? 'error.internal' : 'error.bad-request' };
  }
}

function localesOf(award: AwardRows): string[] {
  try {
    const locales = JSON.parse(award.ceremony.locales) as unknown;
    return Array.isArray(locales) ? locales.filter((l): l is string => typeof l === 'string') : [];
  } catch {
    return [];
  }
}

/** The nominee, category and award names in the page language (the award's default language as fallback). */
function nomineeView(opened: OpenedLink, lang: Lang): NomineeView {
  const { award, nominee } = opened;
  const fallback = localesOf(award)[0] ?? lang;
  const category = award.categories.find((c: CategoryRow) => c.id === nominee.category_id);
  const categoryName = category ? (JSON.parse(category.content) as { name?: LocalizedText }).name : undefined;
  return {
    nominee: pickText((JSON.parse(nominee.content) as Partial<NomineeContent>).name, lang, fallback),
    category: pickText(categoryName, lang, fallback),
    award: pickText((JSON.parse(award.ceremony.content) as CeremonyContent).name, lang, fallback),
    guardian: opened.contact?.guardian ?? false,
  };
}
