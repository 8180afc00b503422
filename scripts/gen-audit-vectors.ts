/**
 * Writes docs/audit-vectors.json, the test vectors of audit formats version 0 and version 1 (the ballot log), from
 * src/audit. Usage: npx tsx scripts/gen-audit-vectors.ts [OUT]
 *
 * Every random value (salts, pseudonyms, ids, keys, nonces) is fixed here so the file is reproducible. After
 * regenerating, check it independently with `python3 tools/audit_vectors.py`. Version 0 is frozen: a changed vector
 * is a bug. Version 1 keys are added after the version 0 ones and do not touch them.
 */
import { writeFileSync } from 'node:fs';
import { CanonicalJsonError, bytesToHex, canonicalJson, hexToBytes, sha256Hex } from '../src/audit/canonical';
import { GENESIS_PREV, commitment, eventCanonical, sealEvent } from '../src/audit/chain';
import type { EventBody } from '../src/audit/chain';
import {
  MerkleLog,
  consistencyProof,
  inclusionProof,
  leafCanonical,
  leafHash,
  leafHashHex,
  merkleRootHex,
  sortByTracker,
} from '../src/audit/merkle';
import type { BallotLeaf } from '../src/audit/merkle';
import { parseReceipt, receiptBytesHex, receiptFromKey, trackerOf } from '../src/audit/receipts';

const out = process.argv[2] ?? 'docs/audit-vectors.json';

/** A fixed stand-in for a random value: SHA-256 of a label. */
const fixedHex = (label: string) => sha256Hex(`laurel audit vectors v0: ${label}`);

/** The same for version 1 values (keys, person keys, nonces, ids). */
const fixedHex1 = (label: string) => sha256Hex(`laurel audit vectors v1: ${label}`);

