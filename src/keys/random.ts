/**
 * Random bytes drawn from a pool that the runtime's CSPRNG fills 4 KB at a time. Each getRandomValues call costs
 * microseconds of its own (argument checks, a call into the runtime), and a ballot wants several random values:
 * ids, an IV, a request id (docs/performance.md). Bytes handed out are never handed out again.
 */
const POOL_SIZE = 4096;
const pool = new Uint8Array(POOL_SIZE);
let used = POOL_SIZE;

/** `n` fresh random bytes (n ≤ 4096), in a new array. */
export function randomBytes(n: number): Uint8Array<ArrayBuffer> {
  if (!(n >= 0 && n <= POOL_SIZE)) throw new RangeError('randomBytes: 0 to 4096 bytes at a time');
  if (used + n > POOL_SIZE) {
    crypto.getRandomValues(pool);
    used = 0;
  }
  const out = pool.slice(used, used + n);
  // Handed out: not kept in the pool either.
  pool.fill(0, used, used + n);
  used += n;
  return out;
}
