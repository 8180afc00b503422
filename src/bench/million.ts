/**
 * The large half of `laurel bench`: a million ballots written straight into a fresh database for one award, with
 * a checkpoint of the ballot log after every `everyBallots` of them as during a vote (each timed), then timed as
 * the server does it: the closing checkpoint (the rest of the leaves hashed, the root, the nodes stored), the
 * close's finalists and the finalization (the tally from the aggregated counts, signed and stored), the audit
 * bundle export, and `laurel verify` of that bundle in a child process (its time and peak memory). While the close
 * and the finalization run, a timer measures how long the event loop was blocked at a time.
 */
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { writeCheckpoint } from '../ballots/checkpoint';
import { bundleNdjson, bundleParts } from '../bundle/export';
import { movePhase, requireAward } from '../ceremonies/service';
import { loadConfig } from '../config';
import type { AppDeps } from '../deps';
import { announceResults, finalizeResults } from '../results/service';
import { rulesOf } from '../ceremonies/model';
import { nodeDeps } from '../runtime/node';
import { runTsx } from './child';
import { openExampleVote } from './load';

export interface MillionFigures {
  ballots: number;
  /** Generating the ballots, with the periodic checkpoints among them. */
  generate_s: number;
  /** The periodic checkpoints written while generating: how many, their total, median and longest time. */
  checkpoints: number;
  checkpoints_s: number;
  checkpoint_p50_ms: number;
  checkpoint_max_ms: number;
  /** The longest the event loop was blocked at once during those checkpoints. */
  checkpoint_max_block_ms: number;
  /** The closing checkpoint: the ballots since the last periodic one hashed and stored, and the log's root. */
  root_s: number;
  /** The close's finalists and the finalization's tally, signature and storage. */
  tally_s: number;
  /** The longest the event loop was blocked at once during the two above. */
  max_block_ms: number;
  export_s: number;
  bundle_mb: number;
  verify_s: number;
  verify_ok: boolean;
  verify_rss_mb: number;
  rss_mb: number;
}

const seconds = (from: number) => Math.round((performance.now() - from) / 10) / 100;

/** Rows per insert statement when generating (well under SQLite's and PostgreSQL's parameter limits). */
const ROWS = 1000;

/**
 * The longest the event loop went without a turn while `measure` runs, in ms: a 1 ms timer notes the gaps between
 * its ticks. (perf_hooks' delay histogram, switched on and off around each checkpoint, reported gaps from before
 * it was switched on.)
 */
async function longestBlock<T>(measure: () => Promise<T>): Promise<{ value: T; blockMs: number }> {
  let last = performance.now();
  let longest = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    longest = Math.max(longest, now - last);
    last = now;
  }, 1);
  try {
    const value = await measure();
    return { value, blockMs: Math.max(longest, performance.now() - last) };
  } finally {
    clearInterval(timer);
  }
}

/** How long each periodic checkpoint took (ms), in order, and the longest the event loop was blocked in them. */
type CheckpointTimes = { times: number[]; maxBlockMs: number };

/**
 * Inserts `n` counted ballots with a skewed spread over each category's nominees (no marks: nobody voted), and
 * writes a checkpoint after every `rules.checkpoints.everyBallots` of them, as the server's tick does during a
 * vote (src/ballots/close.ts): the log of a real vote grows batch by batch, so the close only logs the rest.
 */
async function generate(deps: AppDeps, ceremonyId: string, n: number): Promise<CheckpointTimes> {
  const award = await requireAward(deps, ceremonyId);
  const every = rulesOf(award).checkpoints.everyBallots;
  const choices = award.categories.flatMap((cat) => {
    const nominees = award.nominees.filter((x) => x.category_id === cat.id);
    // Nominee j gets weight 1/(j+1): a few favourites, a long tail, as real public votes go.
    return nominees.flatMap((x, j) => Array.from({ length: Math.ceil(12 / (j + 1)) }, () => [cat.id, x.id] as const));
  });
  const times: number[] = [];
  // Measured only while a checkpoint runs: the inserts above stand in for voters, not for the server's own work.
  let maxBlock = 0;
  let unlogged = 0;
  for (let start = 0; start < n; start += ROWS) {
    const rows = [];
    for (let i = start; i < Math.min(n, start + ROWS); i++) {
      const [category, nominee] = choices[(i * 7919) % choices.length]!;
      const tracker = createHash('sha256').update(`bench ballot ${i}`).digest('hex');
      rows.push({ tracker, ceremony_id: ceremonyId, category_id: category, nominee_id: nominee, status: 'counted' });
    }
    await deps.store.batch([deps.store.db.insertInto('ballots').values(rows)]);
    unlogged += rows.length;
    if (unlogged >= every) {
      const t = performance.now();
      const { blockMs } = await longestBlock(() => writeCheckpoint(deps, ceremonyId));
      times.push(performance.now() - t);
      maxBlock = Math.max(maxBlock, blockMs);
      unlogged = 0;
    }
  }
  return { times, maxBlockMs: Math.round(maxBlock) };
}

