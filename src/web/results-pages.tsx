/** @jsxImportSource hono/jsx */
/**
 * The bodies of the results pages (results.tsx serves them): the public results page, the presenter's screen,
 * the turnout page, the printable results sheet and the winners' certificates. Plain view data in, markup out;
 * every text is escaped by hono/jsx. The print sheet, the certificates and the presenter's screen are documents
 * of their own (`SheetDocument`): no site header, a stylesheet made for paper or for a projector.
 */
import type { DecimalRow } from '../results/document';
import type { Child } from 'hono/jsx';
import { raw } from 'hono/html';
import type { Lang, Translate } from '../i18n/messages';
import { type Bar, BarChart, binBatches, ColumnChart, HiddenTable, VISUALLY_HIDDEN } from './charts';
import { formatDate, formatInstant, type Picked } from './format';
import { AwardCrumbs, Crumbs, Flash, langOf, phaseName, Text } from './pages';
import type { AwardRef } from './voter-pages';

/** A finalist's figures (src/results/document.ts `DecimalRow`) with the name in the page language. */
export interface ResultRowView extends DecimalRow {
  name: Picked;
}

export interface CategoryResultsView {
  id: string;
  slug: string;
  name: Picked;
  stage: 'hidden' | 'finalists' | 'winner';
  /** The category has no finalists, so nothing will be revealed in it. */
  noFinalists: boolean;
  /** Revealed finalists in alphabetical order (their order would hint at the winner). */
  finalists: Picked[];
  /** With stage `winner`: every finalist in final order with the figures. */
  rows: ResultRowView[];
  winners: Picked[];
}

export interface TrackResultsView {
  name: Picked;
  categories: CategoryResultsView[];
}

export interface ResultsView {
  award: AwardRef;
  /** pending: not finalized; ceremony: finalized, being revealed; announced: everything public. */
  state: 'pending' | 'ceremony' | 'announced';
  ceremonyDate?: string | undefined;
  judgingCloses: number | null;
  timeZone: string;
  revealed: number;
  of: number;
  tracks: TrackResultsView[];
  document: { version: number; hash: string; kid: string } | null;
  hrefs: { json: string; csv: string; versions: string; jwks: string; print: string; certificates: string };
  /** While the page can still change: the stream, the mark the page was drawn at, and the script. */
  live: { stream: string; mark: string; script: string } | null;
  /** The latest step, in one sentence (spoken by the live page when it arrives). */
  news: string;
  /** The top of the jury scale (rubric mode), for the scale of the jury chart. */
  juryTop: number | undefined;
}

const CAT_ID = (slug: string) => `cat-${slug}`;

function nameOf(p: Picked, lang: Lang) {
  return <Text text={p} page={lang} />;
}

function joinNames(names: Picked[], lang: Lang) {
  return names.map((n, i) => (
    <>
      {i > 0 ? ', ' : null}
      {nameOf(n, lang)}
    </>
  ));
}

const figures = (t: Translate, r: ResultRowView) =>
  t('results.figures', {
    votes: r.votes,
    publicShare: r.publicShare,
    jury: r.jury ?? t('results.noJury'),
    juryShare: r.juryShare,
    final: r.final,
  });

