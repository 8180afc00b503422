#!/usr/bin/env node
// Run a command against a throw-away PostgreSQL cluster.
//
//   node scripts/with-postgres.mjs <command> [args...]
//
// If DATABASE_URL is already a postgres:// URL the command simply runs with
// it. Otherwise a temporary cluster is created (initdb), started on a free
// 127.0.0.1 port, a `laurel_test` database is created, and the command runs
// with:
//
//   DATABASE_URL=postgres://laurel@127.0.0.1:<port>/laurel_test
//   LAUREL_PG_ADMIN_URL=postgres://laurel@127.0.0.1:<port>/postgres
//
// The cluster is stopped and its directory removed when the command exits,
// including on SIGINT/SIGTERM/SIGHUP. The command's exit code is propagated.
//
// PostgreSQL refuses to run as root, so when running as root the server
// binaries are run as the `postgres` system user (created by Debian's
// `postgresql` package) via runuser.
//
// Environment knobs (all optional):
//   LAUREL_PG_BINDIR  directory holding initdb/pg_ctl/postgres/createdb
//   LAUREL_PG_USER    system user to run the server as when root (default postgres)
//   LAUREL_PG_KEEP=1  keep the temp dir after exit (for debugging)

import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const TAG = '[with-postgres]';
const DB_USER = 'laurel';
const DB_NAME = 'laurel_test';
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function log(msg) {
  process.stderr.write(`${TAG} ${msg}\n`);
}

function die(msg, code = 1) {
  log(`error: ${msg}`);
  cleanup();
  process.exit(code);
}

const isPostgresUrl = (u) => typeof u === 'string' && /^postgres(ql)?:\/\//i.test(u);

// ---------------------------------------------------------------- arguments
const [cmd, ...cmdArgs] = process.argv.slice(2);
if (!cmd) {
  process.stderr.write('usage: node scripts/with-postgres.mjs <command> [args...]\n');
  process.exit(2);
}

// ------------------------------------------------------------------- state
let baseDir = null; // temp dir (owned by the server user when root)
let dataDir = null;
let logFile = null;
let binDir = null;
let runAs = null; // system user name when we are root
let serverStarted = false;
let cleanedUp = false;
let child = null;

// ----------------------------------------------------------------- helpers
function findBinDir() {
  const fromEnv = process.env.LAUREL_PG_BINDIR;
  if (fromEnv) {
    if (!fs.existsSync(path.join(fromEnv, 'initdb'))) die(`LAUREL_PG_BINDIR=${fromEnv} has no initdb`);
    return fromEnv;
  }
  const root = '/usr/lib/postgresql';
  let versions = [];
  try {
    versions = fs
      .readdirSync(root)
      .filter((v) => fs.existsSync(path.join(root, v, 'bin', 'postgres')))
      .sort((a, b) => Number.parseFloat(b) - Number.parseFloat(a) || b.localeCompare(a));
  } catch {
    /* not Debian-style layout */
  }
  if (versions.length) return path.join(root, versions[0], 'bin');
  // Fall back to whatever initdb is on PATH (e.g. Homebrew, other distros).
  for (const dir of (process.env.PATH || '').split(path.delimiter)) {
    if (dir && fs.existsSync(path.join(dir, 'initdb')) && fs.existsSync(path.join(dir, 'pg_ctl'))) return dir;
  }
  die(
    'PostgreSQL server binaries not found (looked in /usr/lib/postgresql/*/bin and PATH). ' +
      'Install them (Debian: apt-get install postgresql, or run `bash scripts/ci-apt.sh`) ' +
      'or set LAUREL_PG_BINDIR.',
  );
}

// Run a server-side binary (initdb/pg_ctl) as the right user, capturing output.
function runServerTool(tool, args, { allowFail = false } = {}) {
  const exe = path.join(binDir, tool);
  const [file, argv] = runAs ? asUser(runAs, [exe, ...args]) : [exe, args];
  const res = spawnSync(file, argv, {
    cwd: baseDir ?? os.tmpdir(), // cwd must be accessible to the server user
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, LC_ALL: 'C', LANG: 'C' },
  });
  const output = `${res.stdout ?? ''}${res.stderr ?? ''}`.trim();
  if (res.error || res.status !== 0) {
    if (allowFail) return { ok: false, output };
    const why = res.error ? res.error.message : `exit code ${res.status}${res.signal ? ` (signal ${res.signal})` : ''}`;
    die(`${tool} ${args.join(' ')} failed: ${why}\n${output}`);
  }
  return { ok: true, output };
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

