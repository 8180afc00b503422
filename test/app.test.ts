import { SECURITY_HEADERS } from '../src/app';
import { securityHeaderList } from '../src/http/secure-headers';
import { describe, expect, it } from 'vitest';
import { PROBLEM_CODES } from '../src/errors';
import { testEnv } from './helpers';

describe('the app shell', () => {
  it('answers /health with the database kind and clock', async () => {
    const env = await testEnv();
    const res = await env.app.request('/health');
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.status).toBe('ok');
    expect(['sqlite', 'postgres']).toContain(body.database);
  });

  it('documents every route in /openapi.json (OpenAPI 3.1)', async () => {
    const env = await testEnv();
    const doc = await (await env.app.request('/openapi.json')).json();
    expect(doc.openapi).toBe('3.1.0');
    const documented = new Set<string>();
    for (const [path, item] of Object.entries<any>(doc.paths))
      for (const method of Object.keys(item)) documented.add(`${method} ${path}`);
    const routes = env.app.routes
      .filter((r) => ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'].includes(r.method) && !r.path.includes('*'))
      .map((r) => `${r.method.toLowerCase()} ${r.path.replace(/:([A-Za-z0-9_]+)(\{[^}]*\})?/g, '{$1}')}`);
    expect(routes.length).toBeGreaterThan(20);
    expect(routes.filter((r) => !documented.has(r))).toEqual([]);
    // API routes carry their zod schemas, not a placeholder.
    const create = doc.paths['/api/ceremonies'].post;
    expect(create.requestBody.content['application/json'].schema.$ref).toBe('#/components/schemas/AwardDefinition');
    expect(doc.components.schemas.Rules).toBeDefined();
    expect(create.security).toEqual([{ bearerAuth: [] }]);
  });

  it('serves the API reference page without scripts', async () => {
    const env = await testEnv();
    const res = await env.app.request('/api-docs');
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('/api/ceremonies/{slug}/phase');
    expect(html).not.toContain('<script');
  });

  it('answers unknown routes and malformed bodies with problem+json', async () => {
    const env = await testEnv();
    const missing = await env.app.request('/api/nothing-here');
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toContain('application/problem+json');
    expect((await missing.json()).code).toBe('not-found');

    const garbled = await env.app.request('/api/auth/code', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"email":',
    });
    expect(garbled.status).toBe(400);
    const problem = await garbled.json();
    expect(Object.keys(PROBLEM_CODES)).toContain(problem.code);

    const big = await env.app.request('/api/auth/code', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'a@b.c', pad: 'x'.repeat(3 * 1024 * 1024) }),
    });
    expect(big.status).toBe(413);
    expect((await big.json()).code).toBe('payload-too-large');
  });

  it('sets security headers on every response', async () => {
    const env = await testEnv();
    const expected = await securityHeaderList(SECURITY_HEADERS);
    expect(expected.length).toBeGreaterThan(8);
    const answers = [
      ...['/health', '/', '/api/ceremonies', '/no-such-page', '/api/ceremonies/nope'].map((path) =>
        env.app.request(path),
      ),
      // Refusals made by the validator, by a route that throws, and by the body limit.
      env.app.request('/api/ceremonies/nope/ballots', {
        method: 'POST',
        body: '{',
        headers: { 'content-type': 'application/json' },
      }),
      env.app.request('/api/ceremonies/nope/ballots', {
        method: 'POST',
        body: '{}',
        headers: { 'content-type': 'application/json' },
      }),
      env.app.request('/api/ceremonies/nope/ballots', {
        method: 'POST',
        headers: { 'content-length': String(3 * 1024 * 1024) },
      }),
    ];
    for (const res of await Promise.all(answers)) {
      for (const [name, value] of expected) expect(res.headers.get(name), `${res.status} ${name}`).toBe(value);
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
      expect(res.headers.get('x-request-id')).toBeTruthy();
    }
  });
});
