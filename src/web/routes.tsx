/** @jsxImportSource hono/jsx */
/**
 * The server-rendered pages: public award pages and the organizer's sign-in, dashboard and phase control, with
 * the public's verification, nominate and "my nominations" pages (voter.tsx) and the organizer's moderation
 * (moderation.tsx) mounted in. They work without JavaScript, are translated (en, ru, ky; award texts per locale)
 * and small.
 *
 * Page handlers answer errors with an HTML page and the right status (this router's own onError), never with
 * the API's problem+json (render.tsx `pageError`). Every form POST is checked twice before anything happens (security.ts): Origin via
 * hono/csrf and the double-submit `_csrf` token; a failed check answers 403 and changes nothing.
 */
import { Hono } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { z } from 'zod';
import type { CeremonyRow } from '../../db/schema';
import { isListed, type AwardRows, type NomineeContent, publicAward, rowInstants } from '../ceremonies/model';
import { MANUAL_TARGETS, rank, WINDOWED } from '../ceremonies/phases';
import { listCeremonies } from '../ceremonies/repository';
import { PHASES, type LocalizedText, type Phase } from '../ceremonies/schemas';
import { movePhase, requireAward } from '../ceremonies/service';
import type { AppDeps } from '../deps';
import { ApiError } from '../errors';
import type { Env } from '../http/router';
import { type Lang, translator } from '../i18n/messages';
import { actorIn, isSiteOrganizer, requestOrganizerCode, signInOrganizer } from '../organizers/service';
import { ballotPageRoutes, checksReceipts, takingVotes } from './ballot';
import { pickText, safeHttpUrl, type Picked } from './format';
import { moderationRoutes } from './moderation';
import {
  type AwardView,
  AwardPage,
  type CategoryView,
  CategoryPage,
  CodePage,
  DashboardPage,
  HomePage,
  LoginPage,
  type ManageView,
  ManagePage,
  type ScheduleWindow,
} from './pages';
import {
  type C,
  contentOf,
  csrfFailed,
  errorMessageKey,
  localesOf,
  managedAward,
  pageError,
  privatePage,
  publishedAward,
  render,
} from './render';
import {
  clearSession,
  csrfToken,
  currentOrganizer,
  originGuard,
  pageLang,
  startSession,
  verifiedForm,
} from './security';
import { juryPageRoutes } from './jury';
import { resultsPageRoutes } from './results';
import { takingNominations, voterRoutes } from './voter';

type Named = { name: LocalizedText; description?: LocalizedText };

const Email = z.email().max(254);
const CodeField = z.string().regex(/^\s*\d{3}\s?\d{3}\s*$/);

function windowsOf(c: CeremonyRow): ScheduleWindow[] {
  const instants = rowInstants(c);
  return WINDOWED.map((phase) => ({ phase, opens: instants[phase].opens, closes: instants[phase].closes }));
}

