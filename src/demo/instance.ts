/**
 * A throw-away Laurel for the demo, in this process: a fresh SQLite file in a temporary directory, a random master
 * secret, mail over SMTP to the demo's mailbox, and the real app served by @hono/node-server on 127.0.0.1 at a
 * random port, wired like src/server.ts (nodeDeps, createApp, serve, the periodic tick) but with settings for one
 * machine driving hundreds of people through the API at once.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { serve } from '@hono/node-server';
import { createApp } from '../app';
import { scheduledWork } from '../scheduled';
import { loadConfig } from '../config';
import type { AppDeps } from '../deps';
import { randomBytes, toBase64Url } from '../keys/wrap';
import type { Mailer } from '../mail/types';
import { nodeDeps } from '../runtime/node';

export interface DemoLaurel {
  /** http://127.0.0.1:PORT */
  url: string;
  deps: AppDeps;
  /** The one-time token that makes the first site organizer (POST /api/bootstrap). */
  bootstrapToken: string;
  stop(): Promise<void>;
}

/** Far above anything the demo does: every simulated person comes from 127.0.0.1 within a minute or so. */
const GENEROUS = '1000000';
/** How often the demo's server does its periodic work (src/server.ts: every 15 s); the demo is short. */
const TICK_MS = 1000;
/**
 * Outbox flushes run at once. The outbox lets several servers flush together (each message is claimed once), and
 * the demo needs that: nodemailer leaves Nagle's algorithm on, so each message waits about 40 ms for a delayed ACK
 * of the local SMTP server, and one flusher would deliver only some 20 messages a second (codes queue behind
 * receipts).
 */
const FLUSHERS = 4;

/**
 * A mailer whose kick starts up to FLUSHERS flushes at once; each keeps flushing while it finds mail to send.
 * Kicks that come while all are busy are taken up by their next round. `stop()` refuses further kicks and waits
 * for the flushes under way, so the store is never closed under one.
 */
function parallelKicks(mailer: Mailer, onError: (err: unknown) => void): { mailer: Mailer; stop(): Promise<void> } {
  const running = new Set<Promise<void>>();
  let pending = false;
  let stopped = false;
  const flusher = async () => {
    try {
      for (;;) {
        pending = false;
        const report = await mailer.flush();
        if ((report.sent === 0 && report.failed === 0 && !pending) || stopped) break;
      }
    } catch (err) {
      onError(err);
    }
  };
  return {
    mailer: {
      ...mailer,
      kick() {
        pending = true;
        if (stopped || running.size >= FLUSHERS) return;
        const run = flusher().finally(() => running.delete(run));
        running.add(run);
      },
    },
    async stop() {
      stopped = true;
      await Promise.all([...running]);
    },
  };
}

/** One JSON line on stderr, as src/server.ts logs its background failures. */
const logError = (msg: string) => (err: unknown) =>
  console.error(JSON.stringify({ level: 'error', msg, error: String(err) }));

/** Starts the server; `smtpUrl` is the mailbox's, `dataDir` a directory the caller deletes afterwards. */
export async function startDemoLaurel(smtpUrl: string, dataDir: string): Promise<DemoLaurel> {
  // Listen first, so the base URL for links in mail (PUBLIC_URL) names the port the system chose.
  let app: ReturnType<typeof createApp> | undefined;
  const server = await new Promise<Server>((resolve, reject) => {
    const s = serve(
      {
        fetch: (req, env) => (app ? app.fetch(req, env) : new Response('starting', { status: 503 })),
        hostname: '127.0.0.1',
        port: 0,
      },
      () => resolve(s as Server),
    ) as Server;
    s.once('error', reject);
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const bootstrapToken = toBase64Url(randomBytes(24));
  const config = loadConfig({
    DATABASE_URL: `file:${join(dataDir, 'laurel.sqlite')}`,
    MASTER_SECRET: toBase64Url(randomBytes(32)),
    // Pooled connections, one per flusher below, instead of a new connection (and greeting) per message.
    SMTP_URL: `${smtpUrl}?ignoreTLS=true&pool=true&maxConnections=${FLUSHERS}`,
    MAIL_FROM: 'STEM4ALL demo <awards@laurel.demo>',
    // The outbox throttle guards a provider's caps; the demo's mailbox has none.
    MAIL_PER_MINUTE: GENEROUS,
    MAIL_PER_DAY: GENEROUS,
    RATE_BALLOTS_PER_ADDRESS: GENEROUS,
    RATE_BALLOTS_PER_PERSON: GENEROUS,
    RATE_VERIFY_PER_ADDRESS: GENEROUS,
    BOOTSTRAP_TOKEN: bootstrapToken,
    PUBLIC_URL: url,
    SEED_EXAMPLE: '0',
    NODE_ENV: 'development',
  });
  let nodeWired: AppDeps;
  try {
    nodeWired = await nodeDeps(config);
  } catch (err) {
    server.close();
    throw err;
  }
  const kicks = parallelKicks(nodeWired.mailer, logError('demo mail flush failed'));
  const deps: AppDeps = { ...nodeWired, mailer: kicks.mailer };
  app = createApp(deps);

  // As src/server.ts's timer: ballot checkpoints when due, and mail a kick did not reach (a retry after a failure).
  let ticking = Promise.resolve();
  const timer = setInterval(() => {
    ticking = ticking.then(async () => {
      try {
        await scheduledWork(deps);
      } catch (err) {
        logError('demo tick failed')(err);
      }
    });
  }, TICK_MS);

  return {
    url,
    deps,
    bootstrapToken,
    async stop() {
      clearInterval(timer);
      await ticking;
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      await kicks.stop();
      await deps.store.close();
    },
  };
}
