/** @jsxImportSource hono/jsx */
/**
 * The organizer's moderation pages: the queue, the accept / reject / merge forms and the CSV export, with the
 * cookie session of the organizer pages (the JSON API needs a Bearer token, which a browser does not send).
 *
 * Every form POST passes the CSRF checks first (403, nothing changed), then the session and the organizer's right
 * to manage the award. A refusal of the nominations service (the list is frozen, the nominee changed meanwhile,
 * no such nominee …) shows the moderation page again with the message and the refusal's status; the service
 * guarantees that a refusal changed nothing. A success answers 303 back to the page with a notice.
 */
import { Hono } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { AwardRows } from '../ceremonies/model';
import type { LocalizedText } from '../ceremonies/schemas';
import { requireAward } from '../ceremonies/service';
import type { AppDeps } from '../deps';
import { ApiError } from '../errors';
import type { Env } from '../http/router';
import { type Lang, type MessageKey, translator } from '../i18n/messages';
import {
  acceptNominee,
  exportNominationsCsv,
  mergeNominee,
  moderationQueue,
  rejectNominee,
} from '../nominations/service';
import { actorIn, type OrganizerPrincipal } from '../organizers/service';
import { pickText } from './format';
import {
  MergePage,
  type MergeView,
  type ModerationError,
  ModerationPage,
  type ModerationView,
  type ModNominee,
  moderationPath,
} from './moderation-pages';
import { type C, contentOf, csrfFailed, errorMessageKey, localesOf, managedAward, privatePage, render } from './render';
import { csrfToken, currentOrganizer, originGuard, pageLang, verifiedForm } from './security';

/** Nominee statuses that can still be merged into. */
const STANDING = ['pending', 'accepted'];
const DONE: Record<string, MessageKey> = {
  accepted: 'done.accepted',
  rejected: 'done.rejected',
  merged: 'done.merged',
};

type QueueNominee = Awaited<ReturnType<typeof moderationQueue>>['accepted'][number];

/** Groups of pending nominees per page: a page stays well under 50 KB however many proposals come in. */
export const GROUPS_PER_PAGE = 10;

export interface ModerationQuery {
  /** Only this category (slug): its pending nominees and its accepted ones with their consent. */
  category?: string | undefined;
  page?: number | undefined;
  /** Show the page that holds this nominee (after a refused form, so its message is on screen). */
  focus?: string | undefined;
}

/** How the queue's nominees and categories read in the page language. */
function viewers(award: AwardRows, lang: Lang) {
  const fallback = localesOf(award.ceremony)[0] ?? lang;
  const categoryName = new Map(
    award.categories.map((c) => [
      c.slug,
      pickText((JSON.parse(c.content) as { name?: LocalizedText }).name, lang, fallback),
    ]),
  );
  const category = (slug: string) => ({ slug, name: categoryName.get(slug) ?? { text: slug, lang } });
  const view = (n: QueueNominee): ModNominee => ({
    id: n.id,
    slug: n.slug,
    name: pickText(n.name, lang, fallback),
    affiliation: pickText(n.affiliation, lang, fallback),
    region: pickText(n.region, lang, fallback),
    citation: pickText(n.citation, lang, fallback),
    status: n.status,
    consent: n.consent,
    contact: n.contact,
    guardian: n.guardian,
    nominations: n.nominations,
    reasons: n.reasons ?? [],
    category: category(n.category),
  });
  return { fallback, category, view };
}