/** The category's public votes and jury scores as two bar charts, with one hidden table of both. */
export function CategoryCharts({
  t,
  lang,
  cat,
  juryTop,
}: {
  t: Translate;
  lang: Lang;
  cat: CategoryResultsView;
  juryTop: number | undefined;
}) {
  const category = cat.name.text;
  const bar = (r: ResultRowView, value: number, display: string): Bar => ({
    label: r.name.text,
    lang: langOf(r.name, lang),
    value,
    display,
    marked: r.winner,
  });
  const votes = cat.rows.map((r) => bar(r, r.votes, String(r.votes)));
  const jury = cat.rows.map((r) => bar(r, r.jury === null ? 0 : Number(r.jury), r.jury ?? t('results.noJury')));
  const desc = (bars: Bar[]) =>
    bars
      .map((b) => t(b.marked ? 'results.chart.itemWinner' : 'results.chart.item', { name: b.label, value: b.display }))
      .join('; ');
  return (
    <>
      <p class="muted">{t('results.votes')}</p>
      <BarChart
        text={{ id: `ch-${cat.slug}-v`, title: t('results.chart.votes', { category }), desc: desc(votes) }}
        bars={votes}
      />
      <p class="muted">{t('results.jury')}</p>
      <BarChart
        text={{ id: `ch-${cat.slug}-j`, title: t('results.chart.jury', { category }), desc: desc(jury) }}
        bars={jury}
        max={juryTop}
      />
      <HiddenTable
        caption={t('results.chart.table', { category })}
        headers={[t('results.finalist'), t('results.votes'), t('results.jury'), t('results.final')]}
        rows={cat.rows.map((r) => ({
          label: r.name.text,
          lang: langOf(r.name, lang),
          marked: r.winner,
          cells: [String(r.votes), r.jury ?? t('results.noJury'), r.final],
        }))}
      />
    </>
  );
}

function CategoryResults({
  t,
  lang,
  cat,
  juryTop,
}: {
  t: Translate;
  lang: Lang;
  cat: CategoryResultsView;
  juryTop: number | undefined;
}) {
  let body: Child;
  if (cat.noFinalists) body = <p class="muted">{t('results.noFinalists')}</p>;
  else if (cat.stage === 'hidden') body = <p class="muted">{t('results.hidden')}</p>;
  else if (cat.stage === 'finalists')
    body = (
      <>
        <p>{t('results.finalistsAlpha')}</p>
        <ul>
          {cat.finalists.map((n) => (
            <li>{nameOf(n, lang)}</li>
          ))}
        </ul>
      </>
    );
  else
    body = (
      <>
        <p>
          <strong>
            ★ {t(cat.winners.length > 1 ? 'results.winners' : 'results.winner')}: {joinNames(cat.winners, lang)}
          </strong>
        </p>
        <p>{t('results.order')}</p>
        <ol>
          {cat.rows.map((r) => (
            <li>
              {r.winner ? <strong>★ {nameOf(r.name, lang)}</strong> : nameOf(r.name, lang)}
              <br />
              <span class="muted">{figures(t, r)}</span>
            </li>
          ))}
        </ol>
        <CategoryCharts t={t} lang={lang} cat={cat} juryTop={juryTop} />
      </>
    );
  return (
    <section aria-labelledby={CAT_ID(cat.slug)}>
      <h3 id={CAT_ID(cat.slug)} lang={langOf(cat.name, lang)}>
        {cat.name.text}
      </h3>
      {body}
    </section>
  );
}

function VerifySection({ t, view }: { t: Translate; view: ResultsView }) {
  const doc = view.document;
  if (!doc) return null;
  return (
    <section aria-labelledby="verify">
      <h2 id="verify">{t('results.verify.title')}</h2>
      {doc.version > 1 ? <p>{t('results.verify.amended', { version: doc.version })}</p> : null}
      <dl class="facts">
        <dt>{t('results.verify.version')}</dt>
        <dd>{doc.version}</dd>
        <dt>{t('results.verify.hash')}</dt>
        <dd>
          <code>{doc.hash}</code>
        </dd>
        <dt>{t('results.verify.key')}</dt>
        <dd>
          <code>{doc.kid}</code>
        </dd>
      </dl>
      <ul class="plain">
        <li>
          <a href={view.hrefs.json}>{t('results.verify.json')}</a>
        </li>
        <li>
          <a href={view.hrefs.csv}>{t('results.verify.csv')}</a>
        </li>
        <li>
          <a href={view.hrefs.jwks}>{t('results.verify.jwks')}</a>
        </li>
        <li>
          <a href={view.hrefs.versions}>{t('results.verify.versions')}</a>
        </li>
      </ul>
      <p>{t('results.verify.how', { kid: doc.kid })}</p>
      <p>
        {t('results.verify.recount')} <code>laurel tally results.json</code>
      </p>
      <h2 id="print">{t('results.printTitle')}</h2>
      <ul class="plain">
        <li>
          <a href={view.hrefs.print}>{t('results.print')}</a>
        </li>
        <li>
          <a href={view.hrefs.certificates}>{t('results.certificates')}</a>
        </li>
      </ul>
    </section>
  );
}

