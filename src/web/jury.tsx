/** @jsxImportSource hono/jsx */
/**
 * The juror portal's pages, over the jury service (src/jury/service.ts):
 *
 * - `GET /jury/invitations/:token` shows the invitation and spends nothing (mail scanners follow links); its form
 *   `POST`s to the same address, which spends the link once and sets the `laurel_juror` cookie: the juror session
 *   of one award, HttpOnly, Secure, SameSite=Lax, for as long as the session lasts. A link that does not work is
 *   a page: 401 when it is invalid or expired, 410 when it was spent or replaced.
 * - `GET /jury/:slug`: the portal with the juror's categories and how far each sheet is; without a session for
 *   this award, a form to get a new link by mail (`POST /jury/:slug/link`, one answer whatever the address).
 * - `GET /jury/:slug/:category`: the sheet: the declaration of conflicts first, then the rubric (one form per
 *   finalist) or the ranking (one form), and the submission that locks it. Each form posts to a path below it and
 *   comes back with 303 to the sheet.
 *
 * Every POST passes the CSRF checks first (403, nothing changed). A refusal of the service is shown on the page
 * the form came from, in the page language, with the refusal's status; the service guarantees that a refusal
 * changed nothing. Every page here is private (never cached): it names the juror or holds their scores.
 */
import { Hono } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { decodeJwt } from 'jose';
import { z } from 'zod';
import type { JurorRow } from '../../db/schema';
import type { AwardRows, NomineeContent } from '../ceremonies/model';
import { rank } from '../ceremonies/phases';
import type { LocalizedText, Phase } from '../ceremonies/schemas';
import { requireAward } from '../ceremonies/service';
import type { AppDeps } from '../deps';
import { ApiError } from '../errors';
import type { Env } from '../http/router';
import { type MessageKey, translator } from '../i18n/messages';
import { baseUrlOf } from '../jury/routes';
import {
  acceptInvitation,
  declareConflicts,
  JUROR_COOKIE,
  JUROR_SESSION_HOURS,
  jurorFromSession,
  jurorPortal,
  openInvitation,
  type PortalSheet,
  requestJurorLink,
  saveRanking,
  saveScores,
  submitSheet,
} from '../jury/service';
import { formatInstant, pickText } from './format';
import {
  InvitationPage,
  type JudgingStage,
  JurySignInPage,
  type JuryModeView,
  LinkProblemPage,
  PortalPage,
  portalHref,
  type SheetMessages,
  SheetPage,
  sheetHref,
  type SheetView,
  type SignInMessages,
} from './jury-pages';
import {
  type AwardPage,
  type C,
  csrfFailed,
  errorMessageKey,
  errorPage,
  openAwardPage,
  awardPage,
  privatePage,
  render,
} from './render';
import { COOKIE, csrfToken, originGuard, pageLang, verifiedForm } from './security';

const Email = z.email().max(254);
/** The longest token the JSON API takes for an invitation (jury/routes.ts). */
const MAX_TOKEN = 2048;

type Portal = Awaited<ReturnType<typeof jurorPortal>>;

/** Sets the juror cookie until the session expires; a CSRF token planted before sign-in is worth nothing after. */
export function startJurorSession(c: C, token: string, maxAgeSeconds: number): void {
  setCookie(c, JUROR_COOKIE, token, { ...COOKIE, maxAge: Math.max(1, Math.floor(maxAgeSeconds)) });
  csrfToken(c, { fresh: true });
}

/**
 * The juror of this award behind the `laurel_juror` cookie, or null. A cookie that is expired, forged or for
 * another award is ignored but kept: one browser holds one juror session, and it may belong to another award.
 */
export async function currentJuror(deps: AppDeps, c: C, award: AwardRows): Promise<JurorRow | null> {
  const token = getCookie(c, JUROR_COOKIE);
  if (!token) return null;
  try {
    return await jurorFromSession(deps, award, token);
  } catch (err) {
    if (err instanceof ApiError && err.code === 'token-invalid') return null;
    throw err;
  }
}

/** How far a sheet is, counted as the service counts it: finalists judged among those the juror may judge. */
export function sheetProgress(sheet: PortalSheet): { done: number; of: number } {
  const eligible = sheet.finalists.filter((f) => f.conflict === null);
  const done = eligible.filter((f) => f.scores !== undefined || sheet.ranking?.includes(f.id)).length;
  return { done, of: eligible.length };
}

