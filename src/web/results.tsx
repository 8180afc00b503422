/** @jsxImportSource hono/jsx */
/**
 * The results pages and the ceremony:
 *
 * - `GET /a/:slug/results`: what the public may see now (results/reveal.ts `publicResults`): before
 *   finalization a notice and when; during the ceremony the revealed categories (finalists, then the winner with
 *   every figure and charts), the others "to be announced"; once announced everything, with the signed document's
 *   version and hash and how to check it. A reload always shows everything revealed so far; with JavaScript the
 *   page also follows the ceremony by itself (`/static/results-live.js`, served from here because the site's CSP
 *   allows scripts from 'self' only, never inline).
 * - `GET /a/:slug/results/stream`: Server-Sent Events with the `revealMark` now and whenever it changes.
 * - `GET /a/:slug/results/print` and `/certificates`: a printable A4 sheet and one A4 landscape certificate per
 *   winner, once announced (404 before).
 * - `GET /organizer/a/:slug/ceremony` and `POST …/ceremony/next`: the presenter's screen and its one button
 *   (`revealNext`); the form carries the step it was drawn at, so a double press or a second presenter's stale
 *   screen never reveals two steps.
 * - `GET /organizer/a/:slug/turnout`: ballots per checkpoint batch as a chart, and the figures per category.
 */
import { Hono } from 'hono';
import { raw } from 'hono/html';
import type { Child } from 'hono/jsx';
import { streamSSE } from 'hono/streaming';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { turnout } from '../ballots/review';
import { type AwardRows, type NomineeContent, rulesOf } from '../ceremonies/model';
import type { LocalizedText, Rules } from '../ceremonies/schemas';
import type { AppDeps } from '../deps';
import { ApiError } from '../errors';
import type { Env } from '../http/router';
import type { Lang, Translate } from '../i18n/messages';
import { manageAward } from '../organizers/service';
import type { ResultsDocument } from '../results/document';
import {
  type CeremonyStep,
  type PublicCategory,
  type PublicResults,
  ceremonySteps,
  publicResults,
  revealMark,
  revealNext,
} from '../results/reveal';
import { readResults } from '../results/service';
import { type Picked, pickText } from './format';
import {
  type CategoryResultsView,
  CertificatesPage,
  type PresenterView,
  PresenterPage,
  PrintPage,
  type ResultsView,
  ResultsPage,
  SheetDocument,
  SHEET_CSS,
  type TurnoutView,
  TurnoutPage,
} from './results-pages';
import {
  type AwardPage,
  type C,
  awardPage,
  csrfFailed,
  errorMessageKey,
  managedAward,
  openAwardPage,
  privatePage,
  render,
} from './render';
import { csrfToken, currentOrganizer, originGuard, verifiedForm } from './security';

/** The live script's address; the page names it, this router serves it. */
export const LIVE_SCRIPT = '/static/results-live.js';

/**
 * Progressive enhancement of the results page: on each event of the stream whose mark differs from the one the
 * page was drawn at, fetch the page again and swap its <main>; tell screen readers what was revealed through a
 * status region outside <main> (a region inside would be replaced, not announced). Stops listening once the page
 * has no `#live` box any more (everything is announced). Without EventSource, fetch or DOMParser it does nothing.
 */
const LIVE_JS = `(function () {
  var box = document.getElementById('live');
  if (!box || !window.EventSource || !window.fetch || !window.DOMParser) return;
  var mark = box.getAttribute('data-mark');
  var source = new EventSource(box.getAttribute('data-stream'));
  var say = document.createElement('div');
  say.setAttribute('role', 'status');
  say.setAttribute('style', box.getAttribute('data-hidden'));
  document.body.appendChild(say);
  var busy = false, again = false;
  function refresh() {
    if (busy) { again = true; return; }
    busy = true;
    fetch(location.pathname + location.search, { cache: 'no-store', credentials: 'same-origin' })
      .then(function (res) { if (!res.ok) throw new Error(String(res.status)); return res.text(); })
      .then(function (html) {
        var next = new DOMParser().parseFromString(html, 'text/html');
        var fresh = next.querySelector('main'), main = document.querySelector('main');
        if (!fresh || !main) return;
        main.innerHTML = fresh.innerHTML;
        var news = document.getElementById('live-news');
        if (news && news.textContent) say.textContent = news.textContent;
        var live = document.getElementById('live');
        if (live) mark = live.getAttribute('data-mark'); else source.close();
      })
      .catch(function () {})
      .then(function () { busy = false; if (again) { again = false; refresh(); } });
  }
  source.addEventListener('mark', function (e) { if (e.data !== mark) refresh(); });
})();
`;

