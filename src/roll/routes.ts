/** The invited roll: organizers upload it and (re-)issue codes; invited people spend a code to verify. */
import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { requireAward } from '../ceremonies/service';
import type { AppDeps } from '../deps';
import { ApiError } from '../errors';
import {
  json,
  newRouter,
  organizerRoute,
  problems,
  ProblemSchema,
  requireOrganizer,
  SlugParam,
  type Env,
} from '../http/router';
import { VoterToken } from '../identity/routes';
import { manageAward } from '../organizers/service';
import { clientAddress } from '../http/client';
import { DELIVERIES, MAX_ROLL_ROWS, MAX_SHEET_PEOPLE } from './roster';
import { importRoll, reissueCodes, rollLang, rollOverview, verifyRollCode } from './service';
import { rollSheet } from './sheet';

const Lang = z
  .string()
  .max(8)
  .optional()
  .openapi({ description: 'Language of the mails or the sheet: en, ru or ky (default: the award’s first).' });
const EventHead = z.object({ seq: z.number().int(), hash: z.string() });

const RollImported = z
  .object({
    added: z.number().int(),
    alreadyOnRoll: z.number().int(),
    duplicatesInFile: z.number().int(),
    delivery: z.enum(DELIVERIES),
    rollHash: z.string(),
    mailsQueued: z.number().int(),
    parts: z.array(EventHead.extend({ part: z.number().int(), added: z.number().int(), rollHash: z.string() })),
  })
  .openapi('RollImported');
const RollCounts = z
  .object({ onRoll: z.number().int(), codesIssued: z.number().int(), codesUsed: z.number().int() })
  .openapi('RollCounts');
const CodesReissued = z
  .object({
    reissued: z.number().int(),
    delivery: z.enum(['mail', 'sheet']),
    mailsQueued: z.number().int(),
    parts: z.array(EventHead.extend({ part: z.number().int(), people: z.number().int() })),
  })
  .openapi('CodesReissued');
const Sheet = {
  'text/html': { schema: z.string().openapi({ description: 'The printable sheet: one card per person' }) },
};
const problem = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: ProblemSchema } },
});

const CSV_TYPES = /^(text\/csv|application\/csv|text\/plain)\b/i;