/**
 * The ranking form as finalists best first: every finalist the juror may judge needs a rank from 1 to n, each
 * rank once. Otherwise the values sent, why, and the finalists in error.
 */
export function readRanking(
  form: Record<string, string>,
  finalists: readonly string[],
): { ranking: string[] } | { error: 'missing' | 'duplicate'; values: Record<string, string>; invalid: string[] } {
  const values = Object.fromEntries(finalists.map((f) => [f, (form[`rank-${f}`] ?? '').trim().slice(0, 8)]));
  const rankOf = (f: string) => {
    const v = values[f] ?? '';
    const n = Number(v);
    return /^\d+$/.test(v) && n >= 1 && n <= finalists.length ? n : null;
  };
  const missing = finalists.filter((f) => rankOf(f) === null);
  if (missing.length) return { error: 'missing', values, invalid: missing };
  const twice = finalists.filter((f) => finalists.some((g) => g !== f && rankOf(g) === rankOf(f)));
  if (twice.length) return { error: 'duplicate', values, invalid: twice };
  return { ranking: [...finalists].sort((a, b) => rankOf(a)! - rankOf(b)!) };
}

/** A score field as the service's input: a whole number when it reads as one, else the text (the service refuses it). */
const scoreValue = (v: string): number | string => (/^-?\d{1,9}$/.test(v) ? Number(v) : v);

/** Where judging stands for the pages: open as the service says, else not yet (before the close) or over. */
function stageOf(award: AwardRows, open: boolean): JudgingStage {
  if (open) return 'open';
  return rank(award.ceremony.phase as Phase) < rank('judging') ? 'not-yet' : 'closed';
}

/** Messages of the jury's refusals on the sheet pages, by the service's stable codes. */
const REFUSALS: Partial<Record<string, MessageKey>> = {
  'sheet-locked': 'jury.error.sheet-locked',
  'sheet-incomplete': 'jury.error.sheet-incomplete',
  'conflicts-undeclared': 'jury.error.conflicts-undeclared',
  'conflict-of-interest': 'jury.error.conflict-of-interest',
  'wrong-mode': 'jury.error.wrong-mode',
  'not-found': 'jury.error.not-found',
  'token-invalid': 'jury.signin.expired',
};

const SAVED: Partial<Record<string, MessageKey>> = {
  conflicts: 'jury.done.conflicts',
  scores: 'jury.done.scores',
  ranking: 'jury.done.ranking',
  submitted: 'jury.done.submitted',
};

/** Refusals shown on the page a form came from; anything else (5xx) goes to the error page. */
const onPage = (err: unknown): err is ApiError => err instanceof ApiError && err.status < 500;

const named = (content: string) => JSON.parse(content) as { name?: LocalizedText };

