/**
 * The jury's JSON API: organizers manage jurors, invitations and conflicts and watch progress (never scores);
 * jurors spend an invitation for a Bearer session, declare conflicts, score or rank, and submit.
 */
import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { requireAward } from '../ceremonies/service';
import type { AppDeps } from '../deps';
import { ApiError } from '../errors';
import {
  clientLocale,
  json,
  newRouter,
  organizerRoute,
  PathPart,
  problems,
  requireOrganizer,
  SlugParam,
  type Env,
} from '../http/router';
import { manageAward } from '../organizers/service';
import {
  acceptInvitation,
  addConflict,
  addJuror,
  declareConflicts,
  inviteJuror,
  juryProgress,
  jurorSummary,
  jurorFromSession,
  jurorPortal,
  openInvitation,
  requestJurorLink,
  requireJuror,
  saveRanking,
  saveScores,
  submitSheet,
  updateJuror,
} from './service';

const EventHead = z.object({ seq: z.number().int(), hash: z.string() });
const Change = z.object({ event: EventHead });
const Id = z.string().trim().min(1).max(64);

const JurorParam = SlugParam.extend({ juror: PathPart('juror') });
const SheetParam = SlugParam.extend({ category: PathPart('category', 'best-mentor') });
const ScoreParam = SheetParam.extend({ nominee: PathPart('nominee') });

const JurorFields = {
  name: z.string().trim().min(1).max(200),
  email: z.email().max(254).nullable().optional().openapi({ description: 'Where invitations are mailed' }),
  institution: Id.openapi({ description: 'Institution slug or id' }),
  weight: z.number().int().min(1).max(1_000_000).openapi({ description: 'Weight within the institution' }),
  categories: z.array(Id).max(100).openapi({ description: 'Category slugs or ids the juror judges' }),
};
const JurorInput = z
  .object({
    ...JurorFields,
    weight: JurorFields.weight.default(1),
    invite: z.boolean().default(true).openapi({ description: 'Issue (and mail, with an address) an invitation now' }),
  })
  .openapi('JurorInput');
const JurorPatch = z
  .object(JurorFields)
  .partial()
  .refine((patch) => Object.keys(patch).length > 0, 'change at least one field')
  .openapi('JurorPatch');

const Juror = z
  .object({
    id: z.string(),
    pseudonym: z.string().openapi({ description: 'The juror’s name in the audit log and bundle' }),
    name: z.string(),
    email: z.string().nullable(),
    institution: z.string(),
    weight: z.number().int(),
  })
  .openapi('Juror');
const Invitation = z
  .object({
    url: z.string().openapi({ description: 'The single-use link; GET shows it, POST spends it' }),
    expiresAt: z.string(),
    mailed: z.boolean(),
    event: EventHead,
  })
  .openapi('JurorInvitation');

const Progress = z
  .object({
    mode: z.enum(['rubric', 'ranking']),
    jurors: z.array(
      Juror.extend({
        invitationPending: z.boolean(),
        sheets: z.array(
          z.object({
            category: z.string(),
            declared: z.boolean(),
            submitted: z.boolean(),
            done: z.number().int().openapi({ description: 'Finalists scored or ranked (no scores shown)' }),
            of: z.number().int().openapi({ description: 'Finalists the juror may judge' }),
          }),
        ),
      }),
    ),
    conflicts: z.array(
      z.object({
        nominee: z.string(),
        juror: z.string().optional(),
        institution: z.string().optional(),
        declaredBy: z.enum(['juror', 'organizer']),
      }),
    ),
  })
  .openapi('JuryProgress');

const ConflictInput = z
  .union([
    z.object({ nominee: Id, juror: Id.openapi({ description: 'Juror id or pseudonym' }) }).strict(),
    z.object({ nominee: Id, institution: Id.openapi({ description: 'Institution slug or id' }) }).strict(),
  ])
  .openapi('ConflictInput');

const Portal = z
  .object({
    juror: z.object({ pseudonym: z.string(), name: z.string(), institution: z.string() }),
    jury: z.record(z.string(), z.unknown()).openapi({ description: 'The jury rule (rubric or ranking)' }),
    open: z.boolean().openapi({ description: 'Judging is open: sheets can change' }),
    judgingCloses: z.string().nullable(),
    sheets: z.array(
      z.object({
        category: z.string(),
        slug: z.string(),
        declared: z.boolean(),
        submitted: z.boolean(),
        finalists: z.array(
          z.object({
            id: z.string(),
            slug: z.string(),
            conflict: z.enum(['juror', 'institution']).nullable(),
            scores: z.record(z.string(), z.number().int()).optional(),
          }),
        ),
        ranking: z.array(z.string()).optional(),
        complete: z.boolean(),
      }),
    ),
  })
  .openapi('JurorPortal');

