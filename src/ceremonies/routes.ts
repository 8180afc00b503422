/** The awards API: read in public, define and run as an organizer. */
import { createRoute, z } from '@hono/zod-openapi';
import { listEvents, chainHead } from '../audit/log';
import type { AppDeps } from '../deps';
import { ApiError } from '../errors';
import { json, newRouter, organizerRoute, problems, requireOrganizer, SlugParam } from '../http/router';
import { actorIn, manageAward, canManage, isSiteOrganizer, principalFromToken } from '../organizers/service';
import { deliveryReport } from '../mail/outbox';
import { publicAward, rowsToDefinition } from './model';
import { listCeremonies, loadAwardRows } from './repository';
import { AwardDefinition, LocalizedText, Phase, Rules, Schedule, Slug } from './schemas';
import {
  addNominee,
  createAward,
  movePhase,
  replaceDefinition,
  requireAward,
  updateNominee,
  updateRules,
  updateSchedule,
} from './service';

const AwardSummary = z
  .object({
    id: z.string(),
    slug: z.string(),
    phase: Phase,
    name: LocalizedText,
    timeZone: z.string(),
    locales: z.array(z.string()),
  })
  .openapi('AwardSummary');
const Award = z.object({ id: z.string(), slug: z.string(), phase: Phase }).passthrough().openapi('Award');
const EventHead = z.object({ seq: z.number().int(), hash: z.string() }).openapi('EventHead');
const LoggedEvent = z
  .object({
    seq: z.number().int(),
    at: z.number().int(),
    actor: z.string(),
    type: z.string(),
    payload: z.record(z.string(), z.unknown()),
    prev: z.string(),
    hash: z.string(),
  })
  .openapi('Event');
const Appended = z.object({ event: EventHead }).openapi('Appended');

