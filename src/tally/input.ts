/**
 * The neutral tally format (`../shared/vectors/README.md`, "Input") as a zod schema, so that a file written by
 * anyone (a shared vector, a recount of published jury data) becomes a {@link TallyInput} with the same defaults an
 * award's rules get. The tally itself still checks what only the whole input can say (an unknown juror, a score off
 * the scale, a duplicate sheet) and throws a {@link TallyInputError} for those.
 */
import { z } from 'zod';
import { Rules } from '../ceremonies/schemas';
import { TallyInputError, type TallyInput } from './types';

const Id = z.string().min(1);
const Count = z.number().int().nonnegative();
const Weight = z.number().int().positive();
const ZERO_HASH = '0'.repeat(64);

/** Hex bytes; the lot lowercases them before decoding. */
const Hex = z.string().regex(/^(?:[0-9a-fA-F]{2})+$/, 'an even number of hex digits');

const TallyCategory = z.object({
  id: Id,
  nominees: z.array(Id),
  k: z.number().int().positive().optional(),
  winners: z.number().int().positive().optional(),
});

const TallyBallot = z.object({
  category: Id,
  nominee: Id,
  status: z.enum(['counted', 'flagged', 'voided']),
  count: Count.optional(),
});

const Wildcard = z.object({ category: Id, nominee: Id, reason: z.string() });

// Strict, so that an entry naming both a juror and an institution is refused rather than read as one of them.
const Conflict = z.union([
  z.strictObject({ juror: Id, nominee: Id }),
  z.strictObject({ institution: Id, nominee: Id }),
]);

const RubricSheet = z.object({
  juror: Id,
  category: Id,
  nominee: Id,
  scores: z.record(z.string(), z.number().int()),
});

const RankingSheet = z.object({ juror: Id, category: Id, ranking: z.array(Id) });

/**
 * The neutral format. `rules` are the award's own rule schemas (defaults filled in as for an award); any other
 * member (a vector's `name`, `description` or `expected`) is ignored.
 */
export const TallyInputSchema = z.object({
  rules: Rules.pick({ finalists: true, jury: true, weights: true, tieChain: true }),
  // Optional for outside data (a published jury's scores have no lot): 32 zero bytes then, which only matters
  // when a tie goes to the lot.
  lotSecret: Hex.default(ZERO_HASH),
  closingRoot: Hex.default(ZERO_HASH),
  categories: z.array(TallyCategory),
  ballots: z.array(TallyBallot).default([]),
  wildcards: z.array(Wildcard).default([]),
  organizerFinalists: z.record(z.string(), z.array(Id)).default({}),
  institutions: z.array(z.object({ id: Id, weight: Weight })).default([]),
  jurors: z.array(z.object({ id: Id, institution: Id, weight: Weight })).default([]),
  conflicts: z.array(Conflict).default([]),
  sheets: z.array(z.union([RubricSheet, RankingSheet])).default([]),
});

/**
 * Reads a value in the neutral format (e.g. a parsed JSON file). Throws a {@link TallyInputError} listing every
 * issue as `path: message`.
 */
export function parseTallyInput(json: unknown): TallyInput {
  const parsed = TallyInputSchema.safeParse(json);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((issue) => `  ${issue.path.join('.') || '(input)'}: ${issue.message}`);
  throw new TallyInputError(`not in the neutral format:\n${issues.join('\n')}`);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Where `actual` differs from `expected` (JSON values), as `path: expected X, got Y` with paths written as in
 * {@link parseTallyInput}'s issues (`categories.0.jury.cec`). Arrays compare element by element, objects member by
 * member whatever their order; empty when they agree. Used to check a tally against a file's `expected` block.
 */
export function differences(actual: unknown, expected: unknown, path: readonly (string | number)[] = []): string[] {
  const where = path.join('.') || '(result)';
  if (Array.isArray(actual) && Array.isArray(expected)) {
    if (actual.length !== expected.length) {
      return [`${where}: expected ${expected.length} entries, got ${actual.length}`];
    }
    return actual.flatMap((item, i) => differences(item, expected[i], [...path, i]));
  }
  if (isRecord(actual) && isRecord(expected)) {
    const keys = [...new Set([...Object.keys(expected), ...Object.keys(actual)])];
    return keys.flatMap((key) =>
      key in actual
        ? differences(actual[key], expected[key], [...path, key])
        : [`${[...path, key].join('.')}: missing`],
    );
  }
  if (actual === expected) return [];
  return [`${where}: expected ${JSON.stringify(expected) ?? 'nothing'}, got ${JSON.stringify(actual) ?? 'nothing'}`];
}