export function juryPageRoutes(deps: AppDeps) {
  const web = new Hono<Env>();
  const sameOrigin = originGuard(deps);

  const text = (p: AwardPage, value: LocalizedText | undefined) => pickText(value, p.lang, p.fallback);
  const institutionName = (p: AwardPage, juror: JurorRow) => {
    const institution = p.award.institutions.find((i) => i.id === juror.institution_id);
    return text(p, institution ? named(institution.content).name : undefined);
  };
  const categoryName = (p: AwardPage, id: string) => {
    const cat = p.award.categories.find((x) => x.id === id);
    return text(p, cat ? named(cat.content).name : undefined);
  };
  const judgingCloses = (p: AwardPage) => {
    const closes = p.award.ceremony.judging_closes;
    return closes === null ? undefined : formatInstant(Number(closes), p.award.ceremony.time_zone, p.lang);
  };

  // ---------------------------------------------------------------------------------------- invitation

  /** The page of a link that does not work; other errors go on to the error page. */
  const linkProblem = async (c: C, err: unknown, token: string) => {
    if (!(err instanceof ApiError) || (err.code !== 'token-invalid' && err.code !== 'token-spent')) throw err;
    let p: AwardPage | undefined;
    if (err.code === 'token-spent') {
      // Only a link whose signature verified is "spent", so its award claim can be trusted: it says where a new
      // link can be asked for.
      const cer = decodeJwt(token).cer;
      const award = typeof cer === 'string' ? await requireAward(deps, cer).catch(() => undefined) : undefined;
      if (award) p = awardPage(c, award);
    }
    const lang = p?.lang ?? pageLang(c);
    const t = translator(lang);
    const kind = err.code === 'token-spent' ? 'spent' : 'invalid';
    return render(
      c,
      err.status,
      { lang, t, title: t(kind === 'spent' ? 'jury.link.spentTitle' : 'jury.link.invalidTitle'), path: c.req.path },
      <LinkProblemPage t={t} kind={kind} award={p?.ref} />,
    );
  };

  web.get('/jury/invitations/:token', async (c) => {
    privatePage(c);
    const token = c.req.param('token');
    let opened: Awaited<ReturnType<typeof openInvitation>>;
    try {
      if (token.length > MAX_TOKEN) throw new ApiError('token-invalid', 'This invitation link is not valid.');
      opened = await openInvitation(deps, token);
    } catch (err) {
      return linkProblem(c, err, token);
    }
    const p = awardPage(c, await requireAward(deps, opened.juror.ceremony_id));
    const portal = await jurorPortal(deps, p.award, opened.juror);
    return render(
      c,
      200,
      { lang: p.lang, t: p.t, title: p.t('jury.invite.title'), path: c.req.path },
      <InvitationPage
        t={p.t}
        lang={p.lang}
        token={csrfToken(c)}
        view={{
          award: p.ref,
          juror: opened.juror.name,
          institution: institutionName(p, opened.juror),
          categories: portal.sheets.map((s) => categoryName(p, s.category)),
          until: formatInstant(opened.link.expiresAt, p.award.ceremony.time_zone, p.lang),
          hours: JUROR_SESSION_HOURS,
          action: c.req.path,
        }}
      />,
    );
  });

  web.post('/jury/invitations/:token', async (c) => {
    privatePage(c);
    const form = await verifiedForm(c, sameOrigin);
    if (!form) return csrfFailed(c);
    const token = c.req.param('token');
    let session: Awaited<ReturnType<typeof acceptInvitation>>;
    try {
      if (token.length > MAX_TOKEN) throw new ApiError('token-invalid', 'This invitation link is not valid.');
      session = await acceptInvitation(deps, token);
    } catch (err) {
      return linkProblem(c, err, token);
    }
    startJurorSession(c, session.token, (session.expiresAt - deps.clock()) / 1000);
    const award = await requireAward(deps, session.juror.ceremony_id);
    return c.redirect(portalHref(award.ceremony.slug), 303);
  });

  // ---------------------------------------------------------------------------------------- portal

  /** The award of the path, with the juror of this browser if it holds a session for it. */
  const signedIn = async (c: C) => {
    const p = await openAwardPage(deps, c);
    return { p, juror: await currentJuror(deps, c, p.award) };
  };

  const signInPage = (c: C, p: AwardPage, status: ContentfulStatusCode, messages: SignInMessages = {}) =>
    render(
      c,
      status,
      { lang: p.lang, t: p.t, title: `${p.t('jury.portal')} · ${p.ref.name.text}`, path: portalHref(p.ref.slug) },
      <JurySignInPage t={p.t} lang={p.lang} award={p.ref} token={csrfToken(c)} messages={messages} />,
    );

  web.get('/jury/:slug', async (c) => {
    privatePage(c);
    const { p, juror } = await signedIn(c);
    if (!juror) return signInPage(c, p, 200);
    const portal = await jurorPortal(deps, p.award, juror);
    return render(
      c,
      200,
      { lang: p.lang, t: p.t, title: `${p.t('jury.portal')} · ${p.ref.name.text}`, path: portalHref(p.ref.slug) },
      <PortalPage
        t={p.t}
        lang={p.lang}
        view={{
          award: p.ref,
          juror: portal.juror.name,
          institution: institutionName(p, juror),
          stage: stageOf(p.award, portal.open),
          closes: judgingCloses(p),
          mode: portal.jury.mode,
          sheets: portal.sheets.map((s) => ({
            slug: s.slug,
            name: categoryName(p, s.category),
            declared: s.declared,
            submitted: s.submitted,
            finalists: s.finalists.length,
            ...sheetProgress(s),
          })),
        }}
      />,
    );
  });

  web.post('/jury/:slug/link', async (c) => {
    privatePage(c);
    const form = await verifiedForm(c, sameOrigin);
    if (!form) return csrfFailed(c);
    const p = await openAwardPage(deps, c);
    const email = (form.email ?? '').trim().slice(0, 300);
    if (!Email.safeParse(email).success) return signInPage(c, p, 400, { email, error: p.t('error.email') });
    try {
      await requestJurorLink(deps, p.award, email, { baseUrl: baseUrlOf(deps, c), locale: p.lang });
    } catch (err) {
      if (!onPage(err)) throw err;
      const error = err.code === 'rate-limited' ? p.t('jury.signin.limited') : p.t(errorMessageKey(err));
      return signInPage(c, p, err.status, { email, error });
    }
    return signInPage(c, p, 200, { sent: email });
  });

  // ---------------------------------------------------------------------------------------- score sheet

  const sheetView = (p: AwardPage, portal: Portal, sheet: PortalSheet): SheetView => {
    const rule = portal.jury;
    const jury: JuryModeView =
      rule.mode === 'rubric'
        ? {
            mode: 'rubric',
            scale: rule.scale,
            criteria: rule.criteria.map((k) => ({
              id: k.id,
              label: k.label ? text(p, k.label) : { text: k.id, lang: p.lang },
              weight: k.weight,
            })),
            totalWeight: rule.criteria.reduce((sum, k) => sum + k.weight, 0),
          }
        : { mode: 'ranking' };
    // Ranks count among the finalists the juror may judge: a conflict added after ranking leaves no gap.
    const ranked = (sheet.ranking ?? []).filter((id) => sheet.finalists.some((f) => f.id === id && !f.conflict));
    const { done, of } = sheetProgress(sheet);
    return {
      award: p.ref,
      category: { slug: sheet.slug, name: categoryName(p, sheet.category) },
      stage: stageOf(p.award, portal.open),
      declared: sheet.declared,
      submitted: sheet.submitted,
      jury,
      finalists: sheet.finalists.map((f) => {
        const row = p.award.nominees.find((n) => n.id === f.id);
        const content = row ? (JSON.parse(row.content) as NomineeContent) : undefined;
        const at = ranked.indexOf(f.id);
        return {
          slug: f.slug,
          name: text(p, content?.name),
          affiliation: text(p, content?.affiliation),
          conflict: f.conflict,
          scores: f.scores,
          rank: at >= 0 ? at + 1 : undefined,
        };
      }),
      left: of - done,
    };
  };

  /** The juror's sheet of the `:category` in the path, or null when no such category is assigned to them. */
  const loadSheet = async (c: C, p: AwardPage, juror: JurorRow) => {
    const portal = await jurorPortal(deps, p.award, juror);
    const sheet = portal.sheets.find((s) => s.slug === c.req.param('category'));
    return sheet ? { sheet, view: sheetView(p, portal, sheet) } : null;
  };

  const sheetPage = (c: C, p: AwardPage, view: SheetView, status: ContentfulStatusCode, messages: SheetMessages = {}) =>
    render(
      c,
      status,
      {
        lang: p.lang,
        t: p.t,
        title: `${view.category.name.text} · ${p.t('jury.portal')}`,
        path: sheetHref(view.award.slug, view.category.slug),
      },
      <SheetPage t={p.t} lang={p.lang} view={view} token={csrfToken(c)} messages={messages} />,
    );

  const notAssigned = (c: C, p: AwardPage) => errorPage(c, p.lang, 404, p.t('jury.error.not-found'));

  web.get('/jury/:slug/:category', async (c) => {
    privatePage(c);
    const { p, juror } = await signedIn(c);
    if (!juror) return signInPage(c, p, 200);
    const loaded = await loadSheet(c, p, juror);
    if (!loaded) return notAssigned(c, p);
    const saved = SAVED[c.req.query('saved') ?? ''];
    return sheetPage(c, p, loaded.view, 200, { notice: saved ? p.t(saved) : undefined });
  });

  /** A posted sheet form that passed the CSRF checks, with its award, juror and sheet; or the page to answer. */
  const sheetPost = async (c: C) => {
    privatePage(c);
    const form = await verifiedForm(c, sameOrigin);
    if (!form) return { answer: csrfFailed(c) };
    const { p, juror } = await signedIn(c);
    if (!juror) return { answer: signInPage(c, p, 401, { alert: p.t('jury.signin.expired') }) };
    const loaded = await loadSheet(c, p, juror);
    if (!loaded) return { answer: notAssigned(c, p) };
    return { form, p, juror, ...loaded };
  };

  /** The message of a refusal on a sheet page, in the page language. */
  const refusalMessage = (p: AwardPage, err: ApiError) => {
    if (err.code === 'wrong-phase')
      return p.t(stageOf(p.award, false) === 'not-yet' ? 'jury.error.notYet' : 'jury.error.closed');
    return p.t(REFUSALS[err.code] ?? errorMessageKey(err));
  };

  const backToSheet = (c: C, view: SheetView, saved: string, anchor = '') =>
    c.redirect(`${sheetHref(view.award.slug, view.category.slug)}?saved=${saved}${anchor}`, 303);

  web.post('/jury/:slug/:category/conflicts', async (c) => {
    const s = await sheetPost(c);
    if ('answer' in s) return s.answer;
    const { form, p, view } = s;
    const ticked = view.finalists.filter((f) => !f.conflict && form[`conflict-${f.slug}`] === 'yes').map((f) => f.slug);
    // The later form only adds: sent with no box ticked, there is nothing to declare.
    if (form.add === '1' && ticked.length === 0) return c.redirect(sheetHref(view.award.slug, view.category.slug), 303);
    try {
      await declareConflicts(deps, p.award, s.juror, s.sheet.category, ticked);
    } catch (err) {
      if (!onPage(err)) throw err;
      return sheetPage(c, p, view, err.status, { alert: refusalMessage(p, err) });
    }
    return backToSheet(c, view, 'conflicts');
  });

  web.post('/jury/:slug/:category/scores/:nominee', async (c) => {
    const s = await sheetPost(c);
    if ('answer' in s) return s.answer;
    const { form, p, view } = s;
    const nominee = c.req.param('nominee');
    const criteria = view.jury.mode === 'rubric' ? view.jury.criteria : [];
    const values = Object.fromEntries(criteria.map((k) => [k.id, (form[`score-${k.id}`] ?? '').trim().slice(0, 12)]));
    try {
      const scores = Object.fromEntries(Object.entries(values).map(([k, v]) => [k, scoreValue(v)]));
      await saveScores(deps, p.award, s.juror, s.sheet.category, nominee, scores);
    } catch (err) {
      if (!onPage(err)) throw err;
      if (err.code === 'validation-failed' && view.jury.mode === 'rubric') {
        const [min, max] = view.jury.scale;
        const invalid = err.fields.map((f) => f.path.replace(/^body\.scores\./, ''));
        return sheetPage(c, p, view, err.status, {
          alert: p.t('jury.error.scores', { min, max }),
          scores: { nominee, values, invalid },
        });
      }
      return sheetPage(c, p, view, err.status, { alert: refusalMessage(p, err) });
    }
    return backToSheet(c, view, 'scores', `#fin-${encodeURIComponent(nominee)}`);
  });

  web.post('/jury/:slug/:category/ranking', async (c) => {
    const s = await sheetPost(c);
    if ('answer' in s) return s.answer;
    const { form, p, view } = s;
    const read = readRanking(
      form,
      view.finalists.filter((f) => !f.conflict).map((f) => f.slug),
    );
    if ('error' in read)
      return sheetPage(c, p, view, 400, {
        alert: p.t(read.error === 'duplicate' ? 'jury.ranking.duplicate' : 'jury.ranking.missing'),
        ranks: { values: read.values, invalid: read.invalid },
      });
    try {
      await saveRanking(deps, p.award, s.juror, s.sheet.category, read.ranking);
    } catch (err) {
      if (!onPage(err)) throw err;
      const alert = err.code === 'validation-failed' ? p.t('jury.ranking.missing') : refusalMessage(p, err);
      return sheetPage(c, p, view, err.status, { alert });
    }
    return backToSheet(c, view, 'ranking');
  });

  web.post('/jury/:slug/:category/submit', async (c) => {
    const s = await sheetPost(c);
    if ('answer' in s) return s.answer;
    const { p, view } = s;
    try {
      await submitSheet(deps, p.award, s.juror, s.sheet.category);
    } catch (err) {
      if (!onPage(err)) throw err;
      return sheetPage(c, p, view, err.status, { alert: refusalMessage(p, err) });
    }
    return backToSheet(c, view, 'submitted');
  });

  return web;
}
