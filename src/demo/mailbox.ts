/**
 * The demo's mail server: a real SMTP server (smtp-server) on 127.0.0.1 at a random port that keeps every message
 * in memory, so the demo's Laurel sends its codes and invitations over SMTP exactly as in production and the demo's
 * simulated people read them from here. Only plain-text single-part mail is decoded (what Laurel sends): headers
 * unfolded, bodies in 7bit, 8bit, quoted-printable or base64.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

export interface CapturedMail {
  to: string[];
  subject: string;
  text: string;
}

export interface Mailbox {
  /** `smtp://127.0.0.1:PORT` (plain SMTP: the demo's server offers no STARTTLS). */
  url: string;
  /** Messages received so far. */
  received(): number;
  /**
   * The first message to `to` whose text matches `pattern` that no one took before, waiting for it up to
   * `timeoutMs`; returns the match. Each message is taken once, so a second code to the same person is a new mail.
   */
  take(to: string, pattern: RegExp, timeoutMs?: number): Promise<RegExpExecArray>;
  close(): Promise<void>;
}

/** Quoted-printable to bytes: soft line breaks dropped, =XX escapes as bytes, everything else as UTF-8. */
function quotedPrintable(body: string): Buffer {
  const text = body.replace(/=\r?\n/g, '');
  const parts: Buffer[] = [];
  let last = 0;
  for (const m of text.matchAll(/=([0-9A-Fa-f]{2})/g)) {
    parts.push(Buffer.from(text.slice(last, m.index), 'utf8'), Buffer.from([parseInt(m[1]!, 16)]));
    last = m.index + 3;
  }
  parts.push(Buffer.from(text.slice(last), 'utf8'));
  return Buffer.concat(parts);
}

/** The body of a message in its transfer encoding, as UTF-8 text with \n line ends. */
export function decodeBody(body: string, encoding: string): string {
  const kind = encoding.trim().toLowerCase();
  const bytes =
    kind === 'base64'
      ? Buffer.from(body.replace(/\s+/g, ''), 'base64')
      : kind === 'quoted-printable'
        ? quotedPrintable(body)
        : Buffer.from(body, 'utf8');
  return bytes.toString('utf8').replace(/\r\n/g, '\n');
}

/** Headers (names lower-cased, folded lines joined) and the decoded text of a raw single-part message. */
export function parseMessage(raw: string): { headers: Record<string, string>; text: string } {
  const split = raw.indexOf('\r\n\r\n');
  const head = split < 0 ? raw : raw.slice(0, split);
  const body = split < 0 ? '' : raw.slice(split + 4);
  const headers: Record<string, string> = {};
  for (const line of head.replace(/\r\n[ \t]+/g, ' ').split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { headers, text: decodeBody(body, headers['content-transfer-encoding'] ?? '7bit') };
}

interface Waiter {
  to: string;
  pattern: RegExp;
  resolve: (match: RegExpExecArray) => void;
}

export function startMailbox(): Promise<Mailbox> {
  // Unclaimed messages per recipient, and the people waiting for one.
  const inbox = new Map<string, CapturedMail[]>();
  let waiters: Waiter[] = [];
  let count = 0;

  const claim = (to: string, pattern: RegExp): RegExpExecArray | null => {
    const mails = inbox.get(to) ?? [];
    for (let i = 0; i < mails.length; i++) {
      const match = pattern.exec(mails[i]!.text);
      if (match) {
        mails.splice(i, 1);
        return match;
      }
    }
    return null;
  };

  const deliver = (mail: CapturedMail) => {
    count++;
    for (const to of mail.to) {
      const list = inbox.get(to) ?? [];
      list.push(mail);
      inbox.set(to, list);
    }
    // Hand the new message to whoever waits for it; the rest keep waiting.
    waiters = waiters.filter((w) => {
      if (!mail.to.includes(w.to)) return true;
      const match = claim(w.to, w.pattern);
      if (!match) return true;
      w.resolve(match);
      return false;
    });
  };

  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    disableReverseLookup: true,
    logger: false,
    // The demo's Laurel keeps its pooled connections open to the end: close them soon once the demo is done.
    closeTimeout: 100,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const { headers, text } = parseMessage(Buffer.concat(chunks).toString('utf8'));
        deliver({
          to: session.envelope.rcptTo.map((r) => r.address.toLowerCase()),
          subject: headers.subject ?? '',
          text,
        });
        callback();
      });
    },
  });

  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = (server.server as unknown as Server).address() as AddressInfo;
      resolve({
        url: `smtp://127.0.0.1:${port}`,
        received: () => count,
        take(to, pattern, timeoutMs = 30_000) {
          const address = to.toLowerCase();
          const found = claim(address, pattern);
          if (found) return Promise.resolve(found);
          return new Promise<RegExpExecArray>((res, rej) => {
            const timer = setTimeout(() => {
              waiters = waiters.filter((w) => w !== waiter);
              rej(new Error(`no mail to ${to} matching ${pattern} within ${timeoutMs} ms`));
            }, timeoutMs);
            const waiter: Waiter = {
              to: address,
              pattern,
              resolve: (m) => {
                clearTimeout(timer);
                res(m);
              },
            };
            waiters.push(waiter);
          });
        },
        close: () => new Promise<void>((r) => server.close(() => r())),
      });
    });
  });
}