function NotYet({ t, lang, view }: { t: Translate; lang: Lang; view: ResultsView }) {
  return (
    <Flash kind="notice">
      <p>{t('results.pending')}</p>
      {view.ceremonyDate ? <p>{t('results.pendingDate', { date: formatDate(view.ceremonyDate, lang) })}</p> : null}
      {view.judgingCloses !== null ? (
        <p>{t('results.pendingJudging', { time: formatInstant(view.judgingCloses, view.timeZone, lang) })}</p>
      ) : null}
    </Flash>
  );
}

export function ResultsPage({ t, lang, view }: { t: Translate; lang: Lang; view: ResultsView }) {
  const href = `/a/${encodeURIComponent(view.award.slug)}/results`;
  return (
    <>
      <AwardCrumbs t={t} lang={lang} award={view.award} trail={[{ href, label: t('results.title') }]} />
      <h1>{t('results.title')}</h1>
      {view.state === 'pending' ? <NotYet t={t} lang={lang} view={view} /> : null}
      {view.state === 'ceremony' ? (
        <Flash kind="notice">
          <p>{t(view.revealed === 0 ? 'results.ceremonyNotStarted' : 'results.ceremony')}</p>
          <p>{t('results.progress', { revealed: view.revealed, of: view.of })}</p>
        </Flash>
      ) : null}
      {view.live ? (
        <>
          <p
            id="live"
            class="muted"
            data-stream={view.live.stream}
            data-mark={view.live.mark}
            data-hidden={VISUALLY_HIDDEN}
          >
            {t('results.live')}
          </p>
          {view.news ? (
            <p id="live-news" style={VISUALLY_HIDDEN}>
              {view.news}
            </p>
          ) : null}
          <script src={view.live.script} defer></script>
        </>
      ) : null}
      {view.tracks.map((track, i) => (
        <section aria-labelledby={`track-${i}`}>
          <h2 id={`track-${i}`} lang={langOf(track.name, lang)}>
            {track.name.text}
          </h2>
          {track.categories.map((cat) => (
            <CategoryResults t={t} lang={lang} cat={cat} juryTop={view.juryTop} />
          ))}
        </section>
      ))}
      {view.state === 'announced' ? <VerifySection t={t} view={view} /> : null}
    </>
  );
}

// ---------------------------------------------------------------------------------------------- documents of their own

const BASE_CSS = [
  '*,*::before,*::after{box-sizing:border-box}',
  'html{-webkit-text-size-adjust:100%;text-size-adjust:100%}',
  'body{margin:0;overflow-wrap:break-word}',
  ':focus-visible{outline:3px solid #0b0c0c;outline-offset:0;box-shadow:0 0 0 6px #ffdd00}',
  '.noprint a,.top a{color:inherit}',
  'code{word-break:break-all}',
  '@media print{.noprint{display:none}}',
].join('');

const SANS = 'system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",sans-serif';

