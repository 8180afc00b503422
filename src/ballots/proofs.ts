/** Receipt checks and proofs of the ballot log, answered from stored nodes in O(log n) reads. */
import { consistencyProofFromNodes, inclusionProofFromNodes } from '../audit/merkle';
import { parseReceipt, trackerOf } from '../audit/receipts';
import type { AppDeps } from '../deps';
import { ApiError } from '../errors';
import { lastCheckpoint, nodeReader } from './checkpoint';

export async function checkReceipt(deps: AppDeps, ceremonyId: string, receiptText: string) {
  const receipt = parseReceipt(receiptText);
  if (!receipt)
    throw new ApiError('validation-failed', 'That is not a receipt: 32 letters and digits, in groups of four.', [
      { path: 'path.receipt', message: 'not a receipt' },
    ]);
  const tracker = await trackerOf(receipt);
  const { db } = deps.store;
  const ballot = await db
    .selectFrom('ballots')
    .select(['tracker', 'category_id', 'nominee_id', 'status', 'batch'])
    .where('ceremony_id', '=', ceremonyId)
    .where('tracker', '=', tracker)
    .executeTakeFirst();
  if (!ballot) throw new ApiError('not-found', 'No ballot of this award has that receipt.');
  const base = {
    tracker,
    category: ballot.category_id,
    nominee: ballot.nominee_id,
    status: ballot.status,
    batch: ballot.batch,
  };
  if (ballot.batch === null) return { ...base, proof: null };
  const [leaf, checkpoint] = await Promise.all([
    db
      .selectFrom('log_leaves')
      .select('idx')
      .where('ceremony_id', '=', ceremonyId)
      .where('tracker', '=', tracker)
      .executeTakeFirstOrThrow(),
    lastCheckpoint(deps.store, ceremonyId),
  ]);
  const treeSize = checkpoint!.tree_size;
  const path = await inclusionProofFromNodes(nodeReader(deps.store, ceremonyId), leaf.idx, treeSize);
  return {
    ...base,
    proof: { treeSize, leafIndex: leaf.idx, path, root: checkpoint!.root, checkpoint: checkpoint!.batch },
  };
}

export async function listCheckpoints(deps: AppDeps, ceremonyId: string) {
  const rows = await deps.store.db
    .selectFrom('checkpoints')
    .select(['batch', 'tree_size', 'root', 'closing'])
    .where('ceremony_id', '=', ceremonyId)
    .orderBy('batch')
    .execute();
  return rows.map((r) => ({ batch: r.batch, treeSize: r.tree_size, root: r.root, closing: r.closing === 1 }));
}

export async function consistency(deps: AppDeps, ceremonyId: string, first: number, second: number) {
  const checkpoints = await listCheckpoints(deps, ceremonyId);
  const a = checkpoints.find((c) => c.batch === first);
  const b = checkpoints.find((c) => c.batch === second);
  if (!a || !b || first > second) throw new ApiError('not-found', 'No such pair of checkpoints (first ≤ second).');
  const path = await consistencyProofFromNodes(nodeReader(deps.store, ceremonyId), a.treeSize, b.treeSize);
  return { first: a.treeSize, second: b.treeSize, path, firstRoot: a.root, secondRoot: b.root };
}