export function webRoutes(deps: AppDeps) {
  const web = new Hono<Env>();
  const sameOrigin = originGuard(deps);
  const { db } = deps.store;

  web.onError(pageError);

  // ------------------------------------------------------------------------------------------ public pages

  web.get('/', async (c) => {
    const lang = pageLang(c);
    const t = translator(lang);
    const rows = await listCeremonies(db, { includeDrafts: false });
    const awards = rows.map((r) => ({
      slug: r.slug,
      name: pickText(contentOf(r).name, lang, localesOf(r)[0] ?? 'en'),
      phase: r.phase,
    }));
    return render(
      c,
      200,
      { lang, t, title: t('home.title'), path: '/' },
      <HomePage t={t} lang={lang} awards={awards} />,
    );
  });

  web.get('/a/:slug', async (c) => {
    const rows = await publishedAward(deps, c.req.param('slug'));
    const locales = localesOf(rows.ceremony);
    const lang = pageLang(c, locales);
    const t = translator(lang);
    const now = await deps.store.readNow();
    const view = awardView(rows, lang, locales[0] ?? lang, {
      nominating: takingNominations(rows.ceremony, now),
      voting: takingVotes(rows.ceremony, now),
    });
    return render(
      c,
      200,
      { lang, t, title: view.name.text, path: `/a/${rows.ceremony.slug}` },
      <AwardPage t={t} lang={lang} award={view} />,
    );
  });

  // Before the category page: /a/:slug/verify and the other words reserved for these pages are not categories.
  // The ballot first: a track may be called like a page of the voter routes (/a/:slug/vote/nominate).
  web.route('/', ballotPageRoutes(deps));
  web.route('/', voterRoutes(deps));
  web.route('/', juryPageRoutes(deps));
  web.route('/', resultsPageRoutes(deps));

  web.get('/a/:slug/:category', async (c) => {
    const rows = await publishedAward(deps, c.req.param('slug'));
    const locales = localesOf(rows.ceremony);
    const lang = pageLang(c, locales);
    const t = translator(lang);
    const fallback = locales[0] ?? lang;
    const award = publicAward(rows);
    const slug = c.req.param('category');
    for (const track of award.tracks) {
      const cat = track.categories.find((x) => x.slug === slug);
      if (!cat) continue;
      const catText = cat as unknown as Named;
      const content = contentOf(rows.ceremony);
      const now = await deps.store.readNow();
      const view: CategoryView = {
        award: { slug: award.slug, name: pickText(content.name, lang, fallback), phase: award.phase },
        nominating: takingNominations(rows.ceremony, now),
        voteHref: takingVotes(rows.ceremony, now)
          ? `/a/${encodeURIComponent(award.slug)}/vote/${encodeURIComponent(track.slug)}#cat-${cat.slug}`
          : undefined,
        track: pickText((track as unknown as Named).name, lang, fallback),
        slug: cat.slug,
        name: pickText(catText.name, lang, fallback),
        description: pickText(catText.description, lang, fallback),
        nominees: cat.nominees.map((n) => {
          const nc = n as NomineeContent & { slug: string };
          return {
            slug: nc.slug,
            name: pickText(nc.name, lang, fallback),
            affiliation: pickText(nc.affiliation, lang, fallback),
            region: pickText(nc.region, lang, fallback),
            citation: pickText(nc.citation, lang, fallback),
          };
        }),
      };
      return render(
        c,
        200,
        { lang, t, title: `${view.name.text} · ${view.award.name.text}`, path: `/a/${award.slug}/${cat.slug}` },
        <CategoryPage t={t} lang={lang} view={view} />,
      );
    }
    throw new ApiError('not-found', 'No such category.');
  });

  // ------------------------------------------------------------------------------------------ sign-in

  web.get('/organizer/login', async (c) => {
    privatePage(c);
    if (await currentOrganizer(deps, c)) return c.redirect('/organizer', 303);
    const lang = pageLang(c);
    const t = translator(lang);
    const token = csrfToken(c);
    const notice = c.req.query('done') === 'logout' ? t('login.signedOut') : undefined;
    return render(
      c,
      200,
      { lang, t, title: t('login.title'), path: '/organizer/login' },
      <LoginPage t={t} token={token} notice={notice} />,
    );
  });

  web.post('/organizer/login', async (c) => {
    privatePage(c);
    const form = await verifiedForm(c, sameOrigin);
    if (!form) return csrfFailed(c);
    const lang = pageLang(c);
    const t = translator(lang);
    const token = csrfToken(c);
    const frame = { lang, t, title: t('login.title'), path: '/organizer/login' };
    const email = Email.safeParse((form.email ?? '').trim());
    if (!email.success) return render(c, 400, frame, <LoginPage t={t} token={token} error={t('error.email')} />);
    try {
      await requestOrganizerCode(deps, email.data, lang);
    } catch (err) {
      if (err instanceof ApiError && err.status < 500)
        return render(c, err.status, frame, <LoginPage t={t} token={token} error={t(errorMessageKey(err))} />);
      throw err;
    }
    return render(
      c,
      200,
      { ...frame, title: t('login.codeTitle') },
      <CodePage t={t} token={token} email={email.data} />,
    );
  });

  web.post('/organizer/verify', async (c) => {
    privatePage(c);
    const form = await verifiedForm(c, sameOrigin);
    if (!form) return csrfFailed(c);
    const lang = pageLang(c);
    const t = translator(lang);
    const email = Email.safeParse((form.email ?? '').trim());
    if (!email.success) {
      const token = csrfToken(c);
      return render(
        c,
        400,
        { lang, t, title: t('login.title'), path: '/organizer/login' },
        <LoginPage t={t} token={token} error={t('error.email')} />,
      );
    }
    const codePage = (status: ContentfulStatusCode, error: string) =>
      render(
        c,
        status,
        { lang, t, title: t('login.codeTitle'), path: '/organizer/login' },
        <CodePage t={t} token={csrfToken(c)} email={email.data} error={error} />,
      );
    const code = CodeField.safeParse(form.code ?? '');
    if (!code.success) return codePage(400, t('error.code-format'));
    let session: { token: string };
    try {
      session = await signInOrganizer(deps, email.data, code.data);
    } catch (err) {
      if (err instanceof ApiError && err.status < 500) return codePage(err.status, t(errorMessageKey(err)));
      throw err;
    }
    startSession(c, session.token, deps.config.SESSION_HOURS * 3600);
    return c.redirect('/organizer', 303);
  });

  web.post('/organizer/logout', async (c) => {
    privatePage(c);
    const form = await verifiedForm(c, sameOrigin);
    if (!form) return csrfFailed(c);
    clearSession(c);
    return c.redirect('/organizer/login?done=logout', 303);
  });

  // ------------------------------------------------------------------------------------------ organizer pages

  web.get('/organizer', async (c) => {
    privatePage(c);
    const who = await currentOrganizer(deps, c);
    if (!who) return c.redirect('/organizer/login', 303);
    const lang = pageLang(c);
    const t = translator(lang);
    const site = isSiteOrganizer(who);
    const rows = await listCeremonies(db, {
      includeDrafts: true,
      ...(site ? {} : { ids: [...who.roles.keys()].filter((id) => id !== '*') }),
    });
    const awards = rows.map((r) => ({
      slug: r.slug,
      name: pickText(contentOf(r).name, lang, localesOf(r)[0] ?? 'en'),
      phase: r.phase,
    }));
    const token = csrfToken(c);
    return render(
      c,
      200,
      { lang, t, title: t('dash.title'), path: '/organizer', signOutToken: token },
      <DashboardPage t={t} lang={lang} email={who.email} site={site} awards={awards} />,
    );
  });

  const managePage = (
    c: C,
    status: ContentfulStatusCode,
    award: AwardRows,
    message?: { notice?: string; error?: string },
  ) => {
    const locales = localesOf(award.ceremony);
    const lang = pageLang(c, locales);
    const t = translator(lang);
    const token = csrfToken(c);
    const view = manageView(award, lang, locales[0] ?? lang);
    return render(
      c,
      status,
      { lang, t, title: view.name.text, path: `/organizer/a/${award.ceremony.slug}`, signOutToken: token },
      <ManagePage t={t} lang={lang} view={view} token={token} notice={message?.notice} error={message?.error} />,
    );
  };

  web.get('/organizer/a/:slug', async (c) => {
    privatePage(c);
    const who = await currentOrganizer(deps, c);
    if (!who) return c.redirect('/organizer/login', 303);
    const award = await managedAward(deps, who, c.req.param('slug'));
    const lang = pageLang(c, localesOf(award.ceremony));
    const notice = c.req.query('done') === 'phase' ? translator(lang)('done.phase') : undefined;
    return managePage(c, 200, award, { notice });
  });

  web.post('/organizer/a/:slug/phase', async (c) => {
    privatePage(c);
    const form = await verifiedForm(c, sameOrigin);
    if (!form) return csrfFailed(c);
    const who = await currentOrganizer(deps, c);
    if (!who) return c.redirect('/organizer/login', 303);
    const award = await managedAward(deps, who, c.req.param('slug'));
    const t = translator(pageLang(c, localesOf(award.ceremony)));
    const to = form.to;
    if (!to || !(PHASES as readonly string[]).includes(to))
      return managePage(c, 400, award, { error: t('error.bad-request') });
    try {
      await movePhase(deps, award, to as Phase, actorIn(who, award.ceremony.id), 'hand');
    } catch (err) {
      // A refused move (backwards, not by hand, changed meanwhile) is a message on the award page, not a crash.
      if (err instanceof ApiError && err.status === 409) {
        const fresh = await requireAward(deps, award.ceremony.id);
        return managePage(c, 409, fresh, { error: t(errorMessageKey(err)) });
      }
      throw err;
    }
    return c.redirect(`/organizer/a/${encodeURIComponent(award.ceremony.slug)}?done=phase`, 303);
  });

  web.route('/', moderationRoutes(deps));

  return web;
}

