/** Organizer sign-in (emailed one-time code → Bearer token), bootstrap, and organizers of an award. */
import { createRoute, z } from '@hono/zod-openapi';
import type { AppDeps } from '../deps';
import { clientLocale, json, newRouter, organizerRoute, problems, requireOrganizer, SlugParam } from '../http/router';
import { organizersOf, SITE_ROLE } from './repository';
import { addOrganizer, manageAward, bootstrapOrganizer, requestOrganizerCode, signInOrganizer } from './service';

const Email = z.email().max(254).openapi({ example: 'organizer@example.org' });
const EventHead = z.object({ seq: z.number().int(), hash: z.string() });

export function organizerRoutes(deps: AppDeps) {
  const app = newRouter();
  const auth = requireOrganizer(deps);

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/auth/code',
      summary: 'Mail a sign-in code to an organizer',
      description:
        'Answers 202 whether or not the address belongs to an organizer. Requests are throttled per address.',
      tags: ['Sign-in'],
      request: {
        body: {
          content: { 'application/json': { schema: z.object({ email: Email }).openapi('CodeRequest') } },
          required: true,
        },
      },
      responses: {
        202: json(z.object({ sent: z.literal(true) }), 'A code is on its way if the address is known'),
        400: problems[400],
        429: problems[429],
      },
    }),
    async (c) => {
      await requestOrganizerCode(deps, c.req.valid('json').email, clientLocale(c));
      return c.json({ sent: true as const }, 202);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/auth/token',
      summary: 'Exchange the mailed code for a session token',
      tags: ['Sign-in'],
      request: {
        body: {
          content: {
            'application/json': {
              schema: z
                .object({ email: Email, code: z.string().regex(/^\s*\d{3}\s?\d{3}\s*$/, 'six digits') })
                .openapi('TokenRequest'),
            },
          },
          required: true,
        },
      },
      responses: {
        200: json(z.object({ token: z.string(), expiresAt: z.string() }).openapi('Session'), 'Signed in'),
        400: problems[400],
        429: problems[429],
      },
    }),
    async (c) => {
      const { email, code } = c.req.valid('json');
      const { token, expiresAt } = await signInOrganizer(deps, email, code);
      return c.json({ token, expiresAt }, 200);
    },
  );

  app.openapi(
    organizerRoute(auth, {
      method: 'get',
      path: '/api/auth/me',
      summary: 'The signed-in organizer and the awards they organize',
      tags: ['Sign-in'],
      responses: {
        200: json(z.object({ email: z.string(), site: z.boolean(), ceremonies: z.array(z.string()) }), 'The organizer'),
      },
    }),
    async (c) => {
      const p = c.get('organizer');
      return c.json(
        {
          email: p.email,
          site: p.roles.has(SITE_ROLE),
          ceremonies: [...p.roles.keys()].filter((k) => k !== SITE_ROLE),
        },
        200,
      );
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/bootstrap',
      summary: 'Create the first site organizer with the one-time BOOTSTRAP_TOKEN',
      description: 'For deployments without a shell (Workers). Works once; afterwards organizers add each other.',
      tags: ['Sign-in'],
      request: {
        body: {
          content: {
            'application/json': {
              schema: z.object({ token: z.string().min(1).max(512), email: Email }).openapi('Bootstrap'),
            },
          },
          required: true,
        },
      },
      responses: {
        201: json(z.object({ event: EventHead }), 'The first organizer exists; sign in with a mailed code'),
        400: problems[400],
        401: problems[401],
        403: problems[403],
        410: problems[410],
      },
    }),
    async (c) => {
      const { token, email } = c.req.valid('json');
      const { event } = await bootstrapOrganizer(deps, token, email);
      return c.json({ event }, 201);
    },
  );

  app.openapi(
    organizerRoute(auth, {
      method: 'get',
      path: '/api/ceremonies/{slug}/organizers',
      summary: 'Organizers of an award',
      tags: ['Organizers'],
      request: { params: SlugParam },
      responses: {
        200: json(
          z.object({
            organizers: z.array(
              z.object({ email: z.string(), pseudonym: z.string(), scope: z.enum(['site', 'award']) }),
            ),
          }),
          'Organizers',
        ),
      },
    }),
    async (c) => {
      const { award } = await manageAward(deps, c.get('organizer'), c.req.valid('param').slug);
      const rows = await organizersOf(deps.store.db, award.ceremony.id);
      return c.json(
        {
          organizers: rows.map((r) => ({
            email: r.email,
            pseudonym: r.pseudonym,
            scope: r.ceremony_id === SITE_ROLE ? ('site' as const) : ('award' as const),
          })),
        },
        200,
      );
    },
  );

  app.openapi(
    organizerRoute(auth, {
      method: 'post',
      path: '/api/ceremonies/{slug}/organizers',
      summary: 'Make an address an organizer of this award',
      tags: ['Organizers'],
      request: {
        params: SlugParam,
        body: { content: { 'application/json': { schema: z.object({ email: Email }) } }, required: true },
      },
      responses: {
        201: json(z.object({ pseudonym: z.string(), event: EventHead }), 'Added'),
      },
    }),
    async (c) => {
      const { award, actor } = await manageAward(deps, c.get('organizer'), c.req.valid('param').slug);
      const result = await addOrganizer(deps, c.req.valid('json').email, award.ceremony.id, actor);
      return c.json({ pseudonym: result.pseudonym, event: result.event }, 201);
    },
  );

  return app;
}
