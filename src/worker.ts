/**
 * Cloudflare Workers entry: builds the deps from the Worker's env (D1 binding, secrets) and serves the same
 * app. The Cron Trigger runs the schedule and the mail outbox. Migrations are applied by wrangler at deploy.
 */
import { scheduledWork } from './scheduled';
import { createApp } from './app';
import { ConfigError, loadConfig } from './config';
import type { AppDeps } from './deps';
import { createSessionKeys } from './keys/sessions';
import { type Wrapper, createWrapper } from './keys/wrap';
import { createMailer } from './mail/outbox';
import { webTransportFromConfig } from './mail/transports';
import { type D1Like, openD1 } from './store/d1';

export interface WorkerEnv {
  DB: D1Like;
  MASTER_SECRET?: string;
  [key: string]: unknown;
}

interface ExecutionContextLike {
  waitUntil(promise: Promise<unknown>): void;
}

let wrapperCache: { secret: string; wrapper: Promise<Wrapper> } | undefined;

function depsFor(env: WorkerEnv, ctx: ExecutionContextLike): Promise<AppDeps> {
  const strings = Object.fromEntries(
    Object.entries(env).filter((e): e is [string, string] => typeof e[1] === 'string'),
  );
  const config = loadConfig({ NODE_ENV: 'production', ...strings });
  if (!config.MASTER_SECRET)
    throw new ConfigError('MASTER_SECRET is a required secret on Workers (wrangler secret put MASTER_SECRET).');
  if (wrapperCache?.secret !== config.MASTER_SECRET)
    wrapperCache = { secret: config.MASTER_SECRET, wrapper: createWrapper(config.MASTER_SECRET) };
  const store = openD1(env.DB);
  const clock = () => Date.now();
  return wrapperCache.wrapper.then((wrapper) => ({
    store,
    config,
    clock,
    wrapper,
    sessions: createSessionKeys(store.db, wrapper, clock),
    mailer: createMailer({
      store,
      transport: webTransportFromConfig(config),
      from: config.MAIL_FROM,
      perMinute: config.MAIL_PER_MINUTE,
      perDay: config.MAIL_PER_DAY,
      clock,
      devMail: config.devMail,
      waitUntil: (p) => ctx.waitUntil(p),
    }),
  }));
}

export default {
  async fetch(request: Request, env: WorkerEnv, ctx: ExecutionContextLike): Promise<Response> {
    const deps = await depsFor(env, ctx);
    return createApp(deps).fetch(request);
  },
  async scheduled(_event: unknown, env: WorkerEnv, ctx: ExecutionContextLike): Promise<void> {
    const deps = await depsFor(env, ctx);
    await scheduledWork(deps);
  },
};
