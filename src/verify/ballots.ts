/**
 * The ballots of a bundle as the checks need them, without an object per ballot (issue 9: a million-ballot bundle
 * verified in well under 1 GiB). A {@link BallotLog} is fed the ballots in file order, straight from NDJSON lines
 * ({@link parseBallotLine}) or as objects (the JSON form), and at once
 *
 * - rebuilds the ballot log for the `ballot-log` check (docs/audit.md §14 step 3, §21): the ballots grouped by the
 *   checkpoints' batches, each group in tracker order, every checkpoint's size and root recomputed from the leaves
 *   (node:crypto's synchronous SHA-256, {@link merkleBuilder});
 * - fills a {@link BallotTable}: each tracker as eight 32-bit words, each ballot's (category, nominee) as an index
 *   into a short list of pairs, and at the end an index of the ballots sorted by tracker, for lookups by tracker
 *   (reviews, checkpoints' status lists, the replay of §20) and for trackers that appear twice.
 *
 * A million ballots take about 45 MB here instead of an object, three strings and a map entry each. Pure apart from
 * the hash: no I/O.
 */
import nodeCrypto from 'node:crypto';
import { bytesToHex, utf8 } from '../audit/canonical';
import type { LoggedEvent } from '../audit/chain';
import { leafCanonical, merkleBuilder } from '../audit/merkle';
import type { BundleBallot } from '../bundle/format';

/**
 * SHA-256 into `out` at `at` with node:crypto. The one-shot `hash` (Node 20.12 and later) asked for a latin1 string
 * costs half of a Buffer result (a Buffer per hash, two million of them, was most of the hashing time); each char
 * of that string is one byte of the digest.
 */
const sha256Into: (data: Uint8Array, out: Uint8Array, at: number) => void =
  typeof nodeCrypto.hash === 'function'
    ? (data, out, at) => {
        // 'latin1' is 'binary' under the name Node normalizes without a slow lookup (the types list only 'binary').
        const digest = nodeCrypto.hash('sha256', data, 'latin1' as 'binary');
        for (let i = 0; i < 32; i++) out[at + i] = digest.charCodeAt(i);
      }
    : (data, out, at) => out.set(nodeCrypto.createHash('sha256').update(data).digest(), at);

/** A ballot's category and nominee; the table stores an index into a list of these. */
export interface BallotPair {
  category: string;
  nominee: string;
}

/** Where {@link parseBallotLine} found the fields of a ballot line: byte offsets into its buffer. */
export interface BallotSpans {
  /** The first of the tracker's 64 hex digits. */
  tracker: number;
  /** The tracker as 8 big-endian 32-bit words (see trackerWords). */
  readonly words: Uint32Array;
  /** The category's first byte and the closing quote after its last. */
  category: number;
  categoryEnd: number;
  nominee: number;
  nomineeEnd: number;
  batch: number;
  /** {@link pairHash} of the category and nominee, computed while they were read. */
  pairHash: number;
}

/** Fresh spans for {@link parseBallotLine} to fill, one per reader (they are reused line after line). */
export const newSpans = (): BallotSpans => ({
  tracker: 0,
  words: new Uint32Array(8),
  category: 0,
  categoryEnd: 0,
  nominee: 0,
  nomineeEnd: 0,
  batch: 0,
  pairHash: 0,
});

const bytes = (text: string) => Uint8Array.from(text, (c) => c.charCodeAt(0));
const LINE_START = bytes('{"ballot":{"tracker":"');
const AFTER_TRACKER = bytes('","category":"');
const AFTER_CATEGORY = bytes('","nominee":"');
const AFTER_NOMINEE = bytes('","batch":');
const LINE_END = bytes('}}');
const CATEGORY_MEMBER = bytes('"category":"').length;
const TRACKER_MEMBER = bytes(',"tracker":"');
const LEAF_END = bytes('"}');
/** The longest batch number the fast path reads: 15 digits stay below 2^53 (a safe integer). */
const MAX_BATCH_DIGITS = 15;

/** Hex digit values by byte; -1 for anything but 0-9 and a-f (a tracker is lowercase hex). */
const NIBBLE = new Int8Array(256).fill(-1);
for (let d = 0; d < 16; d++) NIBBLE[d.toString(16).charCodeAt(0)] = d;

