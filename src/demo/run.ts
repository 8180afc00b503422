/**
 * `laurel demo`: a whole award through the HTTP API in one process, on a throw-away database. The STEM4ALL example
 * is imported (without its schedule: phases move by hand), the public nominates and votes after verifying by
 * mailed codes, organizers pick finalists, a jury of the example's five institutions scores them through mailed
 * invitations, and the results are finalized, revealed step by step and announced. The simulated people's choices
 * come from src/demo/plan.ts, so the same seed gives the same results.
 */
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { JWK } from 'jose';
import { canonicalJson } from '../audit/canonical';
import { randomBytes, toBase64Url } from '../keys/wrap';
import type { ResultsDocument } from '../results/document';
import { verifyResultsJws } from '../results/signing';
import { readExample } from '../runtime/node';
import { type Call, apiClient } from './client';
import { DEMO_DEFAULTS } from './command';
import { startDemoLaurel } from './instance';
import { type Mailbox, startMailbox } from './mailbox';
import {
  type FinalistPicks,
  type PlanCategory,
  finalistPicks,
  juryPlan,
  nominationPlan,
  sheetPlan,
  voterEmail,
  votePlan,
} from './plan';
import { type Progress, type ProgressStream, createProgress } from './progress';
import { type AwardJson, type DemoSummary, type JuryProgressJson, resultsTable, summarize } from './summary';

export interface DemoOptions {
  /** Seed of the simulated people's choices (default 1). */
  seed?: number;
  /** Voters who verify and vote (default 554, as in the 2024 award). */
  voters?: number;
  /** Where to write the signed results and the keys. */
  out?: string;
  /** No progress on stderr. */
  quiet?: boolean;
  /** Where progress goes (default process.stderr). */
  progress?: ProgressStream;
}

export interface DemoOutcome {
  /** The results and the run's figures, named by slug: the same for the same seed. */
  summary: DemoSummary;
  /** The printed table (made from `summary` alone). */
  table: string;
  /** The signed results of this run: different on every run (ids, times, the lot secret). */
  results: { version: number; hash: string; kid: string; signatureVerified: boolean };
  /** The event head right after the announcement, as a witness would print it at the ceremony. */
  head: { seq: number; hash: string };
  /** Messages the demo's mail server received (codes, receipts, invitations). */
  mails: number;
  /** The file written with --out. */
  out: string | null;
  seconds: number;
}

/** Simulated people at once: enough to keep the server busy, few enough to keep SQLite's one writer unhurried. */
const CONCURRENCY = 8;
/** Jurors scoring at once: every score is an event of the award's one chain, so more would only retry. */
const JURY_CONCURRENCY = 4;
const ORGANIZER = 'organizer@laurel.demo';
const FINALISTS_PER_CATEGORY = 3;
/** The six-digit code in a sign-in or verification mail ("123 456"). */
const CODE = /\b(\d{3}) ?(\d{3})\b/;
/** The juror's invitation link in the invitation mail; its last segment is the token. */
const INVITATION = /\/jury\/invitations\/([A-Za-z0-9._~-]+)/;

interface Ctx {
  call: Call;
  mailbox: Mailbox;
  progress: Progress;
  organizer: string;
  /** `/api/ceremonies/{slug}` */
  api: string;
}

