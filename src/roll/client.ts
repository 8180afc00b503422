/**
 * The client address a request came from, for throttling code guesses. Stop-gap: issue 4 replaces this with
 * the shared rate limiter (address blocks, IPv6 prefixes, one policy for every public endpoint).
 */
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
