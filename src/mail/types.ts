/** The mail contract the rest of Laurel uses; src/mail/outbox.ts implements it over the `outbox` table. */
import type { Compilable } from 'kysely';

export interface MailMessage {
  /** What the mail is for, e.g. `organizer-code`, `receipt`: shown in delivery reports. */
  kind: string;
  to: string;
  subject: string;
  text: string;
  html?: string;
  ceremonyId?: string;
}

/** Something that actually delivers one message (SMTP, an HTTP mail API, or the log). */
export interface MailTransport {
  readonly name: 'smtp' | 'http' | 'log';
  send(message: MailMessage & { from: string; id: string }): Promise<{ providerId?: string }>;
}

export interface FlushReport {
  sent: number;
  failed: number;
  /** Messages left queued because the per-minute or per-day cap was reached. */
  deferred: number;
}

export interface Mailer {
  /** The statement that queues a message: put it in the same atomic batch as the change that causes it. */
  queue(message: MailMessage): Compilable;
  /** Statements that queue many messages at once (multi-row inserts cut to D1's 100 bound parameters). */
  queueMany(messages: MailMessage[]): Compilable[];
  /** Delivers due messages now, within the throttle; safe to call from several servers at once. */
  flush(): Promise<FlushReport>;
  /** Asks for a flush soon without waiting for it (Node: next tick; Workers: waitUntil). */
  kick(): void;
  readonly transport: MailTransport['name'];
}
