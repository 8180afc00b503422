/** Shared HTTP pieces: the OpenAPI-aware router factory, the validation hook, organizer authentication. */
import { OpenAPIHono, type RouteConfig, createRoute, z } from '@hono/zod-openapi';
import type { Context, MiddlewareHandler } from 'hono';
import type { AppDeps } from '../deps';
import { ApiError, validationError } from '../errors';
import { type OrganizerPrincipal, canManage, principalFromToken } from '../organizers/service';

export interface Env {
  Variables: {
    requestId: string;
    organizer: OrganizerPrincipal;
  };
}

/** A router whose validation failures become the one problem+json shape. */
export function newRouter() {
  return new OpenAPIHono<Env>({
    defaultHook: (result) => {
      if (!result.success) {
        const where = (result as { target?: string }).target ?? 'body';
        throw validationError(result.error, where === 'json' ? 'body' : where);
      }
    },
  });
}

/** Bearer token of an organizer session; the JSON API takes no cookies. */
export function requireOrganizer(deps: AppDeps): MiddlewareHandler<Env> {
  return async (c, next) => {
    const header = c.req.header('authorization') ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match)
      throw new ApiError('unauthenticated', 'Sign in as an organizer and send the token as "Authorization: Bearer …".');
    c.set('organizer', await principalFromToken(deps, match[1]!));
    await next();
  };
}

export const bearerSecurity = [{ bearerAuth: [] }];

/** A path parameter: an id or slug of at most 64 characters. */
export const PathPart = (name: string, example?: string) =>
  z
    .string()
    .min(1)
    .max(64)
    // PostgreSQL text cannot hold NUL (a query with one fails), and no id or slug has control characters.
    .regex(/^[^\u0000-\u001f\u007f]*$/, 'no control characters')
    .openapi({ param: { name, in: 'path' }, ...(example ? { example } : {}) });

/** The `{slug}` path parameter every award route has. */
export const SlugParam = z.object({ slug: PathPart('slug', 'stem4all-2024') });

export const ProblemSchema = z
  .object({
    type: z.string(),
    code: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    fields: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
    instance: z.string().optional(),
  })
  .openapi('Problem');

const problem = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: ProblemSchema } },
});

/** The error responses most routes share, for the OpenAPI document. */
export const problems = {
  400: problem('Invalid input'),
  401: problem('Not signed in'),
  403: problem('Not allowed'),
  404: problem('Not found'),
  409: problem('Conflicts with the current state'),
  410: problem('Spent: the one-time token was used already'),
  422: problem('Understood but not acceptable'),
  429: problem('Too many requests; try again later'),
  503: problem('Busy or storage unavailable; nothing was changed'),
} as const;

export const json = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});

export function clientLocale(c: Context): string {
  const q = c.req.query('lang');
  if (q) return q;
  const accept = c.req.header('accept-language') ?? '';
  return accept.split(',')[0]?.split('-')[0]?.trim().toLowerCase() || 'en';
}

/** The refusals every organizer route can give: bad input, no session, not this award's organizer, unknown, conflict. */
const ORGANIZER_PROBLEMS = {
  400: problems[400],
  401: problems[401],
  403: problems[403],
  404: problems[404],
  409: problems[409],
} as const;

/**
 * A route for signed-in organizers: Bearer security, the session middleware and the shared refusals filled in,
 * so each route states only what is its own.
 */
export function organizerRoute<R extends Omit<RouteConfig, 'security' | 'middleware'>>(
  auth: MiddlewareHandler<Env>,
  config: R,
) {
  return createRoute({
    ...config,
    security: bearerSecurity,
    middleware: [auth] as const,
    responses: { ...ORGANIZER_PROBLEMS, ...config.responses } as R['responses'] & typeof ORGANIZER_PROBLEMS,
  });
}

/** Whether an optional Bearer token is that of an organizer of this award; anyone else is the public. */
export async function managesAward(deps: AppDeps, c: Context<Env>, ceremonyId: string): Promise<boolean> {
  const token = /^Bearer\s+(\S+)$/i.exec(c.req.header('authorization') ?? '')?.[1];
  if (!token) return false;
  try {
    return canManage(await principalFromToken(deps, token), ceremonyId);
  } catch {
    return false;
  }
}
