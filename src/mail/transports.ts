/**
 * Transports that need nothing but `fetch` and the console, so the Worker can import them. The SMTP transport
 * (nodemailer, Node only) lives in smtp.ts and the Node-side choice of transport in node.ts.
 */
import type { Config } from '../config';
import type { MailTransport } from './types';

/** How long an HTTP mail API may take; well inside the outbox lease (outbox.ts LEASE_MS). */
export const HTTP_TIMEOUT_MS = 30_000;

export interface HttpTransportOptions {
  /** The send endpoint, e.g. https://api.resend.com/emails. */
  url: string;
  apiKey: string;
  /** Injected in tests; the global fetch otherwise. */
  fetch?: typeof fetch;
}

/**
 * A Resend-compatible JSON mail API: POST `{from, to: [to], subject, text, html}` with a Bearer key; the answer's
 * `id` is the provider id. The outbox id goes along as `Idempotency-Key`, so a retry after a lost answer is not
 * sent twice by providers that honour it (Resend does; others ignore the header).
 */
export function httpTransport({ url, apiKey, fetch: fetchImpl }: HttpTransportOptions): MailTransport {
  const doFetch = fetchImpl ?? ((input: RequestInfo | URL, init?: RequestInit) => fetch(input, init));
  return {
    name: 'http',
    async send(message) {
      const response = await doFetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json',
          authorization: `Bearer ${apiKey}`,
          'idempotency-key': `laurel-${message.id}`,
        },
        body: JSON.stringify({
          from: message.from,
          to: [message.to],
          subject: message.subject,
          text: message.text,
          ...(message.html !== undefined ? { html: message.html } : {}),
        }),
        signal: AbortSignal.timeout(HTTP_TIMEOUT_MS),
      });
      const body = await response.text();
      if (!response.ok) {
        throw new Error(`mail API answered ${response.status}${body ? `: ${body.slice(0, 300)}` : ''}`);
      }
      let id: unknown;
      try {
        id = (JSON.parse(body) as { id?: unknown }).id;
      } catch {
        id = undefined; // a 2xx without JSON is still a send
      }
      return { providerId: typeof id === 'string' || typeof id === 'number' ? String(id) : undefined };
    },
  };
}

/** Development: one JSON line per message on the log (the dev outbox page shows the rest). */
export function logTransport(log: (line: string) => void = console.log): MailTransport {
  return {
    name: 'log',
    async send(message) {
      log(JSON.stringify({ level: 'info', msg: 'mail', to: message.to, subject: message.subject, text: message.text }));
      return { providerId: undefined };
    },
  };
}

export type MailConfig = Pick<Config, 'SMTP_URL' | 'MAIL_API_URL' | 'MAIL_API_KEY'>;

/** The Worker's choice: MAIL_API_URL (+ MAIL_API_KEY), else the log. SMTP is refused: Workers cannot speak it. */
export function webTransportFromConfig(config: MailConfig, log?: (line: string) => void): MailTransport {
  if (config.SMTP_URL)
    throw new Error('SMTP_URL is not available on Workers: set MAIL_API_URL and MAIL_API_KEY instead.');
  if (config.MAIL_API_URL) {
    if (!config.MAIL_API_KEY) throw new Error('MAIL_API_URL needs MAIL_API_KEY.');
    return httpTransport({ url: config.MAIL_API_URL, apiKey: config.MAIL_API_KEY });
  }
  return logTransport(log);
}