/** Version 1: receipts, leaves, trees, proofs and checkpoints of the ballot log (docs/audit.md, version 1). */
async function ballotLogVectors() {
  const key = await fixedHex1('award receipt key');
  const receiptInputs = [
    { name: 'ASCII category, hex person key and nonce', category: 'best-mentor', person: 1, nonce: 'nonce 1' },
    { name: 'another category, same person', category: 'best-stem-practice', person: 1, nonce: 'nonce 2' },
    { name: 'same category, another person', category: 'best-mentor', person: 2, nonce: 'nonce 3' },
    { name: 'non-ASCII category id (UTF-8)', category: 'эң-мыкты-насаатчы', person: 3, nonce: 'nonce 4' },
  ];
  const receipts = [];
  for (const r of receiptInputs) {
    const personKey = await fixedHex1(`person ${r.person}`);
    const nonce = (await fixedHex1(r.nonce)).slice(0, 32);
    const receipt = await receiptFromKey(hexToBytes(key), personKey, r.category, nonce);
    receipts.push({
      name: r.name,
      key,
      personKey,
      category: r.category,
      nonce,
      bytes: receiptBytesHex(receipt),
      canonical: parseReceipt(receipt)!,
      receipt,
      tracker: await trackerOf(receipt),
    });
  }
  const example = receipts[0]!.receipt;
  const exampleCanonical = receipts[0]!.canonical;
  const receiptParsing = [
    example,
    example.toUpperCase(),
    exampleCanonical,
    example.replaceAll('-', ' '),
    ` ${exampleCanonical.slice(0, 16).toUpperCase()} - ${exampleCanonical.slice(16)}\n`,
    exampleCanonical.slice(1),
    `${exampleCanonical}a`,
    `${exampleCanonical.slice(0, 31)}0`,
    `${exampleCanonical.slice(0, 31)}1`,
    `${exampleCanonical.slice(0, 31)}=`,
    `${exampleCanonical.slice(0, 16)}_${exampleCanonical.slice(16)}`,
    '',
  ].map((input) => ({ input, canonical: parseReceipt(input) }));

  const nominee = async (i: number) => `n_${(await fixedHex1(`nominee ${i}`)).slice(0, 16)}`;
  const leafInputs: { name: string; leaf: BallotLeaf }[] = [
    {
      name: 'the first receipt vector as a ballot',
      leaf: { tracker: receipts[0]!.tracker, category: 'best-mentor', nominee: await nominee(1) },
    },
    {
      name: 'non-ASCII category id',
      leaf: { tracker: receipts[3]!.tracker, category: 'эң-мыкты-насаатчы', nominee: await nominee(2) },
    },
    {
      name: 'all-zero tracker',
      leaf: { tracker: '0'.repeat(64), category: 'best-stem-practice', nominee: await nominee(3) },
    },
  ];
  const leaves = await Promise.all(
    leafInputs.map(async ({ name, leaf }) => ({
      name,
      leaf,
      canonical: leafCanonical(leaf),
      leafHash: await leafHashHex(leaf),
    })),
  );

  // 17 ballots of an award, in three checkpoints of 5, 3 and 9 ballots, each batch sorted by tracker.
  const categories = ['best-mentor', 'best-stem-practice'];
  const ballots: BallotLeaf[] = [];
  for (let i = 1; i <= 17; i++) {
    const category = categories[i % 2]!;
    const personKey = await fixedHex1(`voter ${i}`);
    const nonce = (await fixedHex1(`ballot nonce ${i}`)).slice(0, 32);
    const receipt = await receiptFromKey(hexToBytes(key), personKey, category, nonce);
    ballots.push({ tracker: await trackerOf(receipt), category, nominee: await nominee(i % 3) });
  }
  const batches = [ballots.slice(0, 5), ballots.slice(5, 8), ballots.slice(8)].map((b) => sortByTracker(b));
  const logLeaves = batches.flat();
  const hashes = await Promise.all(logLeaves.map(leafHash));
  const rootAt = (size: number) => merkleRootHex(hashes.slice(0, size));

  const sizes = [0, 1, 2, 3, 4, 5, 7, 8, 16, 17];
  const roots = [];
  for (const size of sizes) roots.push({ size, root: await rootAt(size) });
  const inclusionCases: [number, number][] = [
    [1, 0],
    [2, 1],
    [5, 4],
    [7, 3],
    [8, 0],
    [16, 9],
    [17, 5],
    [17, 16],
  ];
  const inclusion = [];
  for (const [treeSize, leafIndex] of inclusionCases) {
    inclusion.push({
      treeSize,
      leafIndex,
      leafHash: bytesToHex(hashes[leafIndex]!),
      path: await inclusionProof(hashes.slice(0, treeSize), leafIndex),
      root: await rootAt(treeSize),
    });
  }
  const consistencyCase = async (first: number, second: number) => ({
    first,
    second,
    path: await consistencyProof(hashes.slice(0, second), first),
    firstRoot: await rootAt(first),
    secondRoot: await rootAt(second),
  });
  const consistencyCases: [number, number][] = [
    [1, 2],
    [1, 17],
    [2, 5],
    [3, 7],
    [4, 8],
    [5, 8],
    [7, 16],
    [8, 17],
    [16, 17],
    [0, 5],
    [5, 5],
  ];
  const consistency = [];
  for (const [first, second] of consistencyCases) consistency.push(await consistencyCase(first, second));

  // Checkpoint events: batch 2 voids a batch-1 ballot (its nominee withdrawn) and supersedes another (its voter
  // voted again under last-counts); the closing batch restores the voided one.
  const log = new MerkleLog();
  const events = [];
  const checkpointConsistency = [];
  const changes = [
    { voided: [], superseded: [], restored: [] },
    { voided: [batches[0]![3]!.tracker], superseded: [batches[0]![1]!.tracker], restored: [] },
    { voided: [], superseded: [], restored: [batches[0]![3]!.tracker] },
  ];
  for (const [i, batch] of batches.entries()) {
    const first = log.size;
    await log.append(await Promise.all(batch.map(leafHash)));
    const c = changes[i]!;
    events.push({
      type: 'ballots.checkpoint',
      payload: {
        batch: i + 1,
        treeSize: log.size,
        root: bytesToHex(await log.root()),
        leaves: batch.length,
        voided: [...c.voided].sort(),
        superseded: [...c.superseded].sort(),
        restored: [...c.restored].sort(),
        ...(i === batches.length - 1 ? { closing: true } : {}),
      },
    });
    checkpointConsistency.push(await consistencyCase(first, log.size));
  }

  return {
    ballotLogNote:
      'Version 1 (docs/audit.md, "Version 1: the ballot log"): receipts, receiptParsing, leaves, trees, checkpoints. ' +
      'Keys, person keys, nonces and nominee ids are fixed stand-ins (SHA-256 of labels), not real data.',
    receipts,
    receiptParsing,
    leaves,
    trees: {
      leaves: logLeaves.map((leaf, i) => ({ leaf, leafHash: bytesToHex(hashes[i]!) })),
      roots,
      inclusion,
      consistency,
    },
    checkpoints: {
      batches: batches.map((b) => ({ leaves: b })),
      events,
      consistency: checkpointConsistency,
    },
  };
}