/** Runs `laurel verify FILE` in a child process; its exit status, time and peak resident memory. */
async function verifyChild(file: string): Promise<{ ok: boolean; seconds: number; rssMb: number }> {
  const started = performance.now();
  const { code, stderr } = await runTsx(['src/cli.ts', 'verify', file], { LAUREL_REPORT_RSS: '1' });
  const rss = /"maxRssKb":(\d+)/.exec(stderr);
  return { ok: code === 0, seconds: seconds(started), rssMb: rss ? Math.round(Number(rss[1]) / 1024) : -1 };
}

/**
 * measureMillion in a child process. Run after the load half in the bench's own process, whose load generator
 * (autocannon) had run there, one checkpoint in about two hundred blocked the event loop for 55–154 ms; alone in a
 * process the same work stays under 40 ms (docs/performance.md). A server runs no load generator.
 */
export async function measureMillionApart(
  env: Record<string, string>,
  n: number,
  bundleFile: string,
): Promise<MillionFigures> {
  const script = fileURLToPath(new URL('./million-child.ts', import.meta.url));
  const { code, stdout, stderr } = await runTsx([script], {
    LAUREL_BENCH_MILLION: JSON.stringify({ env, n, bundleFile }),
  });
  if (code !== 0) throw new Error(`the million-ballot half failed (exit ${code}): ${stderr}`);
  return JSON.parse(stdout.trim().split('\n').pop()!) as MillionFigures;
}

export async function measureMillion(
  env: Record<string, string>,
  n: number,
  bundleFile: string,
): Promise<MillionFigures> {
  const deps = await nodeDeps(loadConfig(env));
  try {
    const id = (await openExampleVote(deps, 'stem4all-million')).ceremony.id;
    let t = performance.now();
    const { times, maxBlockMs } = await generate(deps, id, n);
    const generate_s = seconds(t);
    const sorted = [...times].sort((a, b) => a - b);

    let root_s = 0;
    let tally_s = 0;
    const { blockMs: closeBlockMs } = await longestBlock(async () => {
      t = performance.now();
      await writeCheckpoint(deps, id, { closing: true });
      root_s = seconds(t);
      t = performance.now();
      // The move to judging runs the close's finalists (the checkpoint is written already).
      await movePhase(deps, await requireAward(deps, id), 'judging', 'cli', 'hand');
      await finalizeResults(deps, await requireAward(deps, id), 'cli');
      tally_s = seconds(t);
    });
    await announceResults(deps, await requireAward(deps, id), 'cli');

    t = performance.now();
    const out = createWriteStream(bundleFile);
    for await (const chunk of bundleNdjson(await bundleParts(deps, await requireAward(deps, id))))
      if (!out.write(chunk)) await once(out, 'drain');
    await new Promise((resolve) => out.end(resolve));
    const export_s = seconds(t);
    const verified = await verifyChild(bundleFile);
    return {
      ballots: n,
      generate_s,
      checkpoints: times.length,
      checkpoints_s: Math.round(times.reduce((a, b) => a + b, 0) / 10) / 100,
      checkpoint_p50_ms: Math.round(sorted[Math.floor(sorted.length / 2)] ?? 0),
      checkpoint_max_ms: Math.round(sorted.at(-1) ?? 0),
      checkpoint_max_block_ms: maxBlockMs,
      root_s,
      tally_s,
      max_block_ms: Math.round(closeBlockMs),
      export_s,
      bundle_mb: Math.round(out.bytesWritten / 1024 / 1024),
      verify_s: verified.seconds,
      verify_ok: verified.ok,
      verify_rss_mb: verified.rssMb,
      rss_mb: Math.round(process.resourceUsage().maxRSS / 1024),
    };
  } finally {
    await deps.store.close();
  }
}
