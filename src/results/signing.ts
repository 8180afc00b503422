/**
 * The results signing keys: Ed25519 (JWS alg EdDSA, jose). The private key is stored wrapped by the master secret
 * in the `keys` table (purpose `results`); the newest unretired key signs; every key ever used stays published at
 * /.well-known/jwks.json, so documents signed before a rotation still verify.
 */
import {
  type JWK,
  CompactSign,
  calculateJwkThumbprint,
  compactVerify,
  exportJWK,
  generateKeyPair,
  importJWK,
} from 'jose';
import type { AppDeps } from '../deps';
import { ApiError } from '../errors';

const PURPOSE = 'results';
const ALG = 'EdDSA';
/** The JWS `typ` of a results document. */
export const RESULTS_JWS_TYPE = 'laurel-results+jws';

const encoder = new TextEncoder();

async function newKey(deps: AppDeps): Promise<string> {
  const { publicKey, privateKey } = await generateKeyPair(ALG, { crv: 'Ed25519', extractable: true });
  const publicJwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(publicJwk);
  const privateJwk = await exportJWK(privateKey);
  await deps.store.db
    .insertInto('keys')
    .values({
      kid,
      purpose: PURPOSE,
      alg: ALG,
      secret_wrapped: await deps.wrapper.wrap(PURPOSE, encoder.encode(JSON.stringify(privateJwk))),
      public_jwk: JSON.stringify({ ...publicJwk, kid, alg: ALG, use: 'sig' }),
      created_at: deps.clock(),
    })
    .execute();
  return kid;
}

async function signingKey(deps: AppDeps) {
  const load = () =>
    deps.store.db
      .selectFrom('keys')
      .selectAll()
      .where('purpose', '=', PURPOSE)
      .where('retired_at', 'is', null)
      .orderBy('created_at', 'desc')
      .orderBy('kid')
      .executeTakeFirst();
  const row = (await load()) ?? (await newKey(deps), await load());
  if (!row) throw new ApiError('internal', 'No results signing key.');
  const jwk = JSON.parse(new TextDecoder().decode(await deps.wrapper.unwrap(PURPOSE, row.secret_wrapped))) as JWK;
  return { kid: row.kid, key: await importJWK(jwk, ALG) };
}

/** Signs `text` (the canonical JSON of a results document) as a compact JWS. */
export async function signResults(deps: AppDeps, text: string): Promise<{ jws: string; kid: string }> {
  const { kid, key } = await signingKey(deps);
  const jws = await new CompactSign(encoder.encode(text))
    .setProtectedHeader({ alg: ALG, kid, typ: RESULTS_JWS_TYPE, cty: 'json' })
    .sign(key);
  return { jws, kid };
}

/** Retires the signing key and makes a new one; the old public key stays in the key set. */
export async function rotateResultsKey(deps: AppDeps): Promise<string> {
  await deps.store.db
    .updateTable('keys')
    .set({ retired_at: deps.clock() })
    .where('purpose', '=', PURPOSE)
    .where('retired_at', 'is', null)
    .execute();
  return newKey(deps);
}

/** Every results public key, current and retired, as a JWK Set. */
export async function resultsJwks(deps: AppDeps): Promise<{ keys: JWK[] }> {
  const rows = await deps.store.db
    .selectFrom('keys')
    .select(['public_jwk'])
    .where('purpose', '=', PURPOSE)
    .orderBy('created_at')
    .orderBy('kid')
    .execute();
  return { keys: rows.map((r) => JSON.parse(r.public_jwk!) as JWK) };
}

/** Verifies a results JWS against a key set; returns the payload text. */
export async function verifyResultsJws(jws: string, jwks: { keys: JWK[] }): Promise<{ text: string; kid: string }> {
  const { payload, protectedHeader } = await compactVerify(jws, async (header) => {
    const jwk = jwks.keys.find((k) => k.kid === header.kid);
    if (!jwk || header.alg !== ALG) throw new Error('unknown key');
    return importJWK(jwk, ALG);
  });
  return { text: new TextDecoder().decode(payload), kid: protectedHeader.kid! };
}
