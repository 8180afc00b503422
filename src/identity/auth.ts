/** Reading the voter session of a request: Bearer on the JSON API (pages read their cookie themselves). */
import type { Context } from 'hono';
import type { AppDeps } from '../deps';
import { ApiError } from '../errors';
import { type VoterSession, readVoterSession } from './sessions';

export async function voterFromBearer(deps: AppDeps, c: Context, ceremonyId: string): Promise<VoterSession> {
  const match = /^Bearer\s+(\S+)$/i.exec(c.req.header('authorization') ?? '');
  if (!match)
    throw new ApiError('unauthenticated', 'Verify first and send the voter token as "Authorization: Bearer …".');
  return readVoterSession(deps, match[1]!, ceremonyId);
}