function startsWith(buf: Uint8Array, at: number, end: number, expected: Uint8Array): boolean {
  if (at + expected.length > end) return false;
  for (let i = 0; i < expected.length; i++) if (buf[at + i] !== expected[i]) return false;
  return true;
}

/** FNV-1a, 32 bits: one step. */
const FNV_START = 0x811c9dc5;
const fnv = (h: number, byte: number) => Math.imul(h ^ byte, 0x01000193) >>> 0;

/**
 * A pair's hash: FNV-1a over the category's characters, then the nominee's. For plain strings (below) only; the
 * table finds a line's pair by it without making a string.
 */
function pairHash(category: string, nominee: string): number {
  let h = FNV_START;
  for (let i = 0; i < category.length; i++) h = fnv(h, category.charCodeAt(i));
  for (let i = 0; i < nominee.length; i++) h = fnv(h, nominee.charCodeAt(i));
  return h;
}

/** One or more printable ASCII characters other than `"` and `\`: a string that is its own JSON content. */
const PLAIN = /^[\x20\x21\x23-\x5b\x5d-\x7e]+$/;

/**
 * The end (the closing quote) of a JSON string's content starting at `at` when that content is plain (see PLAIN),
 * so that the bytes are the string and its canonical JSON both, with the content's bytes hashed into `out.pairHash`;
 * -1 otherwise (an escape, a control character, non-ASCII text, an empty string or no closing quote).
 */
function plainString(buf: Uint8Array, at: number, end: number, out: BallotSpans): number {
  let i = at;
  let h = out.pairHash;
  for (; i < end; i++) {
    const c = buf[i]!;
    if (c === 0x22) break;
    if (c < 0x20 || c > 0x7e || c === 0x5c) return -1;
    h = fnv(h, c);
  }
  out.pairHash = h;
  return i > at && i < end ? i : -1;
}

/**
 * Reads the line `buf[start, end)` when it is a ballot line exactly as the exporter writes it (docs/audit.md §19.2):
 * `{"ballot":{"tracker":"<64 lowercase hex>","category":"<c>","nominee":"<n>","batch":<integer>}}`, with no
 * whitespace, category and nominee printable ASCII without escapes, and the batch a non-negative integer of at most
 * 15 digits without leading zeros. Fills `out` and returns true then; returns false for anything else, which the
 * caller parses with JSON.parse and the schema instead. Every line accepted here is one that JSON.parse and the
 * schema accept with the same four values (test/verify-stream.test.ts), so the shortcut changes no verdict.
 */
export function parseBallotLine(buf: Uint8Array, start: number, end: number, out: BallotSpans): boolean {
  if (!startsWith(buf, start, end, LINE_START)) return false;
  const tracker = start + LINE_START.length;
  if (tracker + 64 > end) return false;
  for (let w = 0; w < 8; w++) {
    let word = 0;
    for (let i = tracker + 8 * w; i < tracker + 8 * w + 8; i++) {
      const digit = NIBBLE[buf[i]!]!;
      if (digit < 0) return false;
      word = word * 16 + digit;
    }
    out.words[w] = word;
  }
  if (!startsWith(buf, tracker + 64, end, AFTER_TRACKER)) return false;
  const category = tracker + 64 + AFTER_TRACKER.length;
  out.pairHash = FNV_START;
  const categoryEnd = plainString(buf, category, end, out);
  if (categoryEnd < 0 || !startsWith(buf, categoryEnd, end, AFTER_CATEGORY)) return false;
  const nominee = categoryEnd + AFTER_CATEGORY.length;
  const nomineeEnd = plainString(buf, nominee, end, out);
  if (nomineeEnd < 0 || !startsWith(buf, nomineeEnd, end, AFTER_NOMINEE)) return false;
  let at = nomineeEnd + AFTER_NOMINEE.length;
  const digits = at;
  let batch = 0;
  for (; at < end && buf[at]! >= 0x30 && buf[at]! <= 0x39; at++) batch = batch * 10 + buf[at]! - 0x30;
  const length = at - digits;
  if (length === 0 || length > MAX_BATCH_DIGITS || (length > 1 && buf[digits] === 0x30)) return false;
  if (at + LINE_END.length !== end || !startsWith(buf, at, end, LINE_END)) return false;
  out.tracker = tracker;
  out.category = category;
  out.categoryEnd = categoryEnd;
  out.nominee = nominee;
  out.nomineeEnd = nomineeEnd;
  out.batch = batch;
  return true;
}