/** Runs the demo and returns its results; see DemoOptions. Throws if any step fails (nothing is left behind). */
export async function runDemo(options: DemoOptions = {}): Promise<DemoOutcome> {
  const seed = options.seed ?? DEMO_DEFAULTS.seed;
  const voters = options.voters ?? DEMO_DEFAULTS.voters;
  if (!Number.isSafeInteger(seed) || seed < 0) throw new RangeError('--seed must be a whole number, 0 or more');
  if (!Number.isSafeInteger(voters) || voters < 1 || voters > 100_000)
    throw new RangeError('--voters must be a whole number from 1 to 100000');
  const started = Date.now();
  const progress = createProgress(options.quiet ? null : (options.progress ?? process.stderr));
  const dataDir = mkdtempSync(join(tmpdir(), 'laurel-demo-'));
  const mailbox = await startMailbox();
  let laurel: Awaited<ReturnType<typeof startDemoLaurel>> | undefined;
  try {
    laurel = await progress.step('Laurel started on a throw-away SQLite database, mail to a local SMTP server', () =>
      startDemoLaurel(mailbox.url, dataDir),
    );
    const call = apiClient(laurel.url);
    const bootstrapToken = laurel.bootstrapToken;
    const organizer = await progress.step('First organizer: bootstrap token, then signed in by a mailed code', () =>
      signInOrganizer(call, mailbox, bootstrapToken),
    );
    const definition = withoutSchedule(readExample());
    const ctx: Ctx = { call, mailbox, progress, organizer, api: `/api/ceremonies/${definition.slug}` };

    await progress.step(`Award "${definition.slug}" imported (no schedule), nominations open`, async () => {
      await call('POST', '/api/ceremonies', { body: definition, token: organizer });
      await movePhase(ctx, 'nominating');
    });
    await progress.step('Public nominations by verified people, proposals accepted', () => nominate(ctx, seed));
    await progress.step('Voting opened: rules and nominees frozen, lot secret committed', () =>
      movePhase(ctx, 'voting'),
    );
    await vote(ctx, seed, voters);
    await progress.step('Vote closed (closing checkpoint)', () => movePhase(ctx, 'judging'));
    const picks = await progress.step('Finalists picked by the organizers from the counts', () => pick(ctx, seed));
    await judge(ctx, seed, picks);
    await progress.step('Results finalized and signed', () =>
      call('POST', `${ctx.api}/results/finalize`, { token: organizer }),
    );
    await progress.step('Ceremony: every step revealed, then announced', () => reveal(ctx));

    // Everything from here is public, read as anyone would (no token), but the jury progress.
    const results = await call<SignedResults>('GET', `${ctx.api}/results`);
    const jwks = await call<{ keys: JWK[] }>('GET', '/.well-known/jwks.json');
    const verified = await verifyResultsJws(results.jws, jwks);
    const signatureVerified = verified.text === canonicalJson(results.document) && verified.kid === results.kid;
    const award = await call<AwardJson & { phase: string }>('GET', ctx.api);
    const head = await call<{ seq: number; hash: string }>('GET', `${ctx.api}/events/head`);
    const jury = await call<JuryProgressJson>('GET', `${ctx.api}/jury`, { token: organizer });
    const summary = summarize({ seed, voters, phase: award.phase }, award, results.document, jury);

    if (options.out) {
      const out = options.out;
      await progress.step(`Audit bundle written to ${out}`, () => saveBundle(laurel!.url, ctx.api, out));
    }
    await progress.step('Mail outbox drained', () => outboxDrained(ctx));
    return {
      summary,
      table: resultsTable(summary),
      results: { version: results.version, hash: results.hash, kid: results.kid, signatureVerified },
      head: { seq: head.seq, hash: head.hash },
      mails: mailbox.received(),
      out: options.out ?? null,
      seconds: (Date.now() - started) / 1000,
    };
  } finally {
    await laurel?.stop();
    await mailbox.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

interface SignedResults {
  version: number;
  hash: string;
  kid: string;
  jws: string;
  document: ResultsDocument;
}

/** Downloads the published audit bundle as anyone would; a file named *.ndjson gets the NDJSON form (§19.2). */
async function saveBundle(base: string, api: string, file: string): Promise<void> {
  const format = file.endsWith('.ndjson') ? 'ndjson' : 'json';
  const res = await fetch(`${base}${api}/bundle?format=${format}`);
  if (!res.ok || !res.body) throw new Error(`GET ${api}/bundle answered ${res.status}`);
  await pipeline(Readable.fromWeb(res.body as import('node:stream/web').ReadableStream), createWriteStream(file));
}

function withoutSchedule(example: unknown): { slug: string } & Record<string, unknown> {
  const { schedule: _schedule, ...definition } = example as { slug: string; schedule?: unknown };
  return definition;
}

async function signInOrganizer(call: Call, mailbox: Mailbox, bootstrapToken: string): Promise<string> {
  await call('POST', '/api/bootstrap', { body: { token: bootstrapToken, email: ORGANIZER } });
  await call('POST', '/api/auth/code', { body: { email: ORGANIZER } });
  const code = await mailbox.take(ORGANIZER, CODE);
  const session = await call<{ token: string }>('POST', '/api/auth/token', {
    body: { email: ORGANIZER, code: code[1]! + code[2]! },
  });
  return session.token;
}

function movePhase(ctx: Ctx, to: 'nominating' | 'voting' | 'judging') {
  return ctx.call('POST', `${ctx.api}/phase`, { body: { to }, token: ctx.organizer });
}

/** The real email-code flow: ask for a code, read it in the mailbox, exchange it for a voter token. */
async function verifyVoter(ctx: Ctx, email: string): Promise<string> {
  await ctx.call('POST', `${ctx.api}/verify/email`, { body: { email } });
  const code = await ctx.mailbox.take(email, CODE);
  const session = await ctx.call<{ token: string }>('POST', `${ctx.api}/verify/email/code`, {
    body: { email, code: code[1]! + code[2]! },
  });
  return session.token;
}

function planCategories(award: AwardJson): PlanCategory[] {
  return award.tracks.flatMap((t) =>
    t.categories.map((c) => ({ slug: c.slug, nominees: c.nominees.map((n) => n.slug) })),
  );
}

async function nominate(ctx: Ctx, seed: number): Promise<void> {
  const award = await ctx.call<AwardJson>('GET', ctx.api, { token: ctx.organizer });
  for (const n of nominationPlan(seed, planCategories(award))) {
    const voter = await verifyVoter(ctx, voterEmail(n.voter));
    const done = await ctx.call<{ nominee: { slug: string; status: string } }>(
      'POST',
      `${ctx.api}/categories/${n.category}/nominations`,
      { body: n.body, token: voter },
    );
    if (done.nominee.status === 'pending')
      await ctx.call('POST', `${ctx.api}/nominees/${done.nominee.slug}/accept`, { token: ctx.organizer });
  }
}

/**
 * Runs `work` on every item with at most `limit` at once. The first failure stops the rest from starting; it is
 * thrown once the requests in flight have ended (the server must not be stopped under them).
 */
async function eachConcurrently<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>) {
  let next = 0;
  let failure: { error: unknown } | null = null;
  const worker = async () => {
    while (!failure && next < items.length) {
      const item = items[next++]!;
      try {
        await work(item);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failure) throw (failure as { error: unknown }).error;
}

async function vote(ctx: Ctx, seed: number, voters: number): Promise<void> {
  const award = await ctx.call<AwardJson>('GET', ctx.api);
  const plan = votePlan(seed, voters, planCategories(award));
  const counter = ctx.progress.counter('Voters verified by mailed codes and voted', plan.length);
  await eachConcurrently(plan, CONCURRENCY, async (voter) => {
    const token = await verifyVoter(ctx, voter.email);
    for (const ballot of voter.ballots)
      await ctx.call('POST', `${ctx.api}/ballots`, {
        body: { ...ballot, nonce: toBase64Url(randomBytes(18)) },
        token,
      });
    counter.tick();
  });
  counter.done();
}

/** `finalists: organizer`: the top three of each category by the public counts, and a wildcard in one. */
async function pick(ctx: Ctx, seed: number): Promise<FinalistPicks[]> {
  const counts = await ctx.call<{ categories: { slug: string; nominees: { slug: string; votes: number }[] }[] }>(
    'GET',
    `${ctx.api}/counts`,
    { token: ctx.organizer },
  );
  const picks = finalistPicks(
    seed,
    counts.categories.map((c) => ({ category: c.slug, nominees: c.nominees })),
    FINALISTS_PER_CATEGORY,
  );
  for (const p of picks) {
    const path = `${ctx.api}/categories/${p.category}/finalists`;
    await ctx.call('PUT', path, { body: { nominees: p.picks }, token: ctx.organizer });
    if (p.wildcard) await ctx.call('POST', `${path}/wildcards`, { body: p.wildcard, token: ctx.organizer });
  }
  return picks;
}

/**
 * The jury: two or three jurors per institution, invited through the API; each opens the link from their mail,
 * declares conflicts (one juror declares one), scores every finalist they may on every criterion and submits.
 */
async function judge(ctx: Ctx, seed: number, picks: FinalistPicks[]): Promise<void> {
  const award = await ctx.call<
    AwardJson & { rules: { jury: { criteria: { id: string }[]; scale: [number, number] } } }
  >('GET', ctx.api);
  const finalists = picks.map((p) => ({
    category: p.category,
    nominees: [...p.picks, ...(p.wildcard ? [p.wildcard.nominee] : [])],
  }));
  const categories = finalists.filter((f) => f.nominees.length > 0).map((f) => f.category);
  const jurors = juryPlan(
    seed,
    award.institutions.map((i) => i.slug),
  );
  const tokens = await progress(ctx, 'Jurors invited, invitation links opened from their mail', jurors, async (j) => {
    await ctx.call('POST', `${ctx.api}/jury/jurors`, {
      body: { name: j.name, email: j.email, institution: j.institution, categories },
      token: ctx.organizer,
    });
    const link = await ctx.mailbox.take(j.email, INVITATION);
    const session = await ctx.call<{ token: string }>('POST', `/api/jury/invitations/${link[1]!}`, { body: {} });
    return session.token;
  });
  const rule = award.rules.jury;
  const sheets = sheetPlan(seed, jurors, finalists, { criteria: rule.criteria.map((c) => c.id), scale: rule.scale });
  const counter = ctx.progress.counter('Score sheets declared and scored', sheets.length);
  await eachConcurrently(sheets, JURY_CONCURRENCY, async (sheet) => {
    const token = tokens[sheet.juror]!;
    const path = `${ctx.api}/jury/sheets/${sheet.category}`;
    await ctx.call('PUT', `${path}/conflicts`, { body: { nominees: sheet.conflicts }, token });
    for (const [nominee, scores] of Object.entries(sheet.scores))
      await ctx.call('PUT', `${path}/scores/${nominee}`, { body: { scores }, token });
    counter.tick();
  });
  counter.done();
  // Submitted one at a time once all scoring is done: a submit is refused while any sheet of the award changes
  // (see jury/service.ts, sheetUnchangedSince), so submits among other jurors' scoring would keep failing.
  await progress(ctx, 'Score sheets submitted', sheets, async (sheet) => {
    await ctx.call('POST', `${ctx.api}/jury/sheets/${sheet.category}/submit`, {
      body: {},
      token: tokens[sheet.juror]!,
    });
  });
}

/** Runs `work` on each item in order with a counter, returning the results. */
async function progress<T, R>(ctx: Ctx, label: string, items: readonly T[], work: (item: T) => Promise<R>) {
  const counter = ctx.progress.counter(label, items.length);
  const out: R[] = [];
  for (const item of items) {
    out.push(await work(item));
    counter.tick();
  }
  counter.done();
  return out;
}

/** The presenter presses "next" until the last press announces the results. */
async function reveal(ctx: Ctx): Promise<void> {
  for (;;) {
    const step = await ctx.call<{ announced: unknown }>('POST', `${ctx.api}/results/reveal`, {
      token: ctx.organizer,
    });
    if (step.announced) return;
  }
}

/** Waits until the outbox has sent everything (receipts are still going out when the vote ends). */
async function outboxDrained(ctx: Ctx, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const report = await ctx.call<{ byStatus: { queued: number; sending: number } }>('GET', `${ctx.api}/mail`, {
      token: ctx.organizer,
    });
    if (report.byStatus.queued + report.byStatus.sending === 0) return;
    if (Date.now() > deadline) throw new Error('the demo server could not deliver all its mail in time');
    await new Promise((r) => setTimeout(r, 100));
  }
}
