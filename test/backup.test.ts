/**
 * `laurel backup` and `laurel restore` (issue 10, "Faults") against the real Node server on a SQLite file.
 *
 * A backup taken while the server takes a load of ballots is one consistent snapshot: SQLite finds nothing wrong in
 * it, every ballot in it has its voter's mark, every event chain verifies, and every ballot acknowledged before the
 * backup began is in it. An award is then taken through the close, finalization and announcement and backed up;
 * more changes follow (another award, a new signing key) and the server dies (SIGKILL, its write-ahead log left
 * behind). `laurel restore` refuses to replace the database without --force, and refuses a damaged backup and
 * one whose event chain was edited, changing nothing; with --force it puts the backup in place (the stale log
 * deleted), the server started on it serves exactly the state of the backup, and the audit bundle that
 * `laurel bundle` writes from it passes `laurel verify`.
 */
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyChain } from '../src/audit/chain';
import { listEvents } from '../src/audit/log';
import { backupSqlite, restoreSqlite } from '../src/store/backup';
import { openStore } from '../src/store/node';
import { type LaurelProcess, laurelProcess, voterMinter } from './e2e/harness';
import { usingPostgres } from './helpers';
import { nonce } from './support/awards';

const SLUG = 'backup-award';
const LATER = 'later-award';
const NOMINEES = ['a', 'b', 'c'];
const IN_FLIGHT = 16;

const definition = (slug: string) => ({
  format: 'laurel-award/1',
  slug,
  locales: ['en'],
  name: { en: `Award ${slug}` },
  rules: { finalists: { mode: 'public', k: 2 }, checkpoints: { everySeconds: 3600, everyBallots: 100000 } },
  tracks: [
    {
      slug: 'main',
      name: { en: 'Main' },
      categories: ['mentor', 'partner'].map((category) => ({
        slug: category,
        name: { en: category },
        nominees: NOMINEES.map((n) => ({ slug: `${category}-${n}`, name: { en: n.toUpperCase() } })),
      })),
    },
  ],
});

/** A ballot sent during the load, and when it was acknowledged. */
interface Sent {
  tracker?: string;
  acknowledgedAt?: number;
}

const sha256File = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

/** Every row of every table of a SQLite file, sorted: two files with equal rows hold the same database. */
function rowsOf(file: string): Record<string, string[]> {
  const db = new BetterSqlite3(file, { readonly: true, fileMustExist: true });
  try {
    const tables = db.prepare(`select name from sqlite_master where type = 'table' order by name`).pluck().all();
    return Object.fromEntries(
      (tables as string[]).map((t) => [
        t,
        db
          .prepare(`select * from "${t}"`)
          .all()
          .map((r) => JSON.stringify(r))
          .sort(),
      ]),
    );
  } finally {
    db.close();
  }
}

