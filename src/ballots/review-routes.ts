/**
 * Organizers' review of the public vote (fraud groups, flag, void, restore), turnout, per-nominee counts behind
 * their embargo, and organizer-named finalists (picks and wildcards).
 */
import { createRoute, z } from '@hono/zod-openapi';
import { requireAward } from '../ceremonies/service';
import type { AppDeps } from '../deps';
import { ApiError } from '../errors';
import {
  bearerSecurity,
  json,
  newRouter,
  organizerRoute,
  problems,
  requireOrganizer,
  SlugParam,
  managesAward,
} from '../http/router';
import { manageAward } from '../organizers/service';
import { addWildcard, categoryFinalists, pickFinalists } from './organizer-finalists';
import {
  FLAG_REASONS,
  MAX_TRACKERS,
  ORGANIZER_VOID_REASONS,
  RESTORE_REASONS,
  countsArePublic,
  flagNetwork,
  nomineeCounts,
  restoreBallots,
  reviewGroups,
  turnout,
  voidBallots,
} from './review';

const CategoryParam = SlugParam.extend({
  category: z
    .string()
    .min(1)
    .max(64)
    .openapi({ param: { name: 'category', in: 'path' }, example: 'best-mentor' }),
});

const Signal = z
  .string()
  .regex(/^[0-9a-f]{32}$/, 'a network or agent signal as listed by the groups route (32 hex digits)');
const Tracker = z.string().regex(/^[0-9a-f]{64}$/, 'a tracker (64 hex digits)');
const Note = z
  .string()
  .trim()
  .min(1)
  .max(1000)
  .optional()
  .openapi({ description: 'Free text for the organizers; only a salted commitment to it enters the event log.' });
const EventHead = z.object({ seq: z.number().int(), hash: z.string() });
const ReviewAction = z
  .object({
    count: z.number().int().openapi({ description: 'Ballots changed' }),
    trackersHash: z
      .string()
      .openapi({ description: 'SHA-256 of the canonical JSON of the sorted trackers, as in the event' }),
    event: EventHead,
  })
  .openapi('ReviewAction');

const StatusCounts = {
  counted: z.number().int(),
  flagged: z.number().int(),
  voided: z.number().int(),
};
const ReviewGroup = z
  .object({
    network: z.string().openapi({ description: 'HMAC of the network block (/24 or /48) under the signals key' }),
    ballots: z.number().int(),
    status: z.object(StatusCounts),
    categories: z.array(
      z.object({
        category: z.string(),
        slug: z.string(),
        ...StatusCounts,
        share: z.number().openapi({
          description: "This group's counted and flagged ballots over the category's (0 to 1, 4 decimals)",
        }),
      }),
    ),
    agents: z.array(z.object({ agent: z.string(), ballots: z.number().int() })),
    trackers: z
      .array(z.object({ tracker: z.string(), category: z.string(), agent: z.string(), status: z.string() }))
      .optional(),
  })
  .openapi('ReviewGroup');

const FlagInput = z
  .object({
    network: Signal,
    agent: Signal.optional().openapi({ description: 'Only the ballots of this agent within the network' }),
    reason: z.enum(FLAG_REASONS),
    note: Note,
  })
  .openapi('FlagInput');
const VoidInput = z
  .object({
    trackers: z.array(Tracker).min(1).max(MAX_TRACKERS).optional(),
    network: Signal.optional(),
    agent: Signal.optional(),
    reason: z.enum(ORGANIZER_VOID_REASONS).openapi({
      description:
        'Why: `duplicate-person`, `automated`, `purchased` or `other`. (`nominee-withdrawn` is set only by a withdrawal.)',
    }),
    note: Note,
  })
  .refine((v) => (v.trackers === undefined) !== (v.network === undefined), {
    message: 'give either trackers or a network',
    path: ['trackers'],
  })
  .refine((v) => v.agent === undefined || v.network !== undefined, {
    message: 'an agent narrows a network',
    path: ['agent'],
  })
  .openapi('VoidInput');
const RestoreInput = z
  .object({
    trackers: z.array(Tracker).min(1).max(MAX_TRACKERS),
    reason: z.enum(RESTORE_REASONS),
    note: Note,
  })
  .openapi('RestoreInput');

const Finalist = z
  .object({
    nominee: z.string(),
    slug: z.string(),
    position: z.number().int(),
    why: z.enum(['top-k', 'tie-included', 'tie-broken', 'organizer', 'wildcard']),
    reason: z.string().nullable(),
  })
  .openapi('Finalist');
const Finalists = z.object({ finalists: z.array(Finalist) });

