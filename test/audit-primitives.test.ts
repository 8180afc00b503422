import { describe, it, expect } from 'vitest';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { CanonicalJsonError, bytesToHex, canonicalJson, hexToBytes, sha256Hex, utf8 } from '../src/audit/canonical';
import {
  GENESIS_PREV,
  commitment,
  eventCanonical,
  eventHash,
  isValidActor,
  isValidEventType,
  newSalt,
  pseudonym,
  sealEvent,
  verifyChain,
  verifyCommitment,
} from '../src/audit/chain';
import type { EventBody, LoggedEvent } from '../src/audit/chain';

type VectorEvent = LoggedEvent & { canonical: string };
type Vectors = {
  version: number;
  genesisPrev: string;
  canonical: { name: string; input: unknown; canonical: string }[];
  canonicalRejects: { name: string; input: unknown; path: string }[];
  commitments: { name: string; salt: string; value: string; commitment: string }[];
  chains: { name: string; events: VectorEvent[] }[];
};

const vectors = JSON.parse(readFileSync(new URL('../docs/audit-vectors.json', import.meta.url), 'utf8')) as Vectors;

const award = vectors.chains[0]!.events;
const site = vectors.chains[1]!.events;

/** A chain as the store would hold it: the vector events without the extra `canonical` field. */
function awardChain(): LoggedEvent[] {
  return structuredClone(award).map(({ canonical: _canonical, ...event }) => event);
}

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

function nodeSha256(...chunks: (Buffer | string)[]): string {
  const hash = createHash('sha256');
  for (const chunk of chunks) hash.update(chunk);
  return hash.digest('hex');
}

