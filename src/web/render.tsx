/** @jsxImportSource hono/jsx */
/**
 * What every page router shares: rendering a body inside the site layout, the HTML error page, the message of an
 * ApiError on a page, and the one onError of the page routers (HTML with the right status, never problem+json).
 */
import type { Context } from 'hono';
import type { Child } from 'hono/jsx';
import { raw } from 'hono/html';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { CeremonyRow } from '../../db/schema';
import type { AwardRows, CeremonyContent } from '../ceremonies/model';
import { requireAward } from '../ceremonies/service';
import type { AppDeps } from '../deps';
import { ApiError, isStorageUnavailable } from '../errors';
import type { Env } from '../http/router';
import { type Lang, type MessageKey, type Translate, translator } from '../i18n/messages';
import { manageAward, type OrganizerPrincipal } from '../organizers/service';
import { pickText } from './format';
import { Layout } from './layout';
import { ErrorPage } from './pages';
import { pageLang } from './security';
import type { AwardRef } from './voter-pages';

export type C = Context<Env>;

export interface Frame {
  lang: Lang;
  t: Translate;
  title: string;
  /** Path of the language links (may carry a query, e.g. the verification page's return_to). */
  path: string;
  signOutToken?: string | undefined;
}

export function render(c: C, status: ContentfulStatusCode, frame: Frame, body: Child) {
  return c.html(
    <>
      {raw('<!doctype html>')}
      <Layout lang={frame.lang} t={frame.t} title={frame.title} path={frame.path} signOutToken={frame.signOutToken}>
        {body}
      </Layout>
    </>,
    status,
  );
}

/** The message shown for an ApiError on a page, by its stable code. */
export function errorMessageKey(err: ApiError): MessageKey {
  switch (err.code) {
    case 'not-found':
    case 'forbidden':
    case 'phase-backwards':
    case 'wrong-phase':
    case 'frozen':
    case 'conflict':
    case 'code-invalid':
    case 'code-expired':
    case 'code-locked':
    case 'rate-limited':
    case 'bad-request':
    case 'disposable-email':
    case 'wrong-method':
    case 'token-spent':
    case 'nomination-limit':
    case 'already-voted':
      return `error.${err.code}`;
    case 'csrf-failed':
      return 'error.csrf';
    case 'validation-failed':
      return 'error.bad-request';
    case 'busy':
    case 'storage-unavailable':
      return 'error.unavailable';
    default:
      return err.status >= 500 ? 'error.internal' : 'error.bad-request';
  }
}

export function errorPage(c: C, lang: Lang, status: ContentfulStatusCode, message: string, signOutToken?: string) {
  const t = translator(lang);
  const title = t('error.title', { status });
  c.header('cache-control', 'no-store');
  return render(
    c,
    status,
    { lang, t, title, path: c.req.path, signOutToken },
    <ErrorPage t={t} status={status} message={message} />,
  );
}

/** The 403 page of a form that failed the CSRF checks; nothing was changed. */
export function csrfFailed(c: C) {
  const lang = pageLang(c);
  return errorPage(c, lang, 403, translator(lang)('error.csrf'));
}

/** onError of the page routers: an ApiError as a page with its status; storage faults 503; anything else 500. */
export function pageError(err: Error, c: C) {
  const lang = pageLang(c);
  const t = translator(lang);
  if (err instanceof ApiError) return errorPage(c, lang, err.status, t(errorMessageKey(err)));
  if (isStorageUnavailable(err)) {
    c.header('retry-after', '1');
    return errorPage(c, lang, 503, t('error.unavailable'));
  }
  console.error(
    JSON.stringify({
      level: 'error',
      requestId: c.get('requestId'),
      msg: 'page failed',
      error: err.stack ?? String(err),
    }),
  );
  return errorPage(c, lang, 500, t('error.internal'));
}

/** Private pages (organizer pages, a voter's own): never cached. */
export const privatePage = (c: C) => c.header('cache-control', 'no-store');

export function localesOf(c: CeremonyRow): string[] {
  try {
    const locales = JSON.parse(c.locales) as unknown;
    return Array.isArray(locales) ? locales.filter((l): l is string => typeof l === 'string') : [];
  } catch {
    return [];
  }
}

export const contentOf = (c: CeremonyRow) => JSON.parse(c.content) as CeremonyContent;

/** A published award (drafts are not there at all for the public pages): a 404 page otherwise. */
export async function publishedAward(deps: AppDeps, slug: string): Promise<AwardRows> {
  const rows = await requireAward(deps, slug);
  if (rows.ceremony.phase === 'draft') throw new ApiError('not-found', 'No such award.');
  return rows;
}

/** The award, when the signed-in organizer may manage it; a 403 page otherwise. */
export async function managedAward(deps: AppDeps, who: OrganizerPrincipal, slug: string): Promise<AwardRows> {
  return (await manageAward(deps, who, slug)).award;
}

/** A public page of one award: the award, the page language among its locales, its translator and fallback. */
export interface AwardPage {
  award: AwardRows;
  lang: Lang;
  t: Translate;
  fallback: string;
  ref: AwardRef;
}

/** The published award of the `:slug` in the path, with the page language chosen among its locales. */
export async function openAwardPage(deps: AppDeps, c: C): Promise<AwardPage> {
  return awardPage(c, await publishedAward(deps, c.req.param('slug') ?? ''));
}

/** The page of an award already loaded (e.g. one a link names by id), the language chosen among its locales. */
export function awardPage(c: C, award: AwardRows): AwardPage {
  const locales = localesOf(award.ceremony);
  const lang = pageLang(c, locales);
  const fallback = locales[0] ?? lang;
  return {
    award,
    lang,
    t: translator(lang),
    fallback,
    ref: { slug: award.ceremony.slug, name: pickText(contentOf(award.ceremony).name, lang, fallback) },
  };
}
