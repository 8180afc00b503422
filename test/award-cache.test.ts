/**
 * What the award read (src/ceremonies/repository.ts loadAwardRows) keeps between requests: the texts while the
 * row's version stands, the structure while the chain head stands. Every other column is read each time.
 */
import { describe, expect, it } from 'vitest';
import { findCeremony, loadAwardRows } from '../src/ceremonies/repository';
import { createAward, replaceDefinition, requireAward, updateRules } from '../src/ceremonies/service';
import { smallAward, testEnv } from './helpers';

describe('the award read', () => {
  it('gives the whole row as stored, and sees each change Laurel makes and each column edited by hand', async () => {
    const env = await testEnv();
    const { id } = await createAward(env, smallAward('cached'), 'cli');
    const first = await loadAwardRows(env.store.db, 'cached');
    // The same row, column for column and in the same order, as a plain read of it.
    expect(Object.entries(first!.ceremony)).toEqual(Object.entries((await findCeremony(env.store.db, id))!));

    // A rules edit (moves the version) is seen at once.
    const rules = { ...JSON.parse(first!.ceremony.rules), voteChange: 'last-counts' };
    await updateRules(env, first!, rules, 'cli');
    expect(JSON.parse((await loadAwardRows(env.store.db, id))!.ceremony.rules).voteChange).toBe('last-counts');

    // A replaced definition: new texts and a new structure.
    const replaced = smallAward('cached', { name: { en: 'Renamed Award' } });
    await replaceDefinition(env, await requireAward(env, id), replaced, 'cli');
    const after = (await loadAwardRows(env.store.db, 'cached'))!;
    expect(JSON.parse(after.ceremony.content).name.en).toBe('Renamed Award');
    expect(after.head).toBeGreaterThan(first!.head!);

    // Columns outside the texts are read every time, also when edited without Laurel.
    await env.store.db
      .updateTable('ceremonies')
      .set({ phase: 'nominating', voting_closes: 123 })
      .where('id', '=', id)
      .execute();
    const edited = (await loadAwardRows(env.store.db, id))!.ceremony;
    expect([edited.phase, edited.voting_closes]).toEqual(['nominating', 123]);
    expect(Object.entries(edited)).toEqual(Object.entries((await findCeremony(env.store.db, id))!));
  });
});