// [file, args] that run `argv` as system user `user`: runuser (util-linux,
// looked up outside PATH too since /usr/sbin may be missing from it), else su.
function asUser(user, argv) {
  const candidates = ['/usr/sbin/runuser', '/sbin/runuser', '/usr/bin/runuser', '/bin/runuser'];
  for (const dir of (process.env.PATH || '').split(path.delimiter)) if (dir) candidates.push(path.join(dir, 'runuser'));
  const runuser = candidates.find((f) => fs.existsSync(f));
  if (runuser) return [runuser, ['-u', user, '--', ...argv]];
  const quote = (a) => `'${String(a).replace(/'/g, `'\\''`)}'`;
  const su = ['/usr/bin/su', '/bin/su'].find((f) => fs.existsSync(f)) ?? 'su';
  return [su, ['-s', '/bin/sh', user, '-c', `exec ${argv.map(quote).join(' ')}`]];
}

function userExists(name) {
  return spawnSync('id', ['-u', name], { stdio: 'ignore' }).status === 0;
}

function accessibleBy(user, dir) {
  const [file, args] = asUser(user, ['test', '-w', dir, '-a', '-x', dir]);
  return spawnSync(file, args, { stdio: 'ignore' }).status === 0;
}

function readLogTail(lines = 40) {
  try {
    return fs.readFileSync(logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no server log)';
  }
}

// Synchronous + idempotent so it can run from signal and exit handlers.
function cleanup() {
  if (cleanedUp) return;
  cleanedUp = true;
  if (serverStarted && dataDir) {
    const res = runServerTool('pg_ctl', ['-D', dataDir, '-m', 'immediate', '-w', '-t', '30', 'stop'], {
      allowFail: true,
    });
    if (!res.ok) {
      // Last resort: signal the postmaster directly.
      try {
        const pid = Number.parseInt(fs.readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0], 10);
        if (pid > 0) process.kill(pid, 'SIGQUIT');
      } catch {
        /* already gone */
      }
      log(`warning: pg_ctl stop failed: ${res.output}`);
    }
    serverStarted = false;
  }
  if (baseDir) {
    if (process.env.LAUREL_PG_KEEP === '1') {
      log(`keeping ${baseDir} (LAUREL_PG_KEEP=1)`);
    } else {
      try {
        fs.rmSync(baseDir, { recursive: true, force: true, maxRetries: 3 });
      } catch (err) {
        log(`warning: could not remove ${baseDir}: ${err.message}`);
      }
    }
  }
}

// --------------------------------------------------------- run the command
function childEnv(extra) {
  const env = { ...process.env, ...extra };
  // Resolve locally installed tools (vitest, tsx, ...) like `npx` would.
  const bins = [path.join(process.cwd(), 'node_modules', '.bin'), path.join(repoRoot, 'node_modules', '.bin')];
  const pathKey = Object.keys(env).find((k) => k.toUpperCase() === 'PATH') ?? 'PATH';
  const current = (env[pathKey] ?? '').split(path.delimiter).filter(Boolean);
  env[pathKey] = [...new Set([...bins, ...current])].join(path.delimiter);
  return env;
}

function runCommand(env) {
  return new Promise((resolve) => {
    child = spawn(cmd, cmdArgs, { stdio: 'inherit', env, shell: false });
    child.on('error', (err) => {
      log(`error: could not run ${cmd}: ${err.message}`);
      resolve(err.code === 'ENOENT' ? 127 : 126);
    });
    child.on('exit', (code, signal) => {
      if (signal) resolve(128 + (os.constants.signals[signal] ?? 1));
      else resolve(code ?? 1);
    });
  });
}

let interrupted = null;
function onSignal(sig) {
  if (interrupted) return; // second signal while shutting down: keep going
  interrupted = sig;
  log(`received ${sig}, shutting down`);
  if (child && child.exitCode === null && child.signalCode === null) {
    try {
      child.kill(sig);
    } catch {
      /* gone */
    }
    // Give the command a moment to exit on its own, then clean up regardless.
    setTimeout(() => {
      try {
        child.kill('SIGKILL');
      } catch {
        /* gone */
      }
      cleanup();
      process.exit(128 + (os.constants.signals[sig] ?? 1));
    }, 10_000).unref();
  } else {
    cleanup();
    process.exit(128 + (os.constants.signals[sig] ?? 1));
  }
}
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, () => onSignal(sig));
process.on('exit', cleanup);
process.on('uncaughtException', (err) => {
  log(`error: ${err?.stack ?? err}`);
  cleanup();
  process.exit(1);
});

// -------------------------------------------------------------------- main
async function main() {
  if (isPostgresUrl(process.env.DATABASE_URL)) {
    const extra = {};
    if (!process.env.LAUREL_PG_ADMIN_URL) {
      try {
        const admin = new URL(process.env.DATABASE_URL);
        admin.pathname = '/postgres';
        extra.LAUREL_PG_ADMIN_URL = admin.toString();
      } catch {
        /* leave unset */
      }
    }
    log('DATABASE_URL is already set to a postgres URL; using it as is');
    return runCommand(childEnv(extra));
  }
  if (process.env.DATABASE_URL) log(`ignoring non-postgres DATABASE_URL=${process.env.DATABASE_URL}`);

  binDir = findBinDir();

  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  let tmpRoot = os.tmpdir();
  if (isRoot) {
    runAs = process.env.LAUREL_PG_USER || 'postgres';
    if (!userExists(runAs)) {
      die(
        `running as root but system user "${runAs}" does not exist; PostgreSQL refuses to run as root. ` +
          'Install the Debian postgresql package (it creates the user) or set LAUREL_PG_USER.',
      );
    }
    // The server user must be able to reach the temp dir.
    if (!accessibleBy(runAs, tmpRoot)) tmpRoot = '/tmp';
  }

  baseDir = fs.mkdtempSync(path.join(tmpRoot, 'laurel-pg-'));
  dataDir = path.join(baseDir, 'data');
  logFile = path.join(baseDir, 'postgres.log');
  if (runAs) {
    const uid = Number(spawnSync('id', ['-u', runAs], { encoding: 'utf8' }).stdout.trim());
    const gid = Number(spawnSync('id', ['-g', runAs], { encoding: 'utf8' }).stdout.trim());
    fs.chownSync(baseDir, uid, gid);
  }

  runServerTool('initdb', ['-D', dataDir, '-U', DB_USER, '--auth=trust', '-E', 'UTF8', '--no-locale', '--no-sync']);

  let port = 0;
  let lastOutput = '';
  for (let attempt = 1; attempt <= 3 && !serverStarted; attempt++) {
    port = await freePort();
    const opts = [
      `-p ${port}`,
      `-k ${baseDir}`,
      '-c listen_addresses=127.0.0.1',
      '-c fsync=off',
      '-c synchronous_commit=off',
      '-c full_page_writes=off',
      '-c max_connections=200',
    ].join(' ');
    const res = runServerTool('pg_ctl', ['-D', dataDir, '-l', logFile, '-o', opts, '-w', '-t', '60', 'start'], {
      allowFail: true,
    });
    if (res.ok) {
      serverStarted = true;
    } else {
      lastOutput = `${res.output}\n--- server log ---\n${readLogTail()}`;
      // pg_ctl may have left a half-started postmaster behind.
      if (fs.existsSync(path.join(dataDir, 'postmaster.pid'))) {
        runServerTool('pg_ctl', ['-D', dataDir, '-m', 'immediate', '-w', 'stop'], { allowFail: true });
      }
      if (attempt < 3) log(`pg_ctl start on port ${port} failed (attempt ${attempt}), retrying`);
    }
  }
  if (!serverStarted) die(`could not start PostgreSQL:\n${lastOutput}`);

  const createdb = spawnSync(
    path.join(binDir, 'createdb'),
    ['-h', '127.0.0.1', '-p', String(port), '-U', DB_USER, DB_NAME],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, PGPASSWORD: '' } },
  );
  if (createdb.error || createdb.status !== 0) {
    const why =
      createdb.error?.message ?? `exit code ${createdb.status}${createdb.signal ? ` (signal ${createdb.signal})` : ''}`;
    die(`createdb ${DB_NAME} failed: ${why}\n${createdb.stdout ?? ''}${createdb.stderr ?? ''}`);
  }

  const databaseUrl = `postgres://${DB_USER}@127.0.0.1:${port}/${DB_NAME}`;
  const adminUrl = `postgres://${DB_USER}@127.0.0.1:${port}/postgres`;
  const version = path.basename(path.dirname(binDir));
  log(
    `PostgreSQL ${/^\d+(\.\d+)?$/.test(version) ? `${version} ` : ''}running at 127.0.0.1:${port} ` +
      `(data ${dataDir}${runAs ? `, as user ${runAs}` : ''}); DATABASE_URL=${databaseUrl}`,
  );

  if (interrupted) return 128 + (os.constants.signals[interrupted] ?? 1);
  return runCommand(childEnv({ DATABASE_URL: databaseUrl, LAUREL_PG_ADMIN_URL: adminUrl }));
}

const code = await main();
cleanup();
process.exit(code);
