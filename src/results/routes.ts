/**
 * Results: finalize, announce and correct (organizers); read the signed document, its versions and the CSV
 * (organizers from finalization, everyone from the announcement); the signing keys at /.well-known/jwks.json.
 */
import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { requireAward } from '../ceremonies/service';
import { type CeremonyContent, type NomineeContent, pick } from '../ceremonies/model';
import type { LocalizedText } from '../ceremonies/schemas';
import { toCsv } from '../csv/csv';
import type { AppDeps } from '../deps';
import {
  type Env,
  json,
  managesAward,
  newRouter,
  organizerRoute,
  problems,
  requireOrganizer,
  SlugParam,
} from '../http/router';
import { manageAward } from '../organizers/service';
import { CSV_HEADER, type ResultsDocument, resultsCsvRows } from './document';
import { publicResults, revealNext } from './reveal';
import { resultsJwks } from './signing';
import { amendResults, announceResults, finalizeResults, readResults, resultsVersions } from './service';

const EventHead = z.object({ seq: z.number().int(), hash: z.string() });
const Published = z
  .object({ version: z.number().int(), hash: z.string(), kid: z.string().optional(), event: EventHead })
  .openapi('ResultsPublished');
const Results = z
  .object({
    version: z.number().int(),
    hash: z.string().openapi({ description: 'SHA-256 of the document’s canonical JSON' }),
    kid: z.string().openapi({ description: 'The signing key in /.well-known/jwks.json' }),
    jws: z.string().openapi({ description: 'Compact JWS (EdDSA); its payload is the document’s canonical JSON' }),
    document: z.record(z.string(), z.unknown()).openapi({ description: 'The results document (laurel-results/1)' }),
  })
  .openapi('Results');
const VersionQuery = z.object({
  version: z.coerce.number().int().min(1).optional().openapi({ description: 'A version (default: the latest)' }),
});

const mayRead = (deps: AppDeps, c: Context<Env>, ceremonyId: string) => managesAward(deps, c, ceremonyId);

