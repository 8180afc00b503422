/**
 * A database that cannot take writes (issue 10, "Faults"): full (SQLite's page limit reached) or read-only. Every
 * kind of write the public and the jury make — a ballot, a nomination, a jury save, a phase change — answers 503
 * problem+json `storage-unavailable` with Retry-After, the database (every table but the outbox and the rate-limit
 * counters) and the event log are exactly as before, reads still answer 200, and once the database takes writes
 * again the very same request succeeds.
 *
 * SQLite: the store's own connection gets `PRAGMA max_page_count` (full: SQLITE_FULL once a write needs a new page)
 * or `PRAGMA query_only` (SQLITE_READONLY). PostgreSQL (under scripts/with-postgres.mjs): the test database is set
 * `default_transaction_read_only`, which new connections take up (SQLSTATE 25006 on a write). A full disk cannot be
 * made on PostgreSQL from a test; it is left out there.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAward, movePhase, requireAward } from '../src/ceremonies/service';
import { isStorageUnavailable } from '../src/errors';
import { type TestEnv, bearer, post, signIn, testEnv, usingPostgres } from './helpers';
import { nonce, voterToken } from './support/awards';
import {
  type AwardSpec,
  type Pipeline,
  api,
  call,
  castVotes,
  closeVote,
  invitedJuror,
  pipelineOf,
  resultsAward,
  scoreSheet,
} from './support/results';

/** Tables a refused request may still touch: the outbox (flushed in the background) and the rate-limit counters. */
const MAY_CHANGE = new Set(['outbox', 'throttles']);
/** Requests of one kind sent at most while looking for the first that needs room the full database lacks. */
const MAX_TRIES = 400;

/** Every row of every table but MAY_CHANGE, sorted: equal before and after means the request changed nothing. */
async function everything(env: TestEnv): Promise<Record<string, unknown[]>> {
  const tables = (await env.store.db.introspection.getTables())
    .map((t) => t.name)
    .filter((name) => !MAY_CHANGE.has(name))
    .sort();
  const out: Record<string, unknown[]> = {};
  for (const table of tables) {
    const { rows } = await sql<Record<string, unknown>>`select * from ${sql.table(table)}`.execute(env.store.db);
    out[table] = rows.map((r) => JSON.stringify(r)).sort();
  }
  return out;
}

/** The award's event head, as anyone reads it. */
async function head(p: Pipeline): Promise<{ seq: number; hash: string }> {
  const res = await p.env.app.request(api(p, '/events/head'));
  expect(res.status).toBe(200);
  return res.json();
}

/** A 503 problem+json `storage-unavailable` that invites a retry. */
async function expectStorageUnavailable(res: Response): Promise<void> {
  const text = await res.text();
  expect(res.status, text).toBe(503);
  expect(res.headers.get('content-type')).toContain('application/problem+json');
  expect(res.headers.get('retry-after')).toBe('1');
  expect(JSON.parse(text)).toMatchObject({ code: 'storage-unavailable', status: 503 });
}

/** One kind of write: its i-th request (a distinct change each, all of which succeed while there is room). */
interface WriteKind {
  name: string;
  /** The status of a success. */
  ok: number;
  /** Makes the i-th request; the returned function sends it (again, when called again). */
  request(i: number): () => Response | Promise<Response>;
}

/** Awards in every phase a write needs, in one database, with what the writes need (tokens, a declared juror). */
interface Awards {
  env: TestEnv;
  voting: Pipeline;
  nominating: Pipeline;
  judging: Pipeline;
  juror: string;
  drafts: Pipeline[];
  kinds: WriteKind[];
}

const spec = (nominees: string[]): AwardSpec => ({
  rules: { finalists: { mode: 'public', k: 2 } },
  categories: [{ slug: 'mentor', nominees }],
});

/** An award of `spec` in the given phase, managed by the site organizer `organizer`. */
async function awardIn(
  env: TestEnv,
  organizer: string,
  slug: string,
  nominees: string[],
  phase: 'draft' | 'nominating' | 'voting',
): Promise<Pipeline> {
  const { id } = await createAward(env, resultsAward(slug, spec(nominees)), 'cli');
  const moves = { draft: [], nominating: ['nominating'], voting: ['nominating', 'voting'] } as const;
  for (const to of moves[phase]) await movePhase(env, await requireAward(env, id), to, 'cli', 'hand');
  return pipelineOf(env, slug, id, organizer);
}

/** Voter tokens minted ahead (before the database refuses writes), `who` + index. */
async function voterTokens(p: Pipeline, who: string, n: number): Promise<string[]> {
  const tokens: string[] = [];
  for (let i = 0; i < n; i++) tokens.push(await voterToken(p.env, p.id, `${who}${i}`));
  return tokens;
}

