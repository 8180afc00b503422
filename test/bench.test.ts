/**
 * `laurel bench` end to end at a small size: it starts the real server and the echo server, drives both, closes,
 * finalizes, exports and verifies a few thousand generated ballots, and prints every figure issue 9 names. No
 * timing is asserted here (docs/performance.md holds the figures); the run must work and its bundle verify.
 */
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { run } from './support/run';

describe('laurel bench', () => {
  it('prints one JSON object with every figure, after a run whose bundle verifies', async () => {
    // On SQLite even in the PostgreSQL pass: the bench writes its own award, and DATABASE_URL is the tests' database.
    const env = { ...process.env, DATABASE_URL: '' };
    const r = await run(
      process.execPath,
      ['--import', 'tsx', 'src/cli.ts', 'bench', '--json', '--seconds', '1', '--ballots', '3000'],
      env,
    );
    expect(r.code, r.stderr).toBe(0);
    const f = JSON.parse(r.stdout) as Record<string, number | boolean | string | null>;
    for (const key of [
      'vote_rps',
      'echo_rps',
      'ratio',
      'p50_ms',
      'p99_ms',
      'tally_1m_s',
      'root_1m_s',
      'export_1m_s',
      'verify_1m_s',
      'peak_rss_mb',
    ])
      expect(typeof f[key], key).toBe('number');
    expect(f.vote_rps).toBeGreaterThan(0);
    expect(f.echo_rps).toBeGreaterThan(0);
    expect(f.ratio).toBeCloseTo(Number(f.vote_rps) / Number(f.echo_rps), 2);
    expect(f.vote_failures).toBe(0);
    expect(f.verify_ok).toBe(true);
    expect(f.ballots).toBe(3000);
    expect(f.verify_rss_mb).toBeGreaterThan(0);
    // Stolen CPU time is read from Linux's /proc/stat; elsewhere it is null, never made up.
    for (const key of ['vote_steal_s', 'million_steal_s']) {
      if (existsSync('/proc/stat')) expect(f[key], key).toBeGreaterThanOrEqual(0);
      else expect(f[key], key).toBeNull();
    }
    expect(r.stderr).toContain('3,000 ballots: generate, close, tally, export, verify');
  }, 180_000);
});
