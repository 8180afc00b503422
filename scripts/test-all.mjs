#!/usr/bin/env node
// `npm test`: the whole suite, on every database Laurel claims.
//   0. the linters: tsc --noEmit (strict, no unused code) and prettier --check;
//   1. vitest on embedded SQLite, with the Worker suite under Miniflare (D1);
//   2. the audit test vectors recomputed by the outside Python checker (tools/audit_vectors.py);
//   3. vitest again on a real PostgreSQL (a throw-away cluster from scripts/with-postgres.mjs, or DATABASE_URL).
//   4. the browser tests in Debian's Chromium (vitest.e2e.config.ts).
// A missing PostgreSQL or Chromium fails the run in CI and is reported as skipped on a developer's machine.
// Ends with one line "Tests: N passed, N failed" summed over all parts.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const extra = process.argv.slice(2);
const work = mkdtempSync(join(tmpdir(), 'laurel-test-'));
let passed = 0;
let failed = 0;
let broken = false;

function vitest(label, env, prefix = [], config = []) {
  const out = join(work, `${label}.json`);
  console.log(`\n=== ${label} ===`);
  const args = [
    ...prefix,
    'npx',
    'vitest',
    'run',
    ...config,
    '--reporter=default',
    '--reporter=json',
    `--outputFile.json=${out}`,
    ...extra,
  ];
  const r = spawnSync(args[0], args.slice(1), { stdio: 'inherit', env: { ...process.env, ...env } });
  if (existsSync(out)) {
    const report = JSON.parse(readFileSync(out, 'utf8'));
    passed += report.numPassedTests;
    failed += report.numFailedTests;
    if (report.numFailedTestSuites > 0 && report.numFailedTests === 0) failed += report.numFailedTestSuites;
  } else if (r.status !== 0) failed += 1;
  if (r.status !== 0) broken = true;
}

function postgresAvailable() {
  if (/^postgres/.test(process.env.DATABASE_URL ?? '')) return true;
  if (process.env.LAUREL_PG_BINDIR) return true;
  const root = '/usr/lib/postgresql';
  return existsSync(root) && readdirSync(root).some((v) => existsSync(join(root, v, 'bin', 'initdb')));
}

console.log('=== Lint: tsc --noEmit (strict) and prettier --check ===');
const lint = spawnSync('npm', ['run', '--silent', 'lint'], { stdio: 'inherit' });
if (lint.status !== 0) {
  broken = true;
  failed += 1;
}

const sqliteEnv = /^postgres/.test(process.env.DATABASE_URL ?? '') ? { DATABASE_URL: '' } : {};
vitest('SQLite and Workers (D1 under Miniflare)', sqliteEnv);

console.log('\n=== Audit vectors, recomputed by tools/audit_vectors.py ===');
const py = spawnSync('python3', ['tools/audit_vectors.py', 'docs/audit-vectors.json'], { encoding: 'utf8' });
process.stdout.write(py.stdout.split('\n').slice(-3).join('\n'));
const m = /(\d+) passed, (\d+) failed/.exec(py.stdout);
if (m) {
  passed += Number(m[1]);
  failed += Number(m[2]);
}
if (py.status !== 0) {
  broken = true;
  if (!m) failed += 1;
  process.stderr.write(py.stderr);
}

if (postgresAvailable()) {
  vitest('PostgreSQL', {}, ['node', 'scripts/with-postgres.mjs']);
} else if (process.env.CI) {
  console.error('\nPostgreSQL is not installed, and CI must test it (run scripts/ci-apt.sh).');
  broken = true;
  failed += 1;
} else {
  console.warn(
    '\nPostgreSQL is not installed here: the PostgreSQL run was skipped (apt-get install postgresql to run it).',
  );
}

const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
if (existsSync(chromium)) {
  vitest('Browser tests (Chromium)', {}, [], ['--config', 'vitest.e2e.config.ts']);
} else if (process.env.CI) {
  console.error(`\nChromium is not installed at ${chromium}, and CI must run the browser tests.`);
  broken = true;
  failed += 1;
} else {
  console.warn(`\nChromium is not installed at ${chromium}: the browser tests were skipped.`);
}

console.log(`\nTests: ${passed} passed, ${failed} failed`);
process.exit(broken || failed > 0 ? 1 : 0);
