/** Queries of the OIDC method: logins in flight (state, nonce, PKCE verifier) and the wrapped client secrets. */
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema';

export interface NewLogin {
  state: string;
  ceremonyId: string;
  nonce: string;
  codeVerifier: string;
  returnTo: string;
  expiresAt: number;
}

/** The statements that record a new login, pruning this award's logins that expired before `pruneBefore`. */
export function startLoginStatements(db: Kysely<Database>, login: NewLogin, pruneBefore: number) {
  return [
    db.deleteFrom('oidc_logins').where('ceremony_id', '=', login.ceremonyId).where('expires_at', '<', pruneBefore),
    db.insertInto('oidc_logins').values({
      state: login.state,
      ceremony_id: login.ceremonyId,
      nonce: login.nonce,
      code_verifier: login.codeVerifier,
      return_to: login.returnTo,
      expires_at: login.expiresAt,
    }),
  ];
}

/**
 * Spends the login of this state with one guarded update (unspent and unexpired → spent) and reads it back:
 * `spent` says whether this call was the one that spent it.
 */
export async function spendLoginRow(db: Kysely<Database>, ceremonyId: string, state: string, now: number) {
  const spent = await db
    .updateTable('oidc_logins')
    .set({ used: 1 })
    .where('state', '=', state)
    .where('ceremony_id', '=', ceremonyId)
    .where('used', '=', 0)
    .where('expires_at', '>', now)
    .executeTakeFirst();
  const row = await db
    .selectFrom('oidc_logins')
    .selectAll()
    .where('state', '=', state)
    .where('ceremony_id', '=', ceremonyId)
    .executeTakeFirst();
  return { spent: Number(spent.numUpdatedRows) === 1, row };
}

export async function wrappedClientSecret(db: Kysely<Database>, ceremonyId: string): Promise<string | undefined> {
  const row = await db
    .selectFrom('oidc_clients')
    .select('client_secret_wrapped')
    .where('ceremony_id', '=', ceremonyId)
    .executeTakeFirst();
  return row?.client_secret_wrapped;
}

export function upsertClientSecret(db: Kysely<Database>, ceremonyId: string, wrapped: string) {
  return db
    .insertInto('oidc_clients')
    .values({ ceremony_id: ceremonyId, client_secret_wrapped: wrapped })
    .onConflict((oc) => oc.column('ceremony_id').doUpdateSet({ client_secret_wrapped: wrapped }));
}