describe.skipIf(usingPostgres)('laurel backup and laurel restore', () => {
  let laurel: LaurelProcess;
  let databaseFile = '';
  let ceremonyId = '';

  const get = async (path: string) => {
    const res = await fetch(`${laurel.url}${path}`);
    return { status: res.status, body: res.status === 200 ? await res.json() : null };
  };

  beforeAll(async () => {
    laurel = await laurelProcess({ smtp: false, env: { SEED_EXAMPLE: '0' } });
    databaseFile = laurel.databaseUrl.replace(/^file:/, '');
    await laurel.start();
    const file = join(laurel.dataDir, 'award.json');
    writeFileSync(file, JSON.stringify(definition(SLUG)));
    await laurel.cli('import', file, '--open');
    await laurel.cli('phase', SLUG, 'voting');
  }, 60_000);

  afterAll(async () => {
    await laurel?.stop();
  });

  it('a backup taken under a load of ballots is one consistent snapshot', async () => {
    // Voter tokens minted with the server's master secret, as the email method would issue them.
    const voters = await voterMinter(laurel.databaseUrl, SLUG);
    ceremonyId = voters.ceremonyId;
    const sent: Sent[] = [];
    let stop = false;
    const unexpected: string[] = [];
    const worker = async () => {
      while (!stop) {
        const i = sent.length;
        const ballot: Sent = {};
        sent.push(ballot);
        const token = await voters.token(i);
        const category = i % 2 ? 'mentor' : 'partner';
        const res = await fetch(`${laurel.url}/api/ceremonies/${SLUG}/ballots`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          body: JSON.stringify({ category, nominee: `${category}-${NOMINEES[i % 3]}`, nonce: nonce() }),
        });
        const body = await res.json();
        if (res.status !== 201) unexpected.push(`${res.status} ${JSON.stringify(body)}`);
        else Object.assign(ballot, { tracker: body.tracker, acknowledgedAt: Date.now() });
      }
    };
    const load = Promise.all(Array.from({ length: IN_FLIGHT }, worker));
    await new Promise((r) => setTimeout(r, 500));
    const backup = join(laurel.dataDir, 'under-load.sqlite');
    const backupStarted = Date.now();
    const printed = await laurel.cli('backup', backup);
    const backupEnded = Date.now();
    // The load went on during the whole backup.
    const duringBackup = sent.filter(
      (b) => b.acknowledgedAt && b.acknowledgedAt > backupStarted && b.acknowledgedAt < backupEnded,
    ).length;
    stop = true;
    await load;
    expect(unexpected).toEqual([]);
    expect(printed).toMatch(/integrity ok, 1 event chains \(\d+ events\) verify/);
    expect(duringBackup).toBeGreaterThan(0);

    // SQLite's own checks find nothing wrong.
    const raw = new BetterSqlite3(backup, { readonly: true, fileMustExist: true });
    expect(raw.pragma('integrity_check', { simple: true })).toBe('ok');
    expect(raw.pragma('foreign_key_check')).toEqual([]);
    const ballots = raw.prepare('select tracker, category_id from ballots where ceremony_id = ?').all(ceremonyId) as {
      tracker: string;
      category_id: string;
    }[];
    const marks = raw.prepare('select category_id from marks where ceremony_id = ?').all(ceremonyId) as {
      category_id: string;
    }[];
    raw.close();
    // Ballot and mark are written in one batch: the snapshot holds both or neither of each.
    const perCategory = (rows: { category_id: string }[]) =>
      rows.reduce<Record<string, number>>((n, r) => ({ ...n, [r.category_id]: (n[r.category_id] ?? 0) + 1 }), {});
    expect(perCategory(marks)).toEqual(perCategory(ballots));
    // Every ballot acknowledged before the backup began is in it; every ballot in it was sent by the load.
    const inBackup = new Set(ballots.map((b) => b.tracker));
    const before = sent.filter((b) => b.acknowledgedAt && b.acknowledgedAt < backupStarted);
    expect(before.length).toBeGreaterThan(0);
    expect(before.filter((b) => !inBackup.has(b.tracker!))).toEqual([]);
    const acknowledged = new Set(sent.map((b) => b.tracker).filter(Boolean));
    expect([...inBackup].filter((t) => !acknowledged.has(t))).toEqual([]);
    // Taken while ballots kept coming: it holds fewer than the server has now.
    expect(ballots.length).toBeLessThan(acknowledged.size);

    // Every event chain in the copy verifies.
    const copy = openStore(`file:${backup}`);
    try {
      const chains = (await copy.db.selectFrom('events').select('chain').distinct().execute()).map((r) => r.chain);
      // The award's chain (nothing site-wide happened: no organizer was added).
      expect(chains).toEqual([ceremonyId]);
      for (const chain of chains) {
        const events = await listEvents(copy.db, chain, { limit: 100_000 });
        expect(await verifyChain(events), chain).toEqual({ ok: true, problems: [] });
      }
    } finally {
      await copy.close();
    }
    console.log(
      `backup figures: ${JSON.stringify({
        ballotsSent: sent.length,
        ballotsInBackup: ballots.length,
        acknowledgedBeforeBackup: before.length,
        acknowledgedDuringBackup: duringBackup,
        backupMs: backupEnded - backupStarted,
      })}`,
    );
  }, 60_000);

  it('restore refuses without --force and refuses damaged or edited backups; with --force it serves the state of the backup, whose bundle verifies', async () => {
    // ------------------------------------------------------------------ the award to its end, then the backup
    await laurel.cli('phase', SLUG, 'judging');
    await laurel.cli('finalize', SLUG);
    await laurel.cli('announce', SLUG);
    const results = (await get(`/api/ceremonies/${SLUG}/results`)).body;
    const head = (await get(`/api/ceremonies/${SLUG}/events/head`)).body;
    const keys = (await get('/.well-known/jwks.json')).body.keys.length;
    const checkpoints = (await get(`/api/ceremonies/${SLUG}/checkpoints`)).body.checkpoints;
    expect(results.version).toBe(1);
    const backup = join(laurel.dataDir, 'announced.sqlite');
    await laurel.cli('backup', backup);

    // ------------------------------------------------------------------ later changes, then a crash
    const later = join(laurel.dataDir, 'later.json');
    writeFileSync(later, JSON.stringify(definition(LATER)));
    await laurel.cli('import', later, '--open');
    await laurel.cli('keys', 'rotate', 'results');
    expect((await get(`/api/ceremonies/${LATER}`)).status).toBe(200);
    expect((await get('/.well-known/jwks.json')).body.keys).toHaveLength(keys + 1);
    await laurel.kill('SIGKILL');
    // The crashed server's write-ahead log is still there, with its changes in it.
    expect(existsSync(`${databaseFile}-wal`)).toBe(true);
    const crashed = sha256File(databaseFile);
    const unchanged = () => {
      expect(sha256File(databaseFile)).toBe(crashed);
      expect(existsSync(`${databaseFile}-wal`)).toBe(true);
    };

    // ------------------------------------------------------------------ refusals change nothing
    await expect(laurel.cli('restore', backup)).rejects.toThrow(/exists\. Stop Laurel.*--force/s);
    unchanged();

    // A damaged file: the page type of the events table's root page overwritten.
    const damaged = join(laurel.dataDir, 'damaged.sqlite');
    copyFileSync(backup, damaged);
    const probe = new BetterSqlite3(damaged, { readonly: true });
    const pageSize = probe.pragma('page_size', { simple: true }) as number;
    const root = probe.prepare(`select rootpage from sqlite_master where name = 'events'`).pluck().get() as number;
    probe.close();
    const bytes = readFileSync(damaged);
    bytes[(root - 1) * pageSize + (root === 1 ? 100 : 0)] = 0x01;
    writeFileSync(damaged, bytes);
    await expect(restoreSqlite(laurel.databaseUrl, damaged, { force: true })).rejects.toMatchObject({
      code: 'validation-failed',
      message: expect.stringMatching(/fails its checks; nothing was restored:\n {2}integrity: /),
    });
    unchanged();

    // An edited event: its time changed in the body, the stored hash left as it was.
    const edited = join(laurel.dataDir, 'edited.sqlite');
    copyFileSync(backup, edited);
    const writer = new BetterSqlite3(edited);
    const row = writer.prepare('select body from events where chain = ? and seq = 2').get(ceremonyId) as {
      body: string;
    };
    const body = JSON.parse(row.body) as { at: number };
    writer
      .prepare('update events set body = ? where chain = ? and seq = 2')
      .run(JSON.stringify({ ...body, at: body.at + 1 }), ceremonyId);
    writer.close();
    await expect(restoreSqlite(laurel.databaseUrl, edited, { force: true })).rejects.toMatchObject({
      code: 'validation-failed',
      message: expect.stringContaining(`chain ${ceremonyId}, event 2: hash mismatch`),
    });
    unchanged();

    // ------------------------------------------------------------------ the restore
    expect(await laurel.cli('restore', backup, '--force')).toMatch(
      /^Restored .* \(\d+ pages; integrity ok, 1 event chains with \d+ events verify\)/m,
    );
    expect(rowsOf(databaseFile)).toEqual(rowsOf(backup));
    expect(existsSync(`${databaseFile}-wal`)).toBe(false);
    expect(existsSync(`${databaseFile}-shm`)).toBe(false);

    await laurel.start();
    expect((await get(`/api/ceremonies/${SLUG}`)).body.phase).toBe('announced');
    expect((await get(`/api/ceremonies/${SLUG}/results`)).body).toEqual(results);
    expect((await get(`/api/ceremonies/${SLUG}/events/head`)).body).toEqual(head);
    expect((await get(`/api/ceremonies/${SLUG}/checkpoints`)).body.checkpoints).toEqual(checkpoints);
    expect((await get(`/api/ceremonies/${LATER}`)).status).toBe(404);
    expect((await get('/.well-known/jwks.json')).body.keys).toHaveLength(keys);
    expect(await laurel.cli('chain', SLUG)).toMatch(`Head ${head.seq}:${head.hash}`);

    const bundle = join(laurel.dataDir, 'bundle.json');
    await laurel.cli('bundle', SLUG, '--out', bundle);
    // laurel verify exits 0 only when every check passes (the cli helper rejects otherwise).
    expect(await laurel.cli('verify', bundle, '--witness', `${head.seq}:${head.hash}`)).toMatch(
      /^\d+ checks passed, 0 failed$/m,
    );
  }, 120_000);
});