export function resultsRoutes(deps: AppDeps) {
  const app = newRouter();
  const auth = requireOrganizer(deps);

  app.openapi(
    organizerRoute(auth, {
      method: 'post',
      path: '/api/ceremonies/{slug}/results/finalize',
      summary: 'Finalize: end judging, compute, sign and store the results (version 1)',
      description:
        'Only while judging. Computes the results once from the closed vote, the finalists and the submitted jury sheets; signs them (JWS, EdDSA); logs `results.finalized` with the document hash and the revealed lot secret; deletes the fraud-signal key. Results stay embargoed (organizers only) until announced.',
      tags: ['Results'],
      request: { params: SlugParam },
      responses: { 201: json(Published, 'Finalized'), 503: problems[503] },
    }),
    async (c) => {
      const { award, actor } = await manageAward(deps, c.get('organizer'), c.req.valid('param').slug);
      return c.json(await finalizeResults(deps, award, actor), 201);
    },
  );

  app.openapi(
    organizerRoute(auth, {
      method: 'post',
      path: '/api/ceremonies/{slug}/results/announce',
      summary: 'Announce: publish the finalized results to everyone',
      tags: ['Results'],
      request: { params: SlugParam },
      responses: { 200: json(Published, 'Announced') },
    }),
    async (c) => {
      const { award, actor } = await manageAward(deps, c.get('organizer'), c.req.valid('param').slug);
      return c.json(await announceResults(deps, award, actor), 200);
    },
  );

  app.openapi(
    organizerRoute(auth, {
      method: 'post',
      path: '/api/ceremonies/{slug}/results/amend',
      summary: 'Publish a correction: the next signed version, citing the previous one and a reason',
      description:
        'After the announcement. The results are computed again as the award now stands (e.g. after ballots were voided or restored); the new version names the previous version’s hash and the reason. Every version stays public.',
      tags: ['Results'],
      request: {
        params: SlugParam,
        body: {
          content: {
            'application/json': { schema: z.object({ reason: z.string().trim().min(3).max(2000) }).openapi('Amend') },
          },
          required: true,
        },
      },
      responses: { 201: json(Published, 'Published'), 503: problems[503] },
    }),
    async (c) => {
      const { award, actor } = await manageAward(deps, c.get('organizer'), c.req.valid('param').slug);
      return c.json(await amendResults(deps, award, c.req.valid('json').reason, actor), 201);
    },
  );

  app.openapi(
    organizerRoute(auth, {
      method: 'post',
      path: '/api/ceremonies/{slug}/results/reveal',
      summary: 'The ceremony: reveal the next step (a category’s finalists, then its winner); after the last, announce',
      description:
        'While finalized. Steps follow the award’s category order. Each reveal is logged (`results.revealed`) and shows at once on the public results page; the press after the last step announces the results. A second press of the same step gets 409.',
      tags: ['Results'],
      request: {
        params: SlugParam,
        query: z.object({
          step: z.coerce
            .number()
            .int()
            .min(1)
            .optional()
            .openapi({ description: 'The step this press means (the last revealed + 1); another answers 409' }),
        }),
      },
      responses: {
        200: json(
          z.object({
            revealed: z
              .object({
                category: z.string(),
                stage: z.enum(['finalists', 'winner']),
                step: z.number().int(),
                of: z.number().int(),
              })
              .nullable(),
            announced: Published.omit({ kid: true }).nullable(),
            event: EventHead.optional(),
          }),
          'Revealed (or announced)',
        ),
      },
    }),
    async (c) => {
      const { award, actor } = await manageAward(deps, c.get('organizer'), c.req.valid('param').slug);
      return c.json(await revealNext(deps, award, actor, c.req.valid('query').step), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/ceremonies/{slug}/results/live',
      summary: 'What the public sees of the results now: revealed categories during the ceremony, all once announced',
      tags: ['Results'],
      request: { params: SlugParam },
      responses: {
        200: json(z.record(z.string(), z.unknown()).openapi('PublicResults'), 'The revealed results'),
        404: problems[404],
      },
    }),
    async (c) => {
      const award = await requireAward(deps, c.req.valid('param').slug);
      const view = await publicResults(deps, award);
      if (!view) return c.json({ announced: false, revealed: 0, of: 0, document: null, categories: [] }, 200);
      c.header('cache-control', 'no-store');
      return c.json(view as unknown as Record<string, unknown>, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/ceremonies/{slug}/results',
      summary: 'The signed results (organizers from finalization; everyone once announced)',
      description: 'Before the announcement the public gets 404, as if there were no results.',
      tags: ['Results'],
      request: { params: SlugParam, query: VersionQuery },
      responses: { 200: json(Results, 'The results'), 404: problems[404] },
    }),
    async (c) => {
      const award = await requireAward(deps, c.req.valid('param').slug);
      const organizer = await mayRead(deps, c, award.ceremony.id);
      const row = await readResults(deps, award, { organizer, version: c.req.valid('query').version });
      if (!organizer || award.ceremony.phase !== 'finalized') c.header('cache-control', 'public, max-age=60');
      else c.header('cache-control', 'private, no-store');
      return c.json(
        { version: row.version, hash: row.hash, kid: row.kid, jws: row.jws, document: JSON.parse(row.document) },
        200,
      );
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/ceremonies/{slug}/results/versions',
      summary: 'Every version of the results, with what each corrects and why',
      tags: ['Results'],
      request: { params: SlugParam },
      responses: {
        200: json(
          z.object({
            versions: z.array(
              z.object({
                version: z.number().int(),
                hash: z.string(),
                kid: z.string(),
                at: z.number().int(),
                supersedes: z.object({ version: z.number().int(), hash: z.string() }).nullable(),
                reason: z.string().nullable(),
              }),
            ),
          }),
          'The versions',
        ),
        404: problems[404],
      },
    }),
    async (c) => {
      const award = await requireAward(deps, c.req.valid('param').slug);
      const organizer = await mayRead(deps, c, award.ceremony.id);
      return c.json({ versions: await resultsVersions(deps, award, { organizer }) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/ceremonies/{slug}/results.csv',
      summary: 'The results as CSV: one row per finalist, every component as a decimal string',
      description:
        'UTF-8 with a byte-order mark; cells starting with =, +, - or @ are escaped. Decimals have 6 places (half-even); the exact rationals are in the JSON document.',
      tags: ['Results'],
      request: { params: SlugParam, query: VersionQuery },
      responses: {
        200: { description: 'CSV', content: { 'text/csv': { schema: z.string() } } },
        404: problems[404],
      },
    }),
    async (c) => {
      const award = await requireAward(deps, c.req.valid('param').slug);
      const organizer = await mayRead(deps, c, award.ceremony.id);
      const row = await readResults(deps, award, { organizer, version: c.req.valid('query').version });
      const doc = JSON.parse(row.document) as ResultsDocument;
      const fallback = (JSON.parse(award.ceremony.locales) as string[])[0] ?? 'en';
      const names = (id: string) => {
        const nominee = award.nominees.find((n) => n.id === id);
        if (nominee)
          return {
            slug: nominee.slug,
            name: pick((JSON.parse(nominee.content) as NomineeContent).name, fallback, fallback),
          };
        const cat = award.categories.find((x) => x.id === id);
        return {
          slug: cat?.slug ?? id,
          name: pick(cat ? (JSON.parse(cat.content) as { name: LocalizedText }).name : undefined, fallback, fallback),
        };
      };
      const awardName = pick((JSON.parse(award.ceremony.content) as CeremonyContent).name, fallback, fallback);
      c.header('content-type', 'text/csv; charset=utf-8');
      c.header(
        'content-disposition',
        `attachment; filename="${award.ceremony.slug}-results-v${row.version}.csv"; filename*=UTF-8''${encodeURIComponent(awardName)}-results-v${row.version}.csv`,
      );
      return c.body(toCsv(CSV_HEADER, resultsCsvRows(doc, names)), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/.well-known/jwks.json',
      summary: 'The results signing keys (JWK Set), current and retired',
      tags: ['Results'],
      responses: { 200: json(z.object({ keys: z.array(z.record(z.string(), z.unknown())) }), 'The key set') },
    }),
    async (c) => {
      c.header('cache-control', 'public, max-age=300');
      return c.json(await resultsJwks(deps), 200);
    },
  );

  return app;
}