/** The stylesheets of the documents of their own: A4 portrait, A4 landscape, and a projector. */
export const SHEET_CSS = {
  print:
    BASE_CSS +
    [
      `body{font:1rem/1.45 ${SANS};color:#111;background:#fff}`,
      'main{display:block;max-width:48rem;margin:0 auto;padding:1rem}',
      'a{color:#0645ad}',
      'h1{font-size:1.6rem;line-height:1.25;margin:.3rem 0}h2{font-size:1.25rem;margin:1.6rem 0 .2rem}',
      'p{margin:.4rem 0}.muted{color:#4d4d4d}',
      '.wrap{overflow-x:auto}',
      'table{border-collapse:collapse;width:100%;margin:.5rem 0}',
      'th,td{border-bottom:1px solid #8a8a8a;padding:.3rem .4rem;text-align:left;vertical-align:top}',
      'thead th{border-bottom:2px solid #111}td.n{text-align:right;font-variant-numeric:tabular-nums}',
      'tr.won th,tr.won td{font-weight:700}',
      '.foot{margin-top:2rem;border-top:1px solid #8a8a8a;padding-top:.5rem;font-size:.85rem}',
      '@page{size:A4;margin:16mm}',
      '@media print{body{font-size:10.5pt}main{max-width:none;padding:0}section.cat+section.cat{break-before:page;page-break-before:always}tr{break-inside:avoid}a{color:inherit;text-decoration:none}}',
    ].join(''),
  certificates:
    BASE_CSS +
    [
      'body{font-family:Georgia,"Times New Roman",serif;color:#14251c;background:#e9ece9}',
      'main{display:block;padding:1rem}',
      `.noprint{font:1rem/1.5 ${SANS};max-width:40rem;margin:0 auto 1rem}`,
      '.cert{background:#fff;border:.6rem double #14452f;margin:0 auto 1.5rem;max-width:60rem;aspect-ratio:297/210;padding:5% 7%;display:flex;flex-direction:column;justify-content:center;align-items:center;text-align:center}',
      '.cert p{margin:.3rem 0}',
      '.cert-award{font-size:clamp(.9rem,2.4vw,1.4rem);letter-spacing:.06em;text-transform:uppercase}',
      '.cert-title{font-size:clamp(1.8rem,7vw,4rem);line-height:1.1;margin:.3rem 0;color:#14452f}',
      '.cert-kind{font-size:clamp(1rem,3vw,1.8rem);letter-spacing:.2em;text-transform:uppercase}',
      '.cert-name{font-size:clamp(1.5rem,5.5vw,3.2rem);font-weight:700;line-height:1.15;overflow-wrap:anywhere}',
      '.cert-cat{font-size:clamp(1rem,2.8vw,1.6rem)}',
      '.cert-date{font-size:clamp(.9rem,2vw,1.2rem);margin-top:1rem}',
      '@page{size:A4 landscape;margin:0}',
      '@media print{body{background:#fff}main{padding:0}.cert{width:297mm;height:210mm;max-width:none;aspect-ratio:auto;margin:0;border-width:8mm;break-after:page;page-break-after:always}.cert:last-child{break-after:auto;page-break-after:auto}.cert-award{font-size:16pt}.cert-title{font-size:44pt}.cert-kind{font-size:20pt}.cert-name{font-size:36pt}.cert-cat{font-size:18pt}.cert-date{font-size:14pt}}',
    ].join(''),
  presenter:
    BASE_CSS +
    [
      `body{min-height:100vh;background:#101418;color:#f4f4f4;font:clamp(1.1rem,2.2vw,1.6rem)/1.4 ${SANS}}`,
      'a{color:#9fd3ff}:focus-visible{outline:4px solid #ffdd00;outline-offset:3px;box-shadow:none}',
      '.top{padding:.4rem 0;font-size:1rem}.top ul{list-style:none;margin:0;padding:0;display:flex;flex-wrap:wrap;gap:.3rem 1.5rem}',
      'main{display:block;padding:1vh 4vw 4vh}',
      'h1{font-size:clamp(1.1rem,2.4vw,1.8rem);font-weight:600;margin:.4rem 0;color:#cfd8dc}',
      '.step,.next-label,.others{color:#cfd8dc;margin:.3rem 0}',
      '.current h2{font-size:clamp(2rem,6vw,4.5rem);line-height:1.1;margin:2vh 0 1vh}',
      '.label{text-transform:uppercase;letter-spacing:.12em;color:#ffdd00;font-weight:700;margin:0}',
      'ul.names{list-style:none;padding:0;margin:.5rem 0;font-size:clamp(1.6rem,4.5vw,3.2rem);line-height:1.3}',
      '.winner{font-size:clamp(2.4rem,8vw,6rem);font-weight:800;line-height:1.1;margin:1vh 0;color:#ffdd00}',
      'form{margin:3vh 0}',
      'button{font:inherit;font-size:clamp(1.6rem,4vw,3rem);font-weight:700;min-height:2.5em;min-width:7em;padding:.3em 1.5em;border:0;border-radius:.4rem;background:#ffdd00;color:#101418;cursor:pointer}',
      '.notice,.alert{padding:.6rem .9rem;margin:1rem 0;border-left:.35rem solid #9fd3ff;background:#1d2730}.alert{border-color:#ff8a80}',
    ].join(''),
};