describe.skipIf(usingPostgres)('backupSqlite', () => {
  let dir = '';
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'laurel-backup-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('finishes while another connection writes every 2 ms, with one snapshot of the rows', async () => {
    const file = join(dir, 'big.sqlite');
    const db = new BetterSqlite3(file);
    db.pragma('journal_mode = WAL');
    db.exec('create table t (id integer primary key, v text not null)');
    const insert = db.prepare('insert into t (v) values (?)');
    // About 40 MB (10,000 pages of 4 kB): a backup in steps of 100 pages would need 100 steps without a write.
    db.transaction(() => {
      for (let i = 0; i < 40_000; i++) insert.run('x'.repeat(1000));
    })();
    const count = () => db.prepare('select count(*) from t').pluck().get() as number;
    const before = count();
    const writer = setInterval(() => insert.run('written during the backup'), 2);
    // The writes are under way before the backup starts (a backup quick enough may see none of its own).
    while (count() < before + 3) await new Promise((resolve) => setTimeout(resolve, 2));
    const target = join(dir, 'copy.sqlite');
    let timer: NodeJS.Timeout | undefined;
    try {
      const pages = await Promise.race([
        backupSqlite(`file:${file}`, target),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error('the backup did not finish in 20 s')), 20_000);
        }),
      ]);
      expect(pages).toBeGreaterThan(10_000);
    } finally {
      clearTimeout(timer);
      clearInterval(writer);
    }
    const after = count();
    db.close();
    expect(after).toBeGreaterThan(before);
    // One snapshot: every row up to some moment, with ids 1…n and no gap.
    const copy = new BetterSqlite3(target, { readonly: true });
    expect(copy.pragma('integrity_check', { simple: true })).toBe('ok');
    const { n, top } = copy.prepare('select count(*) as n, max(id) as top from t').get() as { n: number; top: number };
    copy.close();
    expect(n).toBe(top);
    expect(n).toBeGreaterThanOrEqual(before);
    expect(n).toBeLessThanOrEqual(after);
  }, 60_000);
});
