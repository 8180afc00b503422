/**
 * Reading an audit bundle from a file, in either form (docs/audit.md §19): the JSON object, or NDJSON read line by
 * line (a header, then one item per line), and checking its shape before anything trusts it. A bundle is hostile
 * input: every member the checks read is validated here, so a tampered file yields a report, never a crash. For
 * the checks, the NDJSON form's ballots are streamed into a compact table and never held as objects.
 */
import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { z } from 'zod';
import { BUNDLE_FORMAT, type Bundle, type BundleBallot } from '../bundle/format';
import { BallotLog, type BallotSpans, ballotTableOf, newSpans, parseBallotLine } from './ballots';
import type { TabledBundle } from './checks';

const Hex = z.string().regex(/^[0-9a-f]{64}$/, '64 lowercase hex digits');
const Int = z.number().int();
const Event = z.object({
  seq: Int,
  at: Int,
  actor: z.string(),
  type: z.string(),
  payload: z.record(z.string(), z.unknown()),
  prev: z.string(),
  hash: z.string(),
});
const Review = z.object({ seq: Int, trackers: z.array(z.string()) });
const Disclosure = z.object({ commitment: z.string(), salt: Hex, value: z.string() });
const Ballot = z.object({ tracker: Hex, category: z.string().min(1), nominee: z.string().min(1), batch: Int });
const Header = z.object({
  format: z.literal(BUNDLE_FORMAT),
  award: z.object({ id: z.string(), slug: z.string(), locales: z.array(z.string()), content: z.unknown() }),
  head: z.object({ seq: Int, hash: z.string() }),
  rules: z.record(z.string(), z.unknown()),
  categories: z.array(
    z.object({
      id: z.string(),
      slug: z.string(),
      track: z.string(),
      k: Int.nullable(),
      winners: Int,
      content: z.unknown(),
    }),
  ),
  institutions: z.array(z.object({ id: z.string(), slug: z.string(), weight: Int, content: z.unknown() })),
  nominees: z.array(
    z.object({
      id: z.string(),
      category: z.string(),
      slug: z.string(),
      status: z.string(),
      content: z.unknown().optional(),
      erased: z.literal(true).optional(),
    }),
  ),
  results: z.array(
    z.object({
      version: Int,
      hash: z.string(),
      kid: z.string(),
      jws: z.string(),
      document: z.record(z.string(), z.unknown()),
    }),
  ),
  keys: z.object({ keys: z.array(z.record(z.string(), z.unknown())) }),
  counts: z.object({ events: Int, reviews: Int, disclosures: Int, ballots: Int }),
});
const Whole = Header.extend({
  events: z.array(Event),
  reviews: z.array(Review),
  disclosures: z.array(Disclosure),
  ballots: z.array(Ballot),
});
const Line = z.union([
  z.object({ event: Event }).strict(),
  z.object({ review: Review }).strict(),
  z.object({ disclosure: Disclosure }).strict(),
  z.object({ ballot: Ballot }).strict(),
]);

export class BundleUnreadable extends Error {}

const TRACKER = /^[0-9a-f]{64}$/;

/** `{"ballot": {tracker, category, nominee, batch}}` with nothing else: the Ballot schema, without zod's cost. */
export function isBallotLine(raw: unknown): raw is { ballot: z.infer<typeof Ballot> } {
  if (typeof raw !== 'object' || raw === null) return false;
  const keys = Object.keys(raw);
  if (keys.length !== 1 || keys[0] !== 'ballot') return false;
  const b = (raw as { ballot: unknown }).ballot as Record<string, unknown> | null;
  if (typeof b !== 'object' || b === null || Object.keys(b).length !== 4) return false;
  return (
    typeof b.tracker === 'string' &&
    TRACKER.test(b.tracker) &&
    typeof b.category === 'string' &&
    b.category !== '' &&
    typeof b.nominee === 'string' &&
    b.nominee !== '' &&
    Number.isSafeInteger(b.batch)
  );
}

/** Problems with the bundle's shape: `path: message`, at most 20. */
function issues(error: z.ZodError, prefix = ''): string[] {
  return error.issues.slice(0, 20).map((i) => `${prefix}${i.path.join('.') || '(bundle)'}: ${i.message}`);
}

/**
 * Reads a bundle whole, its ballots as objects; throws {@link BundleUnreadable} when the file is not JSON/NDJSON at
 * all, and returns the shape problems (the `format` check) beside whatever could be read. `laurel verify` reads with
 * {@link readForVerify} instead, which keeps no object per ballot.
 */
