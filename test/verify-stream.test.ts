/**
 * The streamed `laurel verify` (issue 9): the ballot-line fast path, the one-leaf-at-a-time Merkle tree, the ballot
 * table and its ballot-log check, and the NDJSON reader that feeds them. Expected roots come from the reference
 * functions of src/audit/merkle.ts (leafHash, merkleRoot), never from the code under test.
 */
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { bytesToHex, utf8 } from '../src/audit/canonical';
import type { LoggedEvent } from '../src/audit/chain';
import { leafCanonical, leafHash, merkleBuilder, merkleRoot, merkleRootHex } from '../src/audit/merkle';
import type { Bundle, BundleBallot } from '../src/bundle/format';
import { BallotLog, newSpans, parseBallotLine } from '../src/verify/ballots';
import { replay } from '../src/verify/replay';
import { checkFile } from '../src/verify/command';
import { isBallotLine, readBundle, readForVerify } from '../src/verify/read';
import { type BundleFixture, bundleFixture } from './support/bundle';
import { publishedBundle } from './support/results';
import { tempDir } from './support/run';

const dir = tempDir('laurel-verify-stream-');

const spans = newSpans;

/** The fast path on one line: the four values it read, or undefined when it leaves the line to JSON.parse. */
function fast(line: string): BundleBallot | undefined {
  const buf = Buffer.from(line, 'utf8');
  const at = spans();
  if (!parseBallotLine(buf, 0, buf.length, at)) return undefined;
  const hex = [...at.words].map((w) => w.toString(16).padStart(8, '0')).join('');
  // The tracker words must be the hex digits the spans point at.
  expect(hex).toBe(buf.toString('latin1', at.tracker, at.tracker + 64));
  return {
    tracker: hex,
    category: buf.toString('latin1', at.category, at.categoryEnd),
    nominee: buf.toString('latin1', at.nominee, at.nomineeEnd),
    batch: at.batch,
  };
}

/** The long way: JSON.parse and the reader's schema check; undefined when either refuses the line. */
function slow(line: string): BundleBallot | undefined {
  try {
    const raw: unknown = JSON.parse(line);
    return isBallotLine(raw) ? raw.ballot : undefined;
  } catch {
    return undefined;
  }
}

const T = (digit: string) => digit.repeat(64);
const line = (b: BundleBallot) => JSON.stringify({ ballot: b });