const TRACKER = /^[0-9a-f]{64}$/;

/**
 * A tracker's 64 hex digits as 8 big-endian 32-bit words into `out` at `at` (their numeric order is the trackers'
 * text order); false, writing nothing, when it is not 64 lowercase hex digits.
 */
function trackerWords(tracker: unknown, out: Uint32Array, at: number): boolean {
  if (typeof tracker !== 'string' || !TRACKER.test(tracker)) return false;
  for (let w = 0; w < 8; w++) out[at + w] = Number.parseInt(tracker.slice(8 * w, 8 * w + 8), 16);
  return true;
}

/** The tracker at word offset 8 × position of `words`, as hex. */
function trackerHex(words: Uint32Array, position: number): string {
  let hex = '';
  for (let w = 0; w < 8; w++) hex += words[8 * position + w]!.toString(16).padStart(8, '0');
  return hex;
}

/** Whether `buf[start, end)` holds exactly the characters of `text` (plain ASCII). */
function sameText(buf: Uint8Array, start: number, end: number, text: string): boolean {
  if (end - start !== text.length) return false;
  for (let i = 0; i < text.length; i++) if (buf[start + i] !== text.charCodeAt(i)) return false;
  return true;
}

/** A checkpoint event as the ballot-log check reads it. */
interface LogCheckpoint {
  event: LoggedEvent;
  batch: number;
}

/** Ballot statuses in the replay's table (src/verify/replay.ts). */
export const COUNTED = 0;
export const FLAGGED = 1;
export const VOIDED = 2;
export const SUPERSEDED = 3;

/**
 * The ballots of a bundle, one row per ballot in file order (its position): tracker, (category, nominee) pair, and
 * the index sorted by tracker. A tracker given twice is one ballot for lookups and counts, the last row with it
 * (as a map by tracker keeps it); the `ballot-log` check reports the repetition.
 */
export class BallotTable {
  /** The problems the ballot-log check found while the ballots were read. */
  readonly logProblems: readonly string[];
  readonly size: number;
  readonly pairs: readonly BallotPair[];
  readonly #words: Uint32Array;
  readonly #pairOf: Uint32Array;
  /** Positions sorted by tracker, then position. */
  readonly #sorted: Uint32Array;
  /** The position that stands for each position's tracker (its last row); undefined when no tracker repeats. */
  readonly #owner: Uint32Array | undefined;
  #byPair: { start: Uint32Array; positions: Uint32Array } | undefined;
  readonly #query = new Uint32Array(8);

