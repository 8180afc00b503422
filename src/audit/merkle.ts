/**
 * The ballot log of audit format version 1 (docs/audit.md, "Version 1: the ballot log"): an append-only Merkle
 * tree exactly as RFC 9162 section 2.1 defines it (the same tree as RFC 6962), with SHA-256.
 *
 *   leaf hash  = SHA-256(0x00 || UTF-8(canonical JSON of {category, nominee, tracker}))
 *   node hash  = SHA-256(0x01 || left || right)
 *   MTH({})    = SHA-256("")
 *   MTH(D[n])  = node(MTH(D[0:k]), MTH(D[k:n])), k the largest power of two smaller than n
 *
 * Two families of functions:
 *
 * - the reference ones over an array of all leaf hashes ({@link merkleRoot}, {@link inclusionProof},
 *   {@link consistencyProof}), written as the RFC's recursive definitions, O(n) per call;
 * - the ones a server uses for a large log: {@link MerkleLog} keeps the right-edge perfect subtree roots (the
 *   frontier), appends a batch in O(batch + log n) hashes and returns every perfect-subtree node the append
 *   completed, so a database can store them; {@link inclusionProofFromNodes} and {@link consistencyProofFromNodes}
 *   answer proofs from O(log n) stored nodes, combining the right edge's non-perfect subtrees on the fly.
 *
 * The verifiers ({@link verifyInclusion}, {@link verifyConsistency}) are RFC 9162 sections 2.1.3.2 and 2.1.4.2,
 * not recomputations. WebCrypto only, so the module runs on Node 20 and Cloudflare Workers.
 */
import { bytesToHex, concatBytes, hexToBytes, loneSurrogateAt, utf8 } from './canonical';

/** The three fields of a ballot that are hashed into its leaf. */
export type BallotLeaf = { tracker: string; category: string; nominee: string };

/** A perfect-subtree node: the MTH of leaves [index * 2^level, (index + 1) * 2^level). Level 0 is a leaf hash. */
export type MerkleNode = { level: number; index: number; hash: Uint8Array };

/** Reads a stored perfect-subtree node; it must exist (the caller asks only for nodes of a tree it has). */
export type GetNode = (level: number, index: number) => Promise<Uint8Array>;

/** What the API returns for a receipt's inclusion proof. All hashes are lowercase hex. */
export type InclusionProof = { treeSize: number; leafIndex: number; path: string[]; root: string };

/** What the API returns for a consistency proof between two checkpoints. All hashes are lowercase hex. */
export type ConsistencyProof = { first: number; second: number; path: string[]; firstRoot: string; secondRoot: string };

const TRACKER = /^[0-9a-f]{64}$/;
const HASH_HEX = /^[0-9a-f]{64}$/;
const LEAF_PREFIX = new Uint8Array([0]);
const NODE_PREFIX = new Uint8Array([1]);

/** A SHA-256 implementation: WebCrypto's by default (Workers and Node alike). */
export type Digest = (data: Uint8Array) => Uint8Array | Promise<Uint8Array>;

const webDigest: Digest = async (data) => {
  const input: Uint8Array<ArrayBuffer> =
    data.buffer instanceof ArrayBuffer ? (data as Uint8Array<ArrayBuffer>) : new Uint8Array(data);
  return new Uint8Array(await globalThis.crypto.subtle.digest('SHA-256', input));
};
let digest: Digest = webDigest;

/**
 * Replaces the SHA-256 the tree uses. Node installs node:crypto's synchronous hash (src/runtime/crypto.ts): each
 * WebCrypto digest is a round trip to the thread pool, and a million-leaf log needs two million of them (about 90 s
 * against 2 s; docs/performance.md). The bytes are the same, which test/merkle.test.ts checks both ways.
 */
export function useDigest(next: Digest | undefined): void {
  digest = next ?? webDigest;
}

async function sha256(data: Uint8Array): Promise<Uint8Array> {
  return digest(data);
}

/** SHA-256 of the empty string: the root of the empty tree. */
export function emptyRoot(): Promise<Uint8Array> {
  return sha256(new Uint8Array(0));
}

/** SHA-256(0x01 || left || right). */
export function nodeHash(left: Uint8Array, right: Uint8Array): Promise<Uint8Array> {
  return sha256(concatBytes(NODE_PREFIX, left, right));
}