/** A document without the site's header and footer: for paper or a projector. */
export function SheetDocument({
  lang,
  title,
  css,
  children,
}: {
  lang: Lang;
  title: string;
  css: string;
  children?: Child;
}) {
  return (
    <html lang={lang}>
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{title}</title>
        <style>{raw(css)}</style>
      </head>
      <body>
        <main id="main">{children}</main>
      </body>
    </html>
  );
}

export interface PrintView {
  award: AwardRef;
  document: { version: number; hash: string; kid: string };
  tracks: TrackResultsView[];
  /** The ceremony's date, else the date of the results (YYYY-MM-DD). */
  date: string;
  resultsHref: string;
}

export function PrintPage({ t, lang, view }: { t: Translate; lang: Lang; view: PrintView }) {
  return (
    <>
      <p class="muted">{t('print.title')}</p>
      <h1 lang={langOf(view.award.name, lang)}>{view.award.name.text}</h1>
      <p>{formatDate(view.date, lang)}</p>
      <p class="noprint">
        {t('print.help')} <a href={view.resultsHref}>{t('print.back')}</a>
      </p>
      {view.tracks.flatMap((track) =>
        track.categories.map((cat) => (
          <section class="cat" aria-labelledby={CAT_ID(cat.slug)}>
            <h2 id={CAT_ID(cat.slug)} lang={langOf(cat.name, lang)}>
              {cat.name.text}
            </h2>
            <p class="muted" lang={langOf(track.name, lang)}>
              {track.name.text}
            </p>
            {cat.rows.length === 0 ? (
              <p>{t('results.noFinalists')}</p>
            ) : (
              <>
                <div class="wrap">
                  <table>
                    <thead>
                      <tr>
                        <th scope="col">{t('print.place')}</th>
                        <th scope="col">{t('results.finalist')}</th>
                        <th scope="col">{t('results.votes')}</th>
                        <th scope="col">{t('results.jury')}</th>
                        <th scope="col">{t('results.final')}</th>
                      </tr>
                    </thead>
                    <tbody>
                      {cat.rows.map((r) => (
                        <tr class={r.winner ? 'won' : undefined}>
                          <td class="n">{r.place}</td>
                          <th scope="row">
                            {r.winner ? '★ ' : null}
                            {nameOf(r.name, lang)}
                            {r.winner ? ` (${t('results.winner')})` : null}
                          </th>
                          <td class="n">{r.votes}</td>
                          <td class="n">{r.jury ?? t('results.noJury')}</td>
                          <td class="n">{r.final}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </div>
                <p>
                  <strong>
                    {t(cat.winners.length > 1 ? 'results.winners' : 'results.winner')}: {joinNames(cat.winners, lang)}
                  </strong>
                </p>
              </>
            )}
          </section>
        )),
      )}
      <footer class="foot">
        <p>{t('print.hash', { version: view.document.version })}</p>
        <p>
          <code>{view.document.hash}</code>
        </p>
      </footer>
    </>
  );
}

export function CertificatesPage({ t, lang, view }: { t: Translate; lang: Lang; view: PrintView }) {
  const certificates = view.tracks.flatMap((track) =>
    track.categories.flatMap((cat) => cat.winners.map((winner) => ({ cat, winner }))),
  );
  return (
    <>
      <h1 style={VISUALLY_HIDDEN}>
        {t('cert.title')} · {view.award.name.text}
      </h1>
      <p class="noprint">
        {t('cert.help')} <a href={view.resultsHref}>{t('print.back')}</a>
      </p>
      {certificates.length === 0 ? <p class="noprint">{t('cert.none')}</p> : null}
      {certificates.map(({ cat, winner }) => (
        <section class="cert">
          <p class="cert-award" lang={langOf(view.award.name, lang)}>
            {view.award.name.text}
          </p>
          <h2 class="cert-title">{t('cert.heading')}</h2>
          <p class="cert-kind">{t('cert.winner')}</p>
          <p class="cert-name" lang={langOf(winner, lang)}>
            {winner.text}
          </p>
          <p class="cert-cat">{t('cert.category', { category: cat.name.text })}</p>
          <p class="cert-date">{formatDate(view.date, lang)}</p>
        </section>
      ))}
    </>
  );
}

// ---------------------------------------------------------------------------------------------- presenter

export interface PresenterView {
  award: AwardRef;
  state: 'not-finalized' | 'ceremony' | 'announced';
  phase: string;
  /** Steps revealed so far, and of how many. */
  step: number;
  of: number;
  /** The latest step revealed: what the room sees now. */
  current: { stage: 'finalists' | 'winner'; category: CategoryResultsView } | null;
  /** What the button reveals next. */
  next: { kind: 'finalists' | 'winner'; category: Picked } | { kind: 'announce' } | null;
}

function nextLabel(t: Translate, next: NonNullable<PresenterView['next']>) {
  if (next.kind === 'announce') return t('presenter.nextAnnounce');
  return t(next.kind === 'finalists' ? 'presenter.nextFinalists' : 'presenter.nextWinner', {
    category: next.category.text,
  });
}

function CurrentStep({ t, lang, current }: { t: Translate; lang: Lang; current: PresenterView['current'] }) {
  if (!current) return <p class="current">{t('presenter.start')}</p>;
  const cat = current.category;
  const others = cat.finalists.filter((f) => !cat.winners.some((w) => w.text === f.text));
  return (
    <section class="current" aria-labelledby="current">
      <h2 id="current" lang={langOf(cat.name, lang)}>
        {cat.name.text}
      </h2>
      {current.stage === 'finalists' ? (
        <>
          <p class="label">{t('results.finalists')}</p>
          <ul class="names">
            {cat.finalists.map((n) => (
              <li>{nameOf(n, lang)}</li>
            ))}
          </ul>
        </>
      ) : (
        <>
          <p class="label">{t(cat.winners.length > 1 ? 'results.winners' : 'results.winner')}</p>
          {cat.winners.map((w) => (
            <p class="winner">★ {nameOf(w, lang)}</p>
          ))}
          {others.length > 0 ? (
            <p class="others">
              {t('presenter.others')}: {joinNames(others, lang)}
            </p>
          ) : null}
        </>
      )}
    </section>
  );
}

export function PresenterPage({
  t,
  lang,
  view,
  token,
  notice,
  error,
  hrefs,
}: {
  t: Translate;
  lang: Lang;
  view: PresenterView;
  token: string;
  notice?: string | undefined;
  error?: string | undefined;
  hrefs: { next: string; manage: string; results: string };
}) {
  return (
    <>
      <nav class="top" aria-label={t('presenter.links')}>
        <ul>
          <li>
            <a href={hrefs.manage}>{t('presenter.manage')}</a>
          </li>
          <li>
            <a href={hrefs.results}>{t('presenter.public')}</a>
          </li>
        </ul>
      </nav>
      <h1 lang={langOf(view.award.name, lang)}>{view.award.name.text}</h1>
      {notice ? <Flash kind="notice">{notice}</Flash> : null}
      {error ? <Flash kind="alert">{error}</Flash> : null}
      {view.state === 'not-finalized' ? (
        <p>{t('presenter.notFinalized', { phase: phaseName(t, view.phase) })}</p>
      ) : null}
      {view.state === 'announced' ? <p>{t('presenter.announced')}</p> : null}
      {view.state === 'ceremony' ? (
        <>
          <p class="step">{t('presenter.step', { step: view.step, of: view.of })}</p>
          <CurrentStep t={t} lang={lang} current={view.current} />
          {view.next ? (
            <form method="post" action={hrefs.next}>
              <input type="hidden" name="_csrf" value={token} />
              <input type="hidden" name="step" value={String(view.step)} />
              <p class="next-label">{nextLabel(t, view.next)}</p>
              <button type="submit">
                {t(view.next.kind === 'announce' ? 'presenter.announce' : 'presenter.next')}
              </button>
            </form>
          ) : null}
        </>
      ) : null}
    </>
  );
}

// ---------------------------------------------------------------------------------------------- turnout

export interface TurnoutView {
  award: AwardRef;
  timeZone: string;
  batches: { batch: number; at: number | null; ballots: number }[];
  /** Ballots since the last checkpoint. */
  pending: number;
  categories: {
    slug: string;
    name: Picked;
    counted: number;
    flagged: number;
    voided: number;
    superseded: number;
    marks: number;
  }[];
}

/** Bars of the turnout chart at most; longer votes merge consecutive batches. */
export const TURNOUT_BARS = 40;

export function TurnoutPage({ t, lang, view }: { t: Translate; lang: Lang; view: TurnoutView }) {
  const slug = encodeURIComponent(view.award.slug);
  const bins = binBatches(view.batches, TURNOUT_BARS);
  const total = bins.reduce((sum, b) => sum + b.ballots, 0);
  const busiest = bins.reduce((best, b) => (b.ballots > (best?.ballots ?? -1) ? b : best), bins[0]);
  const size = bins.length > 0 ? bins[0]!.last - bins[0]!.first + 1 : 1;
  const title = t('turnout.chartTitle');
  return (
    <>
      <Crumbs
        t={t}
        lang={lang}
        trail={[
          { href: '/organizer', label: t('manage.back') },
          { href: `/organizer/a/${slug}`, label: view.award.name },
          { href: `/organizer/a/${slug}/turnout`, label: t('turnout.title') },
        ]}
      />
      <h1>{t('turnout.title')}</h1>
      <p>{t('turnout.note')}</p>
      {bins.length === 0 || !busiest ? (
        <p>{t('turnout.none')}</p>
      ) : (
        <>
          <ColumnChart
            text={{
              id: 'turnout',
              title,
              desc: t('turnout.chartDesc', {
                ballots: total,
                batches: view.batches.length,
                max: busiest.ballots,
                label: busiest.label,
              }),
            }}
            columns={bins.map((b) => ({ label: b.label, value: b.ballots, display: String(b.ballots) }))}
          />
          <p class="muted">{size > 1 ? t('turnout.binned', { size }) : t('turnout.axis')}</p>
          <HiddenTable
            caption={title}
            headers={[t('turnout.batches'), t('turnout.at'), t('turnout.ballots')]}
            rows={bins.map((b) => ({
              label: b.label,
              cells: [b.at === null ? '—' : formatInstant(b.at, view.timeZone, lang), String(b.ballots)],
            }))}
          />
        </>
      )}
      <p>{t('turnout.pending', { count: view.pending })}</p>
      <h2>{t('turnout.categories')}</h2>
      <ul class="cards">
        {view.categories.map((cat) => (
          <li>
            <h3 class="card-title" lang={langOf(cat.name, lang)}>
              {cat.name.text}
            </h3>
            <p>
              {t('turnout.figures', {
                counted: cat.counted,
                flagged: cat.flagged,
                voided: cat.voided,
                superseded: cat.superseded,
                marks: cat.marks,
              })}
            </p>
          </li>
        ))}
      </ul>
    </>
  );
}
