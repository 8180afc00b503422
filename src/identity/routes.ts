/** Verifying people for an award: the email method's code flow and the voter session. */
import { createRoute, z } from '@hono/zod-openapi';
import { requireAward } from '../ceremonies/service';
import type { AppDeps } from '../deps';
import { clientLocale, json, newRouter, problems, SlugParam } from '../http/router';
import { voterFromBearer } from './auth';
import { requestEmailCode, verifyEmailCode } from './verify';

const Email = z.string().min(3).max(254).openapi({ example: 'aigul@yandex.ru' });
export const VoterToken = z
  .object({ token: z.string(), expiresAt: z.string(), method: z.enum(['email', 'oidc', 'roll']) })
  .openapi('VoterToken');

export function identityRoutes(deps: AppDeps) {
  const app = newRouter();

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/ceremonies/{slug}/verify/email',
      summary: 'Mail a one-time code to verify an address for this award',
      description:
        'For awards whose identity method is `email` or `roll`. Answers 202; on a roll award an address not on the roll is told so by mail. Codes are 6 digits, valid 10 minutes; requests are throttled per address.',
      tags: ['Verification'],
      request: {
        params: SlugParam,
        body: {
          content: { 'application/json': { schema: z.object({ email: Email }).openapi('VerifyEmail') } },
          required: true,
        },
      },
      responses: {
        202: json(z.object({ sent: z.literal(true) }), 'A code is on its way'),
        400: problems[400],
        404: problems[404],
        409: problems[409],
        422: problems[422],
        429: problems[429],
      },
    }),
    async (c) => {
      const award = await requireAward(deps, c.req.valid('param').slug);
      await requestEmailCode(deps, award, c.req.valid('json').email, clientLocale(c));
      return c.json({ sent: true as const }, 202);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/ceremonies/{slug}/verify/email/code',
      summary: 'Exchange the mailed code for a voter token',
      description: 'The token is an encrypted JWT valid for an hour, for this award only; send it as a Bearer token.',
      tags: ['Verification'],
      request: {
        params: SlugParam,
        body: {
          content: {
            'application/json': {
              schema: z
                .object({ email: Email, code: z.string().regex(/^\s*\d{3}\s?\d{3}\s*$/, 'six digits') })
                .openapi('VerifyEmailCode'),
            },
          },
          required: true,
        },
      },
      responses: {
        200: json(VoterToken, 'Verified'),
        400: problems[400],
        404: problems[404],
        409: problems[409],
        422: problems[422],
        429: problems[429],
      },
    }),
    async (c) => {
      const award = await requireAward(deps, c.req.valid('param').slug);
      const { email, code } = c.req.valid('json');
      const { token, expiresAt } = await verifyEmailCode(deps, award, email, code);
      return c.json({ token, expiresAt: new Date(expiresAt).toISOString(), method: 'email' as const }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/ceremonies/{slug}/voter',
      summary: 'The verified person behind a voter token',
      tags: ['Verification'],
      request: { params: SlugParam },
      responses: {
        200: json(
          z.object({ method: z.enum(['email', 'oidc', 'roll']), expiresAt: z.string(), emailOnFile: z.boolean() }),
          'The session',
        ),
        401: problems[401],
        404: problems[404],
      },
    }),
    async (c) => {
      const award = await requireAward(deps, c.req.valid('param').slug);
      const voter = await voterFromBearer(deps, c, award.ceremony.id);
      return c.json(
        { method: voter.method, expiresAt: new Date(voter.expiresAt).toISOString(), emailOnFile: !!voter.email },
        200,
      );
    },
  );

  return app;
}