/**
 * The canonical JSON hashed into a ballot's leaf: `{"category":…,"nominee":…,"tracker":…}`. Exactly these three
 * members; the tracker must be 64 lowercase hex digits and category and nominee non-empty strings.
 */
export function leafCanonical(leaf: BallotLeaf): string {
  const { tracker, category, nominee } = leaf;
  if (typeof tracker !== 'string' || !TRACKER.test(tracker)) {
    throw new TypeError('leaf: tracker must be 64 lowercase hex digits');
  }
  if (typeof category !== 'string' || category === '') throw new TypeError('leaf: category must be a string');
  if (typeof nominee !== 'string' || nominee === '') throw new TypeError('leaf: nominee must be a string');
  // Canonical JSON refuses a lone surrogate, and JSON.stringify would write it as an escape instead.
  if (loneSurrogateAt(category) >= 0 || loneSurrogateAt(nominee) >= 0)
    throw new TypeError('leaf: category and nominee must be well-formed Unicode');
  // The canonical JSON of exactly these three members, written out: RFC 8785 serializes a string as
  // JSON.stringify does, and the members in this order are the sorted order. Spelled out because a checkpoint
  // writes a leaf per ballot (docs/performance.md).
  return `{"category":${JSON.stringify(category)},"nominee":${JSON.stringify(nominee)},"tracker":"${tracker}"}`;
}

/** The leaf hash of a ballot: SHA-256(0x00 || UTF-8(leafCanonical(leaf))), 32 bytes. */
export function leafHash(leaf: BallotLeaf): Promise<Uint8Array> {
  return sha256(concatBytes(LEAF_PREFIX, utf8(leafCanonical(leaf))));
}

/** {@link leafHash} as lowercase hex. */
export async function leafHashHex(leaf: BallotLeaf): Promise<string> {
  return bytesToHex(await leafHash(leaf));
}

/** The leaves of one checkpoint in log order: sorted by tracker, ascending (lowercase hex, so byte order). */
export function sortByTracker<T extends { tracker: string }>(ballots: readonly T[]): T[] {
  return [...ballots].sort((a, b) => (a.tracker < b.tracker ? -1 : a.tracker > b.tracker ? 1 : 0));
}

/** The largest power of two strictly smaller than n (n ≥ 2). */
function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** log2(n) when n is a power of two (n ≥ 1), else -1. Arithmetic only: sizes may exceed 2^32. */
function exactLog2(n: number): number {
  let level = 0;
  while (n > 1 && n % 2 === 0) {
    n /= 2;
    level++;
  }
  return n === 1 ? level : -1;
}

function isSize(n: unknown): n is number {
  return typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;
}

