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
import { type Browser, chromium } from 'playwright-core';
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
  const server: ChildProcess = spawn('npx', ['tsx', 'src/server.ts'], {
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
      const p = spawn('npx', ['tsx', 'src/cli.ts', ...args], { env: childEnv });
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
