/**
 * createApp(deps): the whole Laurel app. Knows no runtime: no fs, no better-sqlite3, no process; Node
 * (server.ts), Workers (worker.ts) and tests build the deps and call this.
 */
import { OpenAPIHono } from '@hono/zod-openapi';
import type { Context, MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { ballotLimits, verificationLimit } from './abuse/limiter';
import { reviewRoutes } from './ballots/review-routes';
import { juryRoutes } from './jury/routes';
import { resultsRoutes } from './results/routes';
import { bundleRoutes } from './bundle/routes';
import { ballotRoutes } from './ballots/routes';
import { ceremonyRoutes } from './ceremonies/routes';
import type { AppDeps } from './deps';
import { ApiError, onError } from './errors';
import type { Env } from './http/router';
import { apiReferencePage } from './http/reference';
import { securityHeaders } from './http/secure-headers';
import { consentRoutes } from './consent/routes';
import { oidcRoutes } from './identity/oidc-routes';
import { identityRoutes } from './identity/routes';
import { nominationRoutes } from './nominations/routes';
import { rollRoutes } from './roll/routes';
import { devOutboxRoutes } from './mail/routes';
import { organizerRoutes } from './organizers/routes';
import { randomBase32 } from './store/ids';
import { pageError } from './web/render';
import { webRoutes } from './web/routes';

export const VERSION = '0.1.0';

/** hono's secure headers, with a policy for Laurel's own pages (inline styles, data: images, no framing). */
export const SECURITY_HEADERS = {
  contentSecurityPolicy: {
    defaultSrc: ["'self'"],
    styleSrc: ["'self'", "'unsafe-inline'"],
    imgSrc: ["'self'", 'data:'],
    formAction: ["'self'"],
    frameAncestors: ["'none'"],
    baseUri: ["'none'"],
  },
  referrerPolicy: 'same-origin',
};

export function createApp(deps: AppDeps) {
  const app = new OpenAPIHono<Env>();

  app.use('*', async (c, next) => {
    c.set('requestId', c.req.header('x-request-id')?.slice(0, 64) || randomBase32(12));
    // Before the route: a header set on a finished response copies it whole (src/http/secure-headers.ts).
    c.header('x-request-id', c.get('requestId'));
    await next();
    // Refused before its body was read (an early 401, 404 or 415), a request leaves that body on the connection;
    // the Node adapter then drops the connection half a second later, under a client that may have sent its next
    // request on it (found by test/e2e/probes.test.ts). Telling the client to close it avoids that.
    const hasBody = Number(c.req.header('content-length') ?? 0) > 0 || c.req.header('transfer-encoding') !== undefined;
    if (hasBody && !c.req.raw.bodyUsed) c.header('connection', 'close');
  });
  app.use('*', securityHeaders(SECURITY_HEADERS));
  app.use('*', limitBody(2 * 1024 * 1024));
  // A browser that navigated here (an OIDC callback, a mail link) gets an error page; API clients problem+json.
  app.onError((err, c) => (navigatedByBrowser(c) ? pageError(err, c) : onError(err, c)));
  app.notFound((c) => onError(new ApiError('not-found', `No route ${c.req.method} ${c.req.path}.`), c));

  app.get('/health', async (c) => {
    const dbNow = await deps.store.readNow();
    return c.json({
      status: 'ok',
      version: VERSION,
      database: deps.store.dialect,
      time: new Date(dbNow).toISOString(),
    });
  });

  // Verification is limited per client address on the API and on the pages' forms (src/abuse/limits.ts).
  const verifyLimit = verificationLimit(deps);
  app.use('/api/ceremonies/:slug/verify/*', verifyLimit);
  app.on('POST', '/a/:slug/verify/*', verifyLimit);
  // The ballot form has the ballot API's limits: per address, and per person from the voter cookie.
  for (const limit of ballotLimits(deps)) app.on('POST', '/a/:slug/vote/*', limit);

  app.route('/', organizerRoutes(deps));
  app.route('/', ceremonyRoutes(deps));
  app.route('/', identityRoutes(deps));
  app.route('/', oidcRoutes(deps));
  app.route('/', rollRoutes(deps));
  app.route('/', nominationRoutes(deps));
  app.route('/', consentRoutes(deps));
  app.route('/', ballotRoutes(deps));
  app.route('/', reviewRoutes(deps));
  app.route('/', juryRoutes(deps));
  app.route('/', resultsRoutes(deps));
  app.route('/', bundleRoutes(deps));
  if (deps.config.devMail) app.route('/dev/outbox', devOutboxRoutes(deps.store));
  app.route('/', webRoutes(deps));

  app.openAPIRegistry.registerComponent('securitySchemes', 'bearerAuth', {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
  });
  app.get('/openapi.json', (c) => c.json(document()));
  app.get('/api-docs', (c) => c.html(apiReferencePage(document() as Parameters<typeof apiReferencePage>[0])));
  documentPlainRoutes(app);
  const document = () =>
    app.getOpenAPI31Document({
      openapi: '3.1.0',
      info: {
        title: 'Laurel API',
        version: VERSION,
        description:
          'Awards, nominations, verified public voting, jury scoring and auditable tallies. Errors are application/problem+json with a stable `code`.',
      },
    });
  return app;
}

/**
 * Refuses a request body over `maxSize` bytes (413 payload-too-large). A body with a Content-Length is judged by
 * it (Node's parser never reads past it); only a chunked one goes through hono's bodyLimit, which counts the
 * stream. hono's middleware asks the request for its body stream first, and on the Node adapter that builds a
 * whole web Request around the socket: a fifth of a ballot's time, for a body the route then reads directly
 * (docs/performance.md).
 */
function limitBody(maxSize: number): MiddlewareHandler<Env> {
  const tooLarge = () => {
    throw new ApiError('payload-too-large', `The request body is larger than ${maxSize / 1024 / 1024} MB.`);
  };
  const counted = bodyLimit({ maxSize, onError: tooLarge });
  return async (c, next) => {
    const length = c.req.header('content-length');
    const chunked = c.req.header('transfer-encoding') !== undefined;
    // A GET or HEAD without a body has nothing to count (and asking for its body would build the Request).
    if ((c.req.method === 'GET' || c.req.method === 'HEAD') && length === undefined && !chunked) return next();
    if (length === undefined || chunked) return counted(c, next);
    if (Number(length) > maxSize) tooLarge();
    await next();
  };
}

/**
 * Routes written without a zod route definition (pages, /health, the documents themselves) still belong in the
 * OpenAPI document: each is registered from the router's own table, so none can be forgotten.
 */
function documentPlainRoutes(app: OpenAPIHono<Env>) {
  const documented = new Set(
    app.openAPIRegistry.definitions.flatMap((d) => (d.type === 'route' ? [`${d.route.method} ${d.route.path}`] : [])),
  );
  const seen = new Set<string>();
  for (const route of app.routes) {
    const method = route.method.toLowerCase();
    if (!['get', 'post', 'put', 'patch', 'delete'].includes(method)) continue;
    const path = route.path.replace(/:([A-Za-z0-9_]+)(\{[^}]*\})?/g, '{$1}');
    const key = `${method} ${path}`;
    if (documented.has(key) || seen.has(key) || path.includes('*')) continue;
    seen.add(key);
    const params = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => ({
      name: m[1]!,
      in: 'path' as const,
      required: true,
      schema: { type: 'string' as const },
    }));
    const isPage = !path.startsWith('/api/') && !['/health', '/openapi.json'].includes(path);
    app.openAPIRegistry.registerPath({
      method: method as 'get',
      path,
      tags: [isPage ? 'Pages' : 'Service'],
      summary:
        PLAIN_ROUTE_SUMMARIES[key] ??
        (isPage ? 'Server-rendered page (HTML, works without JavaScript)' : 'Service route'),
      ...(params.length ? { parameters: params } : {}),
      responses: {
        200: { description: isPage ? 'HTML page' : 'JSON' },
        ...(method === 'post'
          ? { 303: { description: 'Redirect after a form post' }, 403: { description: 'CSRF check failed' } }
          : {}),
      },
    } as never);
  }
}

