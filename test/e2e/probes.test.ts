/**
 * Outside probes (issue 10): the real Node server in a child process, probed over HTTP as anyone on the network
 * could, with an award finalized but not yet announced. From its own /openapi.json:
 *
 * - every GET operation, anonymously: never a 5xx, every refusal of the JSON API is problem+json, every answer has
 *   the security headers, and none holds the results (document hash, signature, lot secret) or a member that
 *   carries counts, shares or scores;
 * - every mutating operation with hostile bodies and path parameters: never a 5xx, refusals in problem+json, and
 *   the award's event log does not move.
 *
 * After `laurel announce` the same probes find the results: the probe can see what it looks for.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listEvents } from '../../src/audit/log';
import { openStore } from '../../src/store/node';
import { nonce, plainAward } from '../support/awards';
import { HOSTILE_BODIES, HOSTILE_PARAMS, fill } from '../support/hostile';
import { bodyText, leaks } from '../support/leaks';
import { type LaurelProcess, e2eDatabaseUrl, laurelProcess, voterMinter } from './harness';

const SLUG = 'probe-award';
const award = plainAward(SLUG, {
  rules: { finalists: { mode: 'public', k: 2 }, checkpoints: { everySeconds: 3600, everyBallots: 1000 } },
  categories: { mentor: ['a', 'b', 'c'] },
});

interface Operation {
  method: string;
  path: string;
}

describe('outside probes against a running server', () => {
  let laurel: LaurelProcess;
  let operations: Operation[];
  let results: { hash: string; signature: string; lotSecret: string };

  const http = (method: string, path: string, init: { type?: string; body?: string } = {}) =>
    fetch(`${laurel.url}${path}`, {
      method,
      redirect: 'manual',
      headers: init.type ? { 'content-type': init.type } : {},
      ...(init.body === undefined ? {} : { body: init.body }),
    }).catch((err: unknown) => {
      throw new Error(`${method} ${path} with ${init.type} ${JSON.stringify(init.body?.slice(0, 40))}: no answer`, {
        cause: err,
      });
    });
  const head = async () => (await (await http('GET', `/api/ceremonies/${SLUG}/events/head`)).json()) as unknown;

  beforeAll(async () => {
    laurel = await laurelProcess({ smtp: false, databaseUrl: await e2eDatabaseUrl() });
    await laurel.start();
    const file = join(laurel.dataDir, 'award.json');
    writeFileSync(file, JSON.stringify(award));
    await laurel.cli('import', file, '--open');
    await laurel.cli('phase', SLUG, 'voting');
    const voters = await voterMinter(laurel.databaseUrl, SLUG);
    for (let i = 0; i < 6; i++) {
      const res = await fetch(`${laurel.url}/api/ceremonies/${SLUG}/ballots`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${await voters.token(i)}` },
        body: JSON.stringify({ category: 'mentor', nominee: ['a', 'a', 'a', 'b', 'b', 'c'][i], nonce: nonce() }),
      });
      expect(res.status, await res.text()).toBe(201);
    }
    await laurel.cli('phase', SLUG, 'judging');
    await laurel.cli('finalize', SLUG);
    const store = openStore(laurel.databaseUrl);
    try {
      const row = await store.db.selectFrom('results').select(['hash', 'jws']).executeTakeFirstOrThrow();
      const events = await listEvents(store.db, voters.ceremonyId, { limit: 1000 });
      const payload = events.find((e) => e.type === 'results.finalized')!.payload as { lotSecret?: string };
      results = { hash: row.hash, signature: row.jws.split('.')[2]!, lotSecret: payload.lotSecret ?? '' };
    } finally {
      await store.close();
    }
    const doc = (await (await http('GET', '/openapi.json')).json()) as {
      paths: Record<string, Record<string, unknown>>;
    };
    operations = Object.entries(doc.paths).flatMap(([path, ops]) =>
      ['get', 'post', 'put', 'patch', 'delete']
        .filter((m) => m in ops)
        .map((method) => ({ method: method.toUpperCase(), path: path.replace('{slug}', SLUG) })),
    );
  }, 120_000);

  afterAll(async () => {
    await laurel?.stop();
  });

  it('finds no results, counts or scores on any GET before the announcement, and headers on every answer', async () => {
    expect(results.hash).toMatch(/^[0-9a-f]{64}$/);
    const gets = operations.filter((op) => op.method === 'GET');
    expect(gets.length).toBeGreaterThan(30);
    for (const op of gets) {
      const res = await http('GET', fill(op.path, 'probe'));
      const text = await bodyText(res);
      const where = `GET ${op.path} (${res.status})`;
      expect(res.status, where).toBeLessThan(500);
      expect(res.headers.get('x-content-type-options'), where).toBe('nosniff');
      expect(res.headers.get('content-security-policy') ?? '', where).toContain("default-src 'self'");
      const type = res.headers.get('content-type') ?? '';
      if (res.status >= 400 && op.path.startsWith('/api/')) expect(type, where).toContain('application/problem+json');
      expect(text.includes(results.hash), where).toBe(false);
      expect(text.includes(results.signature), where).toBe(false);
      if (results.lotSecret) expect(text.includes(results.lotSecret), where).toBe(false);
      if (type.includes('json') && op.path !== '/openapi.json') expect(leaks(JSON.parse(text)), where).toEqual([]);
    }
  }, 120_000);

  it('refuses hostile bodies and parameters on every mutating operation with 4xx problem+json, and logs nothing', async () => {
    const before = await head();
    let sent = 0;
    const accepted: string[] = [];
    for (const op of operations.filter((o) => o.method !== 'GET')) {
      for (const { type, body } of HOSTILE_BODIES) {
        const res = await http(op.method, fill(op.path, 'probe'), { type, body });
        const where = `${op.method} ${op.path} with ${type} ${JSON.stringify(body.slice(0, 40))} (${res.status})`;
        expect(res.status, where).toBeLessThan(500);
        if (res.status < 300) accepted.push(where);
        if (res.status >= 400 && op.path.startsWith('/api/'))
          expect(res.headers.get('content-type') ?? '', where).toContain('application/problem+json');
        await res.arrayBuffer();
        sent++;
      }
      for (const value of HOSTILE_PARAMS) {
        const res = await http(op.method, fill(op.path, value), { type: 'application/json', body: '{}' });
        const where = `${op.method} ${op.path} with ${value.slice(0, 20)} (${res.status})`;
        expect(res.status, where).toBeLessThan(500);
        if (res.status < 300) accepted.push(where);
        await res.arrayBuffer();
        sent++;
      }
    }
    expect(sent).toBeGreaterThan(500);
    // What was accepted (a voter code asked for a well-formed address answers 202 in any phase) logged nothing.
    expect(await head(), `accepted: ${accepted.join('; ')}`).toEqual(before);
  }, 300_000);

  it('finds the results once they are announced', async () => {
    await laurel.cli('announce', SLUG);
    const res = await http('GET', `/api/ceremonies/${SLUG}/results`);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain(results.hash);
  });
});