/** How the stream polls: every second for ten minutes on Node and PostgreSQL; D1 counts queries per request. */
function streamTimings(deps: AppDeps) {
  return deps.store.dialect === 'd1'
    ? { pollMs: 2000, pingMs: 15_000, lifetimeMs: 60_000 }
    : { pollMs: 1000, pingMs: 15_000, lifetimeMs: 10 * 60_000 };
}
/** The browser reconnects this long after the stream ends (EventSource `retry`). */
const RECONNECT_MS = 3000;

const named = (content: string) => JSON.parse(content) as { name?: LocalizedText; description?: LocalizedText };

/** Award texts of one page: names of categories, tracks and nominees in the page language. */
function namesOf(award: AwardRows, lang: Lang, fallback: string, t: Translate) {
  const text = (value: LocalizedText | undefined): Picked => pickText(value, lang, fallback);
  const nominee = (id: string): Picked => {
    const row = award.nominees.find((n) => n.id === id);
    const name = text(row ? (JSON.parse(row.content) as NomineeContent).name : undefined);
    // An erased nominee keeps its place in the results, without its name.
    return name.text ? name : { text: t('results.nameErased'), lang };
  };
  const category = (id: string): Picked => {
    const row = award.categories.find((c) => c.id === id);
    return text(row ? named(row.content).name : undefined);
  };
  return { text, nominee, category };
}

/** Names in the page language's alphabetical order (finalists before their winner is known: no hint in the order). */
const alphabetical = (names: Picked[], lang: Lang) =>
  [...names].sort((a, b) => a.text.localeCompare(b.text, lang, { sensitivity: 'base' }));

type Names = ReturnType<typeof namesOf>;

function categoryView(
  award: AwardRows,
  cat: PublicCategory,
  names: Names,
  lang: Lang,
  hasFinalists: boolean,
): CategoryResultsView {
  const row = award.categories.find((c) => c.id === cat.category);
  return {
    id: cat.category,
    slug: row?.slug ?? cat.category,
    name: names.category(cat.category),
    stage: cat.stage,
    noFinalists: !hasFinalists,
    finalists: alphabetical(
      cat.finalists.map((f) => names.nominee(f.nominee)),
      lang,
    ),
    rows: cat.rows.map((r) => ({ ...r, name: names.nominee(r.nominee) })),
    winners: cat.winners.map((id) => names.nominee(id)),
  };
}

/**
 * The categories of the public view grouped by track, tracks and categories in the award's order. A category
 * without finalists has no step in the ceremony: it stays `hidden` in the public view even once everything is
 * announced, so whether it has finalists comes from the steps (during the ceremony) or from its stage (after).
 */
function tracksOf(award: AwardRows, view: PublicResults, names: Names, lang: Lang, steps: CeremonyStep[]) {
  const hasFinalists = (cat: PublicCategory) =>
    view.announced ? cat.stage !== 'hidden' : steps.some((s) => s.category === cat.category);
  return [...award.tracks]
    .sort((a, b) => a.position - b.position)
    .map((track) => ({
      name: names.text(named(track.content).name),
      categories: view.categories
        .filter((cat) => award.categories.find((c) => c.id === cat.category)?.track_id === track.id)
        .map((cat) => categoryView(award, cat, names, lang, hasFinalists(cat))),
    }))
    .filter((track) => track.categories.length > 0);
}

