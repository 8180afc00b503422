/**
 * `laurel bench [--json] [--seconds N] [--ballots N]`: the vote over HTTP against a bare echo server, then a
 * million ballots through the close, the finalization, the bundle export and `laurel verify`. Everything runs on a
 * fresh SQLite file in a temporary directory (removed afterwards), or on DATABASE_URL when it names PostgreSQL.
 * Figures and targets: docs/performance.md.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes, toBase64Url } from '../keys/wrap';
import { measureLoad } from './load';
import { measureMillionApart } from './million';

export const BENCH_USAGE = `  laurel bench [--json] [--seconds N] [--ballots N]
                                              vote over HTTP at 64 connections against a bare echo server, then
                                              N ballots (default 1,000,000) through close, tally, export, verify`;

/** The issue's targets on a 2-core machine (docs/performance.md). */
export const TARGETS = { ratio: 0.6, p99_ms: 50, tally_root_s: 3, verify_s: 15, verify_rss_mb: 1024 } as const;

const GENEROUS = '1000000000';

export async function benchCommand(
  flags: { json?: boolean; seconds?: string; ballots?: string },
  write: { out: (t: string) => Promise<void>; err: (t: string) => Promise<void> },
): Promise<number> {
  const seconds = Number(flags.seconds ?? 10);
  const ballots = Number(flags.ballots ?? 1_000_000);
  if (!(seconds >= 1) || !(ballots >= 1)) {
    await write.err('laurel bench: --seconds and --ballots take positive numbers.\n');
    return 2;
  }
  const dir = mkdtempSync(join(tmpdir(), 'laurel-bench-'));
  const postgres = process.env.DATABASE_URL?.startsWith('postgres');
  const env = (name: string): Record<string, string> => ({
    DATABASE_URL: postgres ? process.env.DATABASE_URL! : `file:${join(dir, `${name}.sqlite`)}`,
    MASTER_SECRET: toBase64Url(randomBytes(32)),
    SEED_EXAMPLE: '0',
    NODE_ENV: 'production',
    // Every simulated voter comes from 127.0.0.1; the outbox keeps its default throttle (receipts queue up).
    RATE_BALLOTS_PER_ADDRESS: GENEROUS,
    RATE_BALLOTS_PER_PERSON: GENEROUS,
    RATE_VERIFY_PER_ADDRESS: GENEROUS,
  });
  try {
    if (postgres) await write.err('laurel bench: on PostgreSQL (DATABASE_URL); it must be a throw-away database.\n');
    await write.err(`Vote over HTTP: 64 connections, ${seconds} s, then the echo server alike…\n`);
    let stolen = stolenSeconds();
    const load = await measureLoad({
      env: env('vote'),
      connections: 64,
      seconds,
      voters: Math.max(2000, seconds * 800),
    });
    await write.err(`${ballots.toLocaleString('en')} ballots: generate, close, tally, export, verify…\n`);
    const voteStolen = since(stolen);
    stolen = stolenSeconds();
    const big = await measureMillionApart(env('million'), ballots, join(dir, 'bundle.ndjson'));
    const millionStolen = since(stolen);
    const figures = {
      database: postgres ? 'postgresql' : 'sqlite',
      vote_rps: load.vote.rps,
      echo_rps: load.echo.rps,
      ratio: Math.round((load.vote.rps / load.echo.rps) * 1000) / 1000,
      p50_ms: load.vote.p50_ms,
      p99_ms: load.vote.p99_ms,
      vote_failures: load.vote.failures,
      echo_p99_ms: load.echo.p99_ms,
      tally_1m_s: big.tally_s,
      root_1m_s: big.root_s,
      export_1m_s: big.export_s,
      verify_1m_s: big.verify_s,
      verify_ok: big.verify_ok,
      max_block_ms: big.max_block_ms,
      peak_rss_mb: Math.max(big.rss_mb, big.verify_rss_mb),
      verify_rss_mb: big.verify_rss_mb,
      bundle_mb: big.bundle_mb,
      generate_1m_s: big.generate_s,
      checkpoints: big.checkpoints,
      checkpoints_1m_s: big.checkpoints_s,
      checkpoint_p50_ms: big.checkpoint_p50_ms,
      checkpoint_max_ms: big.checkpoint_max_ms,
      checkpoint_max_block_ms: big.checkpoint_max_block_ms,
      ballots,
      vote_steal_s: voteStolen,
      million_steal_s: millionStolen,
    };
    if (flags.json) await write.out(`${JSON.stringify(figures)}\n`);
    else await write.out(report(figures));
    return 0;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * CPU time the hypervisor gave to other guests meanwhile (Linux /proc/stat "steal", all cores, in seconds), or null
 * where there is no /proc/stat. On a shared virtual machine it explains figures that move from run to run, and
 * event-loop blocks that no code of ours made (docs/performance.md).
 */
function stolenSeconds(): number | null {
  try {
    const steal = Number(readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!.trim().split(/\s+/)[8]);
    return Number.isFinite(steal) ? steal / 100 : null;
  } catch {
    return null;
  }
}

const since = (start: number | null) => {
  const now = stolenSeconds();
  return start === null || now === null ? null : Math.round((now - start) * 100) / 100;
};

function report(f: Record<string, number | string | boolean | null>): string {
  const met = (ok: boolean) => (ok ? 'met' : 'MISSED');
  const n = (k: string) => Number(f[k]);
  return [
    `Vote over HTTP (${f.database}): ${f.vote_rps} ballots/s, p50 ${f.p50_ms} ms, p99 ${f.p99_ms} ms (${met(n('p99_ms') < TARGETS.p99_ms)}: < ${TARGETS.p99_ms} ms), ${f.vote_failures} failures`,
    `Echo server, same load: ${f.echo_rps} requests/s; ratio ${f.ratio} (${met(n('ratio') >= TARGETS.ratio)}: ≥ ${TARGETS.ratio})`,
    `${Number(f.ballots).toLocaleString('en')} ballots: closing checkpoint (root) ${f.root_1m_s} s, close + finalization (tally) ${f.tally_1m_s} s (${met(n('root_1m_s') + n('tally_1m_s') < TARGETS.tally_root_s)}: < ${TARGETS.tally_root_s} s together); event loop blocked up to ${f.max_block_ms} ms at once`,
    `Bundle export ${f.export_1m_s} s (${f.bundle_mb} MB NDJSON); laurel verify ${f.verify_1m_s} s, ${f.verify_ok ? 'all checks pass' : 'CHECKS FAILED'}, peak ${f.verify_rss_mb} MB (${met(n('verify_1m_s') < TARGETS.verify_s && n('verify_rss_mb') < TARGETS.verify_rss_mb)}: < ${TARGETS.verify_s} s in < 1 GiB)`,
    `Ballot log during the vote: ${f.checkpoints} checkpoints, ${f.checkpoints_1m_s} s in all, p50 ${f.checkpoint_p50_ms} ms, longest ${f.checkpoint_max_ms} ms, event loop blocked up to ${f.checkpoint_max_block_ms} ms at once`,
    `Peak memory ${f.peak_rss_mb} MB; generating the ballots (with those checkpoints) took ${f.generate_1m_s} s.`,
    `CPU time stolen by the hypervisor: ${f.vote_steal_s ?? 'unknown'} s during the vote, ${f.million_steal_s ?? 'unknown'} s during the ballots' part.`,
    '',
  ].join('\n');
}