export async function readBundle(file: string): Promise<{ bundle?: Bundle; problems: string[] }> {
  if (!(await looksLikeNdjson(file))) return readJson(file);
  const ballots: BundleBallot[] = [];
  const read = await readNdjson(file, () => ({
    addLine: (buf, at) =>
      ballots.push({
        tracker: buf.toString('latin1', at.tracker, at.tracker + 64),
        category: buf.toString('latin1', at.category, at.categoryEnd),
        nominee: buf.toString('latin1', at.nominee, at.nomineeEnd),
        batch: at.batch,
      }),
    add: (b) => ballots.push(b),
  }));
  if (!read.header) return { problems: read.problems };
  const bundle: Bundle = { ...read.header, ...read.lists, ballots };
  return { bundle, problems: [...read.problems, ...countProblems(bundle, ballots.length)] };
}

/**
 * Reads a bundle for the checks. The NDJSON form is streamed: each ballot line goes straight into the ballot-log
 * check and the ballot table (src/verify/ballots.ts), so a million ballots take tens of megabytes, not gigabytes.
 * The JSON form is one value and is parsed whole (its ballots are then tabled the same way): the NDJSON form is
 * the one for large awards (docs/audit.md §19.2, docs/performance.md).
 */
export async function readForVerify(file: string): Promise<{ bundle?: TabledBundle; problems: string[] }> {
  if (!(await looksLikeNdjson(file))) {
    const { bundle, problems } = await readJson(file);
    return { bundle: bundle && { ...bundle, ballots: ballotTableOf(bundle.events, bundle.ballots) }, problems };
  }
  // Room for the ballots the header counts, but no more than the file can hold (a ballot line is at least 128 bytes).
  const bytes = (await stat(file)).size;
  const read = await readNdjson(
    file,
    (header, events) => new BallotLog(events, Math.min(header.counts.ballots, Math.ceil(bytes / 128))),
  );
  if (!read.header) return { problems: read.problems };
  const ballots = read.sink.finish();
  const bundle: TabledBundle = { ...read.header, ...read.lists, ballots };
  return { bundle, problems: [...read.problems, ...countProblems(bundle, ballots.size)] };
}

/** NDJSON when the first line alone is a JSON object with `format` and no `events` member (§19.2). */
async function looksLikeNdjson(file: string): Promise<boolean> {
  const handle = await open(file, 'r').catch((e: Error) => {
    throw new BundleUnreadable(`cannot open ${file}: ${e.message}`);
  });
  try {
    const lines = createInterface({ input: handle.createReadStream({ encoding: 'utf8' }), crlfDelay: Infinity });
    for await (const line of lines) {
      lines.close();
      try {
        const first = JSON.parse(line) as Record<string, unknown>;
        return typeof first === 'object' && first !== null && 'format' in first && !('events' in first);
      } catch {
        return false;
      }
    }
    return false;
  } finally {
    await handle.close();
  }
}

async function readJson(file: string): Promise<{ bundle?: Bundle; problems: string[] }> {
  const chunks: string[] = [];
  for await (const chunk of createReadStream(file, { encoding: 'utf8' })) chunks.push(chunk as string);
  let raw: unknown;
  try {
    raw = JSON.parse(chunks.join(''));
  } catch (e) {
    throw new BundleUnreadable(`${file} is not JSON: ${(e as Error).message}`);
  }
  const parsed = Whole.safeParse(raw);
  if (!parsed.success) return { problems: issues(parsed.error) };
  const bundle = parsed.data as Bundle;
  return { bundle, problems: countProblems(bundle, bundle.ballots.length) };
}

/** Where the ballots of an NDJSON bundle go as they are read: a line's fields, or a ballot parsed the long way. */
interface BallotSink {
  addLine(buf: Buffer, at: BallotSpans): void;
  add(ballot: BundleBallot): void;
}

/**
 * Calls `onLine` with each line of a file as a byte range of a buffer, without its `\n` (and a `\r` before it),
 * reading 1 MiB at a time: no string per line, which the ballot lines do without. `onLine` returns false to stop.
 */