describe('the ballot-line fast path', () => {
  it('reads the lines the exporter writes, with the values JSON.parse gives', () => {
    const ballots: BundleBallot[] = [
      { tracker: T('a'), category: 'ca_ns4tlmkm57y5viofvbmy', nominee: 'nm_4f5uf25vebdtasvsy6e5', batch: 1 },
      { tracker: `${'0'.repeat(63)}f`, category: 'c', nominee: 'n', batch: 0 },
      // Printable ASCII of every kind but `"` and `\`, and the largest batch the fast path reads (15 digits).
      { tracker: T('9'), category: "a b!#$%&'()*+,-./:;<=>?@[]^_`{|}~", nominee: 'Z', batch: 999_999_999_999_999 },
    ];
    for (const b of ballots) {
      expect(fast(line(b))).toEqual(b);
      expect(slow(line(b))).toEqual(b);
    }
  });

  // Each spelling the fast path refuses, and what JSON.parse with the schema makes of it (worked out by hand).
  const base = `{"ballot":{"tracker":"${T('a')}","category":"ca","nominee":"nm","batch":3}}`;
  const refused: [string, string, BundleBallot | undefined][] = [
    [
      'spaces between members',
      base.replace('{"ballot":{', '{"ballot": {'),
      { tracker: T('a'), category: 'ca', nominee: 'nm', batch: 3 },
    ],
    ['a space at the end', `${base} `, { tracker: T('a'), category: 'ca', nominee: 'nm', batch: 3 }],
    [
      'members in another order',
      `{"ballot":{"category":"ca","tracker":"${T('a')}","nominee":"nm","batch":3}}`,
      { tracker: T('a'), category: 'ca', nominee: 'nm', batch: 3 },
    ],
    [
      'an escape for a plain letter',
      base.replace('"nm"', '"n\\u006d"'),
      { tracker: T('a'), category: 'ca', nominee: 'nm', batch: 3 },
    ],
    ['non-ASCII text', base.replace('"nm"', '"nmé"'), { tracker: T('a'), category: 'ca', nominee: 'nmé', batch: 3 }],
    ['a batch written 3.0', base.replace(':3}', ':3.0}'), { tracker: T('a'), category: 'ca', nominee: 'nm', batch: 3 }],
    ['a batch written 3e0', base.replace(':3}', ':3e0}'), { tracker: T('a'), category: 'ca', nominee: 'nm', batch: 3 }],
    ['a negative batch', base.replace(':3}', ':-3}'), { tracker: T('a'), category: 'ca', nominee: 'nm', batch: -3 }],
    // 16 digits: 1,234,567,890,123,456 is below 2^53 ≈ 9.007e15, so still a safe integer for the schema.
    [
      'a 16-digit batch',
      base.replace(':3}', ':1234567890123456}'),
      { tracker: T('a'), category: 'ca', nominee: 'nm', batch: 1234567890123456 },
    ],
    ['a batch past 2^53', base.replace(':3}', ':9007199254740993}'), undefined],
    ['a batch with a leading zero', base.replace(':3}', ':03}'), undefined],
    ['an uppercase tracker', base.replace(T('a'), T('A')), undefined],
    ['a tracker of 63 digits', base.replace(T('a'), 'a'.repeat(63)), undefined],
    ['an empty category', base.replace('"ca"', '""'), undefined],
    ['a fifth member', base.replace(':3}', ':3,"x":1}'), undefined],
    [
      'a nominee given twice',
      base.replace('"nm",', '"nm","nominee":"other",'),
      { tracker: T('a'), category: 'ca', nominee: 'other', batch: 3 },
    ],
    ['text after the line', `${base}x`, undefined],
    ['a raw tab in a string', base.replace('"nm"', '"n\tm"'), undefined],
    ['another item', base.replace('"ballot"', '"review"'), undefined],
  ];
  it.each(refused)('leaves %s to JSON.parse', (_, text, expected) => {
    expect(fast(text)).toBeUndefined();
    expect(slow(text)).toEqual(expected);
  });

  it('accepts only what JSON.parse and the schema accept, with the same values (random edits of lines)', () => {
    // Mostly well-formed ballots (so that many lines reach the fast path), some with odd trackers, text or batches.
    const text = fc.oneof(
      { arbitrary: fc.string({ unit: fc.constantFrom(...'abc_-. '), maxLength: 6 }), weight: 4 },
      { arbitrary: fc.string({ unit: fc.constantFrom(...'abc"\\é\t0'), maxLength: 6 }), weight: 1 },
    );
    const ballot = fc.record({
      tracker: fc.oneof(
        {
          arbitrary: fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 64, maxLength: 64 }),
          weight: 8,
        },
        { arbitrary: fc.string({ unit: fc.constantFrom(...'0aA'), minLength: 63, maxLength: 65 }), weight: 1 },
      ),
      category: text,
      nominee: text,
      batch: fc.oneof(
        { arbitrary: fc.integer({ min: 0, max: 1000 }), weight: 4 },
        { arbitrary: fc.oneof(fc.integer({ min: -5, max: -1 }), fc.maxSafeInteger(), fc.constant(1e16)), weight: 1 },
      ),
    });
    const edit = fc.record({
      at: fc.nat(),
      kind: fc.constantFrom('insert', 'delete', 'replace', 'none'),
      char: fc.constantFrom(...' "\\{}[]:,.-+e0123456789abcdefé\t\n'),
    });
    let taken = 0;
    fc.assert(
      fc.property(ballot, fc.array(edit, { maxLength: 2 }), (b, edits) => {
        let text = line(b as BundleBallot);
        for (const e of edits) {
          const i = e.at % (text.length + 1);
          if (e.kind === 'insert') text = text.slice(0, i) + e.char + text.slice(i);
          else if (e.kind === 'delete') text = text.slice(0, i) + text.slice(i + 1);
          else if (e.kind === 'replace') text = text.slice(0, i) + e.char + text.slice(i + 1);
        }
        const read = fast(text);
        if (read === undefined) return;
        taken++;
        expect(slow(text)).toEqual(read);
      }),
      { numRuns: 3000, seed: 9 },
    );
    // The generator reaches the fast path often enough for the property to mean something.
    expect(taken).toBeGreaterThan(100);
  });
});