  constructor(words: Uint32Array, pairOf: Uint32Array, pairs: readonly BallotPair[], logProblems: readonly string[]) {
    this.size = pairOf.length;
    this.#words = words;
    this.#pairOf = pairOf;
    this.pairs = pairs;
    this.logProblems = logProblems;
    this.#sorted = sortByTracker(words, this.size);
    let owner: Uint32Array | undefined;
    for (let i = 1; i < this.size; i++) {
      if (compareAt(words, this.#sorted[i - 1]!, words, this.#sorted[i]!) !== 0) continue;
      owner ??= Uint32Array.from({ length: this.size }, (_, p) => p);
      // Equal trackers are sorted by position, so the later row owns the earlier ones, transitively.
      let j = i;
      while (j + 1 < this.size && compareAt(words, this.#sorted[j]!, words, this.#sorted[j + 1]!) === 0) j++;
      for (let k = i - 1; k <= j; k++) owner[this.#sorted[k]!] = this.#sorted[j]!;
      i = j;
    }
    this.#owner = owner;
  }

  /** The tracker of the ballot at `position`, as hex. */
  tracker(position: number): string {
    return trackerHex(this.#words, position);
  }

  /** The index into {@link pairs} of the ballot at `position`. */
  pair(position: number): number {
    return this.#pairOf[position]!;
  }

  /** The position that stands for the tracker of `position` (itself unless the tracker repeats). */
  owner(position: number): number {
    return this.#owner ? this.#owner[position]! : position;
  }

  /** Positions sorted by tracker (and by position among equal trackers). */
  get sorted(): Uint32Array {
    return this.#sorted;
  }

  /** The range of {@link sorted} holding `tracker`, empty when no ballot has it. */
  #range(tracker: unknown): [number, number] {
    if (!trackerWords(tracker, this.#query, 0)) return [0, 0];
    let lo = 0;
    let hi = this.size;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareAt(this.#words, this.#sorted[mid]!, this.#query, 0) < 0) lo = mid + 1;
      else hi = mid;
    }
    let end = lo;
    while (end < this.size && compareAt(this.#words, this.#sorted[end]!, this.#query, 0) === 0) end++;
    return [lo, end];
  }

  /** The position standing for `tracker` (see {@link owner}), or -1 when no ballot of the bundle has it. */
  find(tracker: unknown): number {
    const [lo, hi] = this.#range(tracker);
    return lo < hi ? this.#sorted[hi - 1]! : -1;
  }

  /** The first position with `tracker`, or -1. */
  first(tracker: unknown): number {
    const [lo, hi] = this.#range(tracker);
    return lo < hi ? this.#sorted[lo]! : -1;
  }

  /** The positions of the ballots of pair `pair`, in position order (an index built on first use). */
  positionsOf(pair: number): Uint32Array {
    if (!this.#byPair) {
      // A counting sort by pair: the withdrawal of a nominee touches only that nominee's ballots.
      const start = new Uint32Array(this.pairs.length + 1);
      for (let p = 0; p < this.size; p++) start[this.#pairOf[p]! + 1]!++;
      for (let i = 0; i < this.pairs.length; i++) start[i + 1]! += start[i]!;
      const next = start.slice(0, this.pairs.length);
      const positions = new Uint32Array(this.size);
      for (let p = 0; p < this.size; p++) positions[next[this.#pairOf[p]!]!++] = p;
      this.#byPair = { start, positions };
    }
    return this.#byPair.positions.subarray(this.#byPair.start[pair], this.#byPair.start[pair + 1]);
  }
}

/** Compares the tracker at word offset 8 × i of `a` with the one at 8 × j of `b`. */
function compareAt(a: Uint32Array, i: number, b: Uint32Array, j: number): number {
  for (let w = 0; w < 8; w++) {
    const x = a[8 * i + w]!;
    const y = b[8 * j + w]!;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

/**
 * Positions 0…n-1 sorted by tracker, then position: a natural merge sort, stable, that merges the runs already in
 * order. A bundle's ballots are sorted within each batch, so this is a merge of one run per checkpoint.
 */
function sortByTracker(words: Uint32Array, n: number): Uint32Array {
  let from = Uint32Array.from({ length: n }, (_, i) => i);
  let to = new Uint32Array(n);
  let runs = [0];
  for (let i = 1; i < n; i++) if (compareAt(words, i - 1, words, i) > 0) runs.push(i);
  runs.push(n);
  while (runs.length > 2) {
    const merged = [0];
    for (let r = 0; r + 1 < runs.length; r += 2) {
      const lo = runs[r]!;
      const mid = runs[r + 1]!;
      const hi = runs[r + 2] ?? mid;
      let i = lo;
      let j = mid;
      let k = lo;
      while (i < mid && j < hi) to[k++] = compareAt(words, from[j]!, words, from[i]!) < 0 ? from[j++]! : from[i++]!;
      while (i < mid) to[k++] = from[i++]!;
      while (j < hi) to[k++] = from[j++]!;
      merged.push(hi);
    }
    [from, to] = [to, from];
    runs = merged;
  }
  return from;
}

/**
 * The ballot-log check of a bundle's ballots, fed one ballot at a time, and the table the other checks read. Made
 * with the bundle's events (the checkpoints, which come before the ballots in both forms); `capacity` is how many
 * ballots to make room for at first.
 */
export class BallotLog {
  readonly #checkpoints: LogCheckpoint[];
  readonly #tree = merkleBuilder(sha256Into);
  readonly #problems: string[] = [];
  /** The checkpoint whose batch the current group of ballots belongs to. */
  #cp = 0;
  #groupStart = 0;
  /** For each checkpoint passed, the number of ballots in the log after its group. */
  readonly #ends: number[] = [];
  /** The first ballot in no checkpoint's group, and its batch. */
  #leftover: { position: number; batch: number } | undefined;
  #size = 0;
  #words: Uint32Array;
  #pairOf: Uint32Array;
  readonly #pairs: BallotPair[] = [];
  /** Pairs of plain strings by {@link pairHash} (a list in case two collide); the others by their JSON. */
  readonly #plainPairs = new Map<number, number[]>();
  readonly #otherPairs = new Map<string, number>();
  #leaf = new Uint8Array(512);

  constructor(events: readonly LoggedEvent[], capacity = 1024) {
    this.#checkpoints = events
      .filter((e) => e.type === 'ballots.checkpoint')
      .map((event) => ({ event, batch: Number(event.payload.batch) }));
    const room = Math.max(1, capacity);
    this.#words = new Uint32Array(8 * room);
    this.#pairOf = new Uint32Array(room);
  }

  get size(): number {
    return this.#size;
  }

  /** Adds the ballot of a line that {@link parseBallotLine} read into `at`. */
  addLine(buf: Buffer, at: BallotSpans): void {
    const position = this.#reserve();
    this.#words.set(at.words, 8 * position);
    this.#pairOf[position] = this.#linePair(buf, at);
    if (!this.#place(position, at.batch)) return;
    // The leaf's canonical JSON {"category":…,"nominee":…,"tracker":…} (§9): the line holds `"category":"<c>",
    // "nominee":"<n>"` in that order already, and these strings are their own canonical JSON (plain ASCII).
    const length =
      1 + at.nomineeEnd + 1 - (at.category - CATEGORY_MEMBER) + TRACKER_MEMBER.length + 64 + LEAF_END.length;
    if (this.#leaf.length < length) this.#leaf = new Uint8Array(2 * length);
    // Copied by hand: Buffer#copy's call costs more than these hundred bytes.
    const leaf = this.#leaf;
    leaf[0] = 0x7b;
    let n = 1;
    for (let i = at.category - CATEGORY_MEMBER; i <= at.nomineeEnd; i++) leaf[n++] = buf[i]!;
    for (let i = 0; i < TRACKER_MEMBER.length; i++) leaf[n++] = TRACKER_MEMBER[i]!;
    for (let i = at.tracker; i < at.tracker + 64; i++) leaf[n++] = buf[i]!;
    for (let i = 0; i < LEAF_END.length; i++) leaf[n++] = LEAF_END[i]!;
    this.#tree.leaf(leaf.subarray(0, length));
  }

  /** Adds a ballot read as an object (the JSON form, or a line the fast path left to JSON.parse). */
  add(ballot: BundleBallot): void {
    const position = this.#reserve();
    trackerWords(ballot.tracker, this.#words, 8 * position);
    this.#pairOf[position] = this.#objectPair(ballot.category, ballot.nominee);
    if (this.#place(position, ballot.batch)) this.#tree.leaf(utf8(leafCanonical(ballot)));
  }

  /** Ends the check: the checkpoints no ballot reached, ballots in none, repeated trackers, status lists. */
  finish(): BallotTable {
    while (this.#cp < this.#checkpoints.length) this.#close(this.#size);
    const n = this.#size;
    if (this.#leftover) {
      const { position, batch } = this.#leftover;
      this.#problems.push(
        `${n - position} ballot(s) from ballot ${trackerHex(this.#words, position)} (batch ${batch}) on are in no checkpoint, or out of batch order`,
      );
    }
    const table = new BallotTable(
      this.#words.subarray(0, 8 * n),
      this.#pairOf.subarray(0, n),
      this.#pairs,
      this.#problems,
    );
    // A tracker twice among the ballots of the checkpoints: once per row after the first.
    const grouped = this.#leftover?.position ?? n;
    let previous = -1;
    for (const p of table.sorted) {
      if (p >= grouped) continue;
      if (previous >= 0 && compareAt(this.#words, previous, this.#words, p) === 0)
        this.#problems.push(`ballot ${table.tracker(p)} appears twice`);
      previous = p;
    }
    this.#checkpoints.forEach(({ event: e, batch }, i) => {
      for (const list of ['voided', 'superseded', 'restored'] as const) {
        const trackers = e.payload[list];
        for (const t of Array.isArray(trackers) ? (trackers as unknown[]) : []) {
          const first = table.first(t);
          if (first < 0 || first >= this.#ends[i]!)
            this.#problems.push(
              `checkpoint ${batch} (event ${e.seq}) lists ${list} ${String(t)}, not a ballot of the log by then`,
            );
        }
      }
    });
    return table;
  }

  /** The pair of a line's category and nominee: found by their bytes' hash, a string made only for a new pair. */
  #linePair(buf: Buffer, at: BallotSpans): number {
    for (const i of this.#plainPairs.get(at.pairHash) ?? []) {
      const p = this.#pairs[i]!;
      if (sameText(buf, at.category, at.categoryEnd, p.category) && sameText(buf, at.nominee, at.nomineeEnd, p.nominee))
        return i;
    }
    return this.#addPair(
      buf.toString('latin1', at.category, at.categoryEnd),
      buf.toString('latin1', at.nominee, at.nomineeEnd),
      at.pairHash,
    );
  }

  /** The pair of an object's category and nominee: the same pair as a line with the same strings. */
  #objectPair(category: string, nominee: string): number {
    if (PLAIN.test(category) && PLAIN.test(nominee)) {
      const hash = pairHash(category, nominee);
      for (const i of this.#plainPairs.get(hash) ?? [])
        if (this.#pairs[i]!.category === category && this.#pairs[i]!.nominee === nominee) return i;
      return this.#addPair(category, nominee, hash);
    }
    const key = JSON.stringify([category, nominee]);
    return this.#otherPairs.get(key) ?? this.#addPair(category, nominee, key);
  }

  /** A new pair, indexed by its hash (plain strings) or its JSON (any other). */
  #addPair(category: string, nominee: string, key: number | string): number {
    const index = this.#pairs.length;
    this.#pairs.push({ category, nominee });
    if (typeof key === 'string') this.#otherPairs.set(key, index);
    else {
      const list = this.#plainPairs.get(key);
      if (list) list.push(index);
      else this.#plainPairs.set(key, [index]);
    }
    return index;
  }

  /** The next position, the arrays grown (doubled) when full. */
  #reserve(): number {
    if (this.#size === this.#pairOf.length) {
      const words = new Uint32Array(2 * this.#words.length);
      words.set(this.#words);
      this.#words = words;
      const pairOf = new Uint32Array(2 * this.#pairOf.length);
      pairOf.set(this.#pairOf);
      this.#pairOf = pairOf;
    }
    return this.#size++;
  }

  /**
   * Puts the ballot at `position` in the group of the checkpoint of its batch, closing the checkpoints before it
   * (whose groups end here); false when it is in no checkpoint's group (not hashed, reported at the end).
   */
  #place(position: number, batch: number): boolean {
    while (this.#cp < this.#checkpoints.length && this.#checkpoints[this.#cp]!.batch !== batch) this.#close(position);
    if (this.#cp === this.#checkpoints.length) {
      this.#leftover ??= { position, batch };
      return false;
    }
    if (position > this.#groupStart && compareAt(this.#words, position - 1, this.#words, position) >= 0)
      this.#problems.push(`batch ${batch}: ballot ${trackerHex(this.#words, position)} is not in tracker order`);
    return true;
  }

  /** The current checkpoint's group ends before `position`: its size and root must be the event's. */
  #close(position: number): void {
    const { event: e, batch } = this.#checkpoints[this.#cp]!;
    const root = bytesToHex(this.#tree.root());
    if (this.#tree.size !== e.payload.treeSize || root !== e.payload.root)
      this.#problems.push(
        `checkpoint ${batch} (event ${e.seq}): the ballots give size ${this.#tree.size} and root ${root}, the event says ${String(e.payload.treeSize)} and ${String(e.payload.root)}`,
      );
    this.#ends.push(position);
    this.#cp++;
    this.#groupStart = position;
  }
}

/** The table of a bundle whose ballots are an array (the JSON form; a bundle built in memory). */
export function ballotTableOf(events: readonly LoggedEvent[], ballots: readonly BundleBallot[]): BallotTable {
  const log = new BallotLog(events, ballots.length);
  for (const b of ballots) log.add(b);
  return log.finish();
}