export function ceremonyRoutes(deps: AppDeps) {
  const app = newRouter();
  const auth = requireOrganizer(deps);
  const { db } = deps.store;

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/ceremonies',
      summary: 'List published awards',
      tags: ['Awards'],
      responses: { 200: json(z.object({ awards: z.array(AwardSummary) }), 'Awards past their draft') },
    }),
    async (c) => {
      const rows = await listCeremonies(db, { includeDrafts: false });
      return c.json(
        {
          awards: rows.map((r) => ({
            id: r.id,
            slug: r.slug,
            phase: r.phase as Phase,
            name: (JSON.parse(r.content) as { name: Record<string, string> }).name,
            timeZone: r.time_zone,
            locales: JSON.parse(r.locales) as string[],
          })),
        },
        200,
      );
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/ceremonies/{slug}',
      summary: 'Read an award: tracks, categories, accepted nominees, rules, schedule',
      description: 'Drafts are visible to their organizers only (send the Bearer token).',
      tags: ['Awards'],
      request: { params: SlugParam },
      responses: { 200: json(Award, 'The award'), 404: problems[404] },
    }),
    async (c) => {
      const rows = await loadAwardRows(db, c.req.valid('param').slug);
      if (!rows) throw new ApiError('not-found', 'No such award.');
      if (rows.ceremony.phase === 'draft') {
        // A draft exists only for its organizers; to everyone else it is not there at all.
        const header = c.req.header('authorization');
        let allowed = false;
        if (header) {
          const p = await principalFromToken(deps, header.replace(/^Bearer\s+/i, '')).catch(() => null);
          allowed = !!p && canManage(p, rows.ceremony.id);
        }
        if (!allowed) throw new ApiError('not-found', 'No such award.');
      }
      return c.json(publicAward(rows) as z.infer<typeof Award>, 200);
    },
  );

  app.openapi(
    organizerRoute(auth, {
      method: 'post',
      path: '/api/ceremonies',
      summary: 'Create an award from a definition (import)',
      description:
        'Site organizers only. The award starts as a draft; the creator is its organizer through the site role.',
      tags: ['Awards'],
      request: { body: { content: { 'application/json': { schema: AwardDefinition } }, required: true } },
      responses: {
        201: json(z.object({ id: z.string(), slug: z.string(), event: EventHead }), 'Created'),
      },
    }),
    async (c) => {
      const organizer = c.get('organizer');
      if (!isSiteOrganizer(organizer)) throw new ApiError('forbidden', 'Only site organizers create awards.');
      const def = c.req.valid('json');
      const { id, event } = await createAward(deps, def, actorIn(organizer, null));
      return c.json({ id, slug: def.slug, event }, 201);
    },
  );

  app.openapi(
    organizerRoute(auth, {
      method: 'get',
      path: '/api/ceremonies/{slug}/definition',
      summary: 'Export the award definition (the import format)',
      tags: ['Awards'],
      request: { params: SlugParam },
      responses: {
        200: json(AwardDefinition, 'The definition'),
      },
    }),
    async (c) => {
      const { award } = await manageAward(deps, c.get('organizer'), c.req.valid('param').slug);
      return c.json(rowsToDefinition(award), 200);
    },
  );

  app.openapi(
    organizerRoute(auth, {
      method: 'put',
      path: '/api/ceremonies/{slug}/definition',
      summary: 'Replace a draft award whole',
      tags: ['Awards'],
      request: {
        params: SlugParam,
        body: { content: { 'application/json': { schema: AwardDefinition } }, required: true },
      },
      responses: {
        200: json(Appended, 'Replaced'),
      },
    }),
    async (c) => {
      const { award, actor } = await manageAward(deps, c.get('organizer'), c.req.valid('param').slug);
      const event = await replaceDefinition(deps, award, c.req.valid('json'), actor);
      return c.json({ event }, 200);
    },
  );

  app.openapi(
    organizerRoute(auth, {
      method: 'put',
      path: '/api/ceremonies/{slug}/rules',
      summary: 'Replace the rules (until voting opens)',
      tags: ['Awards'],
      request: { params: SlugParam, body: { content: { 'application/json': { schema: Rules } }, required: true } },
      responses: {
        200: json(Appended, 'Updated'),
      },
    }),
    async (c) => {
      const { award, actor } = await manageAward(deps, c.get('organizer'), c.req.valid('param').slug);
      const event = await updateRules(deps, award, c.req.valid('json'), actor);
      return c.json({ event }, 200);
    },
  );

  app.openapi(
    organizerRoute(auth, {
      method: 'put',
      path: '/api/ceremonies/{slug}/schedule',
      summary: 'Set the opening and closing instants of nominating, voting and judging',
      description:
        'Instants that have passed cannot change, and new ones must lie in the future. The scheduler moves the award when they arrive.',
      tags: ['Awards'],
      request: { params: SlugParam, body: { content: { 'application/json': { schema: Schedule } }, required: true } },
      responses: {
        200: json(Appended, 'Updated'),
        422: problems[422],
      },
    }),
    async (c) => {
      const { award, actor } = await manageAward(deps, c.get('organizer'), c.req.valid('param').slug);
      const event = await updateSchedule(deps, award, c.req.valid('json'), actor);
      return c.json({ event }, 200);
    },
  );

  app.openapi(
    organizerRoute(auth, {
      method: 'post',
      path: '/api/ceremonies/{slug}/phase',
      summary: 'Move the award forward to nominating, voting or judging',
      description:
        'Moving back is refused. Opening the vote freezes the rules and the nominee list and commits to the lot secret.',
      tags: ['Awards'],
      request: {
        params: SlugParam,
        body: {
          content: { 'application/json': { schema: z.object({ to: Phase }).openapi('PhaseMove') } },
          required: true,
        },
      },
      responses: {
        200: json(Appended, 'Moved'),
      },
    }),
    async (c) => {
      const { award, actor } = await manageAward(deps, c.get('organizer'), c.req.valid('param').slug);
      const event = await movePhase(deps, award, c.req.valid('json').to, actor, 'hand');
      return c.json({ event }, 200);
    },
  );

  const NomineeInput = z
    .object({
      slug: Slug,
      name: LocalizedText,
      citation: LocalizedText.optional(),
      affiliation: LocalizedText.optional(),
      region: LocalizedText.optional(),
    })
    .openapi('NomineeInput');

  app.openapi(
    organizerRoute(auth, {
      method: 'post',
      path: '/api/ceremonies/{slug}/categories/{category}/nominees',
      summary: 'Add an accepted nominee to a category (until voting opens)',
      tags: ['Nominees'],
      request: {
        params: SlugParam.extend({
          category: z
            .string()
            .min(1)
            .max(64)
            .openapi({ param: { name: 'category', in: 'path' } }),
        }),
        body: { content: { 'application/json': { schema: NomineeInput } }, required: true },
      },
      responses: {
        201: json(z.object({ id: z.string(), event: EventHead }), 'Added'),
      },
    }),
    async (c) => {
      const { slug, category } = c.req.valid('param');
      const { award, actor } = await manageAward(deps, c.get('organizer'), slug);
      const { nominee, event } = await addNominee(deps, award, category, c.req.valid('json'), actor);
      return c.json({ id: nominee.id, event }, 201);
    },
  );

  app.openapi(
    organizerRoute(auth, {
      method: 'patch',
      path: '/api/ceremonies/{slug}/nominees/{nominee}',
      summary: "Edit a nominee's public texts (until voting opens)",
      tags: ['Nominees'],
      request: {
        params: SlugParam.extend({
          nominee: z
            .string()
            .min(1)
            .max(64)
            .openapi({ param: { name: 'nominee', in: 'path' } }),
        }),
        body: {
          content: {
            'application/json': { schema: NomineeInput.omit({ slug: true }).partial().openapi('NomineePatch') },
          },
          required: true,
        },
      },
      responses: {
        200: json(Appended, 'Updated'),
      },
    }),
    async (c) => {
      const { slug, nominee } = c.req.valid('param');
      const { award, actor } = await manageAward(deps, c.get('organizer'), slug);
      const event = await updateNominee(deps, award, nominee, c.req.valid('json'), actor);
      return c.json({ event }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/ceremonies/{slug}/events/head',
      summary: "The award's event-log head (a witness to write down)",
      tags: ['Audit'],
      request: { params: SlugParam },
      responses: { 200: json(EventHead, 'The last event'), 404: problems[404] },
    }),
    async (c) => {
      const award = await requireAward(deps, c.req.valid('param').slug);
      if (award.ceremony.phase === 'draft') throw new ApiError('not-found', 'No such award.');
      const head = await chainHead(db, award.ceremony.id);
      return c.json(head ?? { seq: 0, hash: '0'.repeat(64) }, 200);
    },
  );

  app.openapi(
    organizerRoute(auth, {
      method: 'get',
      path: '/api/ceremonies/{slug}/events',
      summary: "The award's event log (organizers; public once results are announced)",
      tags: ['Audit'],
      request: {
        params: SlugParam,
        query: z.object({
          after: z.coerce.number().int().nonnegative().default(0),
          limit: z.coerce.number().int().min(1).max(1000).default(1000),
        }),
      },
      responses: {
        200: json(z.object({ events: z.array(LoggedEvent) }), 'Events in order'),
      },
    }),
    async (c) => {
      const { award } = await manageAward(deps, c.get('organizer'), c.req.valid('param').slug);
      const { after, limit } = c.req.valid('query');
      return c.json({ events: await listEvents(db, award.ceremony.id, { after, limit }) }, 200);
    },
  );

  app.openapi(
    organizerRoute(auth, {
      method: 'get',
      path: '/api/ceremonies/{slug}/mail',
      summary: 'Mail delivery report for this award and the site',
      tags: ['Mail'],
      request: { params: SlugParam },
      responses: {
        200: json(z.record(z.string(), z.unknown()), 'Counts by status and kind'),
      },
    }),
    async (c) => {
      const { award } = await manageAward(deps, c.get('organizer'), c.req.valid('param').slug);
      return c.json((await deliveryReport(db, award.ceremony.id)) as unknown as Record<string, unknown>, 200);
    },
  );

  return app;
}
