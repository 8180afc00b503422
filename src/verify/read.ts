/**
 * Reading an audit bundle from a file, in either form (docs/audit.md §19): the JSON object, or NDJSON read line by
 * line (a header, then one item per line), and checking its shape before anything trusts it. A bundle is hostile
 * input: every member the checks read is validated here, so a tampered file yields a report, never a crash.
 */
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { z } from 'zod';
import { BUNDLE_FORMAT, type Bundle } from '../bundle/export';

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
function isBallotLine(raw: unknown): raw is { ballot: z.infer<typeof Ballot> } {
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
 * Reads a bundle; throws {@link BundleUnreadable} when the file is not JSON/NDJSON at all, and returns the shape
 * problems (the `format` check) beside whatever could be read.
 */
export async function readBundle(file: string): Promise<{ bundle?: Bundle; problems: string[] }> {
  const ndjson = await looksLikeNdjson(file);
  return ndjson ? readNdjson(file) : readJson(file);
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

async function readJson(file: string) {
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
  return { bundle: parsed.data as Bundle, problems: countProblems(parsed.data as Bundle) };
}

async function readNdjson(file: string) {
  const lines = createInterface({ input: createReadStream(file, { encoding: 'utf8' }), crlfDelay: Infinity });
  let header: z.infer<typeof Header> | undefined;
  const bundle = { events: [], reviews: [], disclosures: [], ballots: [] } as unknown as Bundle;
  const problems: string[] = [];
  let n = 0;
  // The sections must come in this order (§19.2); an item out of order is a shape problem.
  const order = ['event', 'review', 'disclosure', 'ballot'];
  let section = 0;
  for await (const line of lines) {
    n++;
    if (line === '') continue;
    let raw: unknown;
    try {
      raw = JSON.parse(line);
    } catch (e) {
      // A broken header means nothing can be read; a broken item is a problem of the bundle's shape.
      if (!header) throw new BundleUnreadable(`line ${n} is not JSON: ${(e as Error).message}`);
      if (problems.length < 20) problems.push(`line ${n} is not JSON`);
      continue;
    }
    if (!header) {
      const parsed = Header.safeParse(raw);
      if (!parsed.success) return { problems: issues(parsed.error, 'line 1: ') };
      header = parsed.data;
      continue;
    }
    // Ballots are nearly every line of a large bundle: checked by hand, the rest with zod.
    const ballot = isBallotLine(raw) ? raw : undefined;
    const item = ballot ? { success: true as const, data: ballot } : Line.safeParse(raw);
    if (!item.success) {
      if (problems.length < 20) problems.push(`line ${n}: not an event, review, disclosure or ballot`);
      continue;
    }
    const kind = Object.keys(item.data)[0]!;
    const at = order.indexOf(kind);
    if (at < section && problems.length < 20) problems.push(`line ${n}: a ${kind} after the ${order[section]}s`);
    section = Math.max(section, at);
    const value = (item.data as Record<string, unknown>)[kind];
    (bundle as unknown as Record<string, unknown[]>)[`${kind}s`]!.push(value);
  }
  if (!header) throw new BundleUnreadable(`${file} is empty`);
  Object.assign(bundle, header);
  return { bundle, problems: [...problems, ...countProblems(bundle)] };
}

/** A list shorter or longer than `counts` says: a truncated or padded download (§19.1). */
function countProblems(b: Bundle): string[] {
  return (['events', 'reviews', 'disclosures', 'ballots'] as const).flatMap((k) =>
    b[k].length === b.counts[k] ? [] : [`counts.${k} is ${b.counts[k]} but the bundle holds ${b[k].length}`],
  );
}
