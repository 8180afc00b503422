/**
 * A real SMTP server on 127.0.0.1 for tests (smtp-server), with a minimal MIME reader: headers (unfolded,
 * RFC 2047 words decoded), multipart, base64 and quoted-printable. Mail tests, the identity tests and the
 * browser tests read what Laurel sent from here.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

export interface ParsedMail {
  headers: Record<string, string>;
  text?: string;
  html?: string;
}

function qpBytes(s: string): Buffer {
  const out: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const hex = s.slice(i + 1, i + 3);
    if (s[i] === '=' && /^[0-9A-Fa-f]{2}$/.test(hex)) {
      out.push(parseInt(hex, 16));
      i += 2;
    } else out.push(...Buffer.from(s[i]!, 'utf8'));
  }
  return Buffer.from(out);
}

const ENCODED_WORD = /=\?([^?]+)\?([BbQq])\?([^?]*)\?=/g;

function decodeHeader(value: string): string {
  // A run of encoded words separated by white space is one string (RFC 2047 §6.2); decode the bytes together.
  return value.replace(/=\?[^?]+\?[BbQq]\?[^?]*\?=(?:\s+=\?[^?]+\?[BbQq]\?[^?]*\?=)*/g, (run) => {
    const chunks = [...run.matchAll(ENCODED_WORD)].map(([, , enc, data]) =>
      enc!.toUpperCase() === 'B' ? Buffer.from(data!, 'base64') : qpBytes(data!.replace(/_/g, ' ')),
    );
    return Buffer.concat(chunks).toString('utf8');
  });
}

function decodeBody(body: string, encoding: string): string {
  switch (encoding.toLowerCase()) {
    case 'base64':
      return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
    case 'quoted-printable':
      return qpBytes(body.replace(/=\r?\n/g, '')).toString('utf8');
    default:
      return body;
  }
}

export function parseMail(raw: string): ParsedMail {
  const split = raw.indexOf('\r\n\r\n');
  const head = split < 0 ? raw : raw.slice(0, split);
  const body = split < 0 ? '' : raw.slice(split + 4);
  const headers: Record<string, string> = {};
  for (const line of head.replace(/\r\n[ \t]+/g, ' ').split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = decodeHeader(line.slice(colon + 1).trim());
  }
  const type = headers['content-type'] ?? 'text/plain';
  const mail: ParsedMail = { headers };
  if (/^multipart\//i.test(type)) {
    const boundary = /boundary="?([^";]+)"?/i.exec(type)?.[1];
    if (!boundary) throw new Error('multipart without boundary');
    const segments = body.split(`--${boundary}`).slice(1);
    for (const segment of segments) {
      if (segment.startsWith('--')) break;
      const part = parseMail(segment.replace(/^\r\n/, '').replace(/\r\n$/, ''));
      mail.text ??= part.text;
      mail.html ??= part.html;
    }
  } else {
    const decoded = decodeBody(body, headers['content-transfer-encoding'] ?? '7bit');
    if (/^text\/html/i.test(type)) mail.html = decoded;
    else mail.text = decoded.replace(/\r\n/g, '\n');
  }
  return mail;
}

export interface Received {
  from: string;
  rcpt: string[];
  raw: string;
  mail: ParsedMail;
}

export interface TestSmtp {
  url: string;
  received: Received[];
  /** Recipients the server refuses with 550. */
  refused: Set<string>;
  /** Waits until a message to `to` (matching `pattern` when given) arrives and returns it. */
  waitFor(to: string, pattern?: RegExp, timeoutMs?: number): Promise<Received>;
  close(): Promise<void>;
}

export function startSmtpServer(): Promise<TestSmtp> {
  const received: Received[] = [];
  const refused = new Set<string>();
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    disableReverseLookup: true,
    logger: false,
    onRcptTo(address, _session, callback) {
      if (refused.has(address.address)) {
        const err = Object.assign(new Error(`Mailbox ${address.address} does not exist`), { responseCode: 550 });
        return callback(err);
      }
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        received.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          rcpt: session.envelope.rcptTo.map((r) => r.address),
          raw,
          mail: parseMail(raw),
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
        received,
        refused,
        async waitFor(to, pattern, timeoutMs = 15_000) {
          const deadline = Date.now() + timeoutMs;
          for (;;) {
            const found = [...received]
              .reverse()
              .find((r) => r.rcpt.includes(to) && (!pattern || pattern.test(r.mail.text ?? r.mail.html ?? '')));
            if (found) return found;
            if (Date.now() > deadline) throw new Error(`no mail to ${to} within ${timeoutMs} ms`);
            await new Promise((r) => setTimeout(r, 50));
          }
        },
        close: () => new Promise<void>((r) => server.close(() => r())),
      });
    });
  });
}