async function moderationView(
  deps: AppDeps,
  award: AwardRows,
  lang: Lang,
  query: ModerationQuery,
): Promise<ModerationView> {
  const queue = await moderationQueue(deps, award);
  const { fallback, category, view } = viewers(award, lang);
  const chosen = query.category;
  const groups = queue.groups.filter((g) => !chosen || g.category === chosen);
  const pages = Math.max(1, Math.ceil(groups.length / GROUPS_PER_PAGE));
  const focused = query.focus ? groups.findIndex((g) => g.nominees.some((n) => n.id === query.focus)) : -1;
  const page = focused >= 0 ? Math.floor(focused / GROUPS_PER_PAGE) + 1 : Math.min(pages, Math.max(1, query.page ?? 1));
  const shown = groups.slice((page - 1) * GROUPS_PER_PAGE, page * GROUPS_PER_PAGE);
  const mergeTargets: ModerationView['mergeTargets'] = {};
  for (const group of shown)
    for (const n of group.nominees)
      mergeTargets[n.id] = [...group.nominees, ...group.matches]
        .filter((x) => x.id !== n.id)
        .map((x) => ({ id: x.id, name: pickText(x.name, lang, fallback), status: x.status }));
  const count = (list: { category: string }[], slug: string) => list.filter((n) => n.category === slug).length;
  const pendingNominees = queue.groups.flatMap((g) => g.nominees);
  return {
    slug: award.ceremony.slug,
    name: pickText(contentOf(award.ceremony).name, lang, fallback),
    editable: queue.phase === 'draft' || queue.phase === 'nominating',
    counts: queue.counts,
    categories: award.categories.map((c) => ({
      ...category(c.slug),
      pending: count(pendingNominees, c.slug),
      accepted: count(queue.accepted, c.slug),
    })),
    category: chosen ? category(chosen) : undefined,
    page,
    pages,
    groups: shown.map((g) => ({
      category: category(g.category),
      nominees: g.nominees.map(view),
      matches: g.matches.map(view),
    })),
    accepted: chosen ? queue.accepted.filter((n) => n.category === chosen).map(view) : null,
    mergeTargets,
  };
}

/** The merge page of one pending or accepted nominee: every other standing nominee of its category as a target. */
async function mergeView(deps: AppDeps, award: AwardRows, lang: Lang, ref: string): Promise<MergeView> {
  const queue = await moderationQueue(deps, award);
  const found = [...queue.groups.flatMap((g) => g.nominees), ...queue.accepted].find(
    (n) => n.id === ref || n.slug === ref,
  );
  if (!found) throw new ApiError('conflict', 'Only a pending or accepted nominee can be merged.');
  if (queue.phase !== 'draft' && queue.phase !== 'nominating')
    throw new ApiError('frozen', 'The nominee list is frozen since voting opened.');
  const { fallback, view } = viewers(award, lang);
  const row = award.nominees.find((n) => n.id === found.id)!;
  return {
    slug: award.ceremony.slug,
    award: pickText(contentOf(award.ceremony).name, lang, fallback),
    nominee: view(found),
    targets: award.nominees
      .filter((n) => n.category_id === row.category_id && n.id !== row.id && STANDING.includes(n.status))
      .sort((a, b) => a.position - b.position)
      .map((n) => ({
        id: n.id,
        name: pickText((JSON.parse(n.content) as { name: LocalizedText }).name, lang, fallback),
        status: n.status,
      })),
  };
}

