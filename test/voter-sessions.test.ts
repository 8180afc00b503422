/**
 * Voter sessions (src/identity/sessions.ts): tokens made by jose's EncryptJWT, opened by Laurel's own JWE
 * decryption. Forged with the real key, every form but the one Laurel issues is refused, as are wrong claims.
 */
import { EncryptJWT, type JWTPayload } from 'jose';
import { describe, expect, it } from 'vitest';
import { issueVoterSession, readVoterSession, voterAudience } from '../src/identity/sessions';
import { toBase64Url } from '../src/keys/wrap';
import { testClock, testEnv } from './helpers';

describe('voter sessions', () => {
  it('open what issueVoterSession made, with its claims, until it expires', async () => {
    const clock = testClock();
    const env = await testEnv({ clock });
    const { token, expiresAt } = await issueVoterSession(env, {
      ceremonyId: 'c1',
      personKey: 'p'.repeat(64),
      method: 'email',
      email: 'voter@example.kg',
    });
    expect(await readVoterSession(env, token, 'c1')).toEqual({
      ceremonyId: 'c1',
      personKey: 'p'.repeat(64),
      method: 'email',
      email: 'voter@example.kg',
      expiresAt,
    });
    await expect(readVoterSession(env, token, 'c2')).rejects.toMatchObject({ code: 'token-invalid' });
    clock.set(expiresAt);
    await expect(readVoterSession(env, token, 'c1')).rejects.toMatchObject({ code: 'token-invalid' });
  });

  it('refuse tokens under the right key in any other form or with other claims', async () => {
    const clock = testClock();
    const env = await testEnv({ clock });
    const key = await env.wrapper.derive('voter-session');
    const now = Math.floor(clock() / 1000);
    const good: JWTPayload = {
      pk: 'p'.repeat(64),
      m: 'email',
      iss: 'laurel',
      aud: voterAudience('c1'),
      exp: now + 600,
    };
    const make = (claims: JWTPayload, header: Record<string, unknown> = { alg: 'dir', enc: 'A256GCM', typ: 'JWT' }) =>
      new EncryptJWT(claims).setProtectedHeader(header as never).encrypt(key);

    // The genuine form opens (so that the refusals below are about what they change).
    expect((await readVoterSession(env, await make(good), 'c1')).personKey).toBe('p'.repeat(64));
    const { aud: _aud, ...noAudience } = good;
    const { exp: _exp, ...noExpiry } = good;
    const refused: [string, string][] = [
      ['another issuer', await make({ ...good, iss: 'someone' })],
      ['another award', await make({ ...good, aud: voterAudience('c2') })],
      ['no audience', await make(noAudience)],
      ['no expiry', await make(noExpiry)],
      ['expired', await make({ ...good, exp: now - 1 })],
      ['not yet valid', await make({ ...good, nbf: now + 60 })],
      ['no person key', await make({ ...good, pk: 7 })],
      ['a header field more', await make(good, { alg: 'dir', enc: 'A256GCM', kid: 'x' })],
      ['a content type', await make(good, { alg: 'dir', enc: 'A256GCM', cty: 'JWT' })],
    ];
    const genuine = (await make(good)).split('.');
    const header = (h: object) => toBase64Url(new TextEncoder().encode(JSON.stringify(h)));
    refused.push(
      ['four parts', genuine.slice(0, 4).join('.')],
      ['an encrypted key', [genuine[0], 'AAAA', ...genuine.slice(2)].join('.')],
      ['another header, same ciphertext', [header({ alg: 'dir', enc: 'A256GCM' }), ...genuine.slice(1)].join('.')],
      ['a short tag', [...genuine.slice(0, 4), genuine[4]!.slice(0, 10)].join('.')],
      ['not base64', [...genuine.slice(0, 3), '!!!', genuine[4]].join('.')],
    );
    for (const [what, token] of refused)
      await expect(readVoterSession(env, token, 'c1'), what).rejects.toMatchObject({ code: 'token-invalid' });
  });
});