export function reviewRoutes(deps: AppDeps) {
  const app = newRouter();
  const auth = requireOrganizer(deps);

  app.openapi(
    organizerRoute(auth, {
      method: 'get',
      path: '/api/ceremonies/{slug}/review/groups',
      summary: 'Groups of ballots from one network, for fraud review',
      description:
        'Ballots that share a network signal (an HMAC of the client’s /24 or /48, under a key deleted at finalization), largest first, with their split by category (and the share of the category’s counted ballots), by status and by agent. Superseded ballots are left out. Trackers of the group’s own ballots only with `trackers=true`; nothing names a person. Nothing is ever voided automatically.',
      tags: ['Review'],
      request: {
        params: SlugParam,
        query: z.object({
          min: z.coerce.number().int().min(1).max(1_000_000).default(5).openapi({ description: 'Smallest group' }),
          limit: z.coerce.number().int().min(1).max(500).default(100),
          trackers: z
            .enum(['true', 'false'])
            .default('false')
            .openapi({ description: 'List the trackers of each group’s ballots' }),
        }),
      },
      responses: { 200: json(z.object({ groups: z.array(ReviewGroup) }), 'The groups') },
    }),
    async (c) => {
      const { award } = await manageAward(deps, c.get('organizer'), c.req.valid('param').slug);
      const q = c.req.valid('query');
      const groups = await reviewGroups(deps, award, { min: q.min, limit: q.limit, trackers: q.trackers === 'true' });
      return c.json({ groups }, 200);
    },
  );

  app.openapi(
    organizerRoute(auth, {
      method: 'post',
      path: '/api/ceremonies/{slug}/review/flag',
      summary: 'Flag every counted ballot of a network group',
      description:
        'Flagged ballots still count; the results’ sensitivity line shows whether leaving them out changes anything. Only while voting: flags are frozen at close and published with the finalists. The event `ballots.flagged` holds the count, the reason code and a hash of the sorted trackers.',
      tags: ['Review'],
      request: { params: SlugParam, body: { content: { 'application/json': { schema: FlagInput } }, required: true } },
      responses: { 200: json(ReviewAction, 'Flagged') },
    }),
    async (c) => {
      const { award, actor } = await manageAward(deps, c.get('organizer'), c.req.valid('param').slug);
      return c.json(await flagNetwork(deps, award, c.req.valid('json'), actor), 200);
    },
  );

  app.openapi(
    organizerRoute(auth, {
      method: 'post',
      path: '/api/ceremonies/{slug}/review/void',
      summary: 'Void ballots, listed by tracker or as a network group, with a reason code',
      description:
        'Voided ballots do not count. Listed trackers must all be counted or flagged ballots of this award (else 404 or 409 and nothing changes); a network group voids all its counted and flagged ballots. While voting or judging, and after the announcement as the ground of a correction (then publish it with POST …/results/amend). The event `ballots.voided` holds the count, the reason code and a hash of the sorted trackers; the next checkpoint lists the trackers.',
      tags: ['Review'],
      request: { params: SlugParam, body: { content: { 'application/json': { schema: VoidInput } }, required: true } },
      responses: { 200: json(ReviewAction, 'Voided') },
    }),
    async (c) => {
      const { award, actor } = await manageAward(deps, c.get('organizer'), c.req.valid('param').slug);
      return c.json(await voidBallots(deps, award, c.req.valid('json'), actor), 200);
    },
  );

  app.openapi(
    organizerRoute(auth, {
      method: 'post',
      path: '/api/ceremonies/{slug}/review/restore',
      summary: 'Restore voided ballots to counted, with a reason code',
      description:
        'Every tracker must be a voided ballot whose nominee is still on the ballot and that no later ballot of its voter replaced; else 409 and nothing changes. While voting or judging, and after the announcement as the ground of a correction. The event `ballots.restored` holds the count, the reason code and a hash of the sorted trackers; the next checkpoint lists the trackers.',
      tags: ['Review'],
      request: {
        params: SlugParam,
        body: { content: { 'application/json': { schema: RestoreInput } }, required: true },
      },
      responses: { 200: json(ReviewAction, 'Restored') },
    }),
    async (c) => {
      const { award, actor } = await manageAward(deps, c.get('organizer'), c.req.valid('param').slug);
      return c.json(await restoreBallots(deps, award, c.req.valid('json'), actor), 200);
    },
  );

  app.openapi(
    organizerRoute(auth, {
      method: 'get',
      path: '/api/ceremonies/{slug}/turnout',
      summary: 'Turnout per category and per checkpoint batch (organizers)',
      description:
        'Per category: ballots counted, flagged, voided and superseded, and `marks`, the people who hold a vote in that category. The number of distinct voters across categories is not available: nothing links one person’s marks to each other for this purpose, and ballots hold no person. Over time: ballots per checkpoint batch with the checkpoint’s time, the only time information the vote keeps (ballots have no timestamps); `pending` are ballots since the last checkpoint. No per-nominee figures (see /counts).',
      tags: ['Review'],
      request: { params: SlugParam },
      responses: {
        200: json(
          z
            .object({
              categories: z.array(
                z.object({
                  category: z.string(),
                  slug: z.string(),
                  ...StatusCounts,
                  superseded: z.number().int(),
                  marks: z.number().int(),
                }),
              ),
              batches: z.array(
                z.object({
                  batch: z.number().int(),
                  at: z.number().int().nullable().openapi({ description: 'Time of the checkpoint event (epoch ms)' }),
                  treeSize: z.number().int(),
                  closing: z.boolean(),
                  ballots: z.number().int(),
                  byCategory: z.record(z.string(), z.number().int()),
                }),
              ),
              pending: z.object({ ballots: z.number().int(), byCategory: z.record(z.string(), z.number().int()) }),
            })
            .openapi('Turnout'),
          'Turnout',
        ),
      },
    }),
    async (c) => {
      const { award } = await manageAward(deps, c.get('organizer'), c.req.valid('param').slug);
      return c.json(await turnout(deps, award), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/ceremonies/{slug}/counts',
      summary: 'Ballots per nominee (embargoed until results are published)',
      description:
        'Organizers of the award (Bearer token) always; everyone else only once results are announced, or throughout when the rules say `liveCounts: true` (403 `forbidden` otherwise). `votes` are counted and flagged ballots, what the tally counts; organizers also see `flagged` and `voided`.',
      tags: ['Review'],
      security: [...bearerSecurity, {}],
      request: { params: SlugParam },
      responses: {
        200: json(
          z
            .object({
              categories: z.array(
                z.object({
                  category: z.string(),
                  slug: z.string(),
                  nominees: z.array(
                    z.object({
                      nominee: z.string(),
                      slug: z.string(),
                      votes: z.number().int(),
                      flagged: z.number().int().optional(),
                      voided: z.number().int().optional(),
                    }),
                  ),
                }),
              ),
            })
            .openapi('NomineeCounts'),
          'Counts',
        ),
        403: problems[403],
        404: problems[404],
      },
    }),
    async (c) => {
      const award = await requireAward(deps, c.req.valid('param').slug);
      const organizer = await managesAward(deps, c, award.ceremony.id);
      if (!organizer && !countsArePublic(award))
        throw new ApiError('forbidden', 'Per-nominee counts are not public before the results are announced.');
      return c.json({ categories: await nomineeCounts(deps, award, organizer) }, 200);
    },
  );

  app.openapi(
    organizerRoute(auth, {
      method: 'get',
      path: '/api/ceremonies/{slug}/categories/{category}/finalists',
      summary: 'The finalists of a category as stored (organizers)',
      description:
        'In order: the public top K or the organizers’ picks, then wildcards. Before the vote closes only the names organizers gave.',
      tags: ['Finalists'],
      request: { params: CategoryParam },
      responses: { 200: json(Finalists, 'The finalists') },
    }),
    async (c) => {
      const { slug, category } = c.req.valid('param');
      const { award } = await manageAward(deps, c.get('organizer'), slug);
      return c.json({ finalists: await categoryFinalists(deps, award, category) }, 200);
    },
  );

  app.openapi(
    organizerRoute(auth, {
      method: 'put',
      path: '/api/ceremonies/{slug}/categories/{category}/finalists',
      summary: 'Pick the finalists of a category (`finalists: organizer`)',
      description:
        'While judging, before finalization: replaces the earlier picks (a picked wildcard becomes a pick); wildcards stay after the picks. The public vote stays advisory and is published. Event `finalists.picked`.',
      tags: ['Finalists'],
      request: {
        params: CategoryParam,
        body: {
          content: {
            'application/json': {
              schema: z
                .object({
                  nominees: z
                    .array(z.string().min(1).max(64))
                    .max(100)
                    .openapi({ description: 'Nominee ids or slugs, in order' }),
                })
                .openapi('FinalistPicks'),
            },
          },
          required: true,
        },
      },
      responses: { 200: json(Finalists.extend({ event: EventHead }), 'Picked') },
    }),
    async (c) => {
      const { slug, category } = c.req.valid('param');
      const { award, actor } = await manageAward(deps, c.get('organizer'), slug);
      const { event, finalists } = await pickFinalists(deps, award, category, c.req.valid('json').nominees, actor);
      return c.json({ event, finalists }, 200);
    },
  );

  app.openapi(
    organizerRoute(auth, {
      method: 'post',
      path: '/api/ceremonies/{slug}/categories/{category}/finalists/wildcards',
      summary: 'Add a wildcard finalist with a reason',
      description:
        'Either finalist mode, while voting or judging. A wildcard never counts toward K and stands after the other finalists; one named before the close is placed by the close (and falls away if the public vote makes the nominee a finalist anyway). Event `finalists.wildcard` with a commitment to the reason.',
      tags: ['Finalists'],
      request: {
        params: CategoryParam,
        body: {
          content: {
            'application/json': {
              schema: z
                .object({ nominee: z.string().min(1).max(64), reason: z.string().trim().min(1).max(500) })
                .openapi('WildcardInput'),
            },
          },
          required: true,
        },
      },
      responses: { 201: json(Finalists.extend({ event: EventHead }), 'Added') },
    }),
    async (c) => {
      const { slug, category } = c.req.valid('param');
      const { award, actor } = await manageAward(deps, c.get('organizer'), slug);
      const { event, finalists } = await addWildcard(deps, award, category, c.req.valid('json'), actor);
      return c.json({ event, finalists }, 201);
    },
  );

  return app;
}
