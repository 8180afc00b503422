/**
 * Browser tests run Laurel as a newcomer would: the real Node server (`src/server.ts`) in a child process on a
 * fresh SQLite file, sending real mail over SMTP to a server started here, driven by Debian's Chromium through
 * playwright-core.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium } from 'playwright-core';
import type { AppDeps } from '../../src/deps';
import { emailIdentity, personKey } from '../../src/identity/people';
import { issueVoterSession } from '../../src/identity/sessions';
import { createWrapper } from '../../src/keys/wrap';
import { openStore } from '../../src/store/node';
import { type TestSmtp, startSmtpServer } from '../support/smtp';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: CHROMIUM_ARGS });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

export interface RunningLaurel {
  url: string;
  smtp: TestSmtp;
  dataDir: string;
  /** Runs the `laurel` CLI against the same database. */
  cli(...args: string[]): Promise<string>;
  stop(): Promise<void>;
}

export async function startLaurel(env: Record<string, string> = {}): Promise<RunningLaurel> {
  const smtp = await startSmtpServer();
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'laurel-e2e-'));
  // localhost, not 127.0.0.1: browsers keep Secure cookies on http://localhost only.
  const url = `http://localhost:${port}`;
  const childEnv = {
    ...process.env,
    PORT: String(port),
    DATABASE_URL: `file:${join(dataDir, 'laurel.sqlite')}`,
    MASTER_SECRET: 'e2e-master-secret-0123456789abcdef',
    SMTP_URL: `${smtp.url}?ignoreTLS=true`,
    MAIL_FROM: 'Laurel <awards@laurel.test>',
    PUBLIC_URL: url,
    SEED_EXAMPLE: '1',
    ...env,
  };
  const server: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    env: childEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  server.stdout!.on('data', (d) => (output += d));
  server.stderr!.on('data', (d) => (output += d));
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      if ((await fetch(`${url}/health`)).ok) break;
    } catch {
      // not listening yet
    }
    if (server.exitCode !== null || Date.now() > deadline) {
      server.kill('SIGKILL');
      throw new Error(`Laurel did not start:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const cli = (...args: string[]) =>
    new Promise<string>((resolve, reject) => {
      const p = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], { env: childEnv });
      let out = '';
      p.stdout.on('data', (d) => (out += d));
      p.stderr.on('data', (d) => (out += d));
      p.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`laurel ${args.join(' ')}: ${out}`))));
    });
  return {
    url,
    smtp,
    dataDir,
    cli,
    async stop() {
      server.kill('SIGTERM');
      await new Promise((r) => (server.exitCode !== null ? r(null) : server.once('exit', r)));
      await smtp.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** The six-digit code in a mail, without its space ("123 456" → "123456"). */
export function codeIn(text: string | undefined): string {
  const m = /(\d{3}) (\d{3})/.exec(text ?? '');
  if (!m) throw new Error(`no code in: ${text}`);
  return m[1]! + m[2]!;
}

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export interface ApiAnswer {
  status: number;
  text: string;
  json(): any;
}

/** A small JSON client of a running Laurel: `token` (set by `signInOrganizer`) is the default Bearer token. */
export class ApiClient {
  token = '';
  constructor(private readonly laurel: RunningLaurel) {}

  async api(method: string, path: string, body?: unknown, bearer = this.token): Promise<ApiAnswer> {
    const res = await fetch(`${this.laurel.url}${path}`, {
      method,
      headers: { 'content-type': 'application/json', ...(bearer ? { authorization: `Bearer ${bearer}` } : {}) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, text, json: () => JSON.parse(text) };
  }

  /** Adds the organizer by the CLI and signs them in through the mailed code; the token becomes the default. */
  async signInOrganizer(email: string): Promise<string> {
    await this.laurel.cli('organizer', 'add', email);
    const asked = await this.api('POST', '/api/auth/code', { email });
    if (asked.status !== 202) throw new Error(`code request: ${asked.status} ${asked.text}`);
    const mail = await this.laurel.smtp.waitFor(email, /\d{3} \d{3}/);
    const signedIn = await this.api('POST', '/api/auth/token', { email, code: codeIn(mail.mail.text) });
    if (signedIn.status !== 200) throw new Error(`sign-in: ${signedIn.status} ${signedIn.text}`);
    this.token = signedIn.json().token;
    return this.token;
  }
}

/** The fixed master secret of every server the harness starts: tests may mint voter tokens with it. */
export const E2E_MASTER_SECRET = 'e2e-master-secret-0123456789abcdef';

/**
 * Mints voter tokens for the award `slug` in the database of a harness server, with its master secret, as the
 * email method would issue them: `token(i)` is the session of `voter<i>@example.kg`.
 */
export async function voterMinter(databaseUrl: string, slug: string) {
  const store = openStore(databaseUrl);
  const ceremony = await store.db
    .selectFrom('ceremonies')
    .select(['id', 'pepper_wrapped'])
    .where('slug', '=', slug)
    .executeTakeFirstOrThrow()
    .finally(() => store.close());
  // personKey and issueVoterSession need only the wrapper and the clock of the deps.
  const minting = { wrapper: await createWrapper(E2E_MASTER_SECRET), clock: Date.now } as unknown as AppDeps;
  return {
    ceremonyId: ceremony.id,
    async token(i: number): Promise<string> {
      const key = await personKey(minting, ceremony, emailIdentity(`voter${i}@example.kg`));
      return (await issueVoterSession(minting, { ceremonyId: ceremony.id, personKey: key, method: 'email' })).token;
    },
  };
}

/**
 * A database for one e2e server: a new database on the PostgreSQL of DATABASE_URL when that is a postgres://
 * URL (as under scripts/with-postgres.mjs), else undefined (the server then gets a fresh SQLite file).
 */
export async function e2eDatabaseUrl(): Promise<string | undefined> {
  const base = process.env.DATABASE_URL;
  if (!base || !/^postgres(ql)?:\/\//.test(base)) return undefined;
  const { default: pg } = await import('pg');
  const name = `laurel_e2e_${Math.random().toString(36).slice(2, 10)}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(base);
  url.pathname = `/${name}`;
  return url.toString();
}

export interface LaurelProcessOptions {
  /** Environment for the server and the CLI, over the harness's defaults. */
  env?: Record<string, string>;
  /** Real SMTP to a test server (default), or false: mail stays in the outbox and /dev/outbox is on. */
  smtp?: boolean;
  /** The database; default a fresh SQLite file in the data directory. */
  databaseUrl?: string;
}

/** A Laurel server that can be killed and started again on the same port and database. */
export interface LaurelProcess {
  url: string;
  dataDir: string;
  databaseUrl: string;
  /** The environment the server and the CLI run with (MASTER_SECRET is E2E_MASTER_SECRET). */
  env: Record<string, string>;
  smtp?: TestSmtp;
  /** The running server's process id: node itself, no npx or tsx wrapper in between. */
  readonly pid: number | undefined;
  /** Starts the server (again) and resolves once /health answers, with the milliseconds that took. */
  start(): Promise<number>;
  /** Sends `signal` to the server process and waits until it has exited. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Runs the `laurel` CLI against the same database. */
  cli(...args: string[]): Promise<string>;
  /** What the server printed so far, over all its starts. */
  output(): string;
  stop(): Promise<void>;
}

/**
 * Runs `node --import tsx src/server.ts` directly (not through npx, which would stand between the test and the
 * server and outlive a kill), so `kill('SIGKILL')` hits the server itself and leaves no orphan. Not started yet:
 * call `start()`.
 */
export async function laurelProcess(options: LaurelProcessOptions = {}): Promise<LaurelProcess> {
  const smtp = options.smtp === false ? undefined : await startSmtpServer();
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'laurel-e2e-'));
  const url = `http://localhost:${port}`;
  const databaseUrl = options.databaseUrl ?? `file:${join(dataDir, 'laurel.sqlite')}`;
  const env: Record<string, string> = {
    ...(Object.fromEntries(Object.entries(process.env).filter(([, v]) => v !== undefined)) as Record<string, string>),
    PORT: String(port),
    DATABASE_URL: databaseUrl,
    MASTER_SECRET: E2E_MASTER_SECRET,
    MAIL_FROM: 'Laurel <awards@laurel.test>',
    PUBLIC_URL: url,
    SEED_EXAMPLE: '1',
    ...(smtp ? { SMTP_URL: `${smtp.url}?ignoreTLS=true` } : {}),
    ...options.env,
  };
  if (!smtp) delete env.SMTP_URL;
  let server: ChildProcess | undefined;
  let output = '';
  const running = () => server !== undefined && server.exitCode === null && server.signalCode === null;
  const exited = (p: ChildProcess) =>
    new Promise<void>((r) => (p.exitCode !== null || p.signalCode !== null ? r() : p.once('exit', () => r())));
  const node = (script: string, args: string[] = []) =>
    spawn(process.execPath, ['--import', 'tsx', script, ...args], {
      cwd: REPO_ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });

  const handle: LaurelProcess = {
    url,
    dataDir,
    databaseUrl,
    env,
    smtp,
    get pid() {
      return running() ? server!.pid : undefined;
    },
    async start() {
      if (running()) throw new Error('Laurel is running already');
      const started = Date.now();
      const p = node('src/server.ts');
      server = p;
      p.stdout!.on('data', (d) => (output += d));
      p.stderr!.on('data', (d) => (output += d));
      const deadline = started + 30_000;
      for (;;) {
        try {
          if ((await fetch(`${url}/health`)).ok) return Date.now() - started;
        } catch {
          // not listening yet
        }
        if (p.exitCode !== null || p.signalCode !== null || Date.now() > deadline) {
          p.kill('SIGKILL');
          throw new Error(`Laurel did not start:\n${output}`);
        }
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async kill(signal = 'SIGTERM') {
      const p = server;
      if (!p || !running()) return;
      process.kill(p.pid!, signal);
      await exited(p);
    },
    cli: (...args: string[]) =>
      new Promise<string>((resolve, reject) => {
        const p = node('src/cli.ts', args);
        let out = '';
        p.stdout!.on('data', (d) => (out += d));
        p.stderr!.on('data', (d) => (out += d));
        p.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`laurel ${args.join(' ')}: ${out}`))));
      }),
    output: () => output,
    async stop() {
      // A server that does not stop within 10 s of SIGTERM is killed: no test leaves one behind.
      await Promise.race([handle.kill('SIGTERM'), new Promise((r) => setTimeout(r, 10_000))]);
      await handle.kill('SIGKILL');
      await smtp?.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return handle;
}
