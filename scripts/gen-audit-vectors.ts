/**
 * Writes docs/audit-vectors.json, the test vectors of audit format version 0, from src/audit.
 * Usage: npx tsx scripts/gen-audit-vectors.ts [OUT]
 *
 * Every random value (salts, pseudonyms, ids) is fixed here so the file is reproducible. After regenerating, check
 * it independently with `python3 tools/audit_vectors.py`. Version 0 is frozen: a changed vector is a bug.
 */
import { writeFileSync } from 'node:fs';
import { CanonicalJsonError, canonicalJson, sha256Hex } from '../src/audit/canonical';
import { GENESIS_PREV, commitment, eventCanonical, sealEvent } from '../src/audit/chain';
import type { EventBody } from '../src/audit/chain';

const out = process.argv[2] ?? 'docs/audit-vectors.json';

/** A fixed stand-in for a random value: SHA-256 of a label. */
const fixedHex = (label: string) => sha256Hex(`laurel audit vectors v0: ${label}`);

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
  };
  writeFileSync(out, `${JSON.stringify(vectors, null, 2)}\n`);
  console.log(`wrote ${out}`);
}

await main();
