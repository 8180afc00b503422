#!/usr/bin/env node
/**
 * What SQLite alone costs per ballot on this machine: the rows one ballot writes (its mark, the ballot, its network
 * signals, its receipt mail in the outbox), each ballot in a savepoint, a group of them per transaction and one
 * COMMIT per group, as the server's writer thread does it (src/store/sqlite-writer.mjs), on the schema of
 * db/migrations, WAL mode with synchronous=FULL. No HTTP, no Node work around it, and foreign keys off (the server
 * checks them, which costs more): a floor under what a ballot can cost, for docs/performance.md.
 *
 *   node scripts/sqlite-floor.mjs [--ballots 200000] [--group 20] [--rows mark,ballot,signals,mail]
 *
 * Prints one JSON line: CPU time (user + system) and wall time per ballot, from BEGIN to COMMIT of the groups of
 * the second half of the ballots (the tables large by then). The values are made before each group, untimed.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const require = createRequire(import.meta.url);
const Database = require('better-sqlite3');

const { values } = parseArgs({
  options: { ballots: { type: 'string' }, group: { type: 'string' }, rows: { type: 'string' } },
});
const ballots = Number(values.ballots ?? 200_000);
const group = Number(values.group ?? 20);
// Which of a ballot's rows to write (default all four), to see what each costs.
const written = new Set((values.rows ?? 'mark,ballot,signals,mail').split(','));

const dir = mkdtempSync(join(tmpdir(), 'laurel-floor-'));
const db = new Database(join(dir, 'floor.sqlite'));
db.pragma('journal_mode = WAL');
db.pragma('synchronous = FULL');
db.pragma('foreign_keys = OFF');
const migrations = new URL('../db/migrations/', import.meta.url);
for (const name of readdirSync(migrations)
  .filter((f) => f.endsWith('.sql'))
  .sort())
  db.exec(readFileSync(new URL(name, migrations), 'utf8'));

const insert = {
  mark: db.prepare('insert into marks (ceremony_id, category_id, person_key, sealed_tracker) values (?, ?, ?, ?)'),
  ballot: db.prepare(
    "insert into ballots (tracker, ceremony_id, category_id, nominee_id, status) values (?, ?, ?, ?, 'counted')",
  ),
  signals: db.prepare('insert into ballot_signals (tracker, ceremony_id, network, agent) values (?, ?, ?, ?)'),
  mail: db.prepare(
    `insert into outbox (id, ceremony_id, kind, to_address, subject, text_body, status, attempts, next_attempt_at,
     created_at) values (?, ?, 'receipt', ?, ?, ?, 'queued', 0, ?, ?)`,
  ),
};
const savepoint = db.prepare('SAVEPOINT batch');
const release = db.prepare('RELEASE batch');
const award = 'aw_2wb7stviz6aznnqkrogy';
const categories = Array.from({ length: 6 }, (_, i) => `ca_category${i}xefyatr4q`);
const text = 'Your ballot in "Best Mentor" for a nominee is recorded. Receipt: abcd-efgh-ijkl-mnop. '.repeat(5);
const hex = (n) => randomBytes(n).toString('hex');

const spent = { user: 0, system: 0, wall: 0, ballots: 0 };
for (let done = 0; done < ballots; done += group) {
  const rows = Array.from({ length: group }, (_, i) => ({
    category: categories[(done + i) % categories.length],
    nominee: `nm_nominee${(done + i) % 30}`,
    person: hex(32),
    tracker: hex(32),
    sealed: randomBytes(90).toString('base64url'),
    network: hex(16),
    agent: hex(16),
    mail: `mail_${String(done + i).padStart(12, '0')}${hex(8)}`,
  }));
  const timed = done >= ballots / 2;
  const cpu = process.cpuUsage();
  const wall = performance.now();
  const now = Date.now();
  db.exec('BEGIN IMMEDIATE');
  for (const r of rows) {
    savepoint.run();
    if (written.has('mark')) insert.mark.run(award, r.category, r.person, r.sealed);
    if (written.has('ballot')) insert.ballot.run(r.tracker, award, r.category, r.nominee);
    if (written.has('signals')) insert.signals.run(r.tracker, award, r.network, r.agent);
    if (written.has('mail')) insert.mail.run(r.mail, award, 'voter@example.org', 'Your ballot receipt', text, now, now);
    release.run();
  }
  db.exec('COMMIT');
  if (timed) {
    const used = process.cpuUsage(cpu);
    spent.user += used.user;
    spent.system += used.system;
    spent.wall += (performance.now() - wall) * 1000;
    spent.ballots += group;
  }
}
const per = (us) => Math.round(us / spent.ballots);
console.log(
  JSON.stringify({
    ballots,
    group,
    rows: [...written].join(','),
    cpu_us_per_ballot: per(spent.user + spent.system),
    user_us: per(spent.user),
    system_us: per(spent.system),
    wall_us_per_ballot: per(spent.wall),
  }),
);
db.close();
rmSync(dir, { recursive: true, force: true });
