/**
 * Durability of the vote (issue 4): the real Node server takes a load of ballots, is killed with SIGKILL in the
 * middle of it and started again on the same database. Every ballot whose receipt was returned (201 or 200) is
 * there, no ballot is there twice, the requests cut off by the kill landed at most once, and after the vote
 * closes the event chain and the ballot log verify: every acknowledged receipt has an inclusion proof in the
 * closing checkpoint, and the tree recomputed from the stored leaves has the closing root.
 *
 * Runs on a fresh SQLite file; under `node scripts/with-postgres.mjs npx vitest run --config vitest.e2e.config.ts
 * test/e2e/durability.test.ts` on a fresh PostgreSQL database instead. docs/durability.md explains the settings
 * this relies on and the figures it prints.
 */
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hexToBytes } from '../../src/audit/canonical';
import { verifyChain } from '../../src/audit/chain';
import { listEvents } from '../../src/audit/log';
import { leafHash, leafHashHex, merkleRootHex, verifyInclusion } from '../../src/audit/merkle';
import { writeCheckpoint } from '../../src/ballots/checkpoint';
import { parseReceipt, trackerOf } from '../../src/audit/receipts';
import type { AppDeps } from '../../src/deps';
import { openStore } from '../../src/store/node';
import type { Store } from '../../src/store/store';
import { type LaurelProcess, e2eDatabaseUrl, laurelProcess, voterMinter } from './harness';

const SLUG = 'durability-award';
const CATEGORIES = ['mentor', 'partner'];
const NOMINEES = ['a', 'b', 'c'];
const VOTERS = 3000;
const IN_FLIGHT = 32;
/** How long the load runs before the kill (at most: the kill comes earlier once half the ballots were sent). */
const LOAD_MS = 4000;
/** Of the acknowledged ballots, one in this many is sent again with the same nonce (a double tap). */
const REPEAT_EVERY = 20;

const award = {
  format: 'laurel-award/1',
  slug: SLUG,
  locales: ['en'],
  name: { en: 'Durability Award' },
  rules: {
    finalists: { mode: 'public', k: 2 },
    voteChange: 'final',
    // The server's own tick (every 15 s) writes none during the load; the test writes them alongside.
    checkpoints: { everySeconds: 3600, everyBallots: 100000 },
  },
  tracks: [
    {
      slug: 'main',
      name: { en: 'Main' },
      categories: CATEGORIES.map((slug) => ({
        slug,
        name: { en: slug },
        nominees: NOMINEES.map((n) => ({ slug: n, name: { en: n.toUpperCase() } })),
      })),
    },
  ],
};

/** One ballot a voter means to cast, and what became of the requests that carried it. */
interface Task {
  token: string;
  category: string;
  nominee: string;
  nonce: string;
  /** Requests sent for it (the first, and a repeat with the same nonce). */
  sent: number;
  /** The receipt returned with a 201 or 200; a ballot acknowledged before the kill. */
  acknowledged?: { receipt: string; tracker: string; category: string; nominee: string };
  /** Some request for it ended without an answer (cut off by the kill) or with 503 (nothing changed). */
  unanswered: boolean;
  /** After the restart: the receipt of the same nonce sent again, for tasks with no acknowledgement. */
  resent?: { status: number; receipt: string; tracker: string };
}

const nonce = () => crypto.randomUUID().replace(/-/g, '');

