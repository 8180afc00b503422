/**
 * The versioned email normalizer. One person must map to one key, so addresses that reach the same mailbox map
 * to the same string. Version `email-v1` (frozen: a change is a new version):
 *
 * 1. Trim; the whole address is lowercased (mailbox names are case-insensitive at every provider that matters).
 * 2. The domain is converted to ASCII (IDNA, as the URL parser does) and a trailing dot dropped.
 * 3. Gmail: googlemail.com becomes gmail.com; dots in the local part are removed; a `+tag` is dropped.
 * 4. Yandex: yandex.ru, ya.ru, yandex.com, yandex.kz, yandex.by, yandex.ua become yandex.ru; `-` in the local part
 *    becomes `.` (Yandex delivers both to one mailbox); a `+tag` is dropped.
 * 5. Other providers: the local part is kept as it is (a `+tag` is kept: not every provider ignores it).
 */
export const NORMALIZER_VERSION = 'email-v1';

export class EmailError extends Error {}

const GMAIL = new Set(['gmail.com', 'googlemail.com']);
const YANDEX = new Set(['yandex.ru', 'ya.ru', 'yandex.com', 'yandex.kz', 'yandex.by', 'yandex.ua']);

export interface NormalizedEmail {
  /** The normalized address: what the person key is made from. */
  address: string;
  domain: string;
}

export function normalizeEmail(raw: string): NormalizedEmail {
  const trimmed = raw.trim().toLowerCase();
  const at = trimmed.lastIndexOf('@');
  if (at <= 0 || at === trimmed.length - 1 || trimmed.length > 254) throw new EmailError('not an email address');
  let local = trimmed.slice(0, at);
  let domain = asciiDomain(trimmed.slice(at + 1));
  if (local.length > 64 || /[\s<>()[\],;:\\"@]/.test(local) || local.startsWith('.') || local.endsWith('.'))
    throw new EmailError('not an email address');
  if (GMAIL.has(domain)) {
    domain = 'gmail.com';
    local = dropTag(local).replace(/\./g, '');
  } else if (YANDEX.has(domain)) {
    domain = 'yandex.ru';
    local = dropTag(local).replace(/-/g, '.');
  }
  if (!local) throw new EmailError('not an email address');
  return { address: `${local}@${domain}`, domain };
}

function dropTag(local: string): string {
  const plus = local.indexOf('+');
  return plus >= 0 ? local.slice(0, plus) : local;
}

function asciiDomain(domain: string): string {
  const d = domain.replace(/\.$/, '');
  if (!d || d.length > 253 || !d.includes('.')) throw new EmailError('not an email domain');
  let host: string;
  try {
    host = new URL(`http://${d}/`).hostname;
  } catch {
    throw new EmailError('not an email domain');
  }
  if (!/^[a-z0-9.-]+$/.test(host) || host.split('.').some((label) => !label || label.length > 63))
    throw new EmailError('not an email domain');
  return host;
}