/** SHA-256 for the builder, written independently of src/verify's (a Hash object, not the one-shot hash). */
const sha256Into = (data: Uint8Array, out: Uint8Array, at: number) =>
  out.set(createHash('sha256').update(data).digest(), at);

const ballotAt = (i: number, batch = 1): BundleBallot => ({
  tracker: createHash('sha256').update(`tracker ${i}`).digest('hex'),
  category: `ca_${i % 3}`,
  nominee: `nm_${i % 5}`,
  batch,
});

describe('merkleBuilder', () => {
  it('gives the root of merkleRoot over leafHash at every size from 0 to 70', async () => {
    const builder = merkleBuilder(sha256Into);
    const leaves: Uint8Array[] = [];
    for (let n = 0; n <= 70; n++) {
      expect(builder.size).toBe(n);
      expect(bytesToHex(builder.root())).toBe(bytesToHex(await merkleRoot(leaves)));
      const b = ballotAt(n);
      leaves.push(await leafHash(b));
      builder.leaf(utf8(leafCanonical(b)));
    }
  });
});

/** A checkpoint event as the ballot-log check reads it (the chain is not checked here). */
function checkpoint(seq: number, batch: number, payload: Record<string, unknown>): LoggedEvent {
  return {
    seq,
    at: 0,
    actor: 'system',
    type: 'ballots.checkpoint',
    payload: { batch, ...payload },
    prev: '',
    hash: '',
  };
}

/** Checkpoint events whose sizes and roots are those of `ballots`, cut after each batch (by the reference tree). */
async function honestCheckpoints(ballots: readonly BundleBallot[]): Promise<LoggedEvent[]> {
  const events: LoggedEvent[] = [];
  const batches = [...new Set(ballots.map((b) => b.batch))];
  for (const [i, batch] of batches.entries()) {
    const upTo = ballots.filter((b) => b.batch <= batch);
    const root = await merkleRootHex(await Promise.all(upTo.map((b) => leafHash(b))));
    events.push(checkpoint(i + 1, batch, { treeSize: upTo.length, root }));
  }
  return events;
}

/** Feeds a ballot as its exported line through the fast path (which must take it). */
function addAsLine(log: BallotLog, b: BundleBallot) {
  const buf = Buffer.from(line(b));
  const at = spans();
  expect(parseBallotLine(buf, 0, buf.length, at)).toBe(true);
  log.addLine(buf, at);
}

const sortedBatch = (from: number, to: number, batch: number) =>
  Array.from({ length: to - from }, (_, i) => ballotAt(from + i, batch)).sort((a, b) =>
    a.tracker < b.tracker ? -1 : 1,
  );

