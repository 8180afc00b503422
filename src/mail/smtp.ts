/** The SMTP transport (nodemailer). Node only: keep it out of anything the Worker imports. */
import nodemailer from 'nodemailer';
import type { MailTransport } from './types';

/** Timeouts added to the URL unless it sets its own, so one send stays well inside the outbox lease. */
const DEFAULT_TIMEOUTS: Record<string, number> = {
  connectionTimeout: 15_000,
  greetingTimeout: 15_000,
  socketTimeout: 45_000,
};

export interface SmtpTransport extends MailTransport {
  readonly name: 'smtp';
  /** Closes pooled connections (a URL with `?pool=true`); harmless otherwise. */
  close(): void;
}

/**
 * `smtp://user:pass@host:587` (STARTTLS when offered) or `smtps://…:465`, with nodemailer's query options, e.g.
 * `?tls.rejectUnauthorized=false` or `?pool=true`. The message id is derived from the outbox id.
 */
export function smtpTransport(url: string): SmtpTransport {
  const transporter = nodemailer.createTransport(withDefaultTimeouts(url));
  return {
    name: 'smtp',
    async send(message) {
      const info = await transporter.sendMail({
        from: message.from,
        to: message.to,
        subject: message.subject,
        text: message.text,
        ...(message.html !== undefined ? { html: message.html } : {}),
        messageId: `<${message.id}@${domainOf(message.from)}>`,
      });
      if (info.rejected?.length) throw new Error(`SMTP server rejected the recipient: ${info.response ?? ''}`.trim());
      return { providerId: info.messageId };
    },
    close: () => transporter.close(),
  };
}

/** Adds nodemailer's timeout options to an SMTP URL unless it names them itself. */
export function withDefaultTimeouts(url: string): string {
  const hash = url.indexOf('#');
  const base = hash >= 0 ? url.slice(0, hash) : url;
  const query = base.includes('?') ? base.slice(base.indexOf('?') + 1) : '';
  const present = new Set(query.split('&').map((p) => decodeURIComponent(p.split('=')[0] ?? '')));
  const added = Object.entries(DEFAULT_TIMEOUTS)
    .filter(([key]) => !present.has(key))
    .map(([key, value]) => `${key}=${value}`);
  if (!added.length) return base;
  return base + (base.includes('?') ? (base.endsWith('?') || base.endsWith('&') ? '' : '&') : '?') + added.join('&');
}

function domainOf(from: string): string {
  const m = /@([^\s>]+)\s*>?\s*$/.exec(from.trim());
  return m?.[1] ?? 'laurel.invalid';
}
