/** The public vote: casting ballots with a voter token, and the voter's own marks. */
import { createRoute, z } from '@hono/zod-openapi';
import { ballotLimits } from '../abuse/limiter';
import { openVoteAward, requireAward } from '../ceremonies/service';
import type { AppDeps } from '../deps';
import { clientAddress, networkOf } from '../http/client';
import { clientLocale, json, newRouter, problems, SlugParam } from '../http/router';
import { voterFromBearer } from '../identity/auth';
import { checkReceipt, consistency, listCheckpoints } from './proofs';
import { castBallot, votedCategories } from './service';

export const BallotInput = z
  .object({
    category: z.string().min(1).max(64).openapi({ example: 'best-mentor' }),
    nominee: z.string().min(1).max(64),
    nonce: z
      .string()
      .regex(/^[A-Za-z0-9_-]{16,64}$/, '16 to 64 letters, digits, - or _')
      .openapi({ description: 'A random value made by the form; sending it again returns the same receipt.' }),
  })
  .openapi('BallotInput');

export const BallotReceipt = z
  .object({
    receipt: z.string().openapi({ example: 'abcd-efgh-ijkl-mnop-qrst-uvwx-yz23-4567' }),
    tracker: z.string(),
    category: z.string(),
    nominee: z.string(),
    outcome: z.enum(['new', 'repeat', 'superseded']),
  })
  .openapi('BallotReceipt');

export function ballotRoutes(deps: AppDeps) {
  const app = newRouter();

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/ceremonies/{slug}/ballots',
      summary: 'Cast a ballot in one category (voter token)',
      description:
        'One ballot per verified person and category, while the database clock is inside the voting window. The same nonce and choice again answers 200 with the same receipt; another choice answers 409 `already-voted` unless the rules say `last-counts`, where the new ballot supersedes the earlier one.',
      tags: ['Voting'],
      // Rate limits per client address and per person (src/abuse/limits.ts), before anything is read.
      middleware: ballotLimits(deps),
      request: {
        params: SlugParam,
        body: { content: { 'application/json': { schema: BallotInput } }, required: true },
      },
      responses: {
        201: json(BallotReceipt, 'Recorded: keep the receipt'),
        200: json(BallotReceipt, 'Recorded already: the same receipt again'),
        400: problems[400],
        401: problems[401],
        404: problems[404],
        409: problems[409],
        429: problems[429],
      },
    }),
    async (c) => {
      const award = await openVoteAward(deps, c.req.valid('param').slug);
      const voter = await voterFromBearer(deps, c, award.ceremony.id);
      const address = clientAddress(c, deps.config);
      const result = await castBallot(
        deps,
        award,
        voter,
        c.req.valid('json'),
        { network: networkOf(address), agent: c.req.header('user-agent')?.slice(0, 300) ?? '' },
        clientLocale(c),
      );
      return c.json(result, result.outcome === 'repeat' ? 200 : 201);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/ceremonies/{slug}/ballots/mine',
      summary: 'The categories the verified person has voted in (not what they voted)',
      tags: ['Voting'],
      request: { params: SlugParam },
      responses: {
        200: json(z.object({ categories: z.array(z.string()) }), 'Categories voted in'),
        401: problems[401],
        404: problems[404],
      },
    }),
    async (c) => {
      const award = await requireAward(deps, c.req.valid('param').slug);
      const voter = await voterFromBearer(deps, c, award.ceremony.id);
      return c.json({ categories: await votedCategories(deps, award.ceremony.id, voter.personKey) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/ceremonies/{slug}/receipts/{receipt}',
      summary: 'Check a receipt: the ballot it names, its batch, and its inclusion proof in the ballot log',
      description:
        'Until the next checkpoint the ballot is recorded but not yet in the log (`batch` null, `proof` null). The proof is against the latest checkpoint; verify it as docs/audit.md §13 says.',
      tags: ['Voting'],
      request: {
        params: SlugParam.extend({
          receipt: z
            .string()
            .min(1)
            .max(80)
            .openapi({ param: { name: 'receipt', in: 'path' } }),
        }),
      },
      responses: {
        200: json(
          z
            .object({
              tracker: z.string(),
              category: z.string(),
              nominee: z.string(),
              status: z.string(),
              batch: z.number().int().nullable(),
              proof: z
                .object({
                  treeSize: z.number().int(),
                  leafIndex: z.number().int(),
                  path: z.array(z.string()),
                  root: z.string(),
                  checkpoint: z.number().int(),
                })
                .nullable(),
            })
            .openapi('ReceiptCheck'),
          'The ballot and its proof',
        ),
        400: problems[400],
        404: problems[404],
      },
    }),
    async (c) => {
      const { slug, receipt } = c.req.valid('param');
      const award = await requireAward(deps, slug);
      return c.json(await checkReceipt(deps, award.ceremony.id, receipt), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/ceremonies/{slug}/checkpoints',
      summary: 'Checkpoints of the ballot log: batch, tree size, root',
      tags: ['Voting'],
      request: { params: SlugParam },
      responses: {
        200: json(
          z.object({
            checkpoints: z.array(
              z.object({ batch: z.number().int(), treeSize: z.number().int(), root: z.string(), closing: z.boolean() }),
            ),
          }),
          'Checkpoints in order',
        ),
        404: problems[404],
      },
    }),
    async (c) => {
      const award = await requireAward(deps, c.req.valid('param').slug);
      return c.json({ checkpoints: await listCheckpoints(deps, award.ceremony.id) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/ceremonies/{slug}/checkpoints/consistency',
      summary: 'Consistency proof between two checkpoints (the later log extends the earlier)',
      tags: ['Voting'],
      request: {
        params: SlugParam,
        query: z.object({ first: z.coerce.number().int().min(1), second: z.coerce.number().int().min(1) }),
      },
      responses: {
        200: json(
          z.object({
            first: z.number().int(),
            second: z.number().int(),
            path: z.array(z.string()),
            firstRoot: z.string(),
            secondRoot: z.string(),
          }),
          'The proof',
        ),
        400: problems[400],
        404: problems[404],
      },
    }),
    async (c) => {
      const award = await requireAward(deps, c.req.valid('param').slug);
      const { first, second } = c.req.valid('query');
      return c.json(await consistency(deps, award.ceremony.id, first, second), 200);
    },
  );

  return app;
}
