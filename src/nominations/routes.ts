/** Nominations: verified people nominate while the award is nominating; organizers moderate, import and export. */
import { createRoute, z } from '@hono/zod-openapi';
import { requireAward } from '../ceremonies/service';
import type { AppDeps } from '../deps';
import { ApiError } from '../errors';
import {
  ProblemSchema,
  bearerSecurity,
  json,
  newRouter,
  organizerRoute,
  problems,
  requireOrganizer,
} from '../http/router';
import { voterFromBearer } from '../identity/auth';
import { manageAward } from '../organizers/service';
import {
  Appended,
  CategoryParams,
  Imported,
  MergeInput,
  MyNomination,
  NominationCreated,
  NominationInput,
  ModerationQueue,
  NomineeParams,
  ProposalPatch,
  RejectInput,
  SlugParam,
} from './schemas';
import {
  acceptNominee,
  editNomineeTexts,
  exportNominationsCsv,
  importNomineesCsv,
  mergeNominee,
  moderationQueue,
  myNominations,
  rejectNominee,
  submitNomination,
} from './service';

export function nominationRoutes(deps: AppDeps) {
  const app = newRouter();
  const auth = requireOrganizer(deps);

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/ceremonies/{slug}/categories/{category}/nominations',
      summary: 'Nominate in a category: support a listed nominee or propose a new one',
      description:
        "Send the voter token from the verification flow as a Bearer token. Only while the award is nominating and the database clock is inside the nominating window. A person nominates once per category unless `rules.nominations.perPersonPerCategory` allows more (409 `nomination-limit`). Support for a listed nominee is accepted at once; a proposal waits for moderation. A proposal may carry a contact address (a guardian's in categories open to minors), used only to ask the nominee for consent to be listed.",
      tags: ['Nominations'],
      security: bearerSecurity,
      request: {
        params: CategoryParams,
        body: { content: { 'application/json': { schema: NominationInput } }, required: true },
      },
      responses: {
        201: json(NominationCreated, 'Nominated'),
        400: problems[400],
        401: problems[401],
        404: problems[404],
        409: problems[409],
        503: problems[503],
      },
    }),
    async (c) => {
      const { slug, category } = c.req.valid('param');
      const award = await requireAward(deps, slug);
      const voter = await voterFromBearer(deps, c, award.ceremony.id);
      const done = await submitNomination(deps, award, category, voter, c.req.valid('json'));
      return c.json(
        {
          id: done.id,
          status: done.status,
          slot: done.slot,
          category: done.category.slug,
          nominee: {
            id: done.nominee.id,
            slug: done.nominee.slug,
            status: done.nominee.status,
            name: (JSON.parse(done.nominee.content) as { name: Record<string, string> }).name,
          },
        },
        201,
      );
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/ceremonies/{slug}/nominations/mine',
      summary: 'My nominations in this award (status, nominee, category)',
      tags: ['Nominations'],
      security: bearerSecurity,
      request: { params: SlugParam },
      responses: {
        200: json(z.object({ nominations: z.array(MyNomination) }), 'Newest first'),
        401: problems[401],
        404: problems[404],
      },
    }),
    async (c) => {
      const award = await requireAward(deps, c.req.valid('param').slug);
      const voter = await voterFromBearer(deps, c, award.ceremony.id);
      return c.json({ nominations: await myNominations(deps, award, voter) }, 200);
    },
  );

  app.openapi(
    organizerRoute(auth, {
      method: 'get',
      path: '/api/ceremonies/{slug}/moderation',
      summary: 'The moderation queue: pending nominees grouped as likely duplicates, accepted ones with counts',
      description:
        'Groups are per category and dedupe key (normalized name and affiliation, Cyrillic and Latin spellings alike); `matches` are accepted nominees with the same key, candidates to merge into. Contact addresses are shown only as present or absent.',
      tags: ['Moderation'],
      request: { params: SlugParam },
      responses: { 200: json(ModerationQueue, 'The queue') },
    }),
    async (c) => {
      const { award } = await manageAward(deps, c.get('organizer'), c.req.valid('param').slug);
      return c.json(await moderationQueue(deps, award), 200);
    },
  );

  app.openapi(
    organizerRoute(auth, {
      method: 'post',
      path: '/api/ceremonies/{slug}/nominees/{nominee}/accept',
      summary: 'Accept a pending nominee (until voting opens)',
      description:
        "Its nominations are accepted with it. A nominee with a contact is asked for consent and listed once given; one without is listed on the organizers' word.",
      tags: ['Moderation'],
      request: { params: NomineeParams },
      responses: { 200: json(Appended, 'Accepted') },
    }),
    async (c) => {
      const { slug, nominee } = c.req.valid('param');
      const { award, actor } = await manageAward(deps, c.get('organizer'), slug);
      return c.json({ event: await acceptNominee(deps, award, nominee, actor) }, 200);
    },
  );

  app.openapi(
    organizerRoute(auth, {
      method: 'post',
      path: '/api/ceremonies/{slug}/nominees/{nominee}/reject',
      summary: 'Reject a pending or accepted nominee with a reason (until voting opens)',
      description: 'The log keeps a commitment to the reason, not its text.',
      tags: ['Moderation'],
      request: {
        params: NomineeParams,
        body: { content: { 'application/json': { schema: RejectInput } }, required: true },
      },
      responses: { 200: json(Appended, 'Rejected') },
    }),
    async (c) => {
      const { slug, nominee } = c.req.valid('param');
      const { award, actor } = await manageAward(deps, c.get('organizer'), slug);
      return c.json({ event: await rejectNominee(deps, award, nominee, c.req.valid('json').reason, actor) }, 200);
    },
  );

  app.openapi(
    organizerRoute(auth, {
      method: 'patch',
      path: '/api/ceremonies/{slug}/nominees/{nominee}/proposal',
      summary: "Edit a pending or accepted nominee's texts while moderating (until voting opens)",
      description: 'Texts given replace those of the same field; the dedupe key is computed again.',
      tags: ['Moderation'],
      request: {
        params: NomineeParams,
        body: { content: { 'application/json': { schema: ProposalPatch } }, required: true },
      },
      responses: { 200: json(Appended, 'Updated') },
    }),
    async (c) => {
      const { slug, nominee } = c.req.valid('param');
      const { award, actor } = await manageAward(deps, c.get('organizer'), slug);
      return c.json({ event: await editNomineeTexts(deps, award, nominee, c.req.valid('json'), actor) }, 200);
    },
  );

  app.openapi(
    organizerRoute(auth, {
      method: 'post',
      path: '/api/ceremonies/{slug}/nominees/{nominee}/merge',
      summary: 'Merge a duplicate into another nominee of the same category (until voting opens)',
      description:
        'The duplicate becomes rejected and its nominations move to the nominee that stays. A person who nominated both keeps one nomination there; the other is set aside and no longer counts under the cap.',
      tags: ['Moderation'],
      request: {
        params: NomineeParams,
        body: { content: { 'application/json': { schema: MergeInput } }, required: true },
      },
      responses: { 200: json(Appended, 'Merged') },
    }),
    async (c) => {
      const { slug, nominee } = c.req.valid('param');
      const { award, actor } = await manageAward(deps, c.get('organizer'), slug);
      return c.json({ event: await mergeNominee(deps, award, nominee, c.req.valid('json').into, actor) }, 200);
    },
  );

  app.openapi(
    organizerRoute(auth, {
      method: 'get',
      path: '/api/ceremonies/{slug}/nominations.csv',
      summary: 'Export nominees with status, consent and nomination counts (CSV)',
      description:
        'One row per nominee: category, slug, name, affiliation, region (default language), status, consent, nominations. UTF-8 with a byte-order mark; cells that a spreadsheet would run as a formula are escaped.',
      tags: ['Moderation'],
      request: { params: SlugParam },
      responses: { 200: { description: 'CSV', content: { 'text/csv': { schema: z.string() } } } },
    }),
    async (c) => {
      const { award } = await manageAward(deps, c.get('organizer'), c.req.valid('param').slug);
      return c.body(await exportNominationsCsv(deps, award), 200, {
        'content-type': 'text/csv; charset=utf-8',
        'content-disposition': `attachment; filename="${award.ceremony.slug}-nominees.csv"`,
      });
    },
  );

  app.openapi(
    organizerRoute(auth, {
      method: 'post',
      path: '/api/ceremonies/{slug}/nominees.csv',
      summary: 'Import accepted nominees from CSV (until voting opens; all or nothing)',
      description:
        "Columns: category, slug, name, affiliation, region, citation, contact (category and name required; a blank slug is made from the name). Texts are taken in the award's default language. Every line is checked first; any problem refuses the whole file, naming the lines (the header is line 1). Nominees with a contact are asked for consent.",
      tags: ['Moderation'],
      request: {
        params: SlugParam,
        body: { content: { 'text/csv': { schema: z.string() } }, required: true },
      },
      responses: {
        200: json(Imported, 'Imported'),
        415: {
          description: 'Not sent as text/csv',
          content: { 'application/problem+json': { schema: ProblemSchema } },
        },
      },
    }),
    async (c) => {
      const { award, actor } = await manageAward(deps, c.get('organizer'), c.req.valid('param').slug);
      const type = c.req.header('content-type') ?? '';
      if (!/^(text\/csv|text\/plain)\b/i.test(type))
        throw new ApiError('unsupported-media-type', 'Send the file as text/csv.');
      return c.json(await importNomineesCsv(deps, award, await c.req.text(), actor), 200);
    },
  );

  return app;
}
