/**
 * Security headers on every answer, set before the route runs. hono's secureHeaders middleware sets them after
 * the route, on a response already made, and on the Node adapter that turns the adapter's lightweight response
 * into a full web Response and copies it: a sixth of a ballot's time (docs/performance.md). The headers are
 * still hono's: its middleware runs once, here, on a stand-in response, and the headers it set are the list.
 * Every response of the app is made through the context (c.json, c.html, c.body, c.redirect), which adds headers
 * set beforehand; test/e2e/probes.test.ts checks them on every answer of a running server.
 */
import type { MiddlewareHandler } from 'hono';
import { secureHeaders } from 'hono/secure-headers';
import type { Env } from './router';

type SecureHeadersOptions = NonNullable<Parameters<typeof secureHeaders>[0]>;

export async function securityHeaderList(options: SecureHeadersOptions): Promise<[string, string][]> {
  const standIn = { res: new Response(null), req: {}, set() {}, get() {} };
  await secureHeaders(options)(standIn as never, async () => {});
  return [...standIn.res.headers.entries()];
}

export function securityHeaders(options: SecureHeadersOptions): MiddlewareHandler<Env> {
  const list = securityHeaderList(options);
  return async (c, next) => {
    for (const [name, value] of await list) c.header(name, value);
    await next();
  };
}