async function eachLine(file: string, onLine: (buf: Buffer, start: number, end: number) => boolean): Promise<void> {
  const line = (buf: Buffer, start: number, end: number) =>
    onLine(buf, start, end > start && buf[end - 1] === 0x0d ? end - 1 : end);
  let carry: Buffer[] = [];
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) {
    const buf = chunk as Buffer;
    let from = 0;
    for (let nl = buf.indexOf(0x0a, from); nl !== -1; nl = buf.indexOf(0x0a, from)) {
      let go: boolean;
      if (carry.length === 0) go = line(buf, from, nl);
      else {
        // A line across chunks: joined, once.
        const whole = Buffer.concat([...carry, buf.subarray(from, nl)]);
        carry = [];
        go = line(whole, 0, whole.length);
      }
      if (!go) return;
      from = nl + 1;
    }
    if (from < buf.length) carry.push(buf.subarray(from));
  }
  if (carry.length > 0) {
    const whole = Buffer.concat(carry);
    line(whole, 0, whole.length);
  }
}

type Header = z.infer<typeof Header>;
type Lists = Pick<Bundle, 'events' | 'reviews' | 'disclosures'>;

/**
 * Reads an NDJSON bundle (§19.2): the header and the three short lists as values, the ballots into the sink that
 * `sinkFor` makes from the header and the events once the first ballot comes (or at the end). A ballot line the
 * fast path reads ({@link parseBallotLine}) makes no string at all; any other line is JSON.parse'd and checked.
 */
async function readNdjson<S extends BallotSink>(
  file: string,
  sinkFor: (header: Header, events: Bundle['events']) => S,
): Promise<{ header?: undefined; problems: string[] } | { header: Header; lists: Lists; sink: S; problems: string[] }> {
  let header: Header | undefined;
  let badHeader: string[] | undefined;
  const lists: Lists = { events: [], reviews: [], disclosures: [] };
  let sink: S | undefined;
  const sinkNow = () => (sink ??= sinkFor(header!, lists.events));
  const problems: string[] = [];
  const problem = (text: string) => {
    if (problems.length < 20) problems.push(text);
  };
  let n = 0;
  // The sections must come in this order (§19.2); an item out of order is a shape problem.
  const order = ['event', 'review', 'disclosure', 'ballot'] as const;
  let section = 0;
  const spans = newSpans();
  await eachLine(file, (buf, start, end) => {
    n++;
    if (start === end) return true;
    // Nearly every line of a large bundle: a ballot read from its bytes (a ballot is the last section: never out
    // of order).
    if (header && parseBallotLine(buf, start, end, spans)) {
      section = 3;
      sinkNow().addLine(buf, spans);
      return true;
    }
    let raw: unknown;
    try {
      raw = JSON.parse(buf.toString('utf8', start, end));
    } catch (e) {
      // A broken header means nothing can be read; a broken item is a problem of the bundle's shape.
      if (!header) throw new BundleUnreadable(`line ${n} is not JSON: ${(e as Error).message}`);
      problem(`line ${n} is not JSON`);
      return true;
    }
    if (!header) {
      const parsed = Header.safeParse(raw);
      if (!parsed.success) {
        badHeader = issues(parsed.error, 'line 1: ');
        return false;
      }
      header = parsed.data;
      return true;
    }
    // Ballots the fast path left (other spacing, escapes, non-ASCII) are checked by hand, the rest with zod.
    const ballot = isBallotLine(raw) ? raw : undefined;
    const item = ballot ? { success: true as const, data: ballot } : Line.safeParse(raw);
    if (!item.success) {
      problem(`line ${n}: not an event, review, disclosure or ballot`);
      return true;
    }
    const kind = Object.keys(item.data)[0] as (typeof order)[number];
    const at = order.indexOf(kind);
    if (at < section) problem(`line ${n}: a ${kind} after the ${order[section]}s`);
    section = Math.max(section, at);
    const value = (item.data as Record<string, unknown>)[kind];
    if (kind === 'ballot') sinkNow().add(value as BundleBallot);
    else (lists[`${kind}s`] as unknown[]).push(value);
    return true;
  });
  if (badHeader) return { problems: badHeader };
  if (!header) throw new BundleUnreadable(`${file} is empty`);
  return { header, lists, sink: sinkNow(), problems };
}

/** A list shorter or longer than `counts` says: a truncated or padded download (§19.1). */
function countProblems(b: Omit<Bundle, 'ballots'>, ballots: number): string[] {
  const held = { events: b.events.length, reviews: b.reviews.length, disclosures: b.disclosures.length, ballots };
  return (['events', 'reviews', 'disclosures', 'ballots'] as const).flatMap((k) =>
    held[k] === b.counts[k] ? [] : [`counts.${k} is ${b.counts[k]} but the bundle holds ${held[k]}`],
  );
}