const jurorSecurity = [{ jurorAuth: [] }];
const JUROR_PROBLEMS = {
  400: problems[400],
  401: problems[401],
  404: problems[404],
  409: problems[409],
} as const;

/** PUBLIC_URL behind a proxy, else this request's origin: where links in mails point. */
export function baseUrlOf(deps: AppDeps, c: Context): string {
  return deps.config.PUBLIC_URL?.replace(/\/+$/, '') ?? new URL(c.req.url).origin;
}

async function jurorOf(deps: AppDeps, c: Context<Env>, slug: string) {
  const award = await requireAward(deps, slug);
  const token = /^Bearer\s+(\S+)$/i.exec(c.req.header('authorization') ?? '')?.[1];
  if (!token)
    throw new ApiError('unauthenticated', 'Open your invitation link and send the juror token as a Bearer token.');
  return { award, juror: await jurorFromSession(deps, award, token) };
}

export function juryRoutes(deps: AppDeps) {
  const app = newRouter();
  const auth = requireOrganizer(deps);
  app.openAPIRegistry.registerComponent('securitySchemes', 'jurorAuth', {
    type: 'http',
    scheme: 'bearer',
    description: 'A juror session token, from spending an invitation link',
  });

  app.openapi(
    organizerRoute(auth, {
      method: 'get',
      path: '/api/ceremonies/{slug}/jury',
      summary: 'Jury progress: jurors, their sheets’ state, conflicts (no scores)',
      description:
        'Who has declared conflicts, how many finalists each juror has scored or ranked, and who has submitted. Scores are never shown here; they are published with the results.',
      tags: ['Jury'],
      request: { params: SlugParam },
      responses: { 200: json(Progress, 'Progress') },
    }),
    async (c) => {
      const { award } = await manageAward(deps, c.get('organizer'), c.req.valid('param').slug);
      return c.json(await juryProgress(deps, award), 200);
    },
  );

  app.openapi(
    organizerRoute(auth, {
      method: 'post',
      path: '/api/ceremonies/{slug}/jury/jurors',
      summary: 'Add a juror (and invite them)',
      description:
        'From the opening of nominations until judging ends. The event `jury.juror.added` names the juror by pseudonym with institution, weight and categories; the name enters the log only as a commitment.',
      tags: ['Jury'],
      request: {
        params: SlugParam,
        body: { content: { 'application/json': { schema: JurorInput } }, required: true },
      },
      responses: {
        201: json(z.object({ juror: Juror, invitation: Invitation.nullable(), event: EventHead }), 'Added'),
      },
    }),
    async (c) => {
      const { award, actor } = await manageAward(deps, c.get('organizer'), c.req.valid('param').slug);
      const { invite, ...input } = c.req.valid('json');
      const { juror, event } = await addJuror(deps, award, input, actor);
      const invitation = invite
        ? await inviteJuror(deps, award, juror, actor, { baseUrl: baseUrlOf(deps, c), locale: clientLocale(c) })
        : null;
      return c.json({ juror: jurorSummary(award, juror), invitation, event: invitation?.event ?? event }, 201);
    },
  );

  app.openapi(
    organizerRoute(auth, {
      method: 'patch',
      path: '/api/ceremonies/{slug}/jury/jurors/{juror}',
      summary: 'Change a juror',
      description:
        'Weight and institution only until the juror declares any sheet; categories can be added any time and removed while their sheet is undeclared.',
      tags: ['Jury'],
      request: {
        params: JurorParam,
        body: { content: { 'application/json': { schema: JurorPatch } }, required: true },
      },
      responses: { 200: json(z.object({ juror: Juror, event: EventHead }), 'Changed') },
    }),
    async (c) => {
      const { slug, juror: id } = c.req.valid('param');
      const { award, actor } = await manageAward(deps, c.get('organizer'), slug);
      const juror = await requireJuror(deps, award, id);
      const result = await updateJuror(deps, award, juror, c.req.valid('json'), actor);
      return c.json({ juror: jurorSummary(award, result.juror), event: result.event }, 200);
    },
  );

  app.openapi(
    organizerRoute(auth, {
      method: 'post',
      path: '/api/ceremonies/{slug}/jury/jurors/{juror}/invitation',
      summary: 'Issue a new invitation link (an older one stops working)',
      tags: ['Jury'],
      request: {
        params: JurorParam,
        query: z.object({
          mail: z.enum(['true', 'false']).default('true').openapi({ description: 'Mail it to the juror’s address' }),
        }),
      },
      responses: { 200: json(Invitation, 'The link') },
    }),
    async (c) => {
      const { slug, juror: id } = c.req.valid('param');
      const { award, actor } = await manageAward(deps, c.get('organizer'), slug);
      const juror = await requireJuror(deps, award, id);
      const invitation = await inviteJuror(deps, award, juror, actor, {
        baseUrl: baseUrlOf(deps, c),
        locale: clientLocale(c),
        mail: c.req.valid('query').mail === 'true',
      });
      return c.json(invitation, 200);
    },
  );

  app.openapi(
    organizerRoute(auth, {
      method: 'post',
      path: '/api/ceremonies/{slug}/jury/conflicts',
      summary: 'Record a conflict of a juror, or of a whole institution, with a nominee',
      description:
        'A conflicted juror cannot score or rank that nominee, and the tally treats them as not eligible (an institution conflict covers all its jurors). Conflicts are never removed. Event `jury.conflict.added`.',
      tags: ['Jury'],
      request: {
        params: SlugParam,
        body: { content: { 'application/json': { schema: ConflictInput } }, required: true },
      },
      responses: { 201: json(Change, 'Recorded') },
    }),
    async (c) => {
      const { award, actor } = await manageAward(deps, c.get('organizer'), c.req.valid('param').slug);
      return c.json(await addConflict(deps, award, c.req.valid('json'), actor), 201);
    },
  );

  const InvitationParam = z.object({
    token: z
      .string()
      .min(1)
      .max(2048)
      .openapi({ param: { name: 'token', in: 'path' } }),
  });

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/jury/invitations/{token}',
      summary: 'Read a juror invitation without spending it',
      tags: ['Jury'],
      request: { params: InvitationParam },
      responses: {
        200: json(
          z.object({ award: z.string(), juror: z.string(), institution: z.string(), expiresAt: z.string() }),
          'The invitation',
        ),
        401: problems[401],
        410: problems[410],
      },
    }),
    async (c) => {
      const { juror, link } = await openInvitation(deps, c.req.valid('param').token);
      const award = await requireAward(deps, juror.ceremony_id);
      return c.json(
        {
          award: award.ceremony.slug,
          juror: juror.name,
          institution: award.institutions.find((i) => i.id === juror.institution_id)?.slug ?? '',
          expiresAt: new Date(link.expiresAt).toISOString(),
        },
        200,
      );
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/jury/invitations/{token}',
      summary: 'Spend a juror invitation for a juror session token',
      description: 'Works once; event `jury.invitation.accepted`.',
      tags: ['Jury'],
      request: { params: InvitationParam },
      responses: {
        200: json(
          z.object({ award: z.string(), token: z.string(), expiresAt: z.string() }).openapi('JurorSession'),
          'Signed in as a juror',
        ),
        401: problems[401],
        410: problems[410],
        503: problems[503],
      },
    }),
    async (c) => {
      const { juror, token, expiresAt } = await acceptInvitation(deps, c.req.valid('param').token);
      const award = await requireAward(deps, juror.ceremony_id);
      return c.json({ award: award.ceremony.slug, token, expiresAt: new Date(expiresAt).toISOString() }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/ceremonies/{slug}/jury/link',
      summary: 'A juror asks for a new invitation link by mail',
      description:
        'Answers 202 whether or not the address belongs to a juror of this award; throttled per address (3 an hour).',
      tags: ['Jury'],
      request: {
        params: SlugParam,
        body: {
          content: { 'application/json': { schema: z.object({ email: z.email().max(254) }) } },
          required: true,
        },
      },
      responses: {
        202: json(z.object({ sent: z.literal(true) }), 'A link is on its way if the address is a juror’s'),
        400: problems[400],
        404: problems[404],
        429: problems[429],
      },
    }),
    async (c) => {
      const award = await requireAward(deps, c.req.valid('param').slug);
      await requestJurorLink(deps, award, c.req.valid('json').email, {
        baseUrl: baseUrlOf(deps, c),
        locale: clientLocale(c),
      });
      return c.json({ sent: true as const }, 202);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/ceremonies/{slug}/jury/me',
      summary: 'The juror’s own sheets: assignments, finalists, conflicts, own scores or ranking',
      tags: ['Jury'],
      security: jurorSecurity,
      request: { params: SlugParam },
      responses: { 200: json(Portal, 'The juror’s sheets'), ...JUROR_PROBLEMS },
    }),
    async (c) => {
      const { award, juror } = await jurorOf(deps, c, c.req.valid('param').slug);
      return c.json(await jurorPortal(deps, award, juror), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'put',
      path: '/api/ceremonies/{slug}/jury/sheets/{category}/conflicts',
      summary: 'Declare conflicts of interest for a category (possibly none)',
      description:
        'Required before any of the category’s sheets opens. Later declarations may add conflicts until the sheet is submitted, never remove one. Event `jury.conflicts.declared`.',
      tags: ['Jury'],
      security: jurorSecurity,
      request: {
        params: SheetParam,
        body: {
          content: { 'application/json': { schema: z.object({ nominees: z.array(Id).max(200) }) } },
          required: true,
        },
      },
      responses: { 200: json(Change, 'Declared'), ...JUROR_PROBLEMS },
    }),
    async (c) => {
      const { slug, category } = c.req.valid('param');
      const { award, juror } = await jurorOf(deps, c, slug);
      const event = await declareConflicts(deps, award, juror, category, c.req.valid('json').nominees);
      return c.json({ event }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'put',
      path: '/api/ceremonies/{slug}/jury/sheets/{category}/scores/{nominee}',
      summary: 'Rubric: save the juror’s scores of one finalist',
      description:
        'Every criterion, a whole number on the scale. Replaces earlier scores until the sheet is submitted. Event `jury.score.saved` with a salted commitment (the scores are published with the results).',
      tags: ['Jury'],
      security: jurorSecurity,
      request: {
        params: ScoreParam,
        body: {
          content: {
            'application/json': {
              schema: z.object({ scores: z.record(z.string().max(64), z.number()) }).openapi('RubricScores'),
            },
          },
          required: true,
        },
      },
      responses: { 200: json(Change, 'Saved'), ...JUROR_PROBLEMS },
    }),
    async (c) => {
      const { slug, category, nominee } = c.req.valid('param');
      const { award, juror } = await jurorOf(deps, c, slug);
      const event = await saveScores(deps, award, juror, category, nominee, c.req.valid('json').scores);
      return c.json({ event }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'put',
      path: '/api/ceremonies/{slug}/jury/sheets/{category}/ranking',
      summary: 'Ranking: save the juror’s ranking of the category’s finalists, best first',
      description:
        'Every finalist the juror may judge, each once. Replaces an earlier ranking until the sheet is submitted. Event `jury.ranking.saved` with a salted commitment.',
      tags: ['Jury'],
      security: jurorSecurity,
      request: {
        params: SheetParam,
        body: {
          content: { 'application/json': { schema: z.object({ ranking: z.array(Id).min(1).max(200) }) } },
          required: true,
        },
      },
      responses: { 200: json(Change, 'Saved'), ...JUROR_PROBLEMS },
    }),
    async (c) => {
      const { slug, category } = c.req.valid('param');
      const { award, juror } = await jurorOf(deps, c, slug);
      const event = await saveRanking(deps, award, juror, category, c.req.valid('json').ranking);
      return c.json({ event }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/ceremonies/{slug}/jury/sheets/{category}/submit',
      summary: 'Submit the sheet of a category, which locks it',
      description:
        'The sheet must be complete. Event `jury.sheet.submitted` with a salted commitment to the whole sheet. Only submitted sheets count in the tally.',
      tags: ['Jury'],
      security: jurorSecurity,
      request: { params: SheetParam },
      responses: { 200: json(Change, 'Submitted and locked'), ...JUROR_PROBLEMS },
    }),
    async (c) => {
      const { slug, category } = c.req.valid('param');
      const { award, juror } = await jurorOf(deps, c, slug);
      return c.json({ event: await submitSheet(deps, award, juror, category) }, 200);
    },
  );

  return app;
}
