/** GET /api/ceremonies/{slug}/bundle: the audit bundle (docs/audit.md §19), for everyone once announced. */
import { createRoute, z } from '@hono/zod-openapi';
import { requireAward } from '../ceremonies/service';
import type { AppDeps } from '../deps';
import { ApiError } from '../errors';
import { newRouter, problems, SlugParam } from '../http/router';
import { resultsArePublic } from '../results/service';
import { bundleJson, bundleNdjson, bundleParts } from './export';

const FormatQuery = z.object({
  format: z
    .enum(['json', 'ndjson'])
    .default('json')
    .openapi({ description: 'json: one object; ndjson: one line per item, for large awards (docs/audit.md §19.2)' }),
});

/** A text stream as a response body, pulled chunk by chunk (nothing waits in memory for a slow reader). */
export function textStream(chunks: AsyncIterable<string>): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  const iterator = chunks[Symbol.asyncIterator]();
  return new ReadableStream({
    async pull(controller) {
      const next = await iterator.next();
      if (next.done) controller.close();
      else controller.enqueue(encoder.encode(next.value));
    },
    async cancel() {
      await iterator.return?.();
    },
  });
}

export function bundleRoutes(deps: AppDeps) {
  const app = newRouter();
  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/ceremonies/{slug}/bundle',
      summary: 'The audit bundle: everything needed to check and recount the award',
      description:
        'Public once the results are announced (404 before, also for organizers: it holds the jury’s scores). Rules, structure, nominees, the event chain, the trackers behind each review, the opened jury commitments, every ballot with its batch, every signed results version and the keys. Nothing identifies a voter. Check it with `laurel verify` or `tools/verify.py bundle` (docs/audit.md §19–21).',
      tags: ['Results'],
      request: { params: SlugParam, query: FormatQuery },
      responses: {
        200: {
          description: 'The bundle',
          content: {
            'application/json': { schema: z.record(z.string(), z.unknown()) },
            'application/x-ndjson': { schema: z.string() },
          },
        },
        404: problems[404],
      },
    }),
    async (c) => {
      const award = await requireAward(deps, c.req.valid('param').slug);
      if (!resultsArePublic(award)) throw new ApiError('not-found', 'The audit bundle is published with the results.');
      const parts = await bundleParts(deps, award);
      const ndjson = c.req.valid('query').format === 'ndjson';
      const name = `${award.ceremony.slug}-bundle.${ndjson ? 'ndjson' : 'json'}`;
      c.header('content-type', ndjson ? 'application/x-ndjson; charset=utf-8' : 'application/json; charset=utf-8');
      c.header('content-disposition', `attachment; filename="${name}"`);
      c.header('cache-control', 'public, max-age=60');
      // Streamed text, not c.json(): the typed-JSON response of the route would hold the whole bundle in memory.
      return c.body(textStream(ndjson ? bundleNdjson(parts) : bundleJson(parts)), 200) as never;
    },
  );
  return app;
}