describe('the ballot log and table', () => {
  it('rebuilds every checkpoint from lines and objects alike, one pair per category and nominee', async () => {
    // Batch 1: 7 ballots, batch 2: 6 (each sorted by tracker); i % 3 and i % 5 give 15 pairs over i = 0…12.
    const ballots = [...sortedBatch(0, 7, 1), ...sortedBatch(7, 13, 2)];
    const events = await honestCheckpoints(ballots);
    const log = new BallotLog(events, 2); // room for 2 at first: the arrays must grow
    ballots.forEach((b, i) => (i % 2 === 0 ? addAsLine(log, b) : log.add(b)));
    const table = log.finish();
    expect(table.logProblems).toEqual([]);
    expect(table.size).toBe(13);
    // i = 0…12: (i mod 3, i mod 5) takes 13 distinct values (15 = lcm(3, 5) > 13), none twice.
    expect(table.pairs).toHaveLength(13);
    for (const [i, b] of ballots.entries()) {
      expect(table.tracker(i)).toBe(b.tracker);
      expect(table.pairs[table.pair(i)]).toEqual({ category: b.category, nominee: b.nominee });
      expect(table.find(b.tracker)).toBe(i);
    }
    // A changed nominee changes the leaf: the checkpoint of its batch and the next no longer match.
    const tampered = new BallotLog(events);
    ballots.forEach((b, i) => tampered.add(i === 3 ? { ...b, nominee: 'nm_other' } : b));
    const problems = tampered.finish().logProblems;
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(
      /^checkpoint 1 \(event 1\): the ballots give size 7 and root [0-9a-f]{64}, the event says 7 and/,
    );
  });

  it('names each problem: order, a tracker twice, a ballot in no checkpoint, a status list naming a later ballot', async () => {
    const rows: BundleBallot[] = [
      { tracker: T('2'), category: 'a', nominee: 'x', batch: 1 },
      { tracker: T('1'), category: 'b', nominee: 'y', batch: 1 }, // before T2 in tracker order
      { tracker: T('3'), category: 'a', nominee: 'x', batch: 1 },
      { tracker: T('3'), category: 'b', nominee: 'y', batch: 2 }, // T3 again
      { tracker: T('4'), category: 'a', nominee: 'x', batch: 2 },
      { tracker: T('4'), category: 'b', nominee: 'y', batch: 7 }, // no checkpoint has batch 7
    ];
    // Roots over the rows as given, so that only the problems above are found.
    const root = async (n: number) => merkleRootHex(await Promise.all(rows.slice(0, n).map((b) => leafHash(b))));
    const events = [
      checkpoint(1, 1, { treeSize: 3, root: await root(3), superseded: [T('4')] }), // T4 comes in batch 2
      checkpoint(2, 2, { treeSize: 5, root: await root(5), voided: [T('1')], restored: ['nope'] }),
    ];
    const log = new BallotLog(events);
    rows.forEach((b, i) => (i % 2 === 0 ? log.add(b) : addAsLine(log, b)));
    const table = log.finish();
    expect([...table.logProblems].sort()).toEqual(
      [
        `batch 1: ballot ${T('1')} is not in tracker order`,
        `ballot ${T('3')} appears twice`,
        `1 ballot(s) from ballot ${T('4')} (batch 7) on are in no checkpoint, or out of batch order`,
        `checkpoint 1 (event 1) lists superseded ${T('4')}, not a ballot of the log by then`,
        'checkpoint 2 (event 2) lists restored nope, not a ballot of the log by then',
      ].sort(),
    );
    // A repeated tracker is one ballot, its last row (as a map by tracker keeps it).
    expect(table.find(T('3'))).toBe(3);
    expect(table.first(T('3'))).toBe(2);
    expect(table.owner(2)).toBe(3);
    expect(table.find(T('4'))).toBe(5);
    expect(table.first(T('4'))).toBe(4);
    expect(table.owner(0)).toBe(0);
    expect(table.find('nope')).toBe(-1);
    expect(table.find(T('5'))).toBe(-1);
    // Sorted by tracker, then row: T1 (row 1), T2 (0), T3 (2, 3), T4 (4, 5).
    expect([...table.sorted]).toEqual([1, 0, 2, 3, 4, 5]);
    // Pairs in order of first appearance: (a, x) then (b, y).
    expect(table.pairs).toEqual([
      { category: 'a', nominee: 'x' },
      { category: 'b', nominee: 'y' },
    ]);
    expect([...table.positionsOf(0)]).toEqual([0, 2, 4]);
    expect([...table.positionsOf(1)]).toEqual([1, 3, 5]);
  });

  it('hashes a ballot with quotes, escapes or non-ASCII text as leafHash does', async () => {
    const odd: BundleBallot[] = [
      { tracker: T('1'), category: 'ca "quoted"', nominee: 'номинант', batch: 1 },
      { tracker: T('2'), category: 'back\\slash', nominee: 'tab\there', batch: 1 },
      { tracker: T('3'), category: 'ca "quoted"', nominee: 'номинант', batch: 1 },
    ];
    const log = new BallotLog(await honestCheckpoints(odd));
    for (const b of odd) log.add(b);
    const table = log.finish();
    expect(table.logProblems).toEqual([]);
    expect(table.pairs).toHaveLength(2);
    expect(table.pair(2)).toBe(table.pair(0));
  });
});