async function setUpAwards(): Promise<Awards> {
  const env = await testEnv();
  const organizer = await signIn(env, 'faults-organizer@example.kg');
  const voting = await awardIn(env, organizer, 'faults-voting', ['va', 'vb', 'vc'], 'voting');
  const nominating = await awardIn(env, organizer, 'faults-nominating', ['na', 'nb'], 'nominating');
  const judging = await awardIn(env, organizer, 'faults-judging', ['ja', 'jb', 'jc'], 'voting');
  await castVotes(judging, 'mentor', { ja: 2, jb: 1 });
  const juror = await invitedJuror(judging, { name: 'Juror One', categories: ['mentor'] });
  await closeVote(judging);
  // Conflicts declared and one score saved: the sheet is open for saves.
  await scoreSheet(judging, juror, 'mentor', { ja: 5 }, { submit: false });
  const drafts: Pipeline[] = [];
  for (let i = 0; i < 100; i++) drafts.push(await awardIn(env, organizer, `faults-draft-${i}`, ['x', 'y'], 'draft'));
  const voters = await voterTokens(voting, 'ballot-voter', MAX_TRIES + 20);
  const nominators = await voterTokens(nominating, 'nominator', MAX_TRIES + 20);

  let nextDraft = 0;
  const kinds: WriteKind[] = [
    {
      name: 'a ballot',
      ok: 201,
      request: (i) => {
        const body = { category: 'mentor', nominee: ['va', 'vb', 'vc'][i % 3], nonce: nonce() };
        return () => post(env, api(voting, '/ballots'), body, bearer(voters[i]!));
      },
    },
    {
      name: 'a nomination',
      ok: 201,
      request: (i) => () =>
        post(
          env,
          api(nominating, '/categories/mentor/nominations'),
          { nominee: i % 2 ? 'na' : 'nb', reason: `Nominated by nominator ${i} for her mentoring.` },
          bearer(nominators[i]!),
        ),
    },
    {
      name: 'a jury save',
      ok: 200,
      request: (i) => () =>
        call(
          judging,
          api(judging, `/jury/sheets/mentor/scores/${i % 2 ? 'ja' : 'jb'}`),
          { scores: { merit: 1 + (i % 10) } },
          {
            method: 'PUT',
            token: juror,
          },
        ),
    },
    {
      name: 'a phase change',
      ok: 200,
      // Each request opens the nominations of the next draft award.
      request: () => {
        const draft = drafts[nextDraft++];
        if (!draft) throw new Error('more phase changes than draft awards');
        return () => call(draft, api(draft, '/phase'), { to: 'nominating' });
      },
    },
  ];
  return { env, voting, nominating, judging, juror, drafts, kinds };
}

/** Reads anyone (or the juror) makes, which must keep answering while the database takes no writes. */
async function expectReadsAnswer(a: Awards): Promise<void> {
  const reads: [string, string | undefined][] = [
    [`/api/ceremonies/${a.voting.slug}`, undefined],
    [api(a.voting, '/events/head'), undefined],
    [api(a.voting, '/checkpoints'), undefined],
    [api(a.judging, '/jury/me'), a.juror],
    [api(a.judging, '/events'), a.judging.organizer],
    [`/a/${a.voting.slug}`, undefined],
  ];
  for (const [path, token] of reads) {
    const res = await a.env.app.request(path, { headers: token ? bearer(token) : {} });
    expect(res.status, `GET ${path}: ${await res.clone().text()}`).toBe(200);
  }
}

/** Sends the request, which must be refused with 503 and change nothing (the event heads included). */
async function expectRefusedUnchanged(a: Awards, send: () => Response | Promise<Response>): Promise<void> {
  const before = await everything(a.env);
  const heads = await Promise.all([a.voting, a.nominating, a.judging].map(head));
  await expectStorageUnavailable(await send());
  expect(await everything(a.env)).toEqual(before);
  expect(await Promise.all([a.voting, a.nominating, a.judging].map(head))).toEqual(heads);
}

const pragma = async (env: TestEnv, text: string) => sql.raw(`pragma ${text}`).execute(env.store.db);

