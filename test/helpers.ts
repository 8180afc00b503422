/**
 * Test harness: a fresh database per test file (in-memory SQLite, or a new PostgreSQL database when
 * DATABASE_URL is postgres://…), the app built with createApp and driven with app.request().
 */
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { createApp } from '../src/app';
import { type AwardDefinition as AwardDefinitionType, AwardDefinition } from '../src/ceremonies/schemas';
import { loadConfig } from '../src/config';
import type { AppDeps } from '../src/deps';
import { createSessionKeys } from '../src/keys/sessions';
import { createWrapper } from '../src/keys/wrap';
import { createMailer } from '../src/mail/outbox';
import { smtpTransport } from '../src/mail/smtp';
import { logTransport } from '../src/mail/transports';
import { addOrganizer } from '../src/organizers/service';
import { migrate } from '../src/store/migrate';
import { loadMigrations } from '../src/store/node';
import { openPostgres } from '../src/store/postgres';
import { openSqlite } from '../src/store/sqlite';
import type { Store } from '../src/store/store';

export const usingPostgres = /^postgres(ql)?:\/\//.test(process.env.DATABASE_URL ?? '');

/** A movable clock for tests: the app and (when given to the store) the database read it. */
export function testClock(start = Date.parse('2026-03-01T09:00:00Z')) {
  let now = start;
  const clock = () => now;
  return Object.assign(clock, {
    set: (t: number) => (now = t),
    advance: (ms: number) => (now += ms),
  });
}

/** A fresh database of this run's kind, with `migrations` applied (all of db/migrations by default). */
export async function openTestStore(clock?: () => number, migrations = loadMigrations()): Promise<Store> {
  let store: Store;
  if (usingPostgres) {
    const url = new URL(process.env.DATABASE_URL!);
    const name = `laurel_t_${Math.random().toString(36).slice(2, 10)}`;
    const admin = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await admin.connect();
    await admin.query(`create database ${name}`);
    await admin.end();
    url.pathname = `/${name}`;
    store = openPostgres({ url: url.toString(), clock });
  } else {
    store = openSqlite({ path: ':memory:', clock });
  }
  await migrate(store, migrations);
  return store;
}

export interface TestEnv extends AppDeps {
  app: ReturnType<typeof createApp>;
}

export async function testEnv(
  opts: {
    clock?: () => number;
    databaseClock?: boolean;
    env?: Record<string, string>;
    /** Deliver mail over SMTP to this URL (a test server from test/support/smtp.ts) instead of the log. */
    smtpUrl?: string;
  } = {},
): Promise<TestEnv> {
  const clock = opts.clock ?? Date.now;
  // With databaseClock the store keeps the database's own clock; otherwise it reads the test clock.
  const store = await openTestStore(opts.databaseClock ? undefined : clock);
  const config = loadConfig({ MASTER_SECRET: 'test-master-secret-0123456789abcdef', SEED_EXAMPLE: '0', ...opts.env });
  const wrapper = await createWrapper(config.MASTER_SECRET!);
  const mailer = createMailer({
    store,
    transport: opts.smtpUrl ? smtpTransport(`${opts.smtpUrl}?ignoreTLS=true`) : logTransport(() => {}),
    from: config.MAIL_FROM,
    perMinute: 1000,
    perDay: 100000,
    clock,
    devMail: !opts.smtpUrl,
  });
  const deps: AppDeps = {
    store,
    config,
    clock,
    mailer,
    wrapper,
    sessions: createSessionKeys(store.db, wrapper, clock),
  };
  return { ...deps, app: createApp(deps) };
}

export function example(): AwardDefinitionType {
  const text = readFileSync(new URL('../examples/stem4all-2024.json', import.meta.url), 'utf8');
  return AwardDefinition.parse(JSON.parse(text));
}

/** A small award definition with overridable parts. */
export function smallAward(slug = 'small-award', extra: Partial<AwardDefinitionType> = {}): AwardDefinitionType {
  return AwardDefinition.parse({
    format: 'laurel-award/1',
    slug,
    locales: ['en', 'ru', 'ky'],
    name: { en: 'Small Award', ru: 'Малая премия', ky: 'Кичи сыйлык' },
    tracks: [
      {
        slug: 'main',
        name: { en: 'Main' },
        categories: [
          {
            slug: 'best-mentor',
            name: { en: 'Best Mentor' },
            nominees: [
              { slug: 'aida', name: { en: 'Aida' } },
              { slug: 'bermet', name: { en: 'Bermet' } },
            ],
          },
        ],
      },
    ],
    ...extra,
  });
}

export async function json(res: Response): Promise<any> {
  return res.json();
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** Makes an organizer and signs them in through the real code flow (the code is read from the outbox). */
export async function signIn(env: TestEnv, email: string, ceremonyId: string | null | false = null): Promise<string> {
  // ceremonyId false: sign in an existing organizer without granting any role.
  if (ceremonyId !== false)
    await addOrganizer(env, email, ceremonyId, 'cli').catch((err) => {
      if (err?.code !== 'already-exists') throw err;
    });
  const code = await requestCode(env, email);
  const res = await post(env, '/api/auth/token', { email, code });
  if (res.status !== 200) throw new Error(`sign-in failed: ${res.status} ${await res.text()}`);
  return (await res.json()).token;
}

export async function requestCode(env: TestEnv, email: string): Promise<string> {
  const res = await post(env, '/api/auth/code', { email });
  if (res.status !== 202) throw new Error(`code request failed: ${res.status} ${await res.text()}`);
  return latestCode(env, email);
}

export async function latestCode(env: TestEnv, email: string): Promise<string> {
  const row = await env.store.db
    .selectFrom('outbox')
    .select('text_body')
    .where('to_address', '=', email)
    .orderBy('created_at', 'desc')
    .executeTakeFirstOrThrow();
  const m = /(\d{3}) (\d{3})/.exec(row.text_body);
  if (!m) throw new Error(`no code in mail: ${row.text_body}`);
  return m[1]! + m[2]!;
}

export function post(env: TestEnv, path: string, body: unknown, headers: Record<string, string> = {}, method = 'POST') {
  return env.app.request(path, {
    method,
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
}

/** Everything that could change, to prove a refused request changed nothing. */
export async function snapshot(env: TestEnv) {
  const { db } = env.store;
  // Not the outbox (background flushes change its rows), nor the throttles and code attempts (refusals count).
  const tables = [
    'ceremonies',
    'tracks',
    'categories',
    'nominees',
    'institutions',
    'events',
    'organizers',
    'organizer_roles',
    'disclosures',
    'nominee_contacts',
    'nominations',
    'spent_tokens',
    'roll_entries',
    'roll_codes',
    'oidc_clients',
    'jurors',
    'jury_assignments',
    'jury_conflicts',
    'jury_scores',
    'jury_rankings',
  ] as const;
  const out: Record<string, unknown[]> = {};
  for (const t of tables) out[t] = await db.selectFrom(t).selectAll().execute();
  for (const rows of Object.values(out)) rows.sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));
  return out;
}