const PLAIN_ROUTE_SUMMARIES: Record<string, string> = {
  'get /health': 'Liveness and database check: status, version, database kind and the database clock',
  'get /openapi.json': 'This OpenAPI 3.1 document',
  'get /api-docs': 'The API reference page',
  'get /a/{slug}/results': 'Results page: what the ceremony has revealed so far; everything once announced',
  'get /a/{slug}/results/stream':
    'Server-Sent Events: a mark that changes whenever the public results change (the results page listens)',
  'get /a/{slug}/results/print': 'Printable results sheet (A4, once announced)',
  'get /a/{slug}/results/certificates':
    "Printable certificates for the winners (A4 landscape, once announced, in the page's language)",
  'get /organizer/a/{slug}/ceremony': 'Presenter screen for the ceremony (organizers; large type for a projector)',
  'post /organizer/a/{slug}/ceremony/next': 'Reveal the next step of the ceremony, or announce after the last',
  'get /organizer/a/{slug}/turnout': 'Turnout over time (organizers): ballots per checkpoint batch',
  'get /static/results-live.js': 'The results page’s small live-update script (progressive enhancement)',
};

/** A top-level browser navigation: it asks for HTML and not for JSON (fetch and API clients send no text/html). */
function navigatedByBrowser(c: Context): boolean {
  const accept = c.req.header('accept') ?? '';
  return accept.includes('text/html') && !accept.includes('application/json');
}

export type LaurelApp = ReturnType<typeof createApp>;
