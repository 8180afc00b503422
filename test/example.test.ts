import fs from 'node:fs';
import { describe, it, expect } from 'vitest';
import { AwardDefinition } from '../src/ceremonies/schemas';

const LOCALES = ['en', 'ru', 'ky'] as const;

const raw: unknown = JSON.parse(fs.readFileSync(new URL('../examples/stem4all-2024.json', import.meta.url), 'utf8'));
const award = AwardDefinition.parse(raw);

const categories = award.tracks.flatMap((t) => t.categories);
const nominees = categories.flatMap((c) => c.nominees.map((n) => ({ category: c.slug, ...n })));

/** Asserts that a localized text is present, non-empty, in every locale of the example. */
function expectAllLocales(text: Record<string, string> | undefined, where: string): void {
  expect(text, `${where} is missing`).toBeDefined();
  for (const locale of LOCALES) {
    expect(text?.[locale]?.trim(), `${where} lacks "${locale}"`).toBeTruthy();
  }
}

describe('examples/stem4all-2024.json', () => {
  it('parses as an award definition with the expected basics', () => {
    expect(award.format).toBe('laurel-award/1');
    expect(award.slug).toBe('stem4all-2024');
    expect(award.timeZone).toBe('Asia/Bishkek');
    expect(award.locales).toEqual(['en', 'ru', 'ky']);
    expect(award.ceremonyDate).toBe('2024-01-27');
    expect(award.rules.finalists).toEqual({ mode: 'organizer' });
    expect(award.rules.weights).toEqual({ jury: 7000, public: 3000 });
    expect(award.rules.tieChain).toEqual(['jury', 'public', 'lot']);
    expect(award.rules.voteChange).toBe('final');
    expect(award.rules.identity.method).toBe('email');
    const jury = award.rules.jury;
    expect(jury.mode).toBe('rubric');
    if (jury.mode === 'rubric') {
      expect(jury.scale).toEqual([1, 10]);
      expect(jury.criteria.map((c) => [c.id, c.weight])).toEqual([
        ['impact', 40],
        ['leadership', 30],
        ['inspiration', 30],
      ]);
      expect(jury.normalize).toBe('zscore');
      expect(jury.trim).toBe(0);
      expect(jury.quorum).toBe(3);
    }
  });

  it('has 2 tracks and 8 categories in order', () => {
    expect(award.tracks.map((t) => t.slug)).toEqual(['mentoring-her', 'community']);
    expect(categories.map((c) => c.slug)).toEqual([
      'best-mentor',
      'best-mentee',
      'best-regional-mentor',
      'best-regional-mentee',
      'best-motivator-mentor',
      'best-community-partner',
      'best-stem-practice',
      'best-stem-educational-partner',
    ]);
    expect(award.tracks[0]?.categories).toHaveLength(5);
    expect(award.tracks[1]?.categories).toHaveLength(3);
  });

  it('has the 5 institutions', () => {
    expect(award.institutions.map((i) => [i.slug, i.weight])).toEqual([
      ['moes', 1],
      ['parliament-council', 1],
      ['undp', 1],
      ['roza-otunbayeva-initiative', 1],
      ['independent-experts', 1],
    ]);
  });

  it('gives every name, description and citation in en, ru and ky', () => {
    expectAllLocales(award.name, 'award name');
    expectAllLocales(award.description, 'award description');
    expectAllLocales(award.organizer, 'award organizer');
    expectAllLocales(award.venue, 'award venue');
    for (const inst of award.institutions) expectAllLocales(inst.name, `institution ${inst.slug} name`);
    if (award.rules.jury.mode === 'rubric') {
      for (const c of award.rules.jury.criteria) expectAllLocales(c.label, `criterion ${c.id} label`);
    }
    for (const track of award.tracks) {
      expectAllLocales(track.name, `track ${track.slug} name`);
      expectAllLocales(track.description, `track ${track.slug} description`);
    }
    for (const cat of categories) {
      expectAllLocales(cat.name, `category ${cat.slug} name`);
      expectAllLocales(cat.description, `category ${cat.slug} description`);
    }
    for (const nom of nominees) {
      const where = `nominee ${nom.category}/${nom.slug}`;
      expectAllLocales(nom.name, `${where} name`);
      expectAllLocales(nom.citation, `${where} citation`);
      expectAllLocales(nom.affiliation, `${where} affiliation`);
      expectAllLocales(nom.region, `${where} region`);
      // The Kyrgyz citation is its own text, not a copy of the Russian or English one.
      expect(nom.citation?.ky, `${where} ky citation`).not.toBe(nom.citation?.ru);
      expect(nom.citation?.ky, `${where} ky citation`).not.toBe(nom.citation?.en);
    }
  });

  it('gives every category 4 or more nominees with unique slugs and one winner', () => {
    for (const cat of categories) {
      expect(cat.nominees.length, cat.slug).toBeGreaterThanOrEqual(4);
      expect(new Set(cat.nominees.map((n) => n.slug)).size, cat.slug).toBe(cat.nominees.length);
      expect(cat.winners, cat.slug).toBe(1);
    }
  });

  it('lets the mentee categories list minors, and only those', () => {
    const minors = categories.filter((c) => c.minorsAllowed).map((c) => c.slug);
    expect(minors).toEqual(['best-mentee', 'best-regional-mentee']);
  });

  it('says the nominees are fictional sample data', () => {
    expect(award.description?.en).toMatch(/fictional/i);
    expect(award.description?.ru).toMatch(/вымышлен/i);
    expect(award.description?.ky).toMatch(/ойдон чыгарылган/i);
  });
});