/** Runs `work` over `items` with at most `limit` at a time. */
async function pool<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>) {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/** Processes whose parent is `pid` (Linux /proc); an empty list elsewhere. */
function childrenOf(pid: number): number[] {
  if (!existsSync('/proc')) return [];
  const children: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // Fields after the parenthesized command name: state, ppid, …
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) children.push(Number(entry));
    } catch {
      // the process ended meanwhile
    }
  }
  return children;
}

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('a server killed with SIGKILL during a load of ballots', () => {
  let laurel: LaurelProcess;
  let store: Store | undefined;
  let firstStartMs = 0;

  beforeAll(async () => {
    laurel = await laurelProcess({ databaseUrl: await e2eDatabaseUrl(), env: { SEED_EXAMPLE: '0' } });
    firstStartMs = await laurel.start();
    const file = join(laurel.dataDir, 'award.json');
    writeFileSync(file, JSON.stringify(award));
    await laurel.cli('import', file, '--open');
    await laurel.cli('phase', SLUG, 'voting');
  }, 90_000);

  afterAll(async () => {
    await store?.close();
    await laurel?.stop();
  });

  it('keeps every acknowledged ballot exactly once, and the chain and the tree verify after the close', async () => {
    // Voter tokens minted here with the server's master secret, as the email method would issue them.
    store = openStore(laurel.databaseUrl);
    const voters = await voterMinter(laurel.databaseUrl, SLUG);
    const ceremony = { id: voters.ceremonyId };
    const tasks: Task[] = [];
    for (let i = 0; i < VOTERS; i++) {
      const token = await voters.token(i);
      for (const category of CATEGORIES)
        tasks.push({
          token,
          category,
          nominee: NOMINEES[(i + category.length) % NOMINEES.length]!,
          nonce: nonce(),
          sent: 0,
          unanswered: false,
        });
    }

    const unexpected: string[] = [];
    const send = async (task: Task) => {
      task.sent++;
      let res: Response;
      try {
        res = await fetch(`${laurel.url}/api/ceremonies/${SLUG}/ballots`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${task.token}` },
          body: JSON.stringify({ category: task.category, nominee: task.nominee, nonce: task.nonce }),
        });
      } catch {
        task.unanswered = true;
        return false;
      }
      let body: any;
      try {
        body = await res.json();
      } catch {
        // The connection broke in the middle of the answer: the status alone does not acknowledge.
        task.unanswered = true;
        return false;
      }
      if (res.status === 201 || res.status === 200) {
        if (task.acknowledged && task.acknowledged.receipt !== body.receipt)
          unexpected.push(`same nonce, another receipt: ${task.acknowledged.receipt} then ${body.receipt}`);
        if (res.status === 200 && !task.acknowledged) unexpected.push('200 (a repeat) for a nonce sent once');
        task.acknowledged ??= body;
        return true;
      }
      if (res.status === 503) task.unanswered = true;
      else unexpected.push(`${res.status} ${JSON.stringify(body)}`);
      return false;
    };

    // The load: IN_FLIGHT voters at a time, for LOAD_MS.
    let killed = false;
    let next = 0;
    let inFlight = 0;
    let inFlightAtKill = 0;
    const loadStarted = Date.now();
    const worker = async () => {
      while (!killed && next < tasks.length) {
        const index = next++;
        const task = tasks[index]!;
        inFlight++;
        const ok = await send(task);
        if (ok && !killed && index % REPEAT_EVERY === 0) await send(task);
        inFlight--;
        if (next >= tasks.length / 2) void killNow();
      }
    };
    // Checkpoints written alongside, as another server's tick would (the ballots and the log share the database).
    // The writer stops and lets go of the database before the kill, so the restart recovers from the server's
    // own crash alone.
    const checkpointer = { store: store!, clock: Date.now } as unknown as AppDeps;
    const writer = (async () => {
      let written = 0;
      for (let i = 0; i < 100 && !killed && Date.now() - loadStarted < LOAD_MS - 1000; i++) {
        if (await writeCheckpoint(checkpointer, ceremony.id)) written++;
        await new Promise((r) => setTimeout(r, 250));
      }
      await store!.close();
      store = undefined;
      return written;
    })();
    const pid = laurel.pid!;
    // The kill comes after LOAD_MS, or once half the ballots were sent on a machine fast enough to get there first.
    let kill: Promise<void> | undefined;
    const killNow = () =>
      (kill ??= (async () => {
        killed = true;
        inFlightAtKill = inFlight;
        await laurel.kill('SIGKILL');
      })());
    const timer = setTimeout(killNow, LOAD_MS);
    await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
    clearTimeout(timer);
    await killNow();
    const checkpointsDuringLoad = await writer;
    const loadMs = Date.now() - loadStarted;

    // The server is gone, and nothing of it is left running.
    expect(processExists(pid)).toBe(false);
    expect(childrenOf(pid)).toEqual([]);
    await expect(fetch(`${laurel.url}/health`)).rejects.toThrow();

    expect(unexpected).toEqual([]);
    const acknowledged = tasks.filter((t) => t.acknowledged);
    const cutOff = tasks.filter((t) => !t.acknowledged && t.unanswered);
    const neverSent = tasks.filter((t) => t.sent === 0);
    // The kill came in the middle of the load: ballots were acknowledged, requests were in flight, voters waited.
    expect(acknowledged.length).toBeGreaterThan(0);
    expect(inFlightAtKill).toBeGreaterThan(0);
    expect(neverSent.length).toBeGreaterThan(0);

    // Started again on the same database.
    const restartMs = await laurel.start();

    // Every acknowledged receipt names its ballot.
    await pool(acknowledged, IN_FLIGHT, async (task) => {
      const res = await fetch(`${laurel.url}/api/ceremonies/${SLUG}/receipts/${task.acknowledged!.receipt}`);
      expect(res.status, task.acknowledged!.receipt).toBe(200);
      const check = await res.json();
      expect(check).toMatchObject({
        tracker: task.acknowledged!.tracker,
        category: task.acknowledged!.category,
        nominee: task.acknowledged!.nominee,
        status: 'counted',
      });
      expect(await trackerOf(parseReceipt(task.acknowledged!.receipt)!)).toBe(check.tracker);
    });

    // The cut-off requests, sent again with the same nonce: 200 if the first one had landed, 201 if not.
    await pool(cutOff, IN_FLIGHT, async (task) => {
      const res = await fetch(`${laurel.url}/api/ceremonies/${SLUG}/ballots`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${task.token}` },
        body: JSON.stringify({ category: task.category, nominee: task.nominee, nonce: task.nonce }),
      });
      const body = await res.json();
      expect([200, 201], JSON.stringify(body)).toContain(res.status);
      task.resent = { status: res.status, receipt: body.receipt, tracker: body.tracker };
    });
    const landedUnanswered = cutOff.filter((t) => t.resent!.status === 200).length;

    // In the database: exactly the ballots of known receipts, each once, one per mark.
    store = openStore(laurel.databaseUrl);
    const { db } = store;
    const ballots = await db
      .selectFrom('ballots')
      .select(['tracker', 'category_id', 'nominee_id', 'status'])
      .where('ceremony_id', '=', ceremony.id)
      .execute();
    const marks = await db
      .selectFrom('marks')
      .select(['category_id', 'person_key'])
      .where('ceremony_id', '=', ceremony.id)
      .execute();
    const known = [...acknowledged.map((t) => t.acknowledged!.tracker), ...cutOff.map((t) => t.resent!.tracker)].sort();
    expect(new Set(known).size).toBe(known.length);
    expect(ballots.map((b) => b.tracker).sort()).toEqual(known);
    expect(new Set(ballots.map((b) => b.tracker)).size).toBe(ballots.length);
    expect(marks).toHaveLength(ballots.length);
    for (const categoryRow of new Set(ballots.map((b) => b.category_id)))
      expect(marks.filter((m) => m.category_id === categoryRow)).toHaveLength(
        ballots.filter((b) => b.category_id === categoryRow).length,
      );
    expect(new Set(marks.map((m) => `${m.category_id} ${m.person_key}`)).size).toBe(marks.length);

    // Close the vote: the closing checkpoint appends every ballot still pending.
    await laurel.cli('phase', SLUG, 'judging');
    const { checkpoints } = await (await fetch(`${laurel.url}/api/ceremonies/${SLUG}/checkpoints`)).json();
    const closing = checkpoints.at(-1);
    expect(closing).toMatchObject({ closing: true, treeSize: ballots.length });
    expect(checkpoints.map((c: { batch: number }) => c.batch)).toEqual(
      checkpoints.map((_: unknown, i: number) => i + 1),
    );

    // Every acknowledged receipt (and every resent one) has a valid inclusion proof in the closing checkpoint.
    const receipts = [...acknowledged.map((t) => t.acknowledged!.receipt), ...cutOff.map((t) => t.resent!.receipt)];
    await pool(receipts, IN_FLIGHT, async (receipt) => {
      const check = await (await fetch(`${laurel.url}/api/ceremonies/${SLUG}/receipts/${receipt}`)).json();
      expect(check.proof, receipt).toMatchObject({
        checkpoint: closing.batch,
        treeSize: closing.treeSize,
        root: closing.root,
      });
      const hash = await leafHash({ tracker: check.tracker, category: check.category, nominee: check.nominee });
      const { leafIndex, treeSize, path, root } = check.proof;
      expect(await verifyInclusion(hash, leafIndex, treeSize, path, root), receipt).toBe(true);
    });

    // The event chain verifies, and its checkpoint events are the checkpoints.
    const events = [];
    for (let after = 0; events.length < 1_000_000;) {
      const page = await listEvents(db, ceremony.id, { after, limit: 1000 });
      events.push(...page);
      if (page.length < 1000) break;
      after = page.at(-1)!.seq;
    }
    expect(await verifyChain(events)).toEqual({ ok: true, problems: [] });
    const checkpointEvents = events.filter((e) => e.type === 'ballots.checkpoint').map((e) => e.payload);
    expect(checkpointEvents.map((p) => ({ batch: p.batch, treeSize: p.treeSize, root: p.root }))).toEqual(
      checkpoints.map((c: { batch: number; treeSize: number; root: string }) => ({
        batch: c.batch,
        treeSize: c.treeSize,
        root: c.root,
      })),
    );
    expect(events.map((e) => e.type)).toContain('finalists.computed');

    // The tree recomputed from the stored leaves: each leaf is its ballot, each batch sorted, every root matches.
    const leaves = await db
      .selectFrom('log_leaves')
      .select(['idx', 'tracker', 'hash', 'batch'])
      .where('ceremony_id', '=', ceremony.id)
      .orderBy('idx')
      .execute();
    expect(leaves.map((l) => Number(l.idx))).toEqual(leaves.map((_, i) => i));
    const byTracker = new Map(ballots.map((b) => [b.tracker, b]));
    for (const leaf of leaves) {
      const ballot = byTracker.get(leaf.tracker)!;
      expect(ballot, leaf.tracker).toBeDefined();
      expect(leaf.hash).toBe(
        await leafHashHex({ tracker: leaf.tracker, category: ballot.category_id, nominee: ballot.nominee_id }),
      );
    }
    for (const { batch } of checkpoints) {
      const group = leaves.filter((l) => l.batch === batch).map((l) => l.tracker);
      expect(group).toEqual([...group].sort());
    }
    const hashes = leaves.map((l) => hexToBytes(l.hash));
    for (const c of checkpoints) expect(await merkleRootHex(hashes.slice(0, c.treeSize))).toBe(c.root);
    expect(await merkleRootHex(hashes)).toBe(closing.root);

    const figures = {
      database: laurel.databaseUrl.startsWith('postgres') ? 'postgres' : 'sqlite',
      voters: VOTERS,
      ballotsPossible: tasks.length,
      loadMs,
      acknowledgedBeforeKill: acknowledged.length,
      repeatsSent: tasks.filter((t) => t.sent > 1).length,
      inFlightAtKill,
      cutOffByKill: cutOff.length,
      cutOffThatHadLanded: landedUnanswered,
      recoveredAcknowledged: acknowledged.filter((t) => byTracker.has(t.acknowledged!.tracker)).length,
      lost: acknowledged.filter((t) => !byTracker.has(t.acknowledged!.tracker)).length,
      duplicates: ballots.length - byTracker.size + (leaves.length - new Set(leaves.map((l) => l.tracker)).size),
      checkpointsDuringLoad,
      firstStartMs,
      restartMs,
      ballotsAtClose: ballots.length,
    };
    console.log(`durability figures: ${JSON.stringify(figures)}`);
  }, 240_000);
});