/** One sentence on the latest step revealed, for the status region of the live page. */
function newsOf(t: Translate, view: PublicResults, steps: CeremonyStep[], names: Names) {
  if (view.announced) return t('results.news.announced');
  const last = steps[view.revealed - 1];
  if (!last) return '';
  const category = names.category(last.category).text;
  if (last.stage === 'finalists') return t('results.news.finalists', { category });
  const winners = view.categories.find((c) => c.category === last.category)?.winners ?? [];
  return t('results.news.winner', { category, names: winners.map((w) => names.nominee(w).text).join(', ') });
}

/** The top of the jury scale in rubric mode (bars of scores are drawn against it); ranking points have none. */
function juryTop(award: AwardRows): number | undefined {
  const rules: Partial<Rules> = rulesOf(award);
  return rules.jury?.mode === 'rubric' ? rules.jury.scale[1] : undefined;
}

/** The steps of the ceremony from the stored document (organizers may read it from finalization). */
async function stepsOf(deps: AppDeps, award: AwardRows) {
  const doc = JSON.parse((await readResults(deps, award, { organizer: true })).document) as ResultsDocument;
  return ceremonySteps(doc);
}

const apiBase = (slug: string) => `/api/ceremonies/${encodeURIComponent(slug)}`;
const resultsPath = (slug: string) => `/a/${encodeURIComponent(slug)}/results`;
const presenterPath = (slug: string) => `/organizer/a/${encodeURIComponent(slug)}/ceremony`;

/** A page of its own (print sheet, certificates, presenter): no site header, its own stylesheet. */
function sheet(c: C, status: ContentfulStatusCode, p: { lang: Lang; title: string; css: string }, body: Child) {
  return c.html(
    <>
      {raw('<!doctype html>')}
      <SheetDocument lang={p.lang} title={p.title} css={p.css}>
        {body}
      </SheetDocument>
    </>,
    status,
  );
}

