/**
 * The results pages through HTTP: the public results page before finalization, during the ceremony (only what is
 * revealed, nothing of the hidden categories) and once announced (everything, with the document's hash and how to
 * check it); the live stream; the presenter's screen and its Next button; the print sheet and the certificates;
 * the organizers' turnout page; and the SVG charts themselves.
 *
 * The award: one track, K = 2, one rubric criterion `merit` on [0, 10] (x = score / 10), weights jury 1, public 1.
 *   mentor: aida 3 votes, bermet 2, cholpon 0 → finalists aida, bermet. Jury aida 4, bermet 9.
 *     public shares 3/5, 2/5; jury x 0.4, 0.9 (sum 1.3) → shares 4/13, 9/13;
 *     final aida 4/13 + 3/5 = 59/65 = 0.907692…, bermet 9/13 + 2/5 = 71/65 = 1.092307… → winner BERMET.
 *   mentee: farida 2 votes, elmira 1, dinara 0 → finalists farida, elmira (stored in that order, by votes).
 *     Jury farida 6, elmira 8: public shares 2/3, 1/3; jury x 0.6, 0.8 (sum 1.4) → shares 3/7, 4/7;
 *     final farida 3/7 + 2/3 = 23/21 = 1.095238…, elmira 4/7 + 1/3 = 19/21 = 0.904761… → winner FARIDA.
 * The ceremony's steps: mentor finalists, mentor winner, mentee finalists, mentee winner; the fifth press announces.
 */
import { describe, expect, it } from 'vitest';
import { addOrganizer } from '../src/organizers/service';
import { formatDate } from '../src/web/format';
import { BarChart, barLength, binBatches, ColumnChart, HiddenTable } from '../src/web/charts';
import { isoDateIn } from '../src/web/results';
import { openVote } from './support/awards';
import { bytes, h1Count, signInOrganizer } from './support/pages';
import {
  type Pipeline,
  api,
  call,
  castVotes,
  closeVote,
  finalize,
  invitedJuror,
  openPipeline,
  readResults,
  resultsAward,
  scoreSheet,
} from './support/results';

const RUBRIC = { mode: 'rubric', scale: [0, 10], criteria: [{ id: 'merit', weight: 1 }] };
const SPEC = {
  rules: { finalists: { mode: 'public', k: 2 }, jury: RUBRIC, weights: { jury: 1, public: 1 } },
  categories: [
    { slug: 'mentor', nominees: ['aida', 'bermet', 'cholpon'] },
    { slug: 'mentee', nominees: ['dinara', 'elmira', 'farida'] },
  ],
};
/** Every figure of the mentee category (as 6-decimal strings): none may show before its winner is revealed. */
const MENTEE_FIGURES = ['1.095238', '0.904762', '0.666667', '0.333333', '0.428571', '0.571429'];

/** Votes, a juror scoring both categories, the close; `finalized` also finalizes. */
async function judged(name: string, { finalized = true } = {}): Promise<Pipeline> {
  const p = await openPipeline(name, SPEC);
  await castVotes(p, 'mentor', { aida: 3, bermet: 2 });
  await castVotes(p, 'mentee', { farida: 2, elmira: 1 });
  const juror = await invitedJuror(p, { name: 'J', categories: ['mentor', 'mentee'] });
  await closeVote(p);
  await scoreSheet(p, juror, 'mentor', { aida: 4, bermet: 9 });
  await scoreSheet(p, juror, 'mentee', { farida: 6, elmira: 8 });
  if (finalized) await finalize(p);
  return p;
}

const page = (p: Pipeline, path: string) => p.env.app.request(path);
const resultsPage = async (p: Pipeline, query = '') => {
  const res = await page(p, `/a/${p.slug}/results${query}`);
  expect(res.status).toBe(200);
  const html = await res.text();
  expect(bytes(html)).toBeLessThan(50_000);
  expect(h1Count(html)).toBe(1);
  return html;
};
const reveal = async (p: Pipeline) => {
  const res = await call(p, api(p, '/results/reveal'), {});
  expect(res.status, await res.clone().text()).toBe(200);
};