/** A minimal NDJSON header for the reader (its members are checked by shape only here). */
function header(counts: { events: number; ballots: number }, content: unknown = {}) {
  return {
    format: 'laurel-bundle/1',
    award: { id: 'aw_test', slug: 'test', locales: ['en'], content },
    head: { seq: counts.events, hash: 'h' },
    rules: {},
    categories: [],
    institutions: [],
    nominees: [],
    results: [],
    keys: { keys: [] },
    counts: { ...counts, reviews: 0, disclosures: 0 },
  };
}

describe('reading an NDJSON bundle for the checks', () => {
  it('streams every spelling: CRLF, a header over 1 MiB, spaced, escaped and non-ASCII lines, no final newline', async () => {
    const ballots = [...sortedBatch(0, 6, 1), ...sortedBatch(6, 10, 2)];
    ballots[4]!.nominee = 'номинант';
    const events = await honestCheckpoints(ballots);
    const spellings = [
      (b: BundleBallot) => line(b),
      (b: BundleBallot) => line(b).replace('{"ballot":{', '{ "ballot" : { '),
      // "\u0063" is "c": the same category spelled with an escape.
      (b: BundleBallot) => line(b).replace('"category":"c', '"category":"\\u0063'),
      (b: BundleBallot) =>
        JSON.stringify({ ballot: { batch: b.batch, nominee: b.nominee, category: b.category, tracker: b.tracker } }),
    ];
    const text = [
      // Longer than the reader's 1 MiB chunks: the header line spans two of them.
      JSON.stringify(header({ events: 2, ballots: 10 }, { note: 'x'.repeat(1_500_000) })),
      ...events.map((e) => JSON.stringify({ event: e })),
      ...ballots.map((b, i) => spellings[i % spellings.length]!(b)),
    ].join('\r\n');
    const file = join(dir, 'spellings.ndjson');
    writeFileSync(file, text);

    const read = await readForVerify(file);
    expect(read.problems).toEqual([]);
    const table = read.bundle!.ballots;
    expect(table.logProblems).toEqual([]);
    expect(table.size).toBe(10);
    expect(ballots.map((_, i) => [table.tracker(i), table.pairs[table.pair(i)]])).toEqual(
      ballots.map((b) => [b.tracker, { category: b.category, nominee: b.nominee }]),
    );
    // The whole reader gives the same ballots as objects.
    const whole = await readBundle(file);
    expect(whole.problems).toEqual([]);
    expect(whole.bundle!.ballots).toEqual(ballots);
    expect(whole.bundle!.award.content).toEqual({ note: 'x'.repeat(1_500_000) });
  });

  it('reports a line out of its section, a broken line and a short list, as the shape check', async () => {
    const b = ballotAt(0);
    const text = [
      JSON.stringify(header({ events: 1, ballots: 3 })),
      line(b),
      JSON.stringify({ event: checkpoint(1, 1, { treeSize: 1, root: 'r' }) }),
      `${line(ballotAt(1)).slice(0, -1)}`,
      '',
    ].join('\n');
    const file = join(dir, 'shape.ndjson');
    writeFileSync(file, text);
    // Line 3 is an event after a ballot, line 4 lacks its last brace; 1 ballot read of the 3 counted.
    expect((await readForVerify(file)).problems).toEqual([
      'line 3: a event after the ballots',
      'line 4 is not JSON',
      'counts.ballots is 3 but the bundle holds 1',
    ]);
    expect((await checkFile(file)).map((c) => [c.check, c.ok])).toEqual([['format', false]]);
  });
});