export function resultsPageRoutes(deps: AppDeps) {
  const web = new Hono<Env>();
  const sameOrigin = originGuard(deps);

  web.get(LIVE_SCRIPT, (c) => {
    c.header('content-type', 'text/javascript; charset=utf-8');
    c.header('cache-control', 'public, max-age=300');
    return c.body(LIVE_JS, 200);
  });

  /** The public view (null before finalization) with the award's names in the page language. */
  const publicView = async (p: AwardPage) => {
    const view = await publicResults(deps, p.award);
    return { view, names: namesOf(p.award, p.lang, p.fallback, p.t) };
  };

  web.get('/a/:slug/results', async (c) => {
    const p = await openAwardPage(deps, c);
    const slug = p.award.ceremony.slug;
    const c0 = p.award.ceremony;
    // The mark first: if a step is revealed while this page is drawn, the page is older than its mark's news and
    // the live script fetches it again, never the other way round.
    const mark = await revealMark(deps, c0.id);
    const { view, names } = await publicView(p);
    const steps = view && !view.announced ? await stepsOf(deps, p.award) : [];
    const state: ResultsView['state'] = !view ? 'pending' : view.announced ? 'announced' : 'ceremony';
    const content = JSON.parse(c0.content) as { ceremonyDate?: string };
    const results: ResultsView = {
      award: p.ref,
      state,
      ceremonyDate: content.ceremonyDate,
      judgingCloses: c0.phase === 'judging' || !view ? c0.judging_closes : null,
      timeZone: c0.time_zone,
      revealed: view?.revealed ?? 0,
      of: view?.of ?? 0,
      tracks: view ? tracksOf(p.award, view, names, p.lang, steps) : [],
      document: view?.document ?? null,
      hrefs: {
        json: `${apiBase(slug)}/results`,
        csv: `${apiBase(slug)}/results.csv`,
        versions: `${apiBase(slug)}/results/versions`,
        jwks: '/.well-known/jwks.json',
        print: `${resultsPath(slug)}/print`,
        certificates: `${resultsPath(slug)}/certificates`,
      },
      // Live while something can still change for the public: judging (finalization comes) and the ceremony.
      live:
        state === 'announced' || !['judging', 'finalized'].includes(c0.phase)
          ? null
          : { stream: `${resultsPath(slug)}/stream`, mark, script: LIVE_SCRIPT },
      news: view ? newsOf(p.t, view, steps, names) : '',
      juryTop: juryTop(p.award),
    };
    c.header('cache-control', state === 'announced' ? 'public, max-age=60' : 'no-store');
    return render(
      c,
      200,
      { lang: p.lang, t: p.t, title: `${p.t('results.title')} · ${p.ref.name.text}`, path: resultsPath(slug) },
      <ResultsPage t={p.t} lang={p.lang} view={results} />,
    );
  });

  web.get('/a/:slug/results/stream', async (c) => {
    const p = await openAwardPage(deps, c);
    const id = p.award.ceremony.id;
    const { pollMs, pingMs, lifetimeMs } = streamTimings(deps);
    c.header('x-accel-buffering', 'no');
    const response = streamSSE(c, async (stream) => {
      const started = Date.now();
      let last = await revealMark(deps, id);
      let quietSince = Date.now();
      await stream.writeSSE({ event: 'mark', data: last, retry: RECONNECT_MS });
      while (!stream.aborted && Date.now() - started < lifetimeMs) {
        await stream.sleep(pollMs);
        if (stream.aborted) break;
        let mark: string;
        try {
          mark = await revealMark(deps, id);
        } catch {
          // The database is away for a moment: end the stream; the browser reconnects and the page catches up.
          break;
        }
        if (mark !== last) {
          last = mark;
          quietSince = Date.now();
          await stream.writeSSE({ event: 'mark', data: mark });
        } else if (Date.now() - quietSince >= pingMs) {
          // A comment keeps proxies from closing an idle connection.
          quietSince = Date.now();
          await stream.write(': ping\n\n');
        }
      }
    });
    response.headers.set('cache-control', 'no-store');
    return response;
  });

  /** The announced results of the page's award, or a 404 page (as the JSON is before the announcement). */
  const announced = async (c: C) => {
    const p = await openAwardPage(deps, c);
    const { view, names } = await publicView(p);
    if (!view?.announced || !view.document) throw new ApiError('not-found', 'The results are not published yet.');
    const row = await readResults(deps, p.award, { organizer: false });
    const content = JSON.parse(p.award.ceremony.content) as { ceremonyDate?: string };
    c.header('cache-control', 'public, max-age=60');
    return {
      p,
      print: {
        award: p.ref,
        document: view.document,
        tracks: tracksOf(p.award, view, names, p.lang, []),
        date: content.ceremonyDate ?? isoDateIn(row.created_at, p.award.ceremony.time_zone),
        resultsHref: resultsPath(p.award.ceremony.slug),
      },
    };
  };

  web.get('/a/:slug/results/print', async (c) => {
    const { p, print } = await announced(c);
    return sheet(
      c,
      200,
      { lang: p.lang, title: `${p.t('print.title')} · ${p.ref.name.text}`, css: SHEET_CSS.print },
      <PrintPage t={p.t} lang={p.lang} view={print} />,
    );
  });

  web.get('/a/:slug/results/certificates', async (c) => {
    const { p, print } = await announced(c);
    return sheet(
      c,
      200,
      { lang: p.lang, title: `${p.t('cert.title')} · ${p.ref.name.text}`, css: SHEET_CSS.certificates },
      <CertificatesPage t={p.t} lang={p.lang} view={print} />,
    );
  });

  // ------------------------------------------------------------------------------------------ the presenter

  const presenterPage = async (
    c: C,
    status: ContentfulStatusCode,
    award: AwardRows,
    message: { notice?: string; error?: string } = {},
  ) => {
    const p = awardPage(c, award);
    const token = csrfToken(c);
    const { view, names } = await publicView(p);
    const c0 = award.ceremony;
    let presenter: PresenterView;
    if (!view)
      presenter = { award: p.ref, state: 'not-finalized', phase: c0.phase, step: 0, of: 0, current: null, next: null };
    else if (view.announced)
      presenter = {
        award: p.ref,
        state: 'announced',
        phase: c0.phase,
        step: view.of,
        of: view.of,
        current: null,
        next: null,
      };
    else {
      const steps = await stepsOf(deps, award);
      const current = steps[view.revealed - 1];
      const next = steps[view.revealed];
      const shown = current ? view.categories.find((cat) => cat.category === current.category) : undefined;
      presenter = {
        award: p.ref,
        state: 'ceremony',
        phase: c0.phase,
        step: view.revealed,
        of: view.of,
        current:
          current && shown ? { stage: current.stage, category: categoryView(award, shown, names, p.lang, true) } : null,
        next: next ? { kind: next.stage, category: names.category(next.category) } : { kind: 'announce' },
      };
    }
    return sheet(
      c,
      status,
      { lang: p.lang, title: `${p.t('presenter.title')} · ${p.ref.name.text}`, css: SHEET_CSS.presenter },
      <PresenterPage
        t={p.t}
        lang={p.lang}
        view={presenter}
        token={token}
        notice={message.notice}
        error={message.error}
        hrefs={{
          next: `${presenterPath(c0.slug)}/next`,
          manage: `/organizer/a/${encodeURIComponent(c0.slug)}`,
          results: resultsPath(c0.slug),
        }}
      />,
    );
  };

  web.get('/organizer/a/:slug/ceremony', async (c) => {
    privatePage(c);
    const who = await currentOrganizer(deps, c);
    if (!who) return c.redirect('/organizer/login', 303);
    const award = await managedAward(deps, who, c.req.param('slug'));
    return presenterPage(c, 200, award);
  });

  web.post('/organizer/a/:slug/ceremony/next', async (c) => {
    privatePage(c);
    const form = await verifiedForm(c, sameOrigin);
    if (!form) return csrfFailed(c);
    const who = await currentOrganizer(deps, c);
    if (!who) return c.redirect('/organizer/login', 303);
    const { award, actor } = await manageAward(deps, who, c.req.param('slug'));
    const t = awardPage(c, award).t;
    // The press counts only for the step the screen showed: a double press, a reload that posts again or a second
    // presenter's older screen is told so, and nothing more is revealed.
    const drawnAt = Number.parseInt(form.step ?? '', 10);
    try {
      await revealNext(deps, award, actor, Number.isInteger(drawnAt) ? drawnAt + 1 : -1);
    } catch (err) {
      if (err instanceof ApiError && err.code === 'conflict')
        return presenterPage(c, 409, award, { notice: t('presenter.stale') });
      if (!(err instanceof ApiError) || err.status >= 500 || err.code === 'forbidden') throw err;
      return presenterPage(c, err.status, award, { error: t(errorMessageKey(err)) });
    }
    return c.redirect(presenterPath(award.ceremony.slug), 303);
  });

  // ------------------------------------------------------------------------------------------ turnout

  web.get('/organizer/a/:slug/turnout', async (c) => {
    privatePage(c);
    const who = await currentOrganizer(deps, c);
    if (!who) return c.redirect('/organizer/login', 303);
    const award = await managedAward(deps, who, c.req.param('slug'));
    const p = awardPage(c, award);
    const token = csrfToken(c);
    const figures = await turnout(deps, award);
    const names = namesOf(award, p.lang, p.fallback, p.t);
    const view: TurnoutView = {
      award: p.ref,
      timeZone: award.ceremony.time_zone,
      batches: figures.batches,
      pending: figures.pending.ballots,
      categories: figures.categories.map((cat) => ({ ...cat, name: names.category(cat.category) })),
    };
    return render(
      c,
      200,
      {
        lang: p.lang,
        t: p.t,
        title: `${p.t('turnout.title')} · ${p.ref.name.text}`,
        path: `/organizer/a/${encodeURIComponent(award.ceremony.slug)}/turnout`,
        signOutToken: token,
      },
      <TurnoutPage t={p.t} lang={p.lang} view={view} />,
    );
  });

  return web;
}

/** The calendar date (YYYY-MM-DD) of an instant in a time zone (UTC if the zone is unknown). */
export function isoDateIn(at: number, timeZone: string): string {
  let zone = timeZone;
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
  } catch {
    zone = 'UTC';
  }
  // en-CA writes dates as YYYY-MM-DD.
  return new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(
    at,
  );
}
