/**
 * A hono-rate-limiter `Store` over the `throttles` table: fixed windows counted by one upsert statement each
 * (src/identity/throttle.ts), so every Node server on one PostgreSQL, and every Worker isolate on one D1, counts
 * into the same rows. Nothing is kept in memory but the window length.
 */
import type { ClientRateLimitInfo, HonoConfigType, Store as LimiterStore } from 'hono-rate-limiter';
import { hit, count, windowStart } from '../identity/throttle';
import type { Env } from '../http/router';
import type { Store } from '../store/store';
import { LIMIT_WINDOW_MS } from './limits';
import { decrementThrottle, purgeThrottles, resetThrottle } from './repository';

/** Expired windows of this store's keys are deleted after this many hits (per process), to keep the table small. */
const PURGE_EVERY = 1000;

export class ThrottleStore implements LimiterStore<Env> {
  /** Keys counted here count on every server: the limiter's double-count check must not assume otherwise. */
  readonly localKeys = false;
  private windowMs = LIMIT_WINDOW_MS;
  private hits = 0;

  /**
   * @param store the database
   * @param clock the app clock (epoch ms); windows are aligned on multiples of the window length
   * @param prefix put before every key in the table, e.g. `rl:ballots-address:`
   */
  constructor(
    private readonly store: Store,
    private readonly clock: () => number,
    readonly prefix: string,
  ) {}

  init(options: HonoConfigType<Env>): void {
    this.windowMs = options.windowMs;
  }

  private resetTime(now: number): Date {
    return new Date(windowStart(now, this.windowMs) + this.windowMs);
  }

  async get(key: string): Promise<ClientRateLimitInfo> {
    const now = this.clock();
    return {
      totalHits: await count(this.store, this.prefix + key, this.windowMs, now),
      resetTime: this.resetTime(now),
    };
  }

  async increment(key: string): Promise<ClientRateLimitInfo> {
    const now = this.clock();
    const totalHits = await hit(this.store, this.prefix + key, this.windowMs, now);
    if (++this.hits % PURGE_EVERY === 0)
      await purgeThrottles(this.store.db, this.prefix, windowStart(now, this.windowMs));
    return { totalHits, resetTime: this.resetTime(now) };
  }

  async decrement(key: string): Promise<void> {
    await decrementThrottle(this.store.db, this.prefix + key, windowStart(this.clock(), this.windowMs));
  }

  async resetKey(key: string): Promise<void> {
    await resetThrottle(this.store.db, this.prefix + key);
  }
}