/** The markup of one category's section on the results page. */
function category(html: string, slug: string): string {
  const m = new RegExp(`<section aria-labelledby="cat-${slug}">([\\s\\S]*?)</section>`).exec(html);
  if (!m) throw new Error(`no section of ${slug}`);
  return m[1]!;
}

/** Reads the body until `pattern` shows up (or fails after `ms`); returns all text read so far. */
async function readUntil(reader: ReadableStreamDefaultReader<Uint8Array>, pattern: RegExp, ms = 8000) {
  const decoder = new TextDecoder();
  let text = '';
  const deadline = Date.now() + ms;
  while (!pattern.test(text)) {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`no ${pattern} within ${ms} ms; read: ${text}`)),
        deadline - Date.now(),
      );
    });
    const chunk = await Promise.race([reader.read(), timeout]).finally(() => clearTimeout(timer));
    if (chunk.done) throw new Error(`the stream ended before ${pattern}; read: ${text}`);
    text += decoder.decode(chunk.value, { stream: true });
  }
  return text;
}

describe('the public results page', () => {
  it('before finalization says the results are not published yet; print and certificates are 404', async () => {
    const p = await judged('before', { finalized: false });
    const html = await resultsPage(p);
    expect(html).toContain('The results are not published yet.');
    for (const name of ['AIDA', 'BERMET', 'FARIDA', 'ELMIRA']) expect(html).not.toContain(name);
    // Judging: finalization will come, so the page listens for it (a script from this site, never inline: the CSP).
    expect(html).toContain(`data-stream="/a/${p.slug}/results/stream"`);
    expect(html).toMatch(/<script src="\/static\/results-live\.js" defer=""><\/script>/);
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)/);
    for (const sheet of ['print', 'certificates']) {
      const res = await page(p, `/a/${p.slug}/results/${sheet}`);
      expect(res.status, sheet).toBe(404);
      expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    }
    const script = await page(p, '/static/results-live.js');
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect(await script.text()).toContain("new EventSource(box.getAttribute('data-stream'))");
  });

  it('during the ceremony shows only the revealed steps: no names or figures of hidden categories', async () => {
    const p = await judged('during');
    let html = await resultsPage(p);
    expect(html).toContain('The results are final and are announced at the ceremony');
    expect(html).toContain('Announced so far: 0 of 4 steps.');
    expect(category(html, 'mentor')).toContain('To be announced.');
    expect(category(html, 'mentee')).toContain('To be announced.');
    for (const name of ['AIDA', 'BERMET', 'FARIDA', 'ELMIRA']) expect(html).not.toContain(name);
    expect(html).not.toContain('role="img"');

    await reveal(p); // mentor: finalists
    html = await resultsPage(p);
    const mentor = category(html, 'mentor');
    expect(mentor).toContain('The finalists, in alphabetical order:');
    expect(mentor.indexOf('AIDA')).toBeLessThan(mentor.indexOf('BERMET'));
    // The finalists, not the figures nor the winner; cholpon had no vote and is no finalist.
    expect(mentor).not.toContain('★');
    expect(mentor).not.toContain('1.092308');
    expect(html).not.toContain('CHOLPON');
    expect(html).not.toContain('role="img"');
    expect(html).toContain('Announced: the finalists of mentor.');

    await reveal(p); // mentor: winner
    await reveal(p); // mentee: finalists
    html = await resultsPage(p);
    const won = category(html, 'mentor');
    expect(won).toMatch(/★ Winner: BERMET/);
    // In final order: BERMET 71/65, then AIDA 59/65, each with every figure.
    expect(won.indexOf('BERMET</strong>')).toBeLessThan(won.indexOf('AIDA'));
    expect(won).toContain('Votes: 2 (share 0.400000) · Jury score: 9.000000 (share 0.692308) · Final result: 1.092308');
    expect(won).toContain('Votes: 3 (share 0.600000) · Jury score: 4.000000 (share 0.307692) · Final result: 0.907692');
    expect((won.match(/<svg [^>]*role="img"/g) ?? []).length).toBe(2);
    expect(won).toContain('<title id="ch-mentor-v-t">Public votes in mentor</title>');
    expect(won).toContain('<title id="ch-mentor-j-t">Jury scores in mentor</title>');
    expect(won).toContain('BERMET (winner): 2; AIDA: 3');
    // mentee: its finalists alphabetically (elmira before farida, though farida has more votes), nothing more.
    const mentee = category(html, 'mentee');
    expect(mentee.indexOf('ELMIRA')).toBeLessThan(mentee.indexOf('FARIDA'));
    expect(mentee).not.toContain('★');
    for (const figure of MENTEE_FIGURES) expect(html).not.toContain(figure);
    expect((await page(p, `/a/${p.slug}/results/print`)).status).toBe(404);
    expect((await page(p, `/a/${p.slug}/results/certificates`)).status).toBe(404);
    expect((await page(p, `/api/ceremonies/${p.slug}/results`)).status).toBe(404);
  });

  it('once announced shows every category with the document’s version and hash and how to check it', async () => {
    const p = await judged('after');
    for (let i = 0; i < 5; i++) await reveal(p);
    const { hash, version } = await readResults(p);
    const html = await resultsPage(p);
    expect(category(html, 'mentor')).toMatch(/★ Winner: BERMET/);
    const mentee = category(html, 'mentee');
    expect(mentee).toMatch(/★ Winner: FARIDA/);
    expect(mentee).toContain(
      'Votes: 2 (share 0.666667) · Jury score: 6.000000 (share 0.428571) · Final result: 1.095238',
    );
    expect(mentee).toContain(
      'Votes: 1 (share 0.333333) · Jury score: 8.000000 (share 0.571429) · Final result: 0.904762',
    );
    expect(version).toBe(1);
    expect(html).toContain(`<code>${hash}</code>`);
    for (const href of [
      `/api/ceremonies/${p.slug}/results`,
      `/api/ceremonies/${p.slug}/results.csv`,
      '/.well-known/jwks.json',
      `/a/${p.slug}/results/print`,
      `/a/${p.slug}/results/certificates`,
    ])
      expect(html).toContain(`href="${href}"`);
    expect(html).toContain('laurel tally results.json');
    // Nothing changes any more: no live script.
    expect(html).not.toContain('id="live"');
    expect(html).not.toContain('<script');
    expect((html.match(/<svg [^>]*role="img"/g) ?? []).length).toBe(4);
    expect((html.match(/<caption>/g) ?? []).length).toBe(2);
  });

  it('the print sheet and the certificates in Kyrgyz, once announced', async () => {
    const p = await judged('sheets');
    for (let i = 0; i < 5; i++) await reveal(p);
    const { hash, document } = await readResults(p);

    const print = await page(p, `/a/${p.slug}/results/print?lang=ky`);
    expect(print.status).toBe(200);
    const sheet = await print.text();
    expect(bytes(sheet)).toBeLessThan(50_000);
    expect(sheet).toContain('<html lang="ky">');
    expect(sheet).toContain('@media print');
    expect(sheet).toContain('break-before:page');
    expect(sheet).toContain('<th scope="col">Орун</th>');
    // The award has English texts only: names are marked as English inside the Kyrgyz page.
    expect(sheet).toMatch(
      /<tr class="won"><td class="n">1<\/td><th scope="row">★ <span lang="en">BERMET<\/span> \(Жеңүүчү\)<\/th><td class="n">2<\/td><td class="n">9\.000000<\/td><td class="n">1\.092308<\/td><\/tr>/,
    );
    expect(sheet).toMatch(
      /<tr><td class="n">2<\/td><th scope="row"><span lang="en">AIDA<\/span><\/th><td class="n">3<\/td><td class="n">4\.000000<\/td><td class="n">0\.907692<\/td><\/tr>/,
    );
    expect(sheet).toContain(`<code>${hash}</code>`);
    expect(sheet).toContain('1-версия');

    const certs = await page(p, `/a/${p.slug}/results/certificates?lang=ky`);
    expect(certs.status).toBe(200);
    const html = await certs.text();
    expect(bytes(html)).toBeLessThan(50_000);
    expect(html).toContain('<html lang="ky">');
    expect(html).toContain('size:A4 landscape');
    // One page per winner: BERMET (mentor), FARIDA (mentee), in the award's order.
    const names = [...html.matchAll(/<p class="cert-name" lang="en">([^<]+)<\/p>/g)].map((m) => m[1]);
    expect(names).toEqual(['BERMET', 'FARIDA']);
    expect((html.match(/<h2 class="cert-title">Диплом<\/h2>/g) ?? []).length).toBe(2);
    expect(html).toContain('«mentor» категориясында');
    const zone = (await (await call(p, api(p, ''))).json()) as { timeZone: string };
    expect(html).toContain(formatDate(isoDateIn(document.at, zone.timeZone), 'ky'));
    expect(h1Count(html)).toBe(1);
  });
});