function awardView(
  rows: AwardRows,
  lang: Lang,
  fallback: string,
  open: { nominating: boolean; voting: boolean },
): AwardView {
  const award = publicAward(rows);
  const content = contentOf(rows.ceremony);
  const text = (t: LocalizedText | undefined): Picked => pickText(t, lang, fallback);
  return {
    slug: award.slug,
    name: text(content.name),
    description: text(content.description),
    organizer: text(content.organizer),
    venue: text(content.venue),
    ceremonyDate: content.ceremonyDate,
    website: safeHttpUrl(content.website),
    phase: award.phase,
    timeZone: award.timeZone,
    windows: windowsOf(rows.ceremony),
    ...open,
    receipts: checksReceipts(rows.ceremony),
    tracks: award.tracks.map((track) => {
      const tc = track as unknown as Named;
      return {
        slug: track.slug,
        name: text(tc.name),
        description: text(tc.description),
        categories: track.categories.map((cat) => {
          const cc = cat as unknown as Named;
          return {
            slug: cat.slug,
            name: text(cc.name),
            description: text(cc.description),
            nomineeCount: cat.nominees.length,
          };
        }),
      };
    }),
  };
}

function manageView(rows: AwardRows, lang: Lang, fallback: string): ManageView {
  const c = rows.ceremony;
  const phase = c.phase as Phase;
  return {
    slug: c.slug,
    name: pickText(contentOf(c).name, lang, fallback),
    phase,
    timeZone: c.time_zone,
    windows: windowsOf(c),
    categories: rows.categories.length,
    nominees: rows.nominees.filter(isListed).length,
    pending: rows.nominees.filter((n) => n.status === 'pending').length,
    frozen: c.rules_hash
      ? { rulesHash: c.rules_hash, nomineesHash: c.nominees_hash, lotCommitment: c.lot_commitment }
      : null,
    targets: MANUAL_TARGETS.filter((p) => rank(p) > rank(phase)),
  };
}
