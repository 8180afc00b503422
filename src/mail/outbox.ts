/**
 * The mail outbox: every message is first a row of `outbox`, queued in the same atomic batch as the change that
 * causes it, then delivered by `flush()` at a throttled rate through one transport (SMTP, an HTTP mail API, or
 * the log).
 *
 * Several servers may flush one outbox at once. There are no interactive transactions: each message is claimed
 * by one guarded UPDATE (queued and due, or `sending` with an expired lease; and the throttle window not full)
 * whose changed-row count says who won, and every later write is guarded by that claim's lease. A server that
 * dies while sending leaves a lease that expires, and the message is tried again (counted as an attempt).
 *
 * Throttle: messages sent in the last 60 s and in the last 24 h (from `sent_at`) plus the ones being sent under a
 * live lease count against MAIL_PER_MINUTE and MAIL_PER_DAY; the claim itself re-checks the window, so the caps
 * hold across servers on SQLite and D1 (one writer) and nearly so on PostgreSQL.
 *
 * Privacy (DESIGN.md, Identity): plain addresses live only while a message is being delivered. Once a real
 * transport (`smtp`, `http`) has sent a message, its address and bodies are blanked; when it finally fails, the
 * bodies are blanked and the address is cut to its domain (enough to see that one provider refuses us). Only the
 * log transport of development keeps them, for the dev outbox page.
 *
 * A sent row's `next_attempt_at` is set to its send time as well, so the `outbox_due (status, next_attempt_at)`
 * index also serves the throttle's window counts as the table grows.
 */
import { type Compilable, type Kysely, type SqlBool, sql } from 'kysely';
import type { Database, OutboxRow } from '../../db/schema';
import { chunkedInsert } from '../store/chunks';
import { timeOrderedId } from '../store/ids';
import { prepared } from '../store/prepared';
import type { Store } from '../store/store';
import type { FlushReport, MailMessage, Mailer, MailTransport } from './types';

export type OutboxStatus = 'queued' | 'sending' | 'sent' | 'failed';
export const OUTBOX_STATUSES: readonly OutboxStatus[] = ['queued', 'sending', 'sent', 'failed'];

/** Attempts before a message is given up as `failed`. */
export const MAX_ATTEMPTS = 8;
/** How long a claim lasts; longer than the transports' own timeouts (see smtp.ts and transports.ts). */
export const LEASE_MS = 120_000;
/** Backoff after failed attempt n (1-based): 1 min, 2, 4, … capped at 1 h; about 2 h from first try to giving up. */
export const BACKOFF_BASE_MS = 60_000;
export const BACKOFF_MAX_MS = 3_600_000;
const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
const ERROR_MAX_CHARS = 500;

export function backoffMs(attempt: number): number {
  return Math.min(BACKOFF_BASE_MS * 2 ** Math.max(0, attempt - 1), BACKOFF_MAX_MS);
}

/** What went wrong with one message, or with a whole background flush (no `messageId`). */
export interface MailErrorContext {
  messageId?: string;
  attempt?: number;
  /** True when the message was given up as `failed`. */
  final?: boolean;
}

export interface MailerOptions {
  store: Store;
  transport: MailTransport;
  /** The From header, e.g. `Laurel <laurel@example.org>` (config MAIL_FROM). */
  from: string;
  /** Throttle (config MAIL_PER_MINUTE, MAIL_PER_DAY): sends per rolling minute and per rolling 24 h. */
  perMinute: number;
  perDay: number;
  /** The app's clock in epoch milliseconds (a fake one in tests). */
  clock: () => number;
  /**
   * Keep addresses and bodies after sending, for the dev outbox page. Only honoured with the `log` transport:
   * a real transport always blanks them. Default: true with the log transport.
   */
  devMail?: boolean;
  /** Errors of background flushes and of single deliveries; default: one JSON line on console.error. */
  onError?: (error: unknown, context: MailErrorContext) => void;
  /** Workers: keeps the isolate alive for a kicked flush (ctx.waitUntil). Node: leave unset (next tick). */
  waitUntil?: (promise: Promise<unknown>) => void;
}

type NewOutboxRow = Omit<OutboxRow, 'sent_at' | 'lease_until' | 'last_error' | 'provider_id'>;

