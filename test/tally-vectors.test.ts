/**
 * The normative tally vectors (`../shared/vectors/tally/`): every `expected` block must come out exactly.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { computeFinalists, tally, type TallyInput, type TallyResult } from '../src/tally';
import { published } from './support/tally';

const dir = new URL('../../shared/vectors/tally/', import.meta.url);

interface Vector extends TallyInput {
  name: string;
  description: string;
  expected: Omit<TallyResult, 'details'>;
}

const vectors: Vector[] = readdirSync(dir)
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((f) => JSON.parse(readFileSync(new URL(f, dir), 'utf8')) as Vector);

describe('tally vectors', () => {
  it('finds all of them', () => {
    expect(vectors.length).toBeGreaterThanOrEqual(14);
  });

  for (const vector of vectors) {
    it(`${vector.name}: ${vector.description}`, async () => {
      const result = await tally(vector);
      expect(published(result)).toEqual(vector.expected);
      // Byte for byte too: the same JSON with the same member order (finalist order) and no extra fields.
      expect(JSON.stringify(published(result))).toBe(JSON.stringify(vector.expected));
    });

    it(`${vector.name}: computeFinalists alone gives the same finalists`, async () => {
      const finalists = await computeFinalists(vector);
      expect(finalists.categories).toEqual(
        vector.expected.categories.map(({ id, public: votes, finalists }) => ({ id, public: votes, finalists })),
      );
      expect(finalists.tieBreaks).toEqual(vector.expected.tieBreaks.filter((t) => t.decision.startsWith('finalists:')));
    });
  }
});
