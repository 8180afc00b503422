import { describe, it, expect } from 'vitest';
import { createHash, createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { bytesToHex, canonicalJson, hexToBytes } from '../src/audit/canonical';
import {
  MerkleLog,
  consistencyProof,
  consistencyProofFromNodes,
  emptyRoot,
  frontierPositions,
  inclusionProof,
  inclusionProofFromNodes,
  leafCanonical,
  leafHash,
  leafHashHex,
  merkleRoot,
  merkleRootHex,
  nodeHash,
  rootFromNodes,
  sortByTracker,
  subtreeNodesToStore,
  useDigest,
  verifyConsistency,
  verifyInclusion,
} from '../src/audit/merkle';
import type { BallotLeaf, GetNode, MerkleNode } from '../src/audit/merkle';
import {
  base32,
  formatReceipt,
  importReceiptKey,
  isTracker,
  parseReceipt,
  randomReceipt,
  receiptBytesHex,
  receiptFromKey,
  trackerOf,
} from '../src/audit/receipts';

type Vectors = {
  version: number;
  receipts: {
    name: string;
    key: string;
    personKey: string;
    category: string;
    nonce: string;
    bytes: string;
    canonical: string;
    receipt: string;
    tracker: string;
  }[];
  receiptParsing: { input: string; canonical: string | null }[];
  leaves: { name: string; leaf: BallotLeaf; canonical: string; leafHash: string }[];
  trees: {
    leaves: { leaf: BallotLeaf; leafHash: string }[];
    roots: { size: number; root: string }[];
    inclusion: { treeSize: number; leafIndex: number; leafHash: string; path: string[]; root: string }[];
    consistency: { first: number; second: number; path: string[]; firstRoot: string; secondRoot: string }[];
  };
  checkpoints: {
    batches: { leaves: BallotLeaf[] }[];
    events: { type: string; payload: Record<string, unknown> }[];
    consistency: { first: number; second: number; path: string[]; firstRoot: string; secondRoot: string }[];
  };
};

const vectors = JSON.parse(readFileSync(new URL('../docs/audit-vectors.json', import.meta.url), 'utf8')) as Vectors;

const sha = (...chunks: (Uint8Array | string)[]) => {
  const h = createHash('sha256');
  for (const c of chunks) h.update(c);
  return new Uint8Array(h.digest());
};

/** A leaf hash over raw bytes, as RFC 6962/9162 define it (for the CT reference data). */
const rawLeaf = (hex: string) => sha(Uint8Array.of(0), Buffer.from(hex, 'hex'));

/** Deterministic distinct leaf hashes for property tests. */
const leaves = (n: number) => Array.from({ length: n }, (_, i) => sha(Uint8Array.of(0), `leaf ${i}`));

/** A node-hash reference independent of src: MTH by the RFC's definition, synchronous, with node:crypto. */
function refMth(d: Uint8Array[]): Uint8Array {
  if (d.length === 0) return sha(new Uint8Array(0));
  if (d.length === 1) return d[0]!;
  let k = 1;
  while (k * 2 < d.length) k *= 2;
  return sha(Uint8Array.of(1), refMth(d.slice(0, k)), refMth(d.slice(k)));
}

/** A node store filled by MerkleLog appends in uneven batches; getNode refuses nodes outside the first `limit`. */
async function storeOf(all: Uint8Array[]) {
  const store = new Map<string, Uint8Array>();
  const log = new MerkleLog();
  const batchSizes = [1, 2, 3, 1, 5, 8, 1, 13, 4, 7, 0, 9, 2];
  let at = 0;
  for (let i = 0; at < all.length; i++) {
    const size = Math.min(batchSizes[i % batchSizes.length]!, all.length - at);
    const nodes = await log.append(all.slice(at, at + size));
    for (const node of nodes) {
      const key = `${node.level}:${node.index}`;
      expect(store.has(key), `node ${key} completed twice`).toBe(false);
      store.set(key, node.hash);
    }
    at += size;
  }
  /** A reader of the nodes of the first `limit` leaves that counts its reads. */
  const counted = (limit: number) => {
    let reads = 0;
    const get: GetNode = async (level, index) => {
      reads++;
      if ((index + 1) * 2 ** level > limit) throw new Error(`node ${level}:${index} is outside a tree of ${limit}`);
      const hash = store.get(`${level}:${index}`);
      if (!hash) throw new Error(`node ${level}:${index} not stored`);
      return hash;
    };
    return { get, reads: () => reads };
  };
  return { store, log, counted, getter: (limit: number) => counted(limit).get };
}

const ceilLog2 = (n: number) => (n <= 1 ? 0 : Math.ceil(Math.log2(n)));

function flip(hex: string): string {
  const last = parseInt(hex.slice(-1), 16);
  return hex.slice(0, -1) + ((last + 1) % 16).toString(16);
}

describe('Merkle tree hash (RFC 9162 2.1.1)', () => {
  it('empty tree is SHA-256 of the empty string', async () => {
    const expected = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
    expect(bytesToHex(await merkleRoot([]))).toBe(expected);
    expect(bytesToHex(await emptyRoot())).toBe(expected);
    expect(bytesToHex(await new MerkleLog().root())).toBe(expected);
  });

  it('matches the RFC 6962 reference data of Certificate Transparency (sizes 1 to 8)', async () => {
    // The eight leaf inputs and tree heads used by the CT implementations' tests (e.g. Chromium, certificate-transparency-go).
    const inputs = ['', '00', '10', '2021', '3031', '40414243', '5051525354555657', '606162636465666768696a6b6c6d6e6f'];
    const roots = [
      '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
      'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
      'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
      '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
      '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
      'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
      '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
    ];
    const d = inputs.map(rawLeaf);
    for (let n = 1; n <= 8; n++) expect(await merkleRootHex(d.slice(0, n))).toBe(roots[n - 1]);
  });

  it('equals an independent recursive MTH, and the incremental log, for sizes 0 to 70', async () => {
    const all = leaves(70);
    const log = new MerkleLog();
    for (let n = 0; n <= 70; n++) {
      const expected = bytesToHex(refMth(all.slice(0, n)));
      expect(await merkleRootHex(all.slice(0, n))).toBe(expected);
      expect(bytesToHex(await log.root())).toBe(expected);
      expect(log.size).toBe(n);
      expect(log.frontier.length).toBe(frontierPositions(n).length);
      if (n < 70) await log.append([all[n]!]);
    }
  });

  it('node hash is SHA-256(0x01 || left || right) and a one-leaf tree is its leaf', async () => {
    const [a, b] = leaves(2) as [Uint8Array, Uint8Array];
    expect(await nodeHash(a, b)).toEqual(sha(Uint8Array.of(1), a, b));
    expect(await merkleRoot([a])).toEqual(a);
    expect(await merkleRoot([a, b])).toEqual(sha(Uint8Array.of(1), a, b));
  });

  it('refuses leaf hashes that are not 32 bytes', () => {
    expect(() => merkleRoot([new Uint8Array(31)])).toThrow(TypeError);
  });
});

describe('the digest behind the tree', () => {
  it('node:crypto (what Node installs) and WebCrypto give the same leaves, roots and stored nodes', async () => {
    const leaves: BallotLeaf[] = Array.from({ length: 37 }, (_, i) => ({
      tracker: createHash('sha256').update(`d${i}`).digest('hex'),
      category: `c${i % 3}`,
      nominee: `n${i % 5}`,
    }));
    const build = async () => {
      const hashes = await Promise.all(leaves.map((l) => leafHash(l)));
      const log = new MerkleLog();
      const nodes = [...(await log.append(hashes.slice(0, 20))), ...(await log.append(hashes.slice(20)))];
      return {
        root: bytesToHex(await log.root()),
        nodes: nodes.map((n) => `${n.level}/${n.index}/${bytesToHex(n.hash)}`),
      };
    };
    try {
      useDigest(undefined);
      const web = await build();
      useDigest((data) => createHash('sha256').update(data).digest());
      const node = await build();
      expect(node).toEqual(web);
      expect(node.root).toBe(await merkleRootHex(await Promise.all(leaves.map((l) => leafHash(l)))));
    } finally {
      useDigest(undefined);
    }
  });
});

describe('leaves', () => {
  it('writes the leaf text exactly as canonical JSON does, for any category and nominee text', () => {
    const tracker = 'ab'.repeat(32);
    for (const text of [
      'best-mentor',
      'Мыкты ментор',
      'a"b\\c',
      'tab\there\nnew',
      '\u0001\u001f\u007f',
      '😀 𝄞',
      'ü\u2028\u2029',
    ]) {
      const leaf = { tracker, category: text, nominee: `n-${text}` };
      expect(leafCanonical(leaf)).toBe(canonicalJson(leaf));
    }
  });

  const tracker = 'ab'.repeat(32);

  it('hashes 0x00 || canonical JSON of exactly {category, nominee, tracker}', async () => {
    const leaf = { tracker, category: 'best-mentor', nominee: 'n_0123456789abcdef' };
    const canonical = `{"category":"best-mentor","nominee":"n_0123456789abcdef","tracker":"${tracker}"}`;
    expect(leafCanonical(leaf)).toBe(canonical);
    expect(await leafHash(leaf)).toEqual(sha(Uint8Array.of(0), canonical));
    expect(await leafHashHex({ ...leaf, extra: 1 } as BallotLeaf)).toBe(bytesToHex(sha(Uint8Array.of(0), canonical)));
  });

  it.each<[string, Partial<BallotLeaf>]>([
    ['uppercase tracker', { tracker: 'AB'.repeat(32) }],
    ['short tracker', { tracker: 'ab' }],
    ['empty category', { category: '' }],
    ['number nominee', { nominee: 7 as unknown as string }],
    ['category with a lone surrogate', { category: 'c\ud800' }],
    ['nominee with a lone low surrogate', { nominee: '\udc00n' }],
  ])('refuses a %s', (_name, change) => {
    expect(() => leafCanonical({ tracker, category: 'c', nominee: 'n', ...change })).toThrow(TypeError);
  });

  it('sorts a batch by tracker', () => {
    const batch = [{ tracker: 'b'.repeat(64) }, { tracker: '0'.repeat(64) }, { tracker: 'a'.repeat(64) }];
    expect(sortByTracker(batch).map((b) => b.tracker[0])).toEqual(['0', 'a', 'b']);
    expect(batch[0]!.tracker[0]).toBe('b'); // not sorted in place
  });
});

describe('proofs (RFC 9162 2.1.3 and 2.1.4)', () => {
  const N = 70;
  const all = leaves(N);

  it('every inclusion proof verifies, and node-based proofs equal direct ones, for sizes 1..70', async () => {
    const { getter, counted } = await storeOf(all);
    for (let n = 1; n <= N; n++) {
      const d = all.slice(0, n);
      const root = await merkleRoot(d);
      expect(await rootFromNodes(getter(n), n)).toEqual(root);
      const indices = Array.from({ length: n }, (_, i) => i);
      await Promise.all(
        indices.map(async (i) => {
          const direct = await inclusionProof(d, i);
          const reader = counted(n);
          const fromNodes = await inclusionProofFromNodes(reader.get, i, n);
          expect(reader.reads()).toBeLessThanOrEqual(2 * ceilLog2(n));
          expect(fromNodes, `inclusion ${i} of ${n}`).toEqual(direct);
          expect(direct.length).toBeLessThanOrEqual(ceilLog2(n));
          expect(await verifyInclusion(d[i]!, i, n, direct, root), `verify ${i} of ${n}`).toBe(true);
          expect(await verifyInclusion(bytesToHex(d[i]!), i, n, direct, bytesToHex(root))).toBe(true);
        }),
      );
    }
  });

  it('every consistency proof verifies, and node-based proofs equal direct ones, for 0 <= m <= n <= 70', async () => {
    const { counted } = await storeOf(all);
    const roots = await Promise.all(Array.from({ length: N + 1 }, (_, n) => merkleRoot(all.slice(0, n))));
    for (let n = 1; n <= N; n++) {
      const d = all.slice(0, n);
      const sizes = Array.from({ length: n + 1 }, (_, m) => m);
      await Promise.all(
        sizes.map(async (m) => {
          const direct = await consistencyProof(d, m);
          const reader = counted(n);
          const fromNodes = await consistencyProofFromNodes(reader.get, m, n);
          expect(reader.reads()).toBeLessThanOrEqual(2 * ceilLog2(n) + 1);
          expect(fromNodes, `consistency ${m} to ${n}`).toEqual(direct);
          if (m === 0 || m === n) expect(direct).toEqual([]);
          expect(await verifyConsistency(m, n, roots[m]!, roots[n]!, direct), `verify ${m} to ${n}`).toBe(true);
        }),
      );
    }
  });

  it('stores each perfect subtree exactly once with the right hash', async () => {
    const { store } = await storeOf(all);
    // 70 leaves: 70 + 35 + 17 + 8 + 4 + 2 + 1 perfect nodes.
    expect(store.size).toBe(70 + 35 + 17 + 8 + 4 + 2 + 1);
    for (const [key, hash] of store) {
      const [level, index] = key.split(':').map(Number) as [number, number];
      const width = 2 ** level;
      expect(hash).toEqual(refMth(all.slice(index * width, (index + 1) * width)));
    }
  });

  it('subtreeNodesToStore continues from a frontier loaded from storage', async () => {
    const { getter } = await storeOf(all.slice(0, 45));
    const log = await MerkleLog.load(45, getter(45));
    const nodes: MerkleNode[] = await log.append(all.slice(45, 70));
    expect(bytesToHex(await log.root())).toBe(bytesToHex(refMth(all)));
    // Level-0 nodes are the appended leaves; the rest are inner nodes completed by the append.
    expect(nodes.filter((n) => n.level === 0).map((n) => n.index)).toEqual(
      Array.from({ length: 25 }, (_, i) => 45 + i),
    );
    expect(nodes.find((n) => n.level === 6)).toMatchObject({ index: 0 }); // leaves 0..63 completed
    const direct = await subtreeNodesToStore(45, all.slice(45, 70), (await MerkleLog.load(45, getter(45))).frontier);
    expect(direct.nodes).toEqual(nodes);
    expect(() => new MerkleLog(45, [])).toThrow(RangeError);
    await expect(subtreeNodesToStore(3, [], [])).rejects.toThrow(RangeError);
  });

  it('refuses out-of-range requests', async () => {
    await expect(inclusionProof(all.slice(0, 5), 5)).rejects.toThrow(RangeError);
    await expect(inclusionProof([], 0)).rejects.toThrow(RangeError);
    await expect(consistencyProof(all.slice(0, 5), 6)).rejects.toThrow(RangeError);
    const { getter } = await storeOf(all.slice(0, 8));
    await expect(inclusionProofFromNodes(getter(8), 8, 8)).rejects.toThrow(RangeError);
    await expect(consistencyProofFromNodes(getter(8), 5, 4)).rejects.toThrow(RangeError);
  });

  describe('tampered proofs are refused', () => {
    it('inclusion: wrong index, wrong size, changed or swapped or missing or extra sibling, wrong root or leaf', async () => {
      const roots = await Promise.all(Array.from({ length: 35 }, (_, n) => merkleRootHex(all.slice(0, n))));
      for (let n = 1; n <= 33; n++) {
        const d = all.slice(0, n);
        const root = roots[n]!;
        for (let i = 0; i < n; i++) {
          const leaf = d[i]!;
          const proof = await inclusionProof(d, i);
          const bad: [string, Promise<boolean>][] = [
            ['wrong root', verifyInclusion(leaf, i, n, proof, flip(root))],
            ['index out of range', verifyInclusion(leaf, n, n, proof, root)],
            ['negative index', verifyInclusion(leaf, -1, n, proof, root)],
            ['extra sibling', verifyInclusion(leaf, i, n, [...proof, root], root)],
            ['uppercase hex', verifyInclusion(leaf, i, n, proof, root.toUpperCase())],
          ];
          if (n > 1) {
            bad.push(['other leaf', verifyInclusion(d[(i + 1) % n]!, i, n, proof, root)]);
            bad.push(['wrong index', verifyInclusion(leaf, (i + 1) % n, n, proof, root)]);
            bad.push(['missing sibling', verifyInclusion(leaf, i, n, proof.slice(0, -1), root)]);
            bad.push(['changed sibling', verifyInclusion(leaf, i, n, [flip(proof[0]!), ...proof.slice(1)], root)]);
          }
          // Another checkpoint's (size, root) pair. (The size alone is not bound by a proof: the path of leaf 0
          // in a tree of 3 also fits size 4 with the root of 3. Sizes and roots come in pairs from checkpoints.)
          if (i < n - 1) bad.push(['smaller tree', verifyInclusion(leaf, i, n - 1, proof, roots[n - 1]!)]);
          bad.push(['larger tree', verifyInclusion(leaf, i, n + 1, proof, roots[n + 1]!)]);
          if (proof.length >= 2) {
            const swapped = [proof[1]!, proof[0]!, ...proof.slice(2)];
            bad.push(['swapped siblings', verifyInclusion(leaf, i, n, swapped, root)]);
          }
          for (const [what, result] of bad) expect(await result, `${what}: leaf ${i} of ${n}`).toBe(false);
        }
      }
    });

    it('consistency: wrong roots, wrong sizes, changed, swapped, missing or extra nodes', async () => {
      const roots = await Promise.all(Array.from({ length: 35 }, (_, n) => merkleRootHex(all.slice(0, n))));
      for (let n = 1; n <= 33; n++) {
        for (let m = 0; m <= n; m++) {
          const proof = await consistencyProof(all.slice(0, n), m);
          const [rm, rn] = [roots[m]!, roots[n]!];
          const bad: [string, Promise<boolean>][] = [
            ['wrong first root', verifyConsistency(m, n, flip(rm), rn, proof)],
            ['extra node', verifyConsistency(m, n, rm, rn, [...proof, rn])],
            ['m > n', verifyConsistency(n + 1, n, roots[n + 1] ?? rn, rn, proof)],
          ];
          // (The empty tree is a prefix of every tree: for m = 0 any second root is consistent.)
          if (m > 0 && m < n) {
            bad.push(['wrong second root', verifyConsistency(m, n, rm, flip(rn), proof)]);
            bad.push(['missing node', verifyConsistency(m, n, rm, rn, proof.slice(0, -1))]);
            bad.push(['changed node', verifyConsistency(m, n, rm, rn, [flip(proof[0]!), ...proof.slice(1)])]);
            bad.push(['roots swapped', verifyConsistency(m, n, rn, rm, proof)]);
            // Another checkpoint's (size, root) pair on either side.
            if (m + 1 < n) bad.push(['later first tree', verifyConsistency(m + 1, n, roots[m + 1]!, rn, proof)]);
            bad.push(['earlier first tree', verifyConsistency(m - 1, n, roots[m - 1]!, rn, proof)]);
            bad.push(['larger second tree', verifyConsistency(m, n + 1, rm, roots[n + 1]!, proof)]);
          }
          if (proof.length >= 2) {
            const swapped = [proof[1]!, proof[0]!, ...proof.slice(2)];
            bad.push(['swapped nodes', verifyConsistency(m, n, rm, rn, swapped)]);
          }
          for (const [what, result] of bad) expect(await result, `${what}: ${m} to ${n}`).toBe(false);
        }
      }
    });

    it('a rewritten leaf breaks consistency with the earlier root', async () => {
      const d = all.slice(0, 20);
      const root8 = await merkleRoot(d.slice(0, 8));
      const forged = [...d];
      forged[3] = sha('forged');
      const forgedRoot = await merkleRoot(forged);
      expect(await verifyConsistency(8, 20, root8, forgedRoot, await consistencyProof(forged, 8))).toBe(false);
      expect(await verifyConsistency(8, 20, root8, await merkleRoot(d), await consistencyProof(d, 8))).toBe(true);
    });

    it('the empty tree is a prefix of every tree, with an empty proof only', async () => {
      const root = await merkleRoot(all.slice(0, 5));
      expect(await verifyConsistency(0, 5, await emptyRoot(), root, [])).toBe(true);
      expect(await verifyConsistency(0, 5, root, root, [])).toBe(false);
      expect(await verifyConsistency(0, 5, await emptyRoot(), root, [bytesToHex(root)])).toBe(false);
      expect(await verifyConsistency(5, 5, root, root, [])).toBe(true);
      expect(await verifyConsistency(5, 5, root, await emptyRoot(), [])).toBe(false);
      expect(await verifyConsistency(2, 5, root, root, [])).toBe(false);
    });
  });
});

describe('receipts and trackers', () => {
  const rawKey = hexToBytes('11'.repeat(32));
  const person = 'aa'.repeat(32);

  it('is HMAC-SHA256 truncated to 20 bytes, base32 lowercase, 8 groups of 4', async () => {
    const receipt = await receiptFromKey(rawKey, person, 'best-mentor', 'nonce-1');
    expect(receipt).toMatch(/^[a-z2-7]{4}(?:-[a-z2-7]{4}){7}$/);
    const mac = createHmac('sha256', Buffer.from(rawKey)).update(`${person}\nbest-mentor\nnonce-1`).digest();
    const canonical = Buffer.from(mac.subarray(0, 20)).toString('hex');
    expect(receiptBytesHex(receipt)).toBe(canonical);
    expect(base32(hexToBytes(canonical))).toBe(receipt.replaceAll('-', ''));
    expect(await trackerOf(receipt)).toBe(bytesToHex(sha(receipt.replaceAll('-', ''))));
  });

  it('RFC 4648 base32 test vectors (lowercase, no padding)', () => {
    const cases: [string, string][] = [
      ['', ''],
      ['f', 'my'],
      ['fo', 'mzxq'],
      ['foo', 'mzxw6'],
      ['foob', 'mzxw6yq'],
      ['fooba', 'mzxw6ytb'],
      ['foobar', 'mzxw6ytboi'],
    ];
    for (const [input, output] of cases) expect(base32(new TextEncoder().encode(input))).toBe(output);
  });

  it('the same nonce gives the same receipt; a CryptoKey and the raw key agree', async () => {
    const a = await receiptFromKey(rawKey, person, 'best-mentor', 'n1');
    const b = await receiptFromKey(rawKey, person, 'best-mentor', 'n1');
    const c = await receiptFromKey(await importReceiptKey(rawKey), person, 'best-mentor', 'n1');
    expect(b).toBe(a);
    expect(c).toBe(a);
  });

  it('a different person, category, nonce or key gives a different receipt', async () => {
    const base = await receiptFromKey(rawKey, person, 'best-mentor', 'n1');
    const others = await Promise.all([
      receiptFromKey(rawKey, 'bb'.repeat(32), 'best-mentor', 'n1'),
      receiptFromKey(rawKey, person, 'best-stem-practice', 'n1'),
      receiptFromKey(rawKey, person, 'best-mentor', 'n2'),
      receiptFromKey(hexToBytes('12'.repeat(32)), person, 'best-mentor', 'n1'),
      // The field boundaries matter: moving text across the separator changes the receipt.
      receiptFromKey(rawKey, person, 'best-mentorn', '1'),
    ]);
    expect(new Set([base, ...others]).size).toBe(6);
  });

  it('refuses empty fields and line feeds in them', async () => {
    await expect(receiptFromKey(rawKey, person, 'best\nmentor', 'n1')).rejects.toThrow(TypeError);
    await expect(receiptFromKey(rawKey, person, 'best-mentor', '')).rejects.toThrow(TypeError);
  });

  it('parses sloppy input: case, spaces, missing or extra dashes', async () => {
    const receipt = await receiptFromKey(rawKey, person, 'best-mentor', 'n1');
    const canonical = receipt.replaceAll('-', '');
    for (const typed of [
      receipt,
      receipt.toUpperCase(),
      canonical,
      canonical.toUpperCase(),
      receipt.replaceAll('-', ' '),
      `  ${receipt.replaceAll('-', ' - ')}\n`,
      receipt.slice(0, 9) + receipt.slice(9).replaceAll('-', ''),
      canonical.match(/.{8}/g)!.join(' '),
    ]) {
      expect(parseReceipt(typed), typed).toBe(canonical);
      expect(await trackerOf(typed)).toBe(await trackerOf(receipt));
    }
    expect(formatReceipt(canonical)).toBe(receipt);
  });

  it('rejects what is not a receipt', async () => {
    const canonical = 'abcdefghijklmnopqrstuvwxyz234567';
    for (const bad of ['', canonical.slice(1), `${canonical}a`, `${canonical.slice(1)}0`, `${canonical.slice(1)}1`]) {
      expect(parseReceipt(bad), bad).toBeNull();
    }
    expect(parseReceipt(`${canonical.slice(0, 31)}_`)).toBeNull();
    expect(() => formatReceipt(canonical.toUpperCase())).toThrow(TypeError);
    await expect(trackerOf('nope')).rejects.toThrow(TypeError);
  });

  it('random receipts are well-formed and distinct; trackers are hashes', async () => {
    const a = randomReceipt();
    const b = randomReceipt();
    expect(parseReceipt(a)).not.toBeNull();
    expect(a).not.toBe(b);
    expect(isTracker(await trackerOf(a))).toBe(true);
    expect(isTracker('AB'.repeat(32))).toBe(false);
  });
});

describe('version 1 vectors (docs/audit-vectors.json)', () => {
  it('receipts and trackers', async () => {
    expect(vectors.receipts.length).toBeGreaterThanOrEqual(3);
    for (const v of vectors.receipts) {
      const receipt = await receiptFromKey(hexToBytes(v.key), v.personKey, v.category, v.nonce);
      expect(receipt, v.name).toBe(v.receipt);
      expect(parseReceipt(receipt)).toBe(v.canonical);
      expect(receiptBytesHex(receipt)).toBe(v.bytes);
      expect(await trackerOf(receipt)).toBe(v.tracker);
    }
  });

  it('receipt parsing', () => {
    for (const v of vectors.receiptParsing) expect(parseReceipt(v.input), v.input).toBe(v.canonical);
  });

  it('leaves', async () => {
    for (const v of vectors.leaves) {
      expect(leafCanonical(v.leaf), v.name).toBe(v.canonical);
      expect(await leafHashHex(v.leaf), v.name).toBe(v.leafHash);
    }
  });

  it('roots, inclusion and consistency proofs', async () => {
    const { trees } = vectors;
    const d = await Promise.all(trees.leaves.map((l) => leafHash(l.leaf)));
    expect(d.map(bytesToHex)).toEqual(trees.leaves.map((l) => l.leafHash));
    expect(trees.roots.map((r) => r.size)).toEqual([0, 1, 2, 3, 4, 5, 7, 8, 16, 17]);
    for (const r of trees.roots) expect(await merkleRootHex(d.slice(0, r.size)), `size ${r.size}`).toBe(r.root);
    for (const p of trees.inclusion) {
      expect(await inclusionProof(d.slice(0, p.treeSize), p.leafIndex)).toEqual(p.path);
      expect(await verifyInclusion(p.leafHash, p.leafIndex, p.treeSize, p.path, p.root)).toBe(true);
    }
    for (const p of trees.consistency) {
      expect(await consistencyProof(d.slice(0, p.second), p.first)).toEqual(p.path);
      expect(await verifyConsistency(p.first, p.second, p.firstRoot, p.secondRoot, p.path)).toBe(true);
    }
  });

  it('checkpoints: sorted batches, sizes, roots, and each extends the last', async () => {
    const { checkpoints } = vectors;
    const log = new MerkleLog();
    let previous = { size: 0, root: bytesToHex(await emptyRoot()) };
    for (const [i, batch] of checkpoints.batches.entries()) {
      const event = checkpoints.events[i]!;
      expect(event.type).toBe('ballots.checkpoint');
      expect(batch.leaves).toEqual(sortByTracker(batch.leaves));
      await log.append(await Promise.all(batch.leaves.map(leafHash)));
      const root = bytesToHex(await log.root());
      expect(event.payload).toMatchObject({ batch: i + 1, treeSize: log.size, root, leaves: batch.leaves.length });
      const proof = checkpoints.consistency[i]!;
      expect(proof).toMatchObject({
        first: previous.size,
        second: log.size,
        firstRoot: previous.root,
        secondRoot: root,
      });
      expect(await verifyConsistency(proof.first, proof.second, proof.firstRoot, proof.secondRoot, proof.path)).toBe(
        true,
      );
      previous = { size: log.size, root };
    }
    expect(checkpoints.events.at(-1)!.payload.closing).toBe(true);
  });
});

describe('scale', () => {
  // Wall-clock figures only, no assertion on time. The default run is small so the suite stays fast; for the full
  // figure run `LAUREL_MERKLE_BENCH=1000000 npx vitest run test/merkle.test.ts -t 'builds a'` (about 90 s on 2 cores).
  const total = Number(process.env.LAUREL_MERKLE_BENCH ?? 20_000);

  it(`builds a ${total}-leaf log incrementally in batches of 1000`, { timeout: 600_000 }, async () => {
    const batch = 1000;
    const log = new MerkleLog();
    let nodes = 0;
    let leafMs = 0;
    let treeMs = 0;
    for (let start = 0; start < total; start += batch) {
      const count = Math.min(batch, total - start);
      let t = performance.now();
      const hashes = await Promise.all(
        Array.from({ length: count }, (_, i) =>
          leafHash({ tracker: (start + i).toString(16).padStart(64, '0'), category: 'best-mentor', nominee: 'n_x' }),
        ),
      );
      leafMs += performance.now() - t;
      t = performance.now();
      nodes += (await log.append(hashes)).length;
      treeMs += performance.now() - t;
    }
    const t = performance.now();
    const root = bytesToHex(await log.root());
    const rootMs = performance.now() - t;
    console.log(
      `merkle scale: ${total} leaves in batches of ${batch}: leaf hashes ${(leafMs / 1000).toFixed(1)} s, ` +
        `appends ${(treeMs / 1000).toFixed(1)} s (${nodes} nodes to store, ` +
        `${((treeMs / Math.ceil(total / batch)) | 0).toString()} ms per batch), ` +
        `root ${rootMs.toFixed(2)} ms: ${root}`,
    );
    expect(log.size).toBe(total);
  });
});