function toBytes(hash: Uint8Array | string): Uint8Array | null {
  if (typeof hash === 'string') return HASH_HEX.test(hash) ? hexToBytes(hash) : null;
  return hash instanceof Uint8Array && hash.length === 32 ? hash : null;
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

function checkLeafHashes(leafHashes: readonly Uint8Array[]): void {
  for (const h of leafHashes) {
    if (!(h instanceof Uint8Array) || h.length !== 32) throw new TypeError('merkle: leaf hashes must be 32 bytes');
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Reference functions over all leaf hashes (RFC 9162 2.1.1, 2.1.3.1, 2.1.4.1)
// ---------------------------------------------------------------------------------------------------------------

async function mth(d: readonly Uint8Array[]): Promise<Uint8Array> {
  const n = d.length;
  if (n === 0) return emptyRoot();
  if (n === 1) return d[0]!;
  const k = splitPoint(n);
  const [left, right] = await Promise.all([mth(d.slice(0, k)), mth(d.slice(k))]);
  return nodeHash(left, right);
}

/** MTH over the given leaf hashes (RFC 9162 2.1.1); the empty tree's root is SHA-256(""). */
export function merkleRoot(leafHashes: readonly Uint8Array[]): Promise<Uint8Array> {
  checkLeafHashes(leafHashes);
  return mth(leafHashes);
}

/** {@link merkleRoot} as lowercase hex. */
export async function merkleRootHex(leafHashes: readonly Uint8Array[]): Promise<string> {
  return bytesToHex(await merkleRoot(leafHashes));
}

async function path(m: number, d: readonly Uint8Array[]): Promise<Uint8Array[]> {
  const n = d.length;
  if (n <= 1) return [];
  const k = splitPoint(n);
  if (m < k) return [...(await path(m, d.slice(0, k))), await mth(d.slice(k))];
  return [...(await path(m - k, d.slice(k))), await mth(d.slice(0, k))];
}

/**
 * The inclusion proof (audit path, RFC 9162 2.1.3.1) of leaf `index` in the tree of all `leafHashes`: lowercase
 * hex, from the leaf's sibling up to the root's child. Throws when index is not in [0, n).
 */
export async function inclusionProof(leafHashes: readonly Uint8Array[], index: number): Promise<string[]> {
  checkLeafHashes(leafHashes);
  if (!isSize(index) || index >= leafHashes.length) throw new RangeError('inclusionProof: index out of range');
  return (await path(index, leafHashes)).map(bytesToHex);
}

async function subproof(m: number, d: readonly Uint8Array[], b: boolean): Promise<Uint8Array[]> {
  const n = d.length;
  if (m === n) return b ? [] : [await mth(d)];
  const k = splitPoint(n);
  if (m <= k) return [...(await subproof(m, d.slice(0, k), b)), await mth(d.slice(k))];
  return [...(await subproof(m - k, d.slice(k), false)), await mth(d.slice(0, k))];
}

/**
 * The consistency proof (RFC 9162 2.1.4.1) that the tree of the first m leaves is a prefix of the tree of all n =
 * leafHashes.length leaves, as lowercase hex. For m = 0 and m = n the proof is empty (see {@link verifyConsistency}).
 * Throws when m is not in [0, n].
 */
export async function consistencyProof(leafHashes: readonly Uint8Array[], m: number): Promise<string[]> {
  checkLeafHashes(leafHashes);
  if (!isSize(m) || m > leafHashes.length) throw new RangeError('consistencyProof: m out of range');
  if (m === 0 || m === leafHashes.length) return [];
  return (await subproof(m, leafHashes, true)).map(bytesToHex);
}

// ---------------------------------------------------------------------------------------------------------------
// Verification (RFC 9162 2.1.3.2 and 2.1.4.2)
// ---------------------------------------------------------------------------------------------------------------

function proofBytes(proof: readonly string[]): Uint8Array[] | null {
  if (!Array.isArray(proof)) return null;
  const out: Uint8Array[] = [];
  for (const p of proof) {
    if (typeof p !== 'string' || !HASH_HEX.test(p)) return null;
    out.push(hexToBytes(p));
  }
  return out;
}

/**
 * RFC 9162 2.1.3.2: true when `proof` shows the leaf with hash `leafHash` at `index` in the tree of `treeSize`
 * leaves whose root is `root`. Hashes are 32 bytes or 64 lowercase hex digits; anything malformed is false.
 */
export async function verifyInclusion(
  leafHash: Uint8Array | string,
  index: number,
  treeSize: number,
  proof: readonly string[],
  root: Uint8Array | string,
): Promise<boolean> {
  const leaf = toBytes(leafHash);
  const expected = toBytes(root);
  const p = proofBytes(proof);
  if (!leaf || !expected || !p || !isSize(index) || !isSize(treeSize)) return false;
  if (index >= treeSize) return false;
  // fn, sn may exceed 2^32: use arithmetic, not bitwise operators.
  let fn = index;
  let sn = treeSize - 1;
  let r = leaf;
  for (const c of p) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      r = await nodeHash(c, r);
      // If LSB(fn) is not set, shift both right until LSB(fn) is set or fn is 0.
      while (fn % 2 === 0 && fn !== 0) {
        fn = Math.floor(fn / 2);
        sn = Math.floor(sn / 2);
      }
    } else {
      r = await nodeHash(r, c);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && equalBytes(r, expected);
}

/**
 * RFC 9162 2.1.4.2: true when `proof` shows that the tree of `m` leaves with root `rootM` is a prefix of the tree
 * of `n` leaves with root `rootN`. Laurel's edge cases, outside the RFC's 0 < m < n: for m = n the proof must be
 * empty and the roots equal; for m = 0 the proof must be empty and rootM the empty tree's root (SHA-256 of the empty
 * string). m > n, malformed hashes or sizes are false.
 */
export async function verifyConsistency(
  m: number,
  n: number,
  rootM: Uint8Array | string,
  rootN: Uint8Array | string,
  proof: readonly string[],
): Promise<boolean> {
  const first = toBytes(rootM);
  const second = toBytes(rootN);
  const p = proofBytes(proof);
  if (!first || !second || !p || !isSize(m) || !isSize(n) || m > n) return false;
  if (m === 0) return p.length === 0 && equalBytes(first, await emptyRoot());
  if (m === n) return p.length === 0 && equalBytes(first, second);
  // 1. An empty path fails.
  if (p.length === 0) return false;
  // 2. If m is an exact power of two, prepend first_hash.
  if (exactLog2(m) >= 0) p.unshift(first);
  // 3.
  let fn = m - 1;
  let sn = n - 1;
  // 4. While LSB(fn) is set, shift both right.
  while (fn % 2 === 1) {
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  // 5.
  let fr = p[0]!;
  let sr = p[0]!;
  // 6.
  for (const c of p.slice(1)) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      fr = await nodeHash(c, fr);
      sr = await nodeHash(c, sr);
      while (fn % 2 === 0 && fn !== 0) {
        fn = Math.floor(fn / 2);
        sn = Math.floor(sn / 2);
      }
    } else {
      sr = await nodeHash(sr, c);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  // 7.
  return sn === 0 && equalBytes(fr, first) && equalBytes(sr, second);
}

// ---------------------------------------------------------------------------------------------------------------
// The incremental log: frontier, stored nodes, proofs from stored nodes
// ---------------------------------------------------------------------------------------------------------------

/**
 * Where the frontier of a tree of `size` leaves lies: one perfect subtree per set bit of `size`, from the left
 * (the largest) to the right (the smallest). These are the nodes a {@link MerkleLog} must load to continue a log.
 */
export function frontierPositions(size: number): { level: number; index: number }[] {
  if (!isSize(size)) throw new RangeError('frontierPositions: bad size');
  const out: { level: number; index: number }[] = [];
  let start = 0;
  for (let level = 52; level >= 0; level--) {
    const width = 2 ** level;
    if (size - start >= width) {
      out.push({ level, index: start / width });
      start += width;
    }
  }
  return out;
}

/** The root of a tree from its frontier (left to right): fold from the right with the node hash. */
async function rootOfFrontier(frontier: readonly Uint8Array[]): Promise<Uint8Array> {
  if (frontier.length === 0) return emptyRoot();
  let r = frontier[frontier.length - 1]!;
  for (let i = frontier.length - 2; i >= 0; i--) r = await nodeHash(frontier[i]!, r);
  return r;
}

/**
 * Appends `newLeafHashes` to a tree of `startIndex` leaves whose frontier (left to right, see
 * {@link frontierPositions}) is `frontier`. Returns every perfect-subtree node the append completed — the new
 * leaves themselves at level 0 and each new inner node, ordered by level then index — and the new frontier. This
 * costs about 2 × batch + log n hashes; the hashes of one level are computed concurrently.
 */
export async function subtreeNodesToStore(
  startIndex: number,
  newLeafHashes: readonly Uint8Array[],
  frontier: readonly Uint8Array[],
): Promise<{ nodes: MerkleNode[]; frontier: Uint8Array[] }> {
  if (!isSize(startIndex)) throw new RangeError('subtreeNodesToStore: bad start index');
  checkLeafHashes(newLeafHashes);
  const positions = frontierPositions(startIndex);
  if (frontier.length !== positions.length) {
    throw new RangeError(`subtreeNodesToStore: a tree of ${startIndex} leaves has ${positions.length} frontier nodes`);
  }
  const end = startIndex + newLeafHashes.length;
  if (!Number.isSafeInteger(end)) throw new RangeError('subtreeNodesToStore: tree too large');
  // The old frontier node at each level, if any: its index is floor(start / 2^level) - 1.
  const oldAt = new Map<number, Uint8Array>();
  positions.forEach((p, i) => oldAt.set(p.level, frontier[i]!));

  const nodes: MerkleNode[] = [];
  const newFrontier = new Map<number, Uint8Array>();
  // Level L: the new nodes are indices [lo, hi) with lo = floor(start / 2^L), hi = floor(end / 2^L).
  let level = 0;
  let lo = startIndex;
  let hi = end;
  let current: Uint8Array[] = [...newLeafHashes];
  for (;;) {
    for (let i = 0; i < current.length; i++) nodes.push({ level, index: lo + i, hash: current[i]! });
    // The rightmost complete node at this level belongs to the frontier when hi is odd.
    if (hi % 2 === 1) newFrontier.set(level, hi > lo ? current[current.length - 1]! : oldAt.get(level)!);
    if (hi <= 1) break; // no higher level holds a complete node
    const nextLo = Math.floor(lo / 2);
    const nextHi = Math.floor(hi / 2);
    const node = (index: number): Uint8Array => (index >= lo ? current[index - lo]! : oldAt.get(level)!);
    const pairs: Promise<Uint8Array>[] = [];
    for (let j = nextLo; j < nextHi; j++) pairs.push(nodeHash(node(2 * j), node(2 * j + 1)));
    current = await Promise.all(pairs);
    level++;
    lo = nextLo;
    hi = nextHi;
  }
  const ordered = frontierPositions(end).map((p) => newFrontier.get(p.level)!);
  return { nodes, frontier: ordered };
}

/**
 * An append-only Merkle log that keeps only its frontier (the right-edge perfect subtree roots, at most 53 hashes).
 * `append` costs O(batch + log n) hashes and returns the nodes to store; `root` costs O(log n).
 */
export class MerkleLog {
  #size: number;
  #frontier: Uint8Array[];

  /** A log of `size` leaves continued from its frontier (left to right); the empty log by default. */
  constructor(size = 0, frontier: readonly Uint8Array[] = []) {
    if (!isSize(size)) throw new RangeError('MerkleLog: bad size');
    if (frontier.length !== frontierPositions(size).length) {
      throw new RangeError(`MerkleLog: a tree of ${size} leaves has ${frontierPositions(size).length} frontier nodes`);
    }
    checkLeafHashes(frontier);
    this.#size = size;
    this.#frontier = [...frontier];
  }

  /** A log of `size` leaves, reading its frontier nodes from storage. */
  static async load(size: number, getNode: GetNode): Promise<MerkleLog> {
    const frontier = await Promise.all(frontierPositions(size).map((p) => getNode(p.level, p.index)));
    return new MerkleLog(size, frontier);
  }

  /** The number of leaves. */
  get size(): number {
    return this.#size;
  }

  /** The frontier, left to right (a copy). */
  get frontier(): Uint8Array[] {
    return [...this.#frontier];
  }

  /** Appends leaf hashes in order; returns every perfect-subtree node completed (see {@link subtreeNodesToStore}). */
  async append(leafHashes: readonly Uint8Array[]): Promise<MerkleNode[]> {
    const { nodes, frontier } = await subtreeNodesToStore(this.#size, leafHashes, this.#frontier);
    this.#size += leafHashes.length;
    this.#frontier = frontier;
    return nodes;
  }

  /** The current root (MTH of all leaves). */
  root(): Promise<Uint8Array> {
    return rootOfFrontier(this.#frontier);
  }
}

/**
 * MTH(D[start:end]) from stored perfect-subtree nodes. `start` is a multiple of the largest power of two ≤ the
 * range's size (true of every subtree in the RFC's recursion); a perfect range is one stored node, a right-edge
 * range is combined from its perfect parts (at most log n reads).
 */
async function rangeHash(getNode: GetNode, start: number, end: number): Promise<Uint8Array> {
  const size = end - start;
  if (size === 0) return emptyRoot();
  const level = exactLog2(size);
  if (level >= 0) return getNode(level, start / size);
  const parts: Promise<Uint8Array>[] = [];
  let s = start;
  for (let level = 52; level >= 0; level--) {
    const width = 2 ** level;
    if (end - s >= width) {
      parts.push(getNode(level, s / width));
      s += width;
    }
  }
  return rootOfFrontier(await Promise.all(parts));
}

/** MTH of the first `treeSize` leaves from stored nodes: a past checkpoint's root, O(log n) reads. */
export async function rootFromNodes(getNode: GetNode, treeSize: number): Promise<Uint8Array> {
  if (!isSize(treeSize)) throw new RangeError('rootFromNodes: bad size');
  return rangeHash(getNode, 0, treeSize);
}

/** {@link inclusionProof} of leaf `index` in the tree of `treeSize` leaves, from stored nodes (O(log n) reads). */
export async function inclusionProofFromNodes(getNode: GetNode, index: number, treeSize: number): Promise<string[]> {
  if (!isSize(treeSize) || !isSize(index) || index >= treeSize) {
    throw new RangeError('inclusionProofFromNodes: index out of range');
  }
  // PATH(m, D[start:end]) iteratively: the siblings are collected from the root down, then reversed.
  const siblings: Promise<Uint8Array>[] = [];
  let start = 0;
  let end = treeSize;
  let m = index;
  while (end - start > 1) {
    const k = splitPoint(end - start);
    if (m < k) {
      siblings.push(rangeHash(getNode, start + k, end));
      end = start + k;
    } else {
      siblings.push(rangeHash(getNode, start, start + k));
      start += k;
      m -= k;
    }
  }
  return (await Promise.all(siblings)).reverse().map(bytesToHex);
}

/** {@link consistencyProof} between sizes m and n, from stored nodes (O(log n) reads). Throws unless 0 ≤ m ≤ n. */
export async function consistencyProofFromNodes(getNode: GetNode, m: number, n: number): Promise<string[]> {
  if (!isSize(m) || !isSize(n) || m > n) throw new RangeError('consistencyProofFromNodes: need 0 <= m <= n');
  if (m === 0 || m === n) return [];
  // SUBPROOF(m, D[start:end], b) iteratively, collecting from the root down.
  const out: Promise<Uint8Array>[] = [];
  let start = 0;
  let end = n;
  let mm = m;
  let b = true;
  for (;;) {
    const size = end - start;
    if (mm === size) {
      if (!b) out.push(rangeHash(getNode, start, end));
      break;
    }
    const k = splitPoint(size);
    if (mm <= k) {
      out.push(rangeHash(getNode, start + k, end));
      end = start + k;
    } else {
      out.push(rangeHash(getNode, start, start + k));
      start += k;
      mm -= k;
      b = false;
    }
  }
  return (await Promise.all(out)).reverse().map(bytesToHex);
}

/**
 * The tree of {@link MerkleLog}, built one leaf at a time with a synchronous SHA-256 (node:crypto's on Node), for a
 * verifier that streams a million ballots: no promise, no node list and no allocation per leaf, only the frontier.
 * `sha256Into(data, out, at)` writes SHA-256(data) to out[at, at + 32). `leaf` takes the UTF-8 bytes of a leaf's
 * canonical JSON ({@link leafCanonical}) and hashes them with the leaf prefix; `root` is the MTH of the leaves so
 * far, as {@link MerkleLog.root} gives it.
 */
export function merkleBuilder(sha256Into: (data: Uint8Array, out: Uint8Array, at: number) => void): {
  readonly size: number;
  leaf(canonical: Uint8Array): void;
  root(): Uint8Array;
} {
  // The perfect-subtree roots of the right edge, left (largest) to right, 32 bytes each: one per set bit of size.
  const frontier = new Uint8Array(64 * 32);
  let depth = 0;
  let size = 0;
  let scratch = new Uint8Array(256);
  const pair = new Uint8Array(65);
  pair.set(NODE_PREFIX);
  /** node(left, right) into `out` at `at`, from the 32 bytes at each offset. */
  const node = (left: Uint8Array, l: number, right: Uint8Array, r: number, out: Uint8Array, at: number) => {
    for (let i = 0; i < 32; i++) {
      pair[1 + i] = left[l + i]!;
      pair[33 + i] = right[r + i]!;
    }
    sha256Into(pair, out, at);
  };
  return {
    get size() {
      return size;
    },
    leaf(canonical) {
      if (scratch.length < canonical.length + 1) scratch = new Uint8Array(2 * (canonical.length + 1));
      scratch.set(LEAF_PREFIX);
      scratch.set(canonical, 1);
      sha256Into(scratch.subarray(0, canonical.length + 1), frontier, 32 * depth++);
      size++;
      // Each trailing 1 bit of the old size is a pair of equal subtrees that the new leaf completes.
      for (let s = size; s % 2 === 0; s /= 2, depth--) {
        const left = 32 * (depth - 2);
        node(frontier, left, frontier, left + 32, frontier, left);
      }
    },
    root() {
      const r = new Uint8Array(32);
      if (depth === 0) {
        sha256Into(new Uint8Array(0), r, 0);
        return r;
      }
      r.set(frontier.subarray(32 * (depth - 1), 32 * depth));
      for (let i = depth - 2; i >= 0; i--) node(frontier, 32 * i, r, 0, r, 0);
      return r;
    },
  };
}