describe('canonicalJson', () => {
  it.each<[string, unknown, string]>([
    [
      'RFC 8785 §3.2.3: keys by UTF-16 code units',
      {
        '\u20ac': 'Euro Sign',
        '\r': 'Carriage Return',
        '\ufb33': 'Hebrew Letter Dalet With Dagesh',
        '1': 'One',
        '\ud83d\ude00': 'Emoji: Grinning Face',
        '\u0080': 'Control',
        '\u00f6': 'Latin Small Letter O With Diaeresis',
      },
      '{"\\r":"Carriage Return","1":"One","\u0080":"Control","ö":"Latin Small Letter O With Diaeresis",' +
        '"€":"Euro Sign","😀":"Emoji: Grinning Face","\ufb33":"Hebrew Letter Dalet With Dagesh"}',
    ],
    ['surrogate pair key before U+E000 (code units, not code points)', { '\ue000': 1, '😀': 2 }, '{"😀":2,"\ue000":1}'],
    ['Cyrillic keys by code unit', { я: 1, ң: 2, а: 3, b: 4 }, '{"b":4,"а":3,"я":1,"ң":2}'],
    ['prefix sorts first', { ab: 1, a: 2, '': 3 }, '{"":3,"a":2,"ab":1}'],
    ['RFC 8785 §3.2.2.2 string', '\u20ac$\u000f\u000aA\'\u0042\u0022\u005c\\"/', '"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"'],
    ['short escapes', '\b\f\n\r\t', '"\\b\\f\\n\\r\\t"'],
    ['other controls as lowercase \\u00xx', '\u0000\u001f\u000b', '"\\u0000\\u001f\\u000b"'],
    ['DEL, U+2028, U+2029 and slash are literal', '\u007f\u2028\u2029/', '"\u007f\u2028\u2029/"'],
    ['emoji with ZWJ and Kyrgyz text are literal', ['👩‍🔬', 'Эң мыкты'], '["👩‍🔬","Эң мыкты"]'],
    [
      'safe integers; -0 is 0',
      [0, -0, 9007199254740991, -9007199254740991, 1e15],
      '[0,0,9007199254740991,-9007199254740991,1000000000000000]',
    ],
    ['booleans and null', { t: true, f: false, n: null }, '{"f":false,"n":null,"t":true}'],
    ['undefined properties are omitted', { a: undefined, b: 1, c: { d: undefined } }, '{"b":1,"c":{}}'],
    ['null-prototype objects are plain', Object.assign(Object.create(null) as object, { z: 1, y: 2 }), '{"y":2,"z":1}'],
    [
      'nested',
      { payload: { weights: [70, 30], tie: ['jury', 'lot'], meta: { ключ: [{ b: 1, a: [] }] } } },
      '{"payload":{"meta":{"ключ":[{"a":[],"b":1}]},"tie":["jury","lot"],"weights":[70,30]}}',
    ],
    ['top-level string', 'x', '"x"'],
    ['top-level integer', 42, '42'],
    ['empty containers', [{}, []], '[{},[]]'],
  ])('%s', (_name, input, expected) => {
    expect(canonicalJson(input)).toBe(expected);
  });

  it.each(vectors.canonical)('vector: $name', ({ input, canonical }) => {
    expect(canonicalJson(input)).toBe(canonical);
  });

  it('agrees with JSON.stringify on strings and sorted flat objects of well-formed text', () => {
    const sample = { 'b\u2028': 'é\u0000😀', a: 'Лучший "наставник"\\', '\u00ff': '\u001f/' };
    const sorted = Object.fromEntries(Object.entries(sample).sort(([x], [y]) => (x < y ? -1 : 1)));
    expect(canonicalJson(sample)).toBe(JSON.stringify(sorted));
  });

  const cycle: Record<string, unknown> = { a: 1 };
  cycle.self = { back: cycle };
  class Nominee {
    id = 'n_1';
  }

  it.each<[string, unknown, string]>([
    ['fractional number', { payload: { weights: [70, 30, 0.5] } }, '$.payload.weights[2]'],
    ['NaN', { x: NaN }, '$.x'],
    ['Infinity', [Infinity], '$[0]'],
    ['-Infinity', { a: { b: -Infinity } }, '$.a.b'],
    ['unsafe integer', { n: 2 ** 53 }, '$.n'],
    ['bigint', { n: 1n }, '$.n'],
    ['undefined in an array', { list: [1, undefined] }, '$.list[1]'],
    ['hole in a sparse array', { list: [1, , 3] }, '$.list[1]'],
    ['function', { f: () => 1 }, '$.f'],
    ['symbol value', { s: Symbol('x') }, '$.s'],
    ['symbol key', { [Symbol('x')]: 1 }, '$'],
    ['Date', { at: new Date(0) }, '$.at'],
    ['Map', { m: new Map() }, '$.m'],
    ['class instance', { nominee: new Nominee() }, '$.nominee'],
    ['boxed string', [new String('x')], '$[0]'],
    ['cycle', cycle, '$.self.back'],
    ['lone high surrogate in a value', { name: 'A\ud800' }, '$.name'],
    ['lone low surrogate in a key', { a: { '\udc00': 1 } }, '$.a["\\udc00"]'],
    ['reversed pair', ['\ude00\ud83d'], '$[0]'],
    ['non-identifier key in the path', { 'first name': 1.5 }, '$["first name"]'],
    ['top-level undefined', undefined, '$'],
  ])('rejects %s at %s', (_name, input, path) => {
    const error = thrown(() => canonicalJson(input));
    expect(error).toBeInstanceOf(CanonicalJsonError);
    expect((error as CanonicalJsonError).path).toBe(path);
    expect((error as CanonicalJsonError).message).toContain(path);
  });

  it.each(vectors.canonicalRejects)('vector rejection: $name', ({ input, path }) => {
    const error = thrown(() => canonicalJson(input));
    expect(error).toBeInstanceOf(CanonicalJsonError);
    expect((error as CanonicalJsonError).path).toBe(path);
  });
});

