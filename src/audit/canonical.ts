/**
 * Canonical JSON (RFC 8785, JCS) for the subset of JSON that Laurel hashes, and the byte helpers the audit formats
 * are built from. Audit format version 0: the output of this module is frozen (see docs/audit.md).
 *
 * WebCrypto and TextEncoder only, so the module runs unchanged on Node 20 and Cloudflare Workers.
 */
import { sha256 } from '../keys/primitives';

/** Thrown when a value cannot be put in canonical JSON; `path` names where, e.g. `$.payload.weights[2]`. */
export class CanonicalJsonError extends Error {
  readonly path: string;

  constructor(path: string, reason: string) {
    super(`canonical JSON: ${reason} at ${path}`);
    this.name = 'CanonicalJsonError';
    this.path = path;
  }
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

function childPath(path: string, key: string): string {
  return IDENTIFIER.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
}

/** Index of the first lone surrogate in `s`, or -1 when `s` is well-formed UTF-16. */
export function loneSurrogateAt(s: string): number {
  for (let i = 0; i < s.length; i++) {
    const unit = s.charCodeAt(i);
    if (unit >= 0xd800 && unit <= 0xdbff) {
      const next = i + 1 < s.length ? s.charCodeAt(i + 1) : 0;
      if (next >= 0xdc00 && next <= 0xdfff) {
        i++;
        continue;
      }
      return i;
    }
    if (unit >= 0xdc00 && unit <= 0xdfff) return i;
  }
  return -1;
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'object') {
    const name = (value as { constructor?: { name?: unknown } }).constructor?.name;
    return typeof name === 'string' && name !== '' ? `${name} object` : 'non-plain object';
  }
  return typeof value;
}

function serializeString(s: string, path: string, what: string): string {
  const at = loneSurrogateAt(s);
  if (at >= 0) {
    const unit = s.charCodeAt(at).toString(16).padStart(4, '0');
    throw new CanonicalJsonError(path, `${what} has a lone surrogate \\u${unit} at index ${at}`);
  }
  // For well-formed strings JSON.stringify is exactly JCS (RFC 8785 §3.2.2.2): \b \f \n \r \t, other controls as
  // \u00xx with lowercase hex, '"' and '\' escaped, everything else (including U+2028, U+2029, '/') literal.
  return JSON.stringify(s);
}

function isPlainObject(value: object): value is Record<string, unknown> {
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function serialize(value: unknown, path: string, open: Set<object>): string {
  switch (typeof value) {
    case 'string':
      return serializeString(value, path, 'string');
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value)) throw new CanonicalJsonError(path, `number ${String(value)} is not allowed`);
      if (!Number.isInteger(value)) {
        throw new CanonicalJsonError(path, `fractional number ${String(value)} is not allowed (use a string)`);
      }
      if (!Number.isSafeInteger(value)) {
        throw new CanonicalJsonError(path, `integer ${String(value)} is outside the safe integer range`);
      }
      // Safe integers print without exponent or fraction; -0 prints as 0 (String(-0) === '0').
      return String(value);
    case 'bigint':
      throw new CanonicalJsonError(path, 'bigint is not allowed');
    case 'undefined':
      throw new CanonicalJsonError(path, 'undefined is not allowed');
    case 'function':
      throw new CanonicalJsonError(path, 'function is not allowed');
    case 'symbol':
      throw new CanonicalJsonError(path, 'symbol is not allowed');
    case 'object':
      break;
    default:
      throw new CanonicalJsonError(path, `${typeof value} is not allowed`);
  }
  if (value === null) return 'null';
  if (open.has(value)) throw new CanonicalJsonError(path, 'cycle');
  open.add(value);
  try {
    if (Array.isArray(value)) {
      const parts: string[] = [];
      for (let i = 0; i < value.length; i++) {
        // Holes in sparse arrays read as undefined and are rejected like undefined elements.
        parts.push(serialize(value[i], `${path}[${i}]`, open));
      }
      return `[${parts.join(',')}]`;
    }
    if (!isPlainObject(value)) {
      throw new CanonicalJsonError(path, `${kindOf(value)} is not allowed (only plain objects and arrays)`);
    }
    if (Object.getOwnPropertySymbols(value).some((s) => Object.prototype.propertyIsEnumerable.call(value, s))) {
      throw new CanonicalJsonError(path, 'symbol-keyed property is not allowed');
    }
    // Default sort compares UTF-16 code units, which is the order RFC 8785 §3.2.3 asks for.
    const keys = Object.keys(value).sort();
    const parts: string[] = [];
    for (const key of keys) {
      const member = value[key];
      if (member === undefined) continue; // omitted, as JSON.stringify does
      const memberPath = childPath(path, key);
      const name = serializeString(key, memberPath, 'property name');
      parts.push(`${name}:${serialize(member, memberPath, open)}`);
    }
    return `{${parts.join(',')}}`;
  } finally {
    open.delete(value);
  }
}

/**
 * RFC 8785 canonical JSON of `value`, restricted to Laurel's subset: plain objects (keys sorted by UTF-16 code
 * units; properties whose value is `undefined` are omitted), arrays, well-formed strings, booleans, null and safe
 * integers (-0 becomes 0). Anything else throws a {@link CanonicalJsonError} naming the JSON path.
 */
export function canonicalJson(value: unknown): string {
  return serialize(value, '$', new Set());
}

const encoder = new TextEncoder();

/** UTF-8 bytes of `s`. Throws on a lone surrogate instead of silently writing U+FFFD. */
export function utf8(s: string): Uint8Array<ArrayBuffer> {
  const at = loneSurrogateAt(s);
  if (at >= 0) throw new TypeError(`utf8: lone surrogate at index ${at}`);
  return encoder.encode(s);
}

const HEX = /^(?:[0-9a-f]{2})*$/;

/** Bytes of a string of lowercase hex digits (even length). Uppercase or other characters throw. */
export function hexToBytes(hex: string): Uint8Array<ArrayBuffer> {
  if (!HEX.test(hex)) throw new TypeError('hexToBytes: expected an even number of lowercase hex digits');
  const bytes = new Uint8Array(hex.length / 2);
  for (let i = 0; i < bytes.length; i++)
    bytes[i] = (NIBBLE[hex.charCodeAt(2 * i)]! << 4) | NIBBLE[hex.charCodeAt(2 * i + 1)]!;
  return bytes;
}

// Lookup tables: the ballot log converts millions of hashes (docs/performance.md); per-byte toString/parseInt
// were a visible part of a checkpoint's time.
const BYTE_HEX = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, '0'));
const NIBBLE = new Uint8Array(128);
for (let d = 0; d < 16; d++) NIBBLE[d.toString(16).charCodeAt(0)] = d;

/** Lowercase hex of `bytes`. */
export function bytesToHex(bytes: Uint8Array): string {
  let hex = '';
  for (let i = 0; i < bytes.length; i++) hex += BYTE_HEX[bytes[i]!];
  return hex;
}

/** Concatenation of byte arrays. */
export function concatBytes(...chunks: Uint8Array[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}

/** Lowercase hex SHA-256 of `data`; a string is hashed as its UTF-8 bytes (see {@link utf8}). */
export async function sha256Hex(data: Uint8Array | string): Promise<string> {
  return bytesToHex(await sha256(typeof data === 'string' ? utf8(data) : data));
}