export function moderationRoutes(deps: AppDeps) {
  const web = new Hono<Env>();
  const sameOrigin = originGuard(deps);

  const moderationPage = async (
    c: C,
    status: ContentfulStatusCode,
    award: AwardRows,
    query: ModerationQuery,
    message: { notice?: string | undefined; error?: ModerationError | undefined } = {},
  ) => {
    const lang = pageLang(c, localesOf(award.ceremony));
    const t = translator(lang);
    const token = csrfToken(c);
    const view = await moderationView(deps, award, lang, query);
    return render(
      c,
      status,
      {
        lang,
        t,
        title: `${t('mod.title')} · ${view.name.text}`,
        path: moderationPath(view.slug, { category: view.category?.slug, page: view.page }),
        signOutToken: token,
      },
      <ModerationPage t={t} lang={lang} view={view} token={token} notice={message.notice} error={message.error} />,
    );
  };

  web.get('/organizer/a/:slug/moderation', async (c) => {
    privatePage(c);
    const who = await currentOrganizer(deps, c);
    if (!who) return c.redirect('/organizer/login', 303);
    const award = await managedAward(deps, who, c.req.param('slug'));
    const done = DONE[c.req.query('done') ?? ''];
    const notice = done ? translator(pageLang(c, localesOf(award.ceremony)))(done) : undefined;
    const category = c.req.query('category') || undefined;
    if (category && !award.categories.some((x) => x.slug === category))
      throw new ApiError('not-found', 'No such category.');
    const page = Number.parseInt(c.req.query('page') ?? '1', 10);
    return moderationPage(c, 200, award, { category, page: Number.isFinite(page) ? page : 1 }, { notice });
  });

  web.get('/organizer/a/:slug/nominations.csv', async (c) => {
    privatePage(c);
    const who = await currentOrganizer(deps, c);
    if (!who) return c.redirect('/organizer/login', 303);
    const award = await managedAward(deps, who, c.req.param('slug'));
    return c.body(await exportNominationsCsv(deps, award), 200, {
      'content-type': 'text/csv; charset=utf-8',
      'content-disposition': `attachment; filename="${award.ceremony.slug}-nominees.csv"`,
    });
  });

  const mergePage = async (c: C, status: ContentfulStatusCode, award: AwardRows, ref: string, error?: string) => {
    const lang = pageLang(c, localesOf(award.ceremony));
    const t = translator(lang);
    const token = csrfToken(c);
    const view = await mergeView(deps, award, lang, ref);
    return render(
      c,
      status,
      {
        lang,
        t,
        title: t('mod.mergeTitle', { name: view.nominee.name.text }),
        path: `/organizer/a/${view.slug}/nominees/${view.nominee.id}/merge`,
        signOutToken: token,
      },
      <MergePage t={t} lang={lang} view={view} token={token} error={error} />,
    );
  };

  web.get('/organizer/a/:slug/nominees/:id/merge', async (c) => {
    privatePage(c);
    const who = await currentOrganizer(deps, c);
    if (!who) return c.redirect('/organizer/login', 303);
    const award = await managedAward(deps, who, c.req.param('slug'));
    return mergePage(c, 200, award, c.req.param('id'));
  });

  /**
   * A moderation form: CSRF, session, the organizer's right, then `run`. A field left empty is refused before the
   * service is asked; a refusal of the service shows the page again with its message.
   */
  const decide =
    (
      done: 'accepted' | 'rejected' | 'merged',
      run: (
        award: AwardRows,
        nominee: string,
        form: Record<string, string>,
        actor: string,
      ) => Promise<unknown> | { field: 'reason' | 'into'; key: MessageKey },
    ) =>
    async (c: C) => {
      privatePage(c);
      const form = await verifiedForm(c, sameOrigin);
      if (!form) return csrfFailed(c);
      const who: OrganizerPrincipal | null = await currentOrganizer(deps, c);
      if (!who) return c.redirect('/organizer/login', 303);
      const award = await managedAward(deps, who, c.req.param('slug') ?? '');
      const nominee = c.req.param('id') ?? '';
      const t = translator(pageLang(c, localesOf(award.ceremony)));
      // Back to the nominee's category, where the organizer was working.
      const row = award.nominees.find((n) => n.id === nominee);
      const category = award.categories.find((x) => x.id === row?.category_id)?.slug;
      const query = { category, focus: nominee };
      try {
        const outcome = run(award, nominee, form, actorIn(who, award.ceremony.id));
        if ('field' in outcome && form.from === 'merge-page') return mergePage(c, 400, award, nominee, t(outcome.key));
        if ('field' in outcome)
          return moderationPage(c, 400, award, query, {
            error: { message: t(outcome.key), nominee, field: outcome.field },
          });
        await outcome;
      } catch (err) {
        if (!(err instanceof ApiError) || err.status >= 500 || err.code === 'forbidden') throw err;
        const field = done === 'merged' && err.code === 'validation-failed' ? 'into' : undefined;
        const fresh = await requireAward(deps, award.ceremony.id);
        if (form.from === 'merge-page' && err.code === 'validation-failed')
          return mergePage(c, err.status, fresh, nominee, t(errorMessageKey(err)));
        return moderationPage(c, err.status, fresh, query, {
          error: { message: t(errorMessageKey(err)), nominee, field },
        });
      }
      return c.redirect(`${moderationPath(award.ceremony.slug, { category })}${category ? '&' : '?'}done=${done}`, 303);
    };

  web.post(
    '/organizer/a/:slug/nominees/:id/accept',
    decide('accepted', (award, nominee, _form, actor) => acceptNominee(deps, award, nominee, actor)),
  );

  web.post(
    '/organizer/a/:slug/nominees/:id/reject',
    decide('rejected', (award, nominee, form, actor) => {
      const reason = (form.reason ?? '').trim();
      if (!reason) return { field: 'reason', key: 'mod.error.reason' };
      if (reason.length > 2000) return { field: 'reason', key: 'nominate.error.tooLong' };
      return rejectNominee(deps, award, nominee, reason, actor);
    }),
  );

  web.post(
    '/organizer/a/:slug/nominees/:id/merge',
    decide('merged', (award, nominee, form, actor) => {
      const into = (form.into ?? '').trim();
      if (!into || into.length > 64) return { field: 'into', key: 'mod.error.into' };
      return mergeNominee(deps, award, nominee, into, actor);
    }),
  );

  return web;
}
