/**
 * Where the rate limiters (src/abuse/limiter.ts) count, in fixed windows aligned on the epoch:
 *
 * - `ThrottleStore`, the `throttles` table, one upsert statement per hit (src/identity/throttle.ts): every Node
 *   server on one PostgreSQL, and every Worker isolate on one D1, counts into the same rows.
 * - `MemoryThrottleStore`, this process's memory: for an embedded SQLite file, which one server serves
 *   (docs/deploy.md). A hit in the table was a write of its own, and on SQLite a commit waiting for the disk, two
 *   per ballot before the ballot's own (docs/performance.md). A restart forgets at most one window's counts.
 *
 * `throttleStore` picks the one for the database.
 */
import { hit, count, windowStart } from '../identity/throttle';
import type { Store } from '../store/store';
import type { AppDeps } from '../deps';
import { LIMIT_WINDOW_MS } from './limits';
import { decrementThrottle, purgeThrottles, resetThrottle } from './repository';

/** A key's count in the current window, and when the window ends. */
export interface WindowCount {
  totalHits: number;
  resetTime: Date;
}

/** A counter per key in fixed windows of `windowMs`. */
export interface LimiterStore {
  readonly windowMs: number;
  get(key: string): Promise<WindowCount>;
  /** Counts one hit and returns the count with it. */
  increment(key: string): Promise<WindowCount>;
  decrement(key: string): Promise<void>;
  resetKey(key: string): Promise<void>;
}

/** Expired windows of this store's keys are deleted after this many hits (per process), to keep the table small. */
const PURGE_EVERY = 1000;

export class ThrottleStore implements LimiterStore {
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
    readonly windowMs = LIMIT_WINDOW_MS,
  ) {}

  private resetTime(now: number): Date {
    return new Date(windowStart(now, this.windowMs) + this.windowMs);
  }

  async get(key: string): Promise<WindowCount> {
    const now = this.clock();
    return {
      totalHits: await count(this.store, this.prefix + key, this.windowMs, now),
      resetTime: this.resetTime(now),
    };
  }

  async increment(key: string): Promise<WindowCount> {
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

/** Counters of every limiter on one store (so two apps on one in-memory database count together, as on a table). */
const memoryCounters = new WeakMap<Store, Map<string, { window: number; count: number }>>();

export class MemoryThrottleStore implements LimiterStore {
  private readonly counters: Map<string, { window: number; count: number }>;
  private hits = 0;

  constructor(
    store: Store,
    private readonly clock: () => number,
    readonly prefix: string,
    readonly windowMs = LIMIT_WINDOW_MS,
  ) {
    let counters = memoryCounters.get(store);
    if (!counters) memoryCounters.set(store, (counters = new Map()));
    this.counters = counters;
  }

  /** The counter of `key` in the current window (a counter of an older window counts as zero). */
  private current(key: string, now: number) {
    const window = windowStart(now, this.windowMs);
    const counter = this.counters.get(this.prefix + key);
    return counter?.window === window ? counter : { window, count: 0 };
  }

  async get(key: string): Promise<WindowCount> {
    const now = this.clock();
    return { totalHits: this.current(key, now).count, resetTime: this.resetTime(now) };
  }

  async increment(key: string): Promise<WindowCount> {
    const now = this.clock();
    const counter = this.current(key, now);
    counter.count++;
    this.counters.set(this.prefix + key, counter);
    if (++this.hits % PURGE_EVERY === 0) this.purge(windowStart(now, this.windowMs));
    return { totalHits: counter.count, resetTime: this.resetTime(now) };
  }

  async decrement(key: string): Promise<void> {
    const counter = this.current(key, this.clock());
    if (counter.count > 0) counter.count--;
  }

  async resetKey(key: string): Promise<void> {
    this.counters.delete(this.prefix + key);
  }

  private resetTime(now: number): Date {
    return new Date(windowStart(now, this.windowMs) + this.windowMs);
  }

  /** Forgets the counters of past windows. */
  private purge(window: number) {
    for (const [key, counter] of this.counters) if (counter.window < window) this.counters.delete(key);
  }
}

/** The limiter store for the app's database: its memory on SQLite (one server), the `throttles` table otherwise. */
export function throttleStore(
  deps: Pick<AppDeps, 'store' | 'clock'>,
  prefix: string,
  windowMs = LIMIT_WINDOW_MS,
): LimiterStore {
  return deps.store.dialect === 'sqlite'
    ? new MemoryThrottleStore(deps.store, deps.clock, prefix, windowMs)
    : new ThrottleStore(deps.store, deps.clock, prefix, windowMs);
}