describe('laurel verify on a whole award, streamed', () => {
  let fixture: BundleFixture;
  let ndjson: string;
  beforeAll(async () => {
    fixture = await bundleFixture();
    ndjson = await publishedBundle(fixture.p, 'ndjson');
  }, 120_000);

  const report = async (file: string) =>
    (await checkFile(file)).map((c) => ({ check: c.check, ok: c.ok, problems: [...c.problems].sort() }));

  it('passes every check when no ballot line takes the fast path (spaced, CRLF)', async () => {
    const file = join(dir, 'spaced.ndjson');
    writeFileSync(file, ndjson.replaceAll('{"ballot":{', '{"ballot": {').replaceAll('\n', '\r\n'));
    expect((await report(file)).filter((c) => !c.ok)).toEqual([]);
  });

  it('gives the same report for the JSON and NDJSON forms of a bundle with a ballot repeated and one moved', async () => {
    const b = JSON.parse(fixture.json) as Bundle;
    // A flagged ballot given again at the end of the first batch, and the first ballot moved to the end.
    const flagged = b.reviews[0]!.trackers[0]!;
    const copy = { ...b.ballots.find((x) => x.tracker === flagged)!, batch: 1 };
    const lastOfFirst = b.ballots.map((x) => x.batch).lastIndexOf(1);
    b.ballots.splice(lastOfFirst + 1, 0, copy);
    b.ballots.push(b.ballots.shift()!);
    b.counts.ballots++;
    const { events, reviews, disclosures, ballots, ...head } = b;
    const json = join(dir, 'moved.json');
    const nd = join(dir, 'moved.ndjson');
    writeFileSync(json, JSON.stringify(b));
    writeFileSync(
      nd,
      [
        JSON.stringify(head),
        ...events.map((event) => JSON.stringify({ event })),
        ...reviews.map((review) => JSON.stringify({ review })),
        ...disclosures.map((disclosure) => JSON.stringify({ disclosure })),
        ...ballots.map((ballot) => JSON.stringify({ ballot })),
      ].join('\n'),
    );
    const fromJson = await report(json);
    expect(fromJson.filter((c) => !c.ok).map((c) => c.check)).toContain('ballot-log');
    expect(fromJson.find((c) => c.check === 'ballot-log')!.problems).toContain(`ballot ${flagged} appears twice`);
    expect(await report(nd)).toEqual(fromJson);
  });
});

describe('the replay of statuses', () => {
  it('keeps a superseded ballot superseded whatever a review says (docs/audit.md §20)', async () => {
    const ballots = sortedBatch(0, 2, 1);
    const [a, b] = ballots as [BundleBallot, BundleBallot];
    const [first] = await honestCheckpoints(ballots);
    const review = (seq: number, type: string): LoggedEvent => ({ ...first!, seq, type, payload: {} });
    const events = [
      { ...first!, payload: { ...first!.payload, superseded: [a.tracker] } },
      review(2, 'ballots.restored'),
      review(3, 'ballots.flagged'),
    ];
    const log = new BallotLog(events);
    for (const ballot of ballots) log.add(ballot);
    const table = log.finish();
    const { snapshots, problems } = replay(
      {
        header: { categories: [], nominees: [] },
        events,
        reviews: [
          { seq: 2, trackers: [a.tracker] },
          { seq: 3, trackers: [a.tracker, b.tracker] },
        ],
        ballots: table,
        opened: new Map(),
      },
      [1, 2, 3],
    );
    expect(problems).toEqual([]);
    const counts = (seq: number) => snapshots.get(seq)!.ballots.map((r) => `${r.nominee} ${r.status} ${r.count}`);
    // a superseded at the checkpoint; restoring it does not bring it back, flagging it does not count it.
    expect(counts(1)).toEqual([`${b.nominee} counted 1`]);
    expect(counts(2)).toEqual([`${b.nominee} counted 1`]);
    expect(counts(3)).toEqual([`${b.nominee} flagged 1`]);
    expect(snapshots.get(3)!.flagged).toEqual([b.tracker]);
  });
});
