/**
 * Award and voter fixtures shared by the vote's tests: an award opened for voting, a voter session without a mail
 * round trip, a fresh ballot nonce.
 */
import { type AwardDefinition, AwardDefinition as AwardDefinitionSchema } from '../../src/ceremonies/schemas';
import { createAward, movePhase, requireAward } from '../../src/ceremonies/service';
import { emailIdentity, personKey } from '../../src/identity/people';
import { issueVoterSession } from '../../src/identity/sessions';
import type { TestEnv } from '../helpers';

/** Creates the award and moves it through nominating into voting by hand; returns its id. */
export async function openVote(env: TestEnv, def: AwardDefinition): Promise<string> {
  const { id } = await createAward(env, def, 'cli');
  await movePhase(env, await requireAward(env, id), 'nominating', 'cli', 'hand');
  await movePhase(env, await requireAward(env, id), 'voting', 'cli', 'hand');
  return id;
}

/** A voter session for `who@example.kg` in the award, as if verified by email; returns the bearer token. */
export async function voterToken(env: TestEnv, id: string, who: string): Promise<string> {
  const a = await requireAward(env, id);
  const key = await personKey(env, a.ceremony, emailIdentity(`${who}@example.kg`));
  return (await issueVoterSession(env, { ceremonyId: id, personKey: key, method: 'email' })).token;
}

/** A fresh ballot nonce. */
export const nonce = () => crypto.randomUUID().replace(/-/g, '');

/**
 * A one-track award in English: `categories` maps each category slug to its nominees' slugs (named by `name`,
 * default the slug in capitals); rules and institutions as given.
 */
export function plainAward(
  slug: string,
  opts: {
    rules?: Record<string, unknown>;
    institutions?: { slug: string; name: { en: string }; weight: number }[];
    categories?: Record<string, string[]>;
    name?: (nominee: string) => string;
  } = {},
): AwardDefinition {
  const name = opts.name ?? ((s: string) => s.toUpperCase());
  return AwardDefinitionSchema.parse({
    format: 'laurel-award/1',
    slug,
    locales: ['en'],
    name: { en: `Award ${slug}` },
    rules: opts.rules ?? {},
    institutions: opts.institutions ?? [],
    tracks: [
      {
        slug: 't',
        name: { en: 'T' },
        categories: Object.entries(opts.categories ?? { mentor: ['a', 'b', 'c', 'd'] }).map(([category, nominees]) => ({
          slug: category,
          name: { en: category[0]!.toUpperCase() + category.slice(1) },
          nominees: nominees.map((s) => ({ slug: s, name: { en: name(s) } })),
        })),
      },
    ],
  });
}