const canonicalInputs: { name: string; input: unknown }[] = [
  {
    name: 'RFC 8785 section 3.2.3 property sorting (UTF-16 code units)',
    input: {
      '\u20ac': 'Euro Sign',
      '\r': 'Carriage Return',
      '\ufb33': 'Hebrew Letter Dalet With Dagesh',
      '1': 'One',
      '\ud83d\ude00': 'Emoji: Grinning Face',
      '\u0080': 'Control',
      '\u00f6': 'Latin Small Letter O With Diaeresis',
    },
  },
  {
    name: 'surrogate pair key sorts before U+E000 and U+FFFF (code unit 0xD83D), unlike code point order',
    input: { '\uffff': 3, '\ue000': 2, '\ud83d\ude00': 1, z: 0 },
  },
  {
    name: 'ASCII key order: uppercase before underscore before lowercase; prefix first',
    input: { b: 1, aa: 2, a: 3, B: 4, _: 5, ab: 6, '~': 7, '': 8, 'a b': 9 },
  },
  {
    name: 'Cyrillic and Kyrgyz keys',
    input: { ү: 'U+04AF', я: 'U+044F', а: 'U+0430', ң: 'U+04A3', ө: 'U+04E9', z: 'ASCII' },
  },
  {
    name: 'RFC 8785 section 3.2.2.2 string example',
    input: '\u20ac$\u000f\u000aA\'\u0042\u0022\u005c\\"/',
  },
  {
    name: 'all C0 controls, DEL, U+2028, U+2029, slash, quote, backslash',
    input: Array.from({ length: 32 }, (_, i) => String.fromCharCode(i)).join('') + '\u007f\u2028\u2029/"\\',
  },
  {
    name: 'non-ASCII text is written as is: Kyrgyz, Russian, emoji with ZWJ, combining mark',
    input: ['Эң мыкты насаатчы', 'Лучший наставник', '👩‍🔬', 'e\u0301', '\u00e9', '\ufeff'],
  },
  {
    name: 'safe integers, booleans, null',
    input: { max: 9007199254740991, min: -9007199254740991, zero: 0, neg: -42, t: true, f: false, n: null },
  },
  { name: 'empty object and array', input: { o: {}, a: [], nested: [[], [{}]] } },
  { name: 'top-level scalars: string', input: '' },
  { name: 'top-level scalars: integer', input: 1700000000000 },
  { name: 'top-level scalars: null', input: null },
  {
    name: 'nested Laurel-like rules object',
    input: {
      categories: [
        { id: 'best-mentor', finalists: { rule: 'top', k: 3 }, weights: { jury: 70, public: 30 } },
        { id: 'best-stem-practice', finalists: { rule: 'organizer' }, weights: { jury: 100, public: 0 } },
      ],
      tieBreak: ['jury', 'public', 'lot'],
      jury: { method: 'rubric', scale: { min: 1, max: 10 }, trim: '1/10' },
      identity: { method: 'email', normalizer: 1 },
    },
  },
];

const rejectInputs: { name: string; input: unknown }[] = [
  { name: 'fractional number', input: { payload: { weights: [70, 30, 0.5] } } },
  { name: 'integer beyond 2^53 - 1', input: { n: 9007199254740992 } },
  { name: 'negative integer beyond -(2^53 - 1)', input: [-9007199254740992] },
  { name: 'tiny fraction', input: { share: 1.5e-7 } },
  { name: 'lone high surrogate in a string', input: { 'first name': 'A\ud800' } },
  { name: 'lone low surrogate in a property name', input: { a: { '\udc00': 1 } } },
  { name: 'surrogates in the wrong order', input: ['ok', '\ude00\ud83d'] },
];

