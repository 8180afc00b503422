/**
 * Request limits of the public vote and how a client address becomes a limit key. Pure: no database, no HTTP.
 *
 * The numbers are for a national award where many voters share one public address (a mobile carrier's NAT, a
 * school's network): generous per address, tight per person. A person can cast one ballot per category, so 30
 * ballot requests a minute leave room for repeats (a double tap, a lost response) and changes under
 * `last-counts`, but not for a script. 120 ballots a minute from one address is about 20 voters a minute each
 * voting in six categories behind one NAT address. Verification (code requests and code checks) is two or three
 * requests per voter, so 60 a minute per address fits the same crowd.
 */

/** One fixed window of the limits, aligned on the epoch minute so every server cuts the same windows. */
export const LIMIT_WINDOW_MS = 60_000;

export interface Limit {
  /** The limiter's name, part of its keys in the `throttles` table. */
  name: string;
  /** Requests allowed in one window; the next one is refused with 429. */
  perWindow: number;
  windowMs: number;
  /** The optional setting that overrides `perWindow`, if the configuration has it. */
  setting: string;
}

/** Ballot requests (POST …/ballots) per client address (IPv4 address, or IPv6 /64) per minute. */
export const BALLOTS_PER_ADDRESS: Limit = {
  name: 'ballots-address',
  perWindow: 120,
  windowMs: LIMIT_WINDOW_MS,
  setting: 'RATE_BALLOTS_PER_ADDRESS',
};
/** Ballot requests per person (the voter token's person key) per minute, from any address. */
export const BALLOTS_PER_PERSON: Limit = {
  name: 'ballots-person',
  perWindow: 30,
  windowMs: LIMIT_WINDOW_MS,
  setting: 'RATE_BALLOTS_PER_PERSON',
};
/** Verification requests (email codes, roll codes, OIDC starts) per client address per minute. */
export const VERIFICATIONS_PER_ADDRESS: Limit = {
  name: 'verify-address',
  perWindow: 60,
  windowMs: LIMIT_WINDOW_MS,
  setting: 'RATE_VERIFY_PER_ADDRESS',
};

/**
 * The limit with its per-window count taken from the configuration when it holds the limit's setting (a positive
 * integer, e.g. RATE_BALLOTS_PER_PERSON=60); the default otherwise.
 */
export function configuredLimit(limit: Limit, config: object): Limit {
  const value = Number((config as Record<string, unknown>)[limit.setting]);
  return Number.isSafeInteger(value) && value > 0 ? { ...limit, perWindow: value } : limit;
}

/**
 * The key an address is limited under, or null when the address is no client's:
 * - IPv4 (also written IPv4-mapped, `::ffff:a.b.c.d`): the address itself. A NAT's whole crowd is one address;
 *   widening to the /24 would join unrelated customers of the same provider.
 * - IPv6: its /64. One subscriber (a home, a phone) holds a whole /64 and can use any of its 2^64 addresses,
 *   so a key per address would be no limit at all; the /48 of fraud grouping (`networkOf`) is a whole site or
 *   more, too wide for a limit that refuses requests.
 * - null for `direct` (the runtime did not say: tests, or a Worker without TRUST_PROXY) and for loopback (a
 *   local reverse proxy not declared in TRUST_PROXY, or a test): one key for everybody would throttle the whole
 *   award together. Behind a proxy, set TRUST_PROXY so the limits see real clients.
 * Anything else (`unknown`: a trusted proxy header was missing) is one key of its own.
 */
export function addressLimitKey(address: string): string | null {
  const raw = address.trim().toLowerCase();
  if (!raw || raw === 'direct') return null;
  const v4 = ipv4Of(raw);
  if (v4) return v4.startsWith('127.') ? null : v4;
  const groups = ipv6Groups(raw);
  if (groups) {
    if (groups.every((g, i) => (i < 7 ? g === 0 : g === 1))) return null; // ::1
    return `${groups
      .slice(0, 4)
      .map((g) => g.toString(16))
      .join(':')}::/64`;
  }
  return raw;
}

function ipv4Of(address: string): string | null {
  const m = /^(?:::ffff:)?(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(address);
  if (!m) return null;
  const parts = m.slice(1).map(Number);
  return parts.every((p) => p <= 255) ? parts.join('.') : null;
}

/** The eight 16-bit groups of an IPv6 address (zone id dropped, `::` expanded), or null if it is not one. */
export function ipv6Groups(address: string): number[] | null {
  const text = address.split('%')[0]!;
  if (!text.includes(':') || !/^[0-9a-f:.]+$/.test(text)) return null;
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const parse = (part: string): number[] | null => {
    if (part === '') return [];
    const out: number[] = [];
    const pieces = part.split(':');
    for (const [i, piece] of pieces.entries()) {
      // An embedded IPv4 address may stand for the last two groups.
      if (i === pieces.length - 1 && piece.includes('.')) {
        const v4 = ipv4Of(piece);
        if (!v4) return null;
        const [a, b, c, d] = v4.split('.').map(Number) as [number, number, number, number];
        out.push((a << 8) | b, (c << 8) | d);
      } else if (/^[0-9a-f]{1,4}$/.test(piece)) out.push(parseInt(piece, 16));
      else return null;
    }
    return out;
  };
  const head = parse(halves[0]!);
  const tail = halves.length === 2 ? parse(halves[1]!) : [];
  if (!head || !tail) return null;
  if (halves.length === 1) return head.length === 8 ? head : null;
  const missing = 8 - head.length - tail.length;
  if (missing < 1) return null;
  return [...head, ...new Array<number>(missing).fill(0), ...tail];
}
