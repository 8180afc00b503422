/**
 * The event chain, commitments and actor pseudonyms of audit format version 0 (docs/audit.md). Pure: data in,
 * data out; WebCrypto only, so it runs unchanged on Node 20 and Cloudflare Workers.
 */
import { CanonicalJsonError, canonicalJson, bytesToHex, concatBytes, hexToBytes, sha256Hex, utf8 } from './canonical';

/** `prev` of the first event (seq 1) of every chain: 32 zero bytes as hex. */
export const GENESIS_PREV = '0'.repeat(64);

/** The hashed fields of an event. */
export type EventBody = {
  seq: number;
  at: number;
  actor: string;
  type: string;
  payload: Record<string, unknown>;
};

/** An event as stored: its body plus the previous event's hash and its own hash. */
export type LoggedEvent = EventBody & { prev: string; hash: string };

export type ChainProblem = { seq: number; problem: string };
export type ChainVerification = { ok: boolean; problems: ChainProblem[] };

const HASH_HEX = /^[0-9a-f]{64}$/;

/** Actors of version 0: `system`, `cli`, `bootstrap`, `scheduler`, `organizer:<pseudonym>`, `juror:<pseudonym>`. */
export const ACTOR_PATTERN = /^(?:system|cli|bootstrap|scheduler|(?:organizer|juror):p_[0-9a-f]{16})$/;

/** Event types are dotted lowercase names such as `phase.changed`. */
export const EVENT_TYPE_PATTERN = /^[a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)+$/;

/** True when `actor` is one of the version 0 actor forms (see {@link ACTOR_PATTERN}). */
export function isValidActor(actor: string): boolean {
  return ACTOR_PATTERN.test(actor);
}

/** True when `type` is a dotted lowercase event type name (see {@link EVENT_TYPE_PATTERN}). */
export function isValidEventType(type: string): boolean {
  return EVENT_TYPE_PATTERN.test(type);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * Canonical JSON of exactly `{seq, at, actor, type, payload}` (other fields of `body`, such as `prev` and `hash`,
 * are left out). This is the text stored for the event and hashed after `prev`. Throws {@link CanonicalJsonError}
 * when seq is not a positive safe integer, at not a non-negative safe integer, actor or type not a string, payload
 * not a plain object, or the payload not canonicalizable.
 */
export function eventCanonical(body: EventBody): string {
  const { seq, at, actor, type, payload } = body;
  if (!Number.isSafeInteger(seq) || seq < 1) throw new CanonicalJsonError('$.seq', 'seq must be a positive integer');
  if (!Number.isSafeInteger(at) || at < 0) {
    throw new CanonicalJsonError('$.at', 'at must be a non-negative integer (epoch milliseconds)');
  }
  if (typeof actor !== 'string') throw new CanonicalJsonError('$.actor', 'actor must be a string');
  if (typeof type !== 'string') throw new CanonicalJsonError('$.type', 'type must be a string');
  if (!isPlainObject(payload)) throw new CanonicalJsonError('$.payload', 'payload must be a plain object');
  return canonicalJson({ seq, at, actor, type, payload });
}

function prevBytes(prev: string): Uint8Array {
  if (!HASH_HEX.test(prev)) throw new TypeError('prev must be 64 lowercase hex digits');
  return hexToBytes(prev);
}

/**
 * Lowercase hex SHA-256( bytes(prev) || UTF-8(eventCanonical(body)) ), where bytes(prev) are the 32 bytes that
 * prev's 64 lowercase hex digits encode. The first event of a chain has seq 1 and prev {@link GENESIS_PREV}.
 */
export async function eventHash(prev: string, body: EventBody): Promise<string> {
  return sha256Hex(concatBytes(prevBytes(prev), utf8(eventCanonical(body))));
}

/** The event that follows `prev` (the previous event's hash, or GENESIS_PREV for seq 1), with its hash. */
export async function sealEvent(prev: string, body: EventBody): Promise<LoggedEvent> {
  const { seq, at, actor, type, payload } = body;
  return { seq, at, actor, type, payload, prev, hash: await eventHash(prev, body) };
}

/**
 * Checks a whole chain: seq runs 1, 2, 3 … without gaps, each prev is the previous event's hash (GENESIS_PREV
 * for the first), each hash is recomputed, and, when a witness is given, the event with the witness's seq exists
 * and has the witness's hash. `ok` is true only when there are no problems.
 */
export async function verifyChain(
  events: LoggedEvent[],
  opts?: { witness?: { seq: number; hash: string } },
): Promise<ChainVerification> {
  const problems: ChainProblem[] = [];
  for (let i = 0; i < events.length; i++) {
    const event = events[i]!;
    const expectedSeq = i + 1;
    const seq = Number.isSafeInteger(event.seq) ? event.seq : expectedSeq;
    if (event.seq !== expectedSeq) {
      problems.push({ seq, problem: `expected seq ${expectedSeq}, found ${String(event.seq)}` });
    }
    const expectedPrev = i === 0 ? GENESIS_PREV : events[i - 1]!.hash;
    if (event.prev !== expectedPrev) {
      problems.push({
        seq,
        problem: i === 0 ? 'prev of the first event is not the genesis value' : "prev is not the previous event's hash",
      });
    }
    let recomputed: string;
    try {
      recomputed = await eventHash(event.prev, event);
    } catch (error) {
      problems.push({ seq, problem: `cannot hash event: ${error instanceof Error ? error.message : String(error)}` });
      continue;
    }
    if (event.hash !== recomputed) {
      problems.push({ seq, problem: `hash mismatch: stored ${String(event.hash)}, recomputed ${recomputed}` });
    }
  }
  const witness = opts?.witness;
  if (witness) {
    const found = events.find((e) => e.seq === witness.seq);
    if (!found) {
      problems.push({ seq: witness.seq, problem: `witness event ${witness.seq} is not in the chain` });
    } else if (found.hash !== witness.hash) {
      problems.push({
        seq: witness.seq,
        problem: `witness hash ${witness.hash} does not match the event's hash ${found.hash}`,
      });
    }
  }
  return { ok: problems.length === 0, problems };
}

function randomHex(byteCount: number): string {
  return bytesToHex(globalThis.crypto.getRandomValues(new Uint8Array(byteCount)));
}

/** A fresh commitment salt: 32 random bytes as 64 lowercase hex digits. */
export function newSalt(): string {
  return randomHex(32);
}

/**
 * Commitment to a personal value: lowercase hex SHA-256( bytes(salt) || UTF-8(value) ), salt being 64 lowercase hex
 * digits (32 bytes). Only the commitment goes into the chain; salt and value live in an erasable table.
 */
export async function commitment(salt: string, value: string): Promise<string> {
  if (!HASH_HEX.test(salt)) throw new TypeError('salt must be 64 lowercase hex digits');
  return sha256Hex(concatBytes(hexToBytes(salt), utf8(value)));
}

/** True when `value` with `salt` opens `commitmentHex`; false for a malformed salt or value. */
export async function verifyCommitment(commitmentHex: string, salt: string, value: string): Promise<boolean> {
  try {
    return (await commitment(salt, value)) === commitmentHex;
  } catch {
    return false;
  }
}

/** A fresh per-award actor pseudonym: `p_` and 16 lowercase hex digits (64 random bits); nothing is derived. */
export function pseudonym(): string {
  return `p_${randomHex(8)}`;
}