/** One message queued, prepared once (src/store/prepared.ts): every ballot with an address queues its receipt. */
const insertOutbox = prepared<Store, NewOutboxRow>((store, v) =>
  store.db.insertInto('outbox').values({
    id: v.id,
    ceremony_id: v.ceremony_id,
    kind: v.kind,
    to_address: v.to_address,
    subject: v.subject,
    text_body: v.text_body,
    html_body: v.html_body,
    status: v.status,
    attempts: v.attempts,
    next_attempt_at: v.next_attempt_at,
    created_at: v.created_at,
  }),
);

export function createMailer(options: MailerOptions): Mailer {
  const { store, transport, from, clock } = options;
  const db = store.db;
  const perMinute = Math.max(0, Math.floor(options.perMinute));
  const perDay = Math.max(0, Math.floor(options.perDay));
  const keepContent = transport.name === 'log' && (options.devMail ?? true);
  const onError =
    options.onError ??
    ((error: unknown, context: MailErrorContext) =>
      console.error(
        JSON.stringify({
          level: context.final === false ? 'warn' : 'error',
          msg: context.messageId ? 'mail delivery failed' : 'mail flush failed',
          ...context,
          error: errorText(error),
        }),
      ));

  /** Reports through onError; a handler that throws must not break a flush or become an unhandled rejection. */
  const reportError = (error: unknown, context: MailErrorContext) => {
    try {
      onError(error, context);
    } catch {
      // ignored on purpose
    }
  };

  /** Messages sent in the window, or being sent under a live lease. */
  const windowCount = (since: number, now: number) =>
    sql<number>`(select count(*) from outbox as w where (w.status = 'sent' and w.next_attempt_at >= ${since} and w.sent_at >= ${since}) or (w.status = 'sending' and w.lease_until > ${now}))`;

  const isDue = (now: number) =>
    sql<SqlBool>`((status = 'queued' and next_attempt_at <= ${now}) or (status = 'sending' and lease_until < ${now}))`;

  async function allowance(now: number): Promise<number> {
    const row = await db
      .selectNoFrom([windowCount(now - MINUTE_MS, now).as('minute'), windowCount(now - DAY_MS, now).as('day')])
      .executeTakeFirstOrThrow();
    return Math.max(0, Math.min(perMinute - Number(row.minute), perDay - Number(row.day)));
  }

  async function dueCount(now: number): Promise<number> {
    const row = await db
      .selectFrom('outbox')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where(isDue(now))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /** One guarded statement: wins the message for this server, or changes nothing. */
  async function claim(row: OutboxRow, now: number): Promise<number | null> {
    const leaseUntil = now + LEASE_MS;
    const update = db
      .updateTable('outbox')
      .set({ status: 'sending', lease_until: leaseUntil, attempts: row.attempts + 1 })
      .where('id', '=', row.id)
      .where('attempts', '=', row.attempts)
      .where(isDue(now))
      .where(sql<SqlBool>`${windowCount(now - MINUTE_MS, now)} < ${perMinute}`)
      .where(sql<SqlBool>`${windowCount(now - DAY_MS, now)} < ${perDay}`);
    const [result] = await store.batch([update]);
    return result && result.changes > 0 ? leaseUntil : null;
  }

  /** Was the claim refused by the throttle (the row is still there for the taking) rather than by a rival? */
  async function stillClaimable(row: OutboxRow, now: number): Promise<boolean> {
    const current = await db
      .selectFrom('outbox')
      .select('id')
      .where('id', '=', row.id)
      .where('attempts', '=', row.attempts)
      .where(isDue(now))
      .executeTakeFirst();
    return current !== undefined;
  }

  async function deliver(row: OutboxRow, leaseUntil: number): Promise<'sent' | 'retry' | 'failed'> {
    const attempt = row.attempts + 1;
    // Every write after the claim holds only while this server's lease does.
    const leaseGuard = () =>
      db
        .updateTable('outbox')
        .where('id', '=', row.id)
        .where('status', '=', 'sending')
        .where('lease_until', '=', leaseUntil);
    let providerId: string | undefined;
    try {
      ({ providerId } = await transport.send({
        id: row.id,
        from,
        kind: row.kind,
        to: row.to_address,
        subject: row.subject,
        text: row.text_body,
        html: row.html_body ?? undefined,
        ceremonyId: row.ceremony_id ?? undefined,
      }));
    } catch (error) {
      const final = attempt >= MAX_ATTEMPTS;
      const lastError = scrub(errorText(error), row.to_address).slice(0, ERROR_MAX_CHARS);
      reportError(new Error(lastError), { messageId: row.id, attempt, final });
      const now = clock();
      await store.batch([
        final
          ? leaseGuard().set({
              status: 'failed',
              lease_until: null,
              last_error: lastError,
              ...(keepContent ? {} : { to_address: maskAddress(row.to_address), text_body: '', html_body: null }),
            })
          : leaseGuard().set({
              status: 'queued',
              lease_until: null,
              next_attempt_at: now + backoffMs(attempt),
              last_error: lastError,
            }),
      ]);
      return final ? 'failed' : 'retry';
    }
    // Sent. A database error from here on is the flush's, not the message's: it is not marked for a retry.
    const sentAt = clock();
    await store.batch([
      leaseGuard().set({
        status: 'sent',
        sent_at: sentAt,
        next_attempt_at: sentAt,
        lease_until: null,
        provider_id: providerId ?? null,
        ...(keepContent ? {} : { to_address: '', text_body: '', html_body: null }),
      }),
    ]);
    return 'sent';
  }

  /**
   * `report: false` (a kick, whose report nobody reads) skips counting the messages left queued: with a throttle
   * and a backlog that count reads every queued row, and a kick follows every ballot that mails a receipt
   * (2 ms per kick at a few thousand queued; docs/performance.md).
   */
  async function flush({ report: counted = true }: { report?: boolean } = {}): Promise<FlushReport> {
    const report: FlushReport = { sent: 0, failed: 0, deferred: 0 };
    const now = clock();
    const allowed = await allowance(now);
    const due =
      allowed > 0
        ? await db
            .selectFrom('outbox')
            .selectAll()
            .where(isDue(now))
            .orderBy('next_attempt_at')
            .orderBy('created_at')
            .orderBy('id')
            .limit(allowed)
            .execute()
        : [];
    if (counted && due.length >= allowed) report.deferred += Math.max(0, (await dueCount(now)) - due.length);
    for (let i = 0; i < due.length; i++) {
      const row = due[i]!;
      const at = clock();
      const leaseUntil = await claim(row, at);
      if (leaseUntil === null) {
        // Taken by another server, or the window filled up meanwhile (then the rest waits too).
        if (await stillClaimable(row, at)) {
          report.deferred += due.length - i;
          break;
        }
        continue;
      }
      const outcome = await deliver(row, leaseUntil);
      if (outcome === 'sent') report.sent++;
      else if (outcome === 'failed') report.failed++;
    }
    return report;
  }

  type KickState = 'idle' | 'scheduled' | 'running';
  let state: KickState = 'idle';
  let again = false;

  async function runKicked(): Promise<void> {
    state = 'running';
    try {
      do {
        again = false;
        await flush({ report: false });
      } while (again);
    } catch (error) {
      reportError(error, {});
    } finally {
      state = 'idle';
      again = false;
    }
  }

  function kick(): void {
    if (state === 'scheduled') return;
    if (state === 'running') {
      again = true; // messages queued during this flush get one more pass
      return;
    }
    state = 'scheduled';
    if (options.waitUntil) options.waitUntil(Promise.resolve().then(runKicked));
    else setTimeout(() => void runKicked(), 0);
  }

  function outboxRow(message: MailMessage, now: number) {
    const to = message.to.trim();
    if (!to || /[\r\n]/.test(to)) throw new Error('mail: the recipient address is empty or malformed');
    return {
      // Sorted by time: every ballot queues a receipt, and a random key was a random index page per ballot.
      id: timeOrderedId('mail', now),
      ceremony_id: message.ceremonyId ?? null,
      kind: message.kind,
      to_address: to,
      // A line break in a header would be refused by the transport; one line it is.
      subject: message.subject.replace(/\s*[\r\n]+\s*/g, ' ').trim(),
      text_body: message.text,
      html_body: message.html ?? null,
      status: 'queued',
      attempts: 0,
      next_attempt_at: now,
      created_at: now,
    };
  }

  function queue(message: MailMessage): Compilable {
    return insertOutbox(store, outboxRow(message, clock()));
  }

  function queueMany(messages: MailMessage[]): Compilable[] {
    const now = clock();
    return chunkedInsert(
      db,
      'outbox',
      messages.map((m) => outboxRow(m, now)),
    );
  }

  return { queue, queueMany, flush: () => flush(), kick, transport: transport.name };
}

export type StatusCounts = Record<OutboxStatus, number>;

export interface DeliveryReport {
  total: number;
  byStatus: StatusCounts;
  /** Per kind of mail (`organizer-code`, `receipt`, …), counts per status. */
  byKind: Record<string, StatusCounts>;
  /** The oldest message not yet delivered (queued or being sent), and its age at `now`. */
  oldestQueuedAt: number | null;
  oldestQueuedAgeMs: number | null;
  /** Site-wide sends in the throttle's rolling windows (the caps are site-wide), whatever award is asked for. */
  sentLastMinute: number;
  sentLastDay: number;
  /** The latest messages given up, newest first, with their errors (addresses cut to the domain). */
  failures: {
    id: string;
    kind: string;
    to: string;
    subject: string;
    attempts: number;
    lastError: string | null;
    createdAt: number;
  }[];
}

const zeroCounts = (): StatusCounts => ({ queued: 0, sending: 0, sent: 0, failed: 0 });

/** Delivery figures for organizers: the whole outbox, or one award's mail. */
export async function deliveryReport(
  db: Kysely<Database>,
  ceremonyId?: string,
  now: number = Date.now(),
): Promise<DeliveryReport> {
  const outbox = () =>
    db.selectFrom('outbox').$if(ceremonyId !== undefined, (q) => q.where('ceremony_id', '=', ceremonyId!));

  const groups = await outbox()
    .select((eb) => ['status', 'kind', eb.fn.countAll<number>().as('n')])
    .groupBy(['status', 'kind'])
    .execute();
  const report: DeliveryReport = {
    total: 0,
    byStatus: zeroCounts(),
    byKind: {},
    oldestQueuedAt: null,
    oldestQueuedAgeMs: null,
    sentLastMinute: 0,
    sentLastDay: 0,
    failures: [],
  };
  for (const g of groups) {
    const status = g.status as OutboxStatus;
    const n = Number(g.n);
    report.total += n;
    report.byStatus[status] = (report.byStatus[status] ?? 0) + n;
    const kind = (report.byKind[g.kind] ??= zeroCounts());
    kind[status] = (kind[status] ?? 0) + n;
  }

  const oldest = await outbox()
    .select((eb) => eb.fn.min('created_at').as('at'))
    .where('status', 'in', ['queued', 'sending'])
    .executeTakeFirst();
  if (oldest?.at !== null && oldest?.at !== undefined) {
    report.oldestQueuedAt = Number(oldest.at);
    report.oldestQueuedAgeMs = Math.max(0, now - report.oldestQueuedAt);
  }

  // The throttle is site-wide, so these are too: they say how close the whole site is to the caps.
  const windows = await db
    .selectFrom('outbox')
    .select([
      sql<number>`sum(case when sent_at >= ${now - MINUTE_MS} then 1 else 0 end)`.as('minute'),
      sql<number>`count(*)`.as('day'),
    ])
    .where('status', '=', 'sent')
    .where('next_attempt_at', '>=', now - DAY_MS)
    .where('sent_at', '>=', now - DAY_MS)
    .executeTakeFirst();
  report.sentLastMinute = Number(windows?.minute ?? 0);
  report.sentLastDay = Number(windows?.day ?? 0);

  const failures = await outbox()
    .select(['id', 'kind', 'to_address', 'subject', 'attempts', 'last_error', 'created_at'])
    .where('status', '=', 'failed')
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(20)
    .execute();
  report.failures = failures.map((f) => ({
    id: f.id,
    kind: f.kind,
    to: maskAddress(f.to_address),
    subject: f.subject,
    attempts: Number(f.attempts),
    lastError: f.last_error,
    createdAt: Number(f.created_at),
  }));
  return report;
}

/** `someone@yandex.ru` → `*@yandex.ru`; already masked or blank stays as it is. */
export function maskAddress(address: string): string {
  const at = address.lastIndexOf('@');
  if (at < 0) return address ? '*' : '';
  return `*${address.slice(at)}`;
}

function errorText(error: unknown): string {
  if (error instanceof Error) return error.message || error.name;
  return String(error);
}

/** Servers like to quote the recipient in their refusals; the error outlives the address, so it is masked. */
function scrub(text: string, address: string): string {
  if (!address) return text;
  return text.split(address).join(maskAddress(address));
}