describe.skipIf(usingPostgres)('a SQLite database that cannot take writes', () => {
  let a: Awards;
  beforeAll(async () => {
    a = await setUpAwards();
  }, 60_000);
  afterAll(async () => {
    await a?.env.store.close();
  });

  it('full: each kind of write answers 503 storage-unavailable once it needs room, changing nothing; with room again the same request succeeds', async () => {
    const report: Record<string, number> = {};
    for (const kind of a.kinds) {
      // The page limit becomes the current size: a write that needs one more page fails with SQLITE_FULL. Writes
      // that fit into the free space of existing pages still succeed, so requests of this kind go on (each a real,
      // acknowledged change) until the first one that needs a page.
      await pragma(a.env, 'max_page_count = 1');
      let refused: (() => Response | Promise<Response>) | undefined;
      for (let i = 0; i < MAX_TRIES && !refused; i++) {
        const send = kind.request(i);
        const before = await everything(a.env);
        const res = await send();
        if (res.status === kind.ok) continue;
        await expectStorageUnavailable(res);
        expect(await everything(a.env), kind.name).toEqual(before);
        refused = send;
        report[kind.name] = i;
      }
      expect(refused, `${kind.name} never ran out of room`).toBeDefined();
      // Still full: refused again, and still nothing changes.
      await expectRefusedUnchanged(a, refused!);
      await expectReadsAnswer(a);
      // Room again: the very same request goes through.
      await pragma(a.env, 'max_page_count = 1073741823');
      const res = await refused!();
      expect(res.status, `${kind.name}: ${await res.clone().text()}`).toBe(kind.ok);
    }
    // How many writes of each kind fitted before one needed a page (informative).
    console.log(`storage-faults: writes accepted before the database was full: ${JSON.stringify(report)}`);
  });

  it('read-only (query_only): every kind of write answers 503 and changes nothing, reads answer 200; writable again, the same requests succeed', async () => {
    await pragma(a.env, 'query_only = 1');
    const refused = a.kinds.map((kind) => kind.request(MAX_TRIES + 10));
    try {
      for (const send of refused) await expectRefusedUnchanged(a, send);
      await expectReadsAnswer(a);
    } finally {
      await pragma(a.env, 'query_only = 0');
    }
    for (const [i, send] of refused.entries()) {
      const res = await send();
      expect(res.status, `${a.kinds[i]!.name}: ${await res.clone().text()}`).toBe(a.kinds[i]!.ok);
    }
  });
});

describe.skipIf(usingPostgres)('SQLite’s own refusals are recognized as storage faults', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'laurel-storage-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('a file opened read-only (SQLITE_READONLY) and a full one (SQLITE_FULL)', () => {
    const file = join(dir, 'db.sqlite');
    const writer = new BetterSqlite3(file);
    writer.exec('create table t (v text)');
    writer.close();
    const reader = new BetterSqlite3(file, { readonly: true });
    const readOnly = (() => {
      try {
        reader.prepare('insert into t values (?)').run('x');
      } catch (err) {
        return err;
      }
    })();
    reader.close();
    expect(readOnly).toMatchObject({ code: 'SQLITE_READONLY' });
    expect(isStorageUnavailable(readOnly)).toBe(true);

    const full = new BetterSqlite3(join(dir, 'full.sqlite'));
    full.exec('create table t (v text)');
    full.pragma('max_page_count = 1');
    const tooBig = (() => {
      try {
        // 10 kB do not fit into the pages there are.
        full.prepare('insert into t values (?)').run('x'.repeat(10_000));
      } catch (err) {
        return err;
      }
    })();
    full.close();
    expect(tooBig).toMatchObject({ code: 'SQLITE_FULL' });
    expect(isStorageUnavailable(tooBig)).toBe(true);
  });
});

describe.runIf(usingPostgres)('a read-only PostgreSQL database', () => {
  let a: Awards;
  let admin: pg.Client;
  let database: string;

  /** Waits until the store's pool has closed its connections (idle ones close after 10 s): new ones take up the setting. */
  async function poolReconnects(): Promise<void> {
    for (const deadline = Date.now() + 30_000; Date.now() < deadline;) {
      const { rows } = await admin.query<{ n: string }>(
        'select count(*) as n from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()',
        [database],
      );
      if (Number(rows[0]!.n) === 0) return;
      await new Promise((r) => setTimeout(r, 250));
    }
    throw new Error('the pool kept its connections open');
  }

  beforeAll(async () => {
    a = await setUpAwards();
    const { rows } = await sql<{ name: string }>`select current_database() as name`.execute(a.env.store.db);
    database = rows[0]!.name;
    admin = new pg.Client({ connectionString: process.env.LAUREL_PG_ADMIN_URL ?? process.env.DATABASE_URL });
    await admin.connect();
  }, 60_000);
  afterAll(async () => {
    await admin?.end();
    await a?.env.store.close();
  });

  it('every kind of write answers 503 and changes nothing, reads answer 200; writable again, the same requests succeed', async () => {
    const name = pg.escapeIdentifier(database);
    await admin.query(`alter database ${name} set default_transaction_read_only = on`);
    const refused = a.kinds.map((kind) => kind.request(0));
    try {
      await poolReconnects();
      for (const send of refused) await expectRefusedUnchanged(a, send);
      await expectReadsAnswer(a);
    } finally {
      await admin.query(`alter database ${name} reset default_transaction_read_only`);
    }
    await poolReconnects();
    for (const [i, send] of refused.entries()) {
      const res = await send();
      expect(res.status, `${a.kinds[i]!.name}: ${await res.clone().text()}`).toBe(a.kinds[i]!.ok);
    }
  }, 90_000);

  it('lives through PostgreSQL dropping its idle connections, and the next requests work', async () => {
    await expectReadsAnswer(a); // the pool now holds idle connections
    const { rows } = await admin.query<{ n: number }>(
      'select count(pg_terminate_backend(pid))::int as n from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()',
      [database],
    );
    expect(rows[0]!.n).toBeGreaterThan(0);
    // The pool hears each dropped connection as an error event; unheard, it ends the process (and this test).
    await new Promise((r) => setTimeout(r, 200));
    await expectReadsAnswer(a);
  });
});