export function rollRoutes(deps: AppDeps) {
  const app = newRouter();
  const auth = requireOrganizer(deps);

  const baseUrl = (c: Context<Env>) => deps.config.PUBLIC_URL ?? new URL(c.req.url).origin;
  // Codes in clear must not linger in a cache.
  const sheetResponse = (c: Context<Env>, html: string) =>
    c.html(html, 201, { 'cache-control': 'no-store', 'x-robots-tag': 'noindex' });

  app.openapi(
    organizerRoute(auth, {
      method: 'post',
      path: '/api/ceremonies/{slug}/roll',
      summary: 'Upload invited people (CSV) to the roll and issue their single-use codes',
      description: [
        'For awards whose identity method is `roll`. The body is CSV (comma or semicolon, UTF-8, a BOM is fine) with ' +
          'a header row naming an `email` column and optionally a `name` column (printed on the sheet and used in ' +
          'the mail greeting; never stored). Addresses are normalized (email-v1) and kept only as person keys. If ' +
          'any line has an unusable address nothing is imported and the refusal names the lines. Duplicates in the ' +
          'file and people already on the roll are counted and skipped.',
        '`delivery=mail` (default) queues one mail per new person with their code; `sheet` answers with a ' +
          'printable HTML sheet, the only place the codes then exist in clear; `none` only adds the people (they ' +
          'verify by emailed one-time code, which a roll award gives only to people on its roll).',
        `At most ${MAX_ROLL_ROWS} rows per upload and ${MAX_SHEET_PEOPLE} people per sheet. Large uploads are ` +
          'committed in parts, each atomic with its own `roll.imported` event (part k of n); if a later part is ' +
          'refused, the earlier ones stay and sending the same file again adds the rest.',
      ].join('\n\n'),
      tags: ['Roll'],
      request: {
        params: SlugParam,
        query: z.object({ delivery: z.enum(DELIVERIES).default('mail'), lang: Lang }),
        body: {
          content: {
            'text/csv': {
              schema: z.string().openapi({ example: 'email;name\naigul@yandex.ru;Айгуль Токтосунова\n' }),
            },
          },
          required: true,
        },
      },
      responses: {
        201: {
          description: 'Imported: counts and events (JSON), or the sheet to print (HTML, with delivery=sheet)',
          content: { 'application/json': { schema: RollImported }, ...Sheet },
        },
        413: problem('Too many rows or people for one sheet'),
        415: problem('The body is not CSV'),
      },
    }),
    async (c) => {
      const { award, actor } = await manageAward(deps, c.get('organizer'), c.req.valid('param').slug);
      if (!CSV_TYPES.test(c.req.header('content-type') ?? ''))
        throw new ApiError('unsupported-media-type', 'Send the roll as CSV: content-type text/csv.');
      const { delivery, lang } = c.req.valid('query');
      const options = { delivery, lang: rollLang(award, lang), baseUrl: baseUrl(c) };
      const { sheet, ...result } = await importRoll(deps, award, actor, await c.req.text(), options);
      if (sheet) return sheetResponse(c, rollSheet(sheet));
      return c.json(result, 201);
    },
  );

  app.openapi(
    organizerRoute(auth, {
      method: 'get',
      path: '/api/ceremonies/{slug}/roll',
      summary: 'How many people are on the roll, and how many codes were issued and used',
      description: 'Counts only: no person keys, no addresses. A re-issued code replaces the unused one before it.',
      tags: ['Roll'],
      request: { params: SlugParam },
      responses: { 200: json(RollCounts, 'The counts') },
    }),
    async (c) => {
      const { award } = await manageAward(deps, c.get('organizer'), c.req.valid('param').slug);
      return c.json(await rollOverview(deps, award), 200);
    },
  );

  app.openapi(
    organizerRoute(auth, {
      method: 'post',
      path: '/api/ceremonies/{slug}/roll/codes',
      summary: 'Re-issue codes for people on the roll (lost mail, lost card)',
      description:
        'Every address must be on the roll already. Each person gets a new code by mail or on a printed sheet, and their unused codes stop working in the same step. Codes already spent stay spent.',
      tags: ['Roll'],
      request: {
        params: SlugParam,
        query: z.object({ lang: Lang }),
        body: {
          content: {
            'application/json': {
              schema: z
                .object({
                  emails: z.array(z.string().max(254)).min(1).max(MAX_ROLL_ROWS),
                  delivery: z.enum(['mail', 'sheet']).default('mail'),
                })
                .openapi('ReissueCodes'),
            },
          },
          required: true,
        },
      },
      responses: {
        201: {
          description: 'Re-issued: counts and events (JSON), or the sheet to print (HTML, with delivery sheet)',
          content: { 'application/json': { schema: CodesReissued }, ...Sheet },
        },
        413: problem('Too many people for one sheet'),
      },
    }),
    async (c) => {
      const { award, actor } = await manageAward(deps, c.get('organizer'), c.req.valid('param').slug);
      const { emails, delivery } = c.req.valid('json');
      const options = { delivery, lang: rollLang(award, c.req.valid('query').lang), baseUrl: baseUrl(c) };
      const { sheet, ...result } = await reissueCodes(deps, award, actor, emails, options);
      if (sheet) return sheetResponse(c, rollSheet(sheet));
      return c.json(result, 201);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/ceremonies/{slug}/verify/roll',
      summary: 'Spend a single-use roll code for a voter token',
      description:
        'For awards whose identity method is `roll`. Case, spaces and dashes in the code do not matter. A code works once (a second try answers 410); wrong codes are counted per client address, and after 20 in 15 minutes every try is refused for the rest of the window. The token is the same kind the email method gives, for the same person key.',
      tags: ['Verification'],
      request: {
        params: SlugParam,
        body: {
          content: {
            'application/json': {
              schema: z
                .object({ code: z.string().min(1).max(64).openapi({ example: 'ABCD-EFGH-JKMN' }) })
                .openapi('VerifyRollCode'),
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
        410: problems[410],
        429: problems[429],
      },
    }),
    async (c) => {
      const award = await requireAward(deps, c.req.valid('param').slug);
      const clientKey = await deps.wrapper.mac('client-address', clientAddress(c, deps.config));
      const { token, expiresAt } = await verifyRollCode(deps, award, c.req.valid('json').code, clientKey);
      return c.json({ token, expiresAt: new Date(expiresAt).toISOString(), method: 'roll' as const }, 200);
    },
  );

  return app;
}