async function main(): Promise<void> {
  const canonical = canonicalInputs.map(({ name, input }) => ({ name, input, canonical: canonicalJson(input) }));
  const canonicalRejects = rejectInputs.map(({ name, input }) => {
    try {
      canonicalJson(input);
    } catch (error) {
      if (error instanceof CanonicalJsonError) return { name, input, path: error.path };
      throw error;
    }
    throw new Error(`expected ${name} to be rejected`);
  });

  const salts = await Promise.all([1, 2, 3, 4, 5, 6].map((i) => fixedHex(`salt ${i}`)));
  const commitmentInputs: { name: string; salt: string; value: string }[] = [
    { name: 'organizer email (ASCII)', salt: salts[0]!, value: 'aigul@example.kg' },
    { name: 'name and address in Cyrillic', salt: salts[1]!, value: 'Айгуль Токтосунова <aigul@example.kg>' },
    { name: 'Kyrgyz letters ң ө ү', salt: salts[2]!, value: 'Үмүт Өмүрбекова, Нарын' },
    { name: 'emoji with ZWJ (4-byte UTF-8)', salt: salts[3]!, value: 'Nurzhan 👩‍🔬' },
    { name: 'empty value', salt: salts[4]!, value: '' },
    { name: 'all-zero salt', salt: '0'.repeat(64), value: 'mentor@yandex.ru' },
  ];
  const commitments = await Promise.all(
    commitmentInputs.map(async (c) => ({ ...c, commitment: await commitment(c.salt, c.value) })),
  );

  const organizer = 'p_0123456789abcdef';
  const juror = `p_${(await fixedHex('juror pseudonym')).slice(0, 16)}`;
  const ceremony = `c_${(await fixedHex('ceremony id')).slice(0, 16)}`;
  const nominee = `n_${(await fixedHex('nominee id')).slice(0, 16)}`;
  const siteOrganizer = `p_${(await fixedHex('site organizer pseudonym')).slice(0, 16)}`;
  const ms = (iso: string) => Date.parse(iso);

  const awardBodies: Omit<EventBody, 'seq'>[] = [
    {
      at: ms('2023-11-01T09:00:00.000Z'),
      actor: 'cli',
      type: 'ceremony.created',
      payload: { ceremony, slug: 'stem4all-2024', definitionHash: await fixedHex('award definition') },
    },
    {
      at: ms('2023-11-01T09:00:00.125Z'),
      actor: 'cli',
      type: 'organizer.added',
      payload: { organizer, emailCommitment: commitments[0]!.commitment },
    },
    {
      at: ms('2023-11-02T06:30:15.000Z'),
      actor: `organizer:${organizer}`,
      type: 'category.added',
      payload: {
        ceremony,
        category: 'best-mentor',
        title: { en: 'Best Mentor', ky: 'Эң мыкты насаатчы', ru: 'Лучший наставник' },
      },
    },
    {
      at: ms('2023-11-06T03:00:00.000Z'),
      actor: `organizer:${organizer}`,
      type: 'phase.changed',
      payload: { from: 'draft', to: 'nominating' },
    },
    {
      at: ms('2023-12-01T00:00:00.000Z'),
      actor: 'scheduler',
      type: 'rules.frozen',
      payload: {
        rulesHash: await fixedHex('rules'),
        nomineesHash: await fixedHex('nominees'),
        lotCommitment: await fixedHex('lot secret commitment'),
        weights: { jury: 70, public: 30 },
      },
    },
    {
      at: ms('2023-12-01T00:00:00.000Z'),
      actor: 'scheduler',
      type: 'phase.changed',
      payload: { from: 'nominating', to: 'voting' },
    },
    {
      at: ms('2024-01-10T11:45:00.000Z'),
      actor: `juror:${juror}`,
      type: 'conflict.declared',
      payload: { category: 'best-mentor', nominee, reason: null },
    },
  ];
  const siteBodies: Omit<EventBody, 'seq'>[] = [
    {
      at: ms('2023-10-31T18:00:00.000Z'),
      actor: 'system',
      type: 'signing_key.added',
      payload: { kid: 'k_2023-10', alg: 'EdDSA', thumbprint: await fixedHex('signing key thumbprint') },
    },
    {
      at: ms('2023-10-31T18:05:00.000Z'),
      actor: 'bootstrap',
      type: 'organizer.added',
      payload: { organizer: siteOrganizer, emailCommitment: commitments[5]!.commitment },
    },
    {
      at: ms('2023-11-01T09:00:00.000Z'),
      actor: 'cli',
      type: 'ceremony.registered',
      payload: { ceremony, slug: 'stem4all-2024' },
    },
  ];

  async function chain(bodies: Omit<EventBody, 'seq'>[]) {
    let prev = GENESIS_PREV;
    const events = [];
    for (const [i, body] of bodies.entries()) {
      const event = await sealEvent(prev, { seq: i + 1, ...body });
      events.push({ ...event, canonical: eventCanonical(event) });
      prev = event.hash;
    }
    return events;
  }

  const vectors = {
    format: 'laurel-audit-vectors',
    version: 0,
    note:
      'Test vectors of Laurel audit formats version 0 (docs/audit.md). Check with: python3 tools/audit_vectors.py. ' +
      'Salts, ids and hashes in payloads are fixed stand-ins, not real data.',
    genesisPrev: GENESIS_PREV,
    canonical,
    canonicalRejects,
    commitments,
    chains: [
      { name: 'award chain of stem4all-2024', events: await chain(awardBodies) },
      { name: 'site chain', events: await chain(siteBodies) },
    ],
    ...(await ballotLogVectors()),
  };
  writeFileSync(out, `${JSON.stringify(vectors, null, 2)}\n`);
  console.log(`wrote ${out}`);
}

await main();