describe('the live stream', () => {
  it('sends the mark at once and again when a step is revealed', async () => {
    const p = await judged('stream');
    const res = await page(p, `/a/${p.slug}/results/stream`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const reader = res.body!.getReader();
    // phase:version:reveals — finalized, version 1, nothing revealed.
    const first = await readUntil(reader, /data: finalized:1:0\n/);
    expect(first).toMatch(/^event: mark\ndata: finalized:1:0\nretry: \d+\n\n/);
    await reveal(p);
    const next = await readUntil(reader, /data: finalized:1:1\n/);
    expect(next).toContain('event: mark\ndata: finalized:1:1\n\n');
    await reader.cancel();
    // The page drawn now carries the same mark, so its script fetches nothing until the next step.
    expect(await resultsPage(p)).toContain('data-mark="finalized:1:1"');
  });

  it('is a 404 for an award that does not exist', async () => {
    const p = await judged('nostream', { finalized: false });
    expect((await page(p, '/a/no-such-award/results/stream')).status).toBe(404);
  });
});

describe('the presenter screen', () => {
  it('needs a signed-in organizer of the award', async () => {
    const p = await judged('who');
    const anonymous = await page(p, `/organizer/a/${p.slug}/ceremony`);
    expect(anonymous.status).toBe(303);
    expect(anonymous.headers.get('location')).toBe('/organizer/login');
    // An organizer of another award only.
    const other = await openVote(p.env, resultsAward(`${p.slug}-other`, SPEC));
    await addOrganizer(p.env, 'stranger@example.kg', other, 'cli');
    const stranger = await signInOrganizer(p.env, 'stranger@example.kg');
    expect((await stranger.get(`/organizer/a/${p.slug}/ceremony`)).status).toBe(403);
    expect((await stranger.post(`/organizer/a/${p.slug}/ceremony/next`, { step: '0' })).status).toBe(403);
    const live = await (await page(p, `/api/ceremonies/${p.slug}/results/live`)).json();
    expect(live.revealed).toBe(0);
  });

  it('Next reveals one step per press, refuses a stale press and a forged form, and finally announces', async () => {
    const p = await judged('presenter');
    const b = await signInOrganizer(p.env, `org-${p.slug}@example.kg`);
    const screen = async (status = 200) => {
      const res = await b.get(`/organizer/a/${p.slug}/ceremony`);
      expect(res.status).toBe(status);
      const html = await res.text();
      expect(bytes(html)).toBeLessThan(50_000);
      expect(h1Count(html)).toBe(1);
      return html;
    };
    const press = (step: number, opts = {}) =>
      b.post(`/organizer/a/${p.slug}/ceremony/next`, { step: String(step) }, opts);
    const revealed = async () =>
      ((await (await page(p, `/api/ceremonies/${p.slug}/results/live`)).json()) as { revealed: number }).revealed;

    let html = await screen();
    expect(html).toContain('Step 0 of 4');
    expect(html).toContain('Nothing is revealed yet.');
    expect(html).toContain('Next: the finalists of mentor');
    expect(html).toContain('<button type="submit">Next</button>');
    for (const name of ['AIDA', 'BERMET', 'FARIDA', 'ELMIRA']) expect(html).not.toContain(name);

    // A forged form (no CSRF token, or from another site) changes nothing.
    expect((await press(0, { csrf: null })).status).toBe(403);
    expect((await press(0, { origin: 'https://evil.example' })).status).toBe(403);
    expect(await revealed()).toBe(0);

    const first = await press(0);
    expect(first.status).toBe(303);
    expect(first.headers.get('location')).toBe(`/organizer/a/${p.slug}/ceremony`);
    expect(await revealed()).toBe(1);
    html = await screen();
    expect(html).toContain('Step 1 of 4');
    expect(html).toMatch(/<ul class="names"><li>AIDA<\/li><li>BERMET<\/li><\/ul>/);
    expect(html).toContain('Next: the winner of mentor');
    expect(html).not.toContain('class="winner"');

    // The same press again (a double click, a second presenter's older screen): nothing more is revealed.
    const stale = await press(0);
    expect(stale.status).toBe(409);
    expect(await stale.text()).toContain('That step was revealed already');
    expect(await revealed()).toBe(1);

    expect((await press(1)).status).toBe(303);
    html = await screen();
    expect(html).toContain('Step 2 of 4');
    expect(html).toMatch(/<p class="winner">★ BERMET<\/p>/);
    expect(html).toContain('Next: the finalists of mentee');
    // The screen shows what the room may see: nothing of mentee yet.
    for (const name of ['FARIDA', 'ELMIRA']) expect(html).not.toContain(name);

    expect((await press(2)).status).toBe(303);
    expect((await press(3)).status).toBe(303);
    html = await screen();
    expect(html).toContain('Step 4 of 4');
    expect(html).toMatch(/<p class="winner">★ FARIDA<\/p>/);
    expect(html).toContain('Next: announce the results');
    expect(html).toContain('<button type="submit">Announce</button>');
    expect((await page(p, `/api/ceremonies/${p.slug}/results`)).status).toBe(404);

    expect((await press(4)).status).toBe(303);
    expect((await page(p, `/api/ceremonies/${p.slug}/results`)).status).toBe(200);
    html = await screen();
    expect(html).toContain('The results are announced: everything is public.');
    expect(html).not.toContain('<button');
    expect((await press(4)).status).toBe(409);
  });

  it('before finalization says the ceremony starts once the results are finalized, with no button', async () => {
    const p = await judged('early', { finalized: false });
    const b = await signInOrganizer(p.env, `org-${p.slug}@example.kg`);
    const html = await (await b.get(`/organizer/a/${p.slug}/ceremony?lang=ru`)).text();
    expect(html).toContain('<html lang="ru">');
    expect(html).toContain('Церемония начнётся, когда результаты будут подведены. Сейчас этап «');
    expect(html).not.toContain('<button');
    expect((await b.post(`/organizer/a/${p.slug}/ceremony/next`, { step: '0' })).status).toBe(409);
  });
});

describe('the turnout page', () => {
  it('draws the ballots per checkpoint batch with a text alternative, for organizers only', async () => {
    const p = await judged('turnout', { finalized: false });
    expect((await page(p, `/organizer/a/${p.slug}/turnout`)).status).toBe(303);
    const b = await signInOrganizer(p.env, `org-${p.slug}@example.kg`);
    const res = await b.get(`/organizer/a/${p.slug}/turnout`);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(bytes(html)).toBeLessThan(50_000);
    // The same batches as the API's turnout; 3 + 2 ballots in mentor and 2 + 1 in mentee: 8 in all.
    const figures = (await (await call(p, api(p, '/turnout'))).json()) as {
      batches: { batch: number; ballots: number }[];
    };
    const total = figures.batches.reduce((sum, b) => sum + b.ballots, 0);
    expect(total).toBe(8);
    expect(html).toMatch(/<svg [^>]*role="img" aria-labelledby="turnout-t turnout-d"/);
    expect(html).toContain('<title id="turnout-t">Ballots per checkpoint batch</title>');
    expect(html).toContain(`8 ballots in ${figures.batches.length} checkpoint batches`);
    for (const batch of figures.batches)
      expect(html).toMatch(new RegExp(`<th scope="row">${batch.batch}</th><td>[^<]+</td><td>${batch.ballots}</td>`));
    expect(html).toContain('Counted: 5 · flagged: 0 · voided: 0 · superseded: 0 · people who voted: 5');
    expect(html).toContain('Counted: 3 · flagged: 0 · voided: 0 · superseded: 0 · people who voted: 3');
  });
});

describe('charts', () => {
  const render = async (node: unknown) => String(await node);

  it('bars: role=img named by title and desc; the winner has a ★ and a bold label; lengths to scale', async () => {
    const svg = await render(
      BarChart({
        text: { id: 'x', title: 'Votes <here>', desc: 'A 30, B 10' },
        bars: [
          { label: 'A', value: 30, display: '30', marked: true },
          { label: 'B', value: 10, display: '10' },
        ],
      }),
    );
    expect(svg).toMatch(/^<svg [^>]*role="img" aria-labelledby="x-t x-d"/);
    expect(svg).toContain('<title id="x-t">Votes &lt;here&gt;</title><desc id="x-d">A 30, B 10</desc>');
    expect(svg).toContain('<text x="0" y="13" font-weight="700">★ A</text>');
    expect(svg).toContain('<text x="0" y="53">B</text>');
    // The longest bar fills the span (360 - 84 = 276); 10 of 30 is a third: 92.
    expect(svg).toContain('width="276"');
    expect(svg).toContain('width="92"');
    // A fixed top (a jury scale up to 10): 4 of 10 on 276 is 110.4.
    const scaled = await render(
      BarChart({ text: { id: 'y', title: 't', desc: 'd' }, bars: [{ label: 'A', value: 4, display: '4' }], max: 10 }),
    );
    expect(scaled).toContain('width="110.4"');
  });

  it('bar lengths: nothing for zero, negative or missing values; never past the span', () => {
    expect(barLength(0, 10, 100)).toBe(0);
    expect(barLength(-3, 10, 100)).toBe(0);
    expect(barLength(Number.NaN, 10, 100)).toBe(0);
    expect(barLength(5, 10, 100)).toBe(50);
    expect(barLength(12, 10, 100)).toBe(100);
  });

  it('columns and the hidden table', async () => {
    const svg = await render(
      ColumnChart({
        text: { id: 't', title: 'Turnout', desc: 'd' },
        columns: [
          { label: '1', value: 4, display: '4' },
          { label: '2', value: 2, display: '2' },
        ],
      }),
    );
    expect(svg).toMatch(/^<svg [^>]*role="img"/);
    // Plot 150 high: 4 of 4 fills it (y 18 to 168), 2 of 4 is 75 high (y 93).
    expect(svg).toContain('y="18" width="109.2" height="150"');
    expect(svg).toContain('y="93" width="109.2" height="75"');
    const table = await render(
      HiddenTable({
        caption: 'Figures',
        headers: ['Finalist', 'Votes'],
        rows: [{ label: 'A', marked: true, cells: ['30'] }],
      }),
    );
    expect(table).toMatch(/^<div style="position:absolute;[^"]*clip[^"]*"><table>/);
    expect(table).toContain('<caption>Figures</caption>');
    expect(table).toContain('<th scope="row">★ A</th><td>30</td>');
  });

  it('batches merge into runs of equal length when there are too many bars', () => {
    const batches = Array.from({ length: 7 }, (_, i) => ({ batch: i + 1, at: 1000 * (i + 1), ballots: i + 1 }));
    // 7 batches into at most 3 bars: runs of ceil(7/3) = 3 → 1–3 (1+2+3 = 6), 4–6 (15), 7 (7).
    expect(binBatches(batches, 3)).toEqual([
      { label: '1–3', first: 1, last: 3, at: 3000, ballots: 6 },
      { label: '4–6', first: 4, last: 6, at: 6000, ballots: 15 },
      { label: '7', first: 7, last: 7, at: 7000, ballots: 7 },
    ]);
    expect(binBatches(batches.slice(0, 2), 3).map((b) => b.label)).toEqual(['1', '2']);
    expect(binBatches([], 3)).toEqual([]);
  });
});
