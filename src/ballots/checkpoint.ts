/**
 * Checkpoints of the ballot log (docs/audit.md §12): the ballots recorded since the last checkpoint are appended
 * as leaves sorted by tracker, the new tree size and root go into a `ballots.checkpoint` event, together with the
 * trackers voided, superseded or restored since. All in one atomic batch. Two servers racing for the same
 * checkpoint cannot both land: the event's seq, the checkpoint's primary key and the leaves' UNIQUE tracker
 * refuse the loser, which has nothing left to do.
 */
import { type Compilable, sql } from 'kysely';
import { hexToBytes, bytesToHex } from '../audit/canonical';
import { commitChange } from '../audit/log';
import { MerkleLog, type MerkleNode, leafHash, merkleRoot, sortByTracker } from '../audit/merkle';
import type { Rules } from '../ceremonies/schemas';
import type { AppDeps } from '../deps';
import { ApiError } from '../errors';
import { chunkedInsert, paramsPerStatement } from '../store/chunks';
import { type Store, nextTurn } from '../store/store';

export interface CheckpointResult {
  batch: number;
  treeSize: number;
  root: string;
  leaves: number;
  closing: boolean;
}

export async function lastCheckpoint(store: Store, ceremonyId: string) {
  return store.db
    .selectFrom('checkpoints')
    .selectAll()
    .where('ceremony_id', '=', ceremonyId)
    .orderBy('batch', 'desc')
    .limit(1)
    .executeTakeFirst();
}

/**
 * Tree levels stored in tree_nodes: every eighth (8, 16, 24, …). A node at another level is recomputed from the at
 * most 255 stored nodes below it (leaves for levels 1–7), so a checkpoint stores about n/255 nodes instead of n
 * while a proof still costs O(log n) range reads. Databases written when every level was stored keep working.
 */
export const STORED_LEVEL_STEP = 8;

/** Leaves hashed and appended between two turns of the event loop during a checkpoint. */
const LEAVES_PER_TURN = 250;

export const isStoredLevel = (level: number) => level % STORED_LEVEL_STEP === 0;

/** Reads a node of the log: leaves from log_leaves, every eighth level from tree_nodes, others recomputed. */
export function nodeReader(store: Store, ceremonyId: string) {
  const { db } = store;
  // The `count` nodes at `level` from `first` on, in index order; all must exist.
  const stored = async (level: number, first: number, count: number): Promise<Uint8Array[]> => {
    const rows =
      level === 0
        ? await db
            .selectFrom('log_leaves')
            .select('hash')
            .where('ceremony_id', '=', ceremonyId)
            .where('idx', '>=', first)
            .where('idx', '<', first + count)
            .orderBy('idx')
            .execute()
        : await db
            .selectFrom('tree_nodes')
            .select('hash')
            .where('ceremony_id', '=', ceremonyId)
            .where('level', '=', level)
            .where('idx', '>=', first)
            .where('idx', '<', first + count)
            .orderBy('idx')
            .execute();
    if (rows.length !== count)
      throw new Error(`ballot log nodes ${level}/${first}+${count} of ${ceremonyId} are missing`);
    return rows.map((r) => hexToBytes(r.hash));
  };
  return async (level: number, index: number): Promise<Uint8Array> => {
    const base = level - (level % STORED_LEVEL_STEP);
    const width = 2 ** (level - base);
    // The node is the root of the perfect subtree over those `width` stored nodes.
    return merkleRoot(await stored(base, index * width, width));
  };
}

/**
 * Writes the next checkpoint if there is anything new (or `closing`). Returns it, or null when there was nothing
 * to write or another server wrote it first.
 */
