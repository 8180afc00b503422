/**
 * Bad input from /openapi.json (issue 10, first pass): every operation of the document is called with hostile path
 * parameters, bodies, content types and headers, anonymously and as the award's organizer, against an award in
 * judging with a ballot, a juror and finalists. No answer may be a 5xx, every refusal of the JSON API is
 * application/problem+json, and a refused request writes no event. Random inputs come from fast-check with a fixed
 * seed, so a failure reproduces.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bearer, type TestEnv, signIn, testEnv } from './helpers';
import { eventKeys } from './support/coverage';
import { HOSTILE_BODIES, HOSTILE_PARAMS, fill } from './support/hostile';
import { nonce, openVote, plainAward, voterToken } from './support/awards';
import { movePhase, requireAward } from '../src/ceremonies/service';

interface Operation {
  method: string;
  path: string;
}

async function operations(env: TestEnv): Promise<Operation[]> {
  const doc = (await (await env.app.request('/openapi.json')).json()) as {
    paths: Record<string, Record<string, unknown>>;
  };
  return Object.entries(doc.paths).flatMap(([path, ops]) =>
    ['get', 'post', 'put', 'patch', 'delete']
      .filter((m) => m in ops)
      .map((method) => ({ method: method.toUpperCase(), path })),
  );
}

describe('hostile input from the OpenAPI document', () => {
  it('never answers 5xx, refuses with problem+json, and writes no event when it refuses', async () => {
    const env = await testEnv();
    const slug = 'fuzz';
    const id = await openVote(
      env,
      plainAward(slug, { institutions: [{ slug: 'panel', name: { en: 'P' }, weight: 1 }] }),
    );
    const organizer = await signIn(env, 'fuzz-org@example.kg', id);
    const voter = await voterToken(env, id, 'fuzz-voter');
    const cast = await env.app.request(`/api/ceremonies/${slug}/ballots`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...bearer(voter) },
      body: JSON.stringify({ category: 'mentor', nominee: 'a', nonce: nonce() }),
    });
    expect(cast.status).toBe(201);
    await movePhase(env, await requireAward(env, id), 'judging', 'cli', 'hand');

    const ops = await operations(env);
    expect(ops.length).toBeGreaterThan(100);
    const problems: string[] = [];
    const statuses = new Map<number, number>();
    const call = async (op: Operation, url: string, init: RequestInit, who: string) => {
      const before = await eventKeys(env);
      const res = await env.app.request(url, init);
      const type = res.headers.get('content-type') ?? '';
      const where = `${who} ${op.method} ${url.slice(0, 120)}`;
      if (type.includes('text/event-stream')) {
        await res.body?.cancel();
        return;
      }
      const text = await res.text();
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      if (res.status >= 500) problems.push(`${where} → ${res.status} ${text.slice(0, 200)}`);
      if (res.status >= 400 && op.path.startsWith('/api/') && !type.includes('application/problem+json'))
        problems.push(`${where} → ${res.status} ${type}`);
      if (res.status >= 400 && (await eventKeys(env)).size !== before.size)
        problems.push(`${where} → ${res.status} but wrote an event`);
    };
    const auth = (who: string): Record<string, string> => (who === 'organizer' ? bearer(organizer) : {});

    for (const op of ops) {
      for (const who of ['anonymous', 'organizer']) {
        // Hostile path parameters (the award's own slug elsewhere keeps the rest of the path reachable).
        for (const value of HOSTILE_PARAMS) {
          const url = op.path.replace('{slug}', slug).replace(/\{[^}]+\}/g, value);
          await call(op, url, { method: op.method, headers: auth(who) }, who);
        }
        if (op.method === 'GET') continue;
        for (const { type, body } of HOSTILE_BODIES) {
          const url = fill(op.path.replace('{slug}', slug), 'nope');
          await call(
            op,
            url,
            { method: op.method, headers: { 'content-type': type, origin: 'http://localhost', ...auth(who) }, body },
            who,
          );
        }
      }
    }

    // Random JSON bodies and headers, reproducible by the seed.
    const mutating = ops.filter((o) => o.method !== 'GET');
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...mutating),
        fc.jsonValue({ maxDepth: 3 }),
        fc.constantFrom('anonymous', 'organizer'),
        fc.dictionary(fc.constantFrom('x-forwarded-for', 'accept-language', 'accept', 'authorization'), fc.string()),
        async (op, value, who, headers) => {
          const url = fill(op.path.replace('{slug}', slug), 'a');
          const safeHeaders = Object.fromEntries(Object.entries(headers).filter(([, v]) => /^[\t\x20-\x7e]*$/.test(v)));
          await call(
            op,
            url,
            {
              method: op.method,
              headers: { 'content-type': 'application/json', ...safeHeaders, ...auth(who) },
              body: JSON.stringify(value),
            },
            who,
          );
        },
      ),
      { seed: 20261126, numRuns: 400 },
    );
    expect(problems).toEqual([]);
    // The calls reached the handlers: validation refused bodies (400), sessions were asked for (401), pages and
    // unknown ids answered (404), and some hostile requests were simply served (200).
    const seen = Object.fromEntries(statuses);
    for (const status of [200, 400, 401, 403, 404, 409])
      expect(seen[status] ?? 0, JSON.stringify(seen)).toBeGreaterThan(0);
  }, 300_000);
});
