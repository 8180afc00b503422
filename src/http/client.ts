/** The client address a request came from (throttling, fraud signals), and its network block. */
import type { Context } from 'hono';
import type { Config } from '../config';

/**
 * Proxy headers are believed only when TRUST_PROXY says a known proxy sets them; otherwise the socket's peer
 * on Node, or one shared key 'direct' where the runtime does not say (tests, a Worker without proxy trust).
 */
export function clientAddress(c: Context, config: Pick<Config, 'TRUST_PROXY'>): string {
  if (config.TRUST_PROXY === 'cloudflare') return c.req.header('cf-connecting-ip')?.trim() || 'unknown';
  if (config.TRUST_PROXY === 'x-forwarded-for') {
    // The last hop is the one our own proxy appended; earlier hops are whatever the client chose to send.
    const hops = (c.req.header('x-forwarded-for') ?? '')
      .split(',')
      .map((h) => h.trim())
      .filter(Boolean);
    return hops.at(-1) ?? 'unknown';
  }
  // @hono/node-server passes the Node request as `env.incoming`; read it without importing a runtime.
  const env = c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined;
  return env?.incoming?.socket?.remoteAddress || 'direct';
}

/**
 * The network block of an address for grouping: the /24 of an IPv4 address, the /48 of an IPv6 address (a home
 * or an office usually has one of each); anything else as it is.
 */
export function networkOf(address: string): string {
  const v4 = /^(?:::ffff:)?(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.\d{1,3}$/i.exec(address);
  if (v4) return `${v4[1]}.${v4[2]}.${v4[3]}.0/24`;
  if (address.includes(':')) {
    const [head = ''] = address.split('::');
    const groups = head.split(':').filter(Boolean);
    while (groups.length < 3) groups.push('0');
    return `${groups.slice(0, 3).join(':').toLowerCase()}::/48`;
  }
  return address;
}