export async function writeCheckpoint(
  deps: AppDeps,
  ceremonyId: string,
  opts: { closing?: boolean; actor?: string } = {},
): Promise<CheckpointResult | null> {
  const { db } = deps.store;
  const last = await lastCheckpoint(deps.store, ceremonyId);
  if (last?.closing) return null;
  const [pending, changes] = await Promise.all([
    db
      .selectFrom('ballots')
      .select(['tracker', 'category_id', 'nominee_id'])
      .where('ceremony_id', '=', ceremonyId)
      .where('batch', 'is', null)
      .execute(),
    db
      .selectFrom('ballot_changes')
      .select(['id', 'tracker', 'change'])
      .where('ceremony_id', '=', ceremonyId)
      .where('batch', 'is', null)
      .execute(),
  ]);
  const closing = !!opts.closing;
  if (!closing && pending.length === 0 && changes.length === 0) return null;

  const batch = (last?.batch ?? 0) + 1;
  const start = last?.tree_size ?? 0;
  await nextTurn();
  const log = await MerkleLog.load(start, nodeReader(deps.store, ceremonyId));
  await nextTurn();
  const sorted = sortByTracker(pending);
  // Hashed and appended a slice at a time, with a turn of the event loop between slices: a thousand leaves at once
  // held the server's thread for up to 24 ms, and more in a busy process (docs/performance.md). Appending in
  // slices completes the same tree nodes as appending all at once.
  const hashes: Uint8Array[] = [];
  const nodes: MerkleNode[] = [];
  for (let i = 0; i < sorted.length; i += LEAVES_PER_TURN) {
    const slice = await Promise.all(
      sorted
        .slice(i, i + LEAVES_PER_TURN)
        .map((b) => leafHash({ tracker: b.tracker, category: b.category_id, nominee: b.nominee_id })),
    );
    hashes.push(...slice);
    nodes.push(...(await log.append(slice)));
    await nextTurn();
  }
  const root = bytesToHex(await log.root());
  const treeSize = log.size;
  const listed = (kind: string) =>
    [...new Set(changes.filter((ch) => ch.change === kind).map((ch) => ch.tracker))].sort();

  const leafRows = sorted.map((b, i) => ({
    ceremony_id: ceremonyId,
    idx: start + i,
    tracker: b.tracker,
    hash: bytesToHex(hashes[i]!),
    batch,
  }));
  const nodeRows = nodes
    .filter((n) => n.level > 0 && isStoredLevel(n.level))
    .map((n) => ({ ceremony_id: ceremonyId, level: n.level, idx: n.index, hash: bytesToHex(n.hash) }));
  await nextTurn();
  const statements: Compilable[] = [
    db
      .insertInto('checkpoints')
      .values({ ceremony_id: ceremonyId, batch, tree_size: treeSize, root, closing: closing ? 1 : 0 }),
    ...chunkedInsert(db, 'log_leaves', leafRows, paramsPerStatement(deps.store.dialect)),
    ...chunkedInsert(db, 'tree_nodes', nodeRows, paramsPerStatement(deps.store.dialect)),
    assignBatch(deps.store, ceremonyId, start, batch),
  ];
  for (let i = 0; i < changes.length; i += 90)
    statements.push(
      db
        .updateTable('ballot_changes')
        .set({ batch })
        .where('ceremony_id', '=', ceremonyId)
        .where(
          'id',
          'in',
          changes.slice(i, i + 90).map((ch) => ch.id),
        ),
    );
  try {
    await commitChange(deps.store, deps.clock, {
      chain: ceremonyId,
      event: {
        actor: opts.actor ?? 'system',
        type: 'ballots.checkpoint',
        payload: {
          batch,
          treeSize,
          root,
          leaves: sorted.length,
          voided: listed('voided'),
          superseded: listed('superseded'),
          restored: listed('restored'),
          ...(closing ? { closing: true } : {}),
        },
      },
      // The log must still end where it was read: no checkpoint written since.
      precondition: sql<boolean>`not exists ${db
        .selectFrom('checkpoints')
        .select(sql`1`.as('one'))
        .where('ceremony_id', '=', ceremonyId)
        .where('batch', '>=', batch)}`,
      refused: () => new ApiError('conflict', 'Another checkpoint was written meanwhile.'),
      changes: statements,
    });
  } catch (err) {
    if (err instanceof ApiError && err.code === 'conflict') return null;
    throw err;
  }
  return { batch, treeSize, root, leaves: sorted.length, closing };
}

/**
 * Sets `batch` on the ballots whose leaves this checkpoint appends, the leaves from `start` on. Their trackers come
 * from a range of log_leaves' primary key, each ballot then found by its own: `batch = ?` in the subquery, or
 * `ceremony_id = ?` out here, would let the planner scan every ballot or leaf of the award at each checkpoint
 * (quadratic over a vote; docs/performance.md). Trackers are unique across awards.
 *
 * On SQLite and D1 the same statement moves these ballots to the end of the table in tracker order (new rowids
 * past the largest): a rowid follows insertion, and the order the ballots arrived in would otherwise stay in the
 * file, lined up with the marks (docs/security.md, "Order of rows"). Afterwards only the batch dates a ballot, and
 * the batch is public. Moving them to the end keeps the work near the pages they were just written to.
 */
function assignBatch(store: Store, ceremonyId: string, start: number, batch: number): Compilable {
  const { db } = store;
  const leaves = db.selectFrom('log_leaves').where('ceremony_id', '=', ceremonyId).where('idx', '>=', start);
  if (store.dialect === 'postgres')
    return db.updateTable('ballots').set({ batch }).where('tracker', 'in', leaves.select('tracker'));
  const query = sql`update ballots set batch = ${batch}, rowid = moved.place from (${leaves.select([
    'tracker',
    sql<number>`(select max(rowid) from ballots) + row_number() over (order by idx)`.as('place'),
  ])}) as moved where ballots.tracker = moved.tracker`.compile(db);
  return { compile: () => query };
}

/** Whether the award's rules call for a checkpoint now: enough new ballots, or enough time since the last. */
export async function checkpointDue(
  deps: AppDeps,
  ceremonyId: string,
  rules: Rules,
  lastAt: number | null,
): Promise<boolean> {
  const row = await deps.store.db
    .selectFrom('ballots')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('ceremony_id', '=', ceremonyId)
    .where('batch', 'is', null)
    .executeTakeFirst();
  const pending = Number(row?.n ?? 0);
  if (pending === 0) return false;
  if (pending >= rules.checkpoints.everyBallots) return true;
  return lastAt === null || deps.clock() - lastAt >= rules.checkpoints.everySeconds * 1000;
}