describe('bytes and SHA-256', () => {
  it('hashes the FIPS 180-2 "abc" vector and UTF-8 strings', async () => {
    expect(await sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(await sha256Hex(new Uint8Array())).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(await sha256Hex('Айгуль')).toBe(nodeSha256('Айгуль'));
  });

  it('converts hex both ways, lowercase only', () => {
    expect(bytesToHex(hexToBytes('00ff10ab'))).toBe('00ff10ab');
    expect(Array.from(hexToBytes('00ff10ab'))).toEqual([0, 255, 16, 171]);
    expect(() => hexToBytes('ABCD')).toThrow();
    expect(() => hexToBytes('abc')).toThrow();
    expect(() => hexToBytes('zz')).toThrow();
  });

  it('encodes UTF-8 and refuses lone surrogates', () => {
    expect(Array.from(utf8('ң😀'))).toEqual([0xd2, 0xa3, 0xf0, 0x9f, 0x98, 0x80]);
    expect(() => utf8('\ud800')).toThrow();
  });
});

describe('event hash', () => {
  it('has a 64-zero genesis prev', () => {
    expect(GENESIS_PREV).toBe('0'.repeat(64));
    expect(vectors.genesisPrev).toBe(GENESIS_PREV);
  });

  it('matches fixed hashes of the award chain', async () => {
    // Frozen values of audit format version 0; they must never change.
    expect(award[0]!.hash).toBe('3e462e565a70a256ac7c118a3f1185853463f7b293428dc796e864d46546ec2c');
    expect(award[3]!.hash).toBe('e3b75fc8bf2a73ad9625dc313b90cdc2882cba9b49f7f20fda18f40c721f7c45');
    expect(await eventHash(award[0]!.prev, award[0]!)).toBe(award[0]!.hash);
    expect(await eventHash(award[3]!.prev, award[3]!)).toBe(award[3]!.hash);
  });

  it.each([...award, ...site])('vector event $seq $type: canonical text and hash', async (event) => {
    expect(eventCanonical(event)).toBe(event.canonical);
    expect(await eventHash(event.prev, event)).toBe(event.hash);
  });

  it('is SHA-256 of the 32 prev bytes then the UTF-8 canonical text (node:crypto cross-check)', async () => {
    const event = award[2]!; // has Cyrillic text in its payload
    const expected = nodeSha256(Buffer.from(event.prev, 'hex'), Buffer.from(event.canonical, 'utf8'));
    expect(await eventHash(event.prev, event)).toBe(expected);
    // Hashing the prev as 64 ASCII characters instead of 32 bytes gives something else.
    expect(nodeSha256(event.prev + event.canonical)).not.toBe(expected);
  });

  it('hashes exactly seq, at, actor, type and payload', () => {
    const body: EventBody = {
      seq: 4,
      at: 1699239600000,
      actor: 'cli',
      type: 'phase.changed',
      payload: { to: 'voting' },
    };
    const withExtras = { ...body, prev: GENESIS_PREV, hash: 'x', extra: 1 } as EventBody;
    expect(eventCanonical(withExtras)).toBe(
      '{"actor":"cli","at":1699239600000,"payload":{"to":"voting"},"seq":4,"type":"phase.changed"}',
    );
  });

  it.each<[string, Partial<EventBody>, string]>([
    ['seq 0', { seq: 0 }, '$.seq'],
    ['fractional seq', { seq: 1.5 }, '$.seq'],
    ['negative at', { at: -1 }, '$.at'],
    ['fractional at', { at: 1.5 }, '$.at'],
    ['array payload', { payload: [] as unknown as Record<string, unknown> }, '$.payload'],
    ['fraction in payload', { payload: { share: 0.25 } }, '$.payload.share'],
  ])('refuses %s', (_name, change, path) => {
    const body = { seq: 1, at: 0, actor: 'system', type: 'site.started', payload: {}, ...change };
    expect((thrown(() => eventCanonical(body)) as CanonicalJsonError).path).toBe(path);
  });

  it('refuses a prev that is not 64 lowercase hex digits', async () => {
    const body: EventBody = { seq: 1, at: 0, actor: 'system', type: 'site.started', payload: {} };
    await expect(eventHash(GENESIS_PREV.toUpperCase().replace(/0/g, 'A'), body)).rejects.toThrow();
    await expect(eventHash('00', body)).rejects.toThrow();
  });

  it('sealEvent links and hashes', async () => {
    const body: EventBody = { seq: 1, at: 5, actor: 'system', type: 'site.started', payload: { a: 1 } };
    const event = await sealEvent(GENESIS_PREV, body);
    expect(event).toEqual({ ...body, prev: GENESIS_PREV, hash: await eventHash(GENESIS_PREV, body) });
  });

  it('knows the version 0 actors and type names', () => {
    for (const actor of [
      'system',
      'cli',
      'bootstrap',
      'scheduler',
      'organizer:p_0123456789abcdef',
      'juror:p_ffffffffffffffff',
    ]) {
      expect(isValidActor(actor)).toBe(true);
    }
    for (const actor of [
      '',
      'admin',
      'organizer:',
      'organizer:p_0123456789ABCDEF',
      'juror:p_0123',
      'aigul@example.kg',
    ]) {
      expect(isValidActor(actor)).toBe(false);
    }
    expect(isValidEventType('phase.changed')).toBe(true);
    expect(isValidEventType('signing_key.added')).toBe(true);
    expect(isValidEventType('Phase.Changed')).toBe(false);
    expect(isValidEventType('changed')).toBe(false);
  });
});

describe('verifyChain', () => {
  it('accepts the vector chains', async () => {
    expect(await verifyChain(awardChain())).toEqual({ ok: true, problems: [] });
    expect(await verifyChain(site.map(({ canonical: _c, ...e }) => e))).toEqual({ ok: true, problems: [] });
    expect(await verifyChain([])).toEqual({ ok: true, problems: [] });
  });

  it('finds a tampered payload', async () => {
    const events = awardChain();
    events[3]!.payload.to = 'voting';
    const result = await verifyChain(events);
    expect(result.ok).toBe(false);
    expect(result.problems).toHaveLength(1);
    expect(result.problems[0]!.seq).toBe(4);
    expect(result.problems[0]!.problem).toMatch(/hash mismatch/);
  });

  it('finds a tampered event whose hash was recomputed, at the next link', async () => {
    const events = awardChain();
    events[3]!.payload.to = 'voting';
    events[3] = await sealEvent(events[3]!.prev, events[3]!);
    const result = await verifyChain(events);
    expect(result.problems).toEqual([{ seq: 5, problem: "prev is not the previous event's hash" }]);
  });

  it('finds a removed event', async () => {
    const events = awardChain();
    events.splice(2, 1);
    const result = await verifyChain(events);
    expect(result.ok).toBe(false);
    expect(result.problems.filter((p) => p.seq === 4).map((p) => p.problem)).toEqual([
      'expected seq 3, found 4',
      "prev is not the previous event's hash",
    ]);
  });

  it('finds reordered events', async () => {
    const events = awardChain();
    [events[4], events[5]] = [events[5]!, events[4]!];
    const result = await verifyChain(events);
    expect(result.ok).toBe(false);
    expect(result.problems.map((p) => p.seq)).toEqual([6, 6, 5, 5, 7]);
  });

  it('finds a wrong prev', async () => {
    const events = awardChain();
    events[1]!.prev = events[0]!.prev;
    const result = await verifyChain(events);
    expect(result.problems.map((p) => [p.seq, p.problem.slice(0, 13)])).toEqual([
      [2, 'prev is not t'],
      [2, 'hash mismatch'],
    ]);
  });

  it('finds a first event that does not start from genesis, even with a matching hash', async () => {
    const first = await sealEvent('11'.repeat(32), awardChain()[0]!);
    expect((await verifyChain([first])).problems).toEqual([
      { seq: 1, problem: 'prev of the first event is not the genesis value' },
    ]);
  });

  it('reports an unhashable event instead of throwing', async () => {
    const events = awardChain();
    events[2]!.payload.share = 0.5;
    const result = await verifyChain(events);
    expect(result.problems).toEqual([
      { seq: 3, problem: expect.stringContaining('$.payload.share') as unknown as string },
    ]);
  });

  it('checks a witness: right, wrong, missing', async () => {
    const events = awardChain();
    const head = { seq: 7, hash: award[6]!.hash };
    expect((await verifyChain(events, { witness: head })).ok).toBe(true);
    expect((await verifyChain(events, { witness: { seq: 4, hash: award[3]!.hash } })).ok).toBe(true);

    const wrong = await verifyChain(events, { witness: { seq: 7, hash: award[5]!.hash } });
    expect(wrong.ok).toBe(false);
    expect(wrong.problems).toHaveLength(1);
    expect(wrong.problems[0]!.seq).toBe(7);

    const missing = await verifyChain(events.slice(0, 5), { witness: head });
    expect(missing.problems).toEqual([{ seq: 7, problem: 'witness event 7 is not in the chain' }]);
  });

  it('a witness catches a chain rewritten from a point on', async () => {
    const events = awardChain();
    events[3]!.payload.to = 'judging';
    let prev = events[2]!.hash;
    for (let i = 3; i < events.length; i++) {
      events[i] = await sealEvent(prev, events[i]!);
      prev = events[i]!.hash;
    }
    expect((await verifyChain(events)).ok).toBe(true);
    const result = await verifyChain(events, { witness: { seq: 7, hash: award[6]!.hash } });
    expect(result.ok).toBe(false);
    expect(result.problems[0]!.seq).toBe(7);
  });
});

describe('commitments and pseudonyms', () => {
  it.each(vectors.commitments)('vector: $name', async ({ salt, value, commitment: expected }) => {
    expect(await commitment(salt, value)).toBe(expected);
    expect(await verifyCommitment(expected, salt, value)).toBe(true);
  });

  it('matches a fixed Cyrillic commitment and node:crypto', async () => {
    const c = vectors.commitments.find((v) => v.value === 'Айгуль Токтосунова <aigul@example.kg>')!;
    expect(c.commitment).toBe('e12146c944e09cabf0dfcf7b8f5ce557e8e1afcf53693cf22705dace0ec1fd36');
    expect(await commitment(c.salt, c.value)).toBe(
      nodeSha256(Buffer.from(c.salt, 'hex'), Buffer.from(c.value, 'utf8')),
    );
  });

  it('does not open with another value or salt', async () => {
    const c = vectors.commitments[0]!;
    expect(await verifyCommitment(c.commitment, c.salt, 'Aigul@example.kg')).toBe(false);
    expect(await verifyCommitment(c.commitment, newSalt(), c.value)).toBe(false);
    expect(await verifyCommitment(c.commitment, c.salt.toUpperCase(), c.value)).toBe(false);
    expect(await verifyCommitment(c.commitment, c.salt, 'A\ud800')).toBe(false);
    await expect(commitment('00', c.value)).rejects.toThrow();
  });

  it('makes 32-byte salts and 64-bit pseudonyms at random', () => {
    const salts = new Set(Array.from({ length: 50 }, newSalt));
    expect(salts.size).toBe(50);
    for (const salt of salts) expect(salt).toMatch(/^[0-9a-f]{64}$/);
    const names = new Set(Array.from({ length: 50 }, pseudonym));
    expect(names.size).toBe(50);
    for (const name of names) {
      expect(name).toMatch(/^p_[0-9a-f]{16}$/);
      expect(isValidActor(`organizer:${name}`)).toBe(true);
    }
  });
});
