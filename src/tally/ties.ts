/**
 * Tie chains (tally rules 2, 4 and 6): a group that the main criterion leaves tied goes down a chain of steps;
 * each step that splits a group is named as a tie-break, and a group still tied at the end of the chain is ordered
 * by nominee id and reported as unresolved.
 */

export type TieStep = 'jury' | 'public' | 'lot';

/** A decision a chain step settled: `finalists:CAT`, `institution:INST:CAT` or `final:CAT`. */
export interface TieBreak {
  decision: string;
  /** The tied nominees, sorted by id. */
  nominees: string[];
  by: TieStep;
}

/**
 * Order of ids by Unicode code point (the same as the order of their UTF-8 bytes, and Python's `sorted`), so an
 * independent verifier in another language sorts ids the same way. Differs from `Array.prototype.sort` only for
 * characters beyond the Basic Multilingual Plane.
 */
export function compareIds(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let u = a.charCodeAt(i);
    let v = b.charCodeAt(i);
    if (u === v) continue;
    // Surrogates (D800-DFFF) encode code points above FFFF: move them above E000-FFFF.
    u = u >= 0xe000 ? u - 0x800 : u >= 0xd800 ? u + 0x2000 : u;
    v = v >= 0xe000 ? v - 0x800 : v >= 0xd800 ? v + 0x2000 : v;
    return u - v;
  }
  return a.length - b.length;
}

/** `ids` sorted by {@link compareIds}. */
export function sortIds(ids: Iterable<string>): string[] {
  return [...ids].sort(compareIds);
}

/** A comparator: negative when `a` comes first (is better). */
export type Better = (a: string, b: string) => number;

/**
 * What each chain step compares. A step left out cannot separate anything at this decision (e.g. `jury` when the
 * finalists are chosen, before any jury has scored), and the chain moves on to its next step.
 */
export type TieSteps = Partial<Record<TieStep, Better>>;

export interface ChainOutcome {
  /** Best first. */
  order: string[];
  /** Every split a chain step made, in the order of the places it decided. */
  tieBreaks: TieBreak[];
  /** Groups still tied after the whole chain (each ordered by id in `order`). */
  unresolved: string[][];
}

/** Runs of equal elements of `sorted` under `cmp`. */
function runs(sorted: string[], cmp: Better): string[][] {
  const out: string[][] = [];
  for (const id of sorted) {
    const last = out[out.length - 1];
    const head = last?.[0];
    if (last && head !== undefined && cmp(head, id) === 0) last.push(id);
    else out.push([id]);
  }
  return out;
}

function groupsBy(ids: readonly string[], cmp: Better): string[][] {
  return runs(
    [...ids].sort((a, b) => cmp(a, b) || compareIds(a, b)),
    cmp,
  );
}

/**
 * Orders `ids` by `better`, then each tied group by the steps of `chain` in turn. A step that splits a group is
 * recorded as a {@link TieBreak} with the whole group it split; the parts still tied go on to the next step.
 */
export function orderWithChain(
  ids: readonly string[],
  better: Better,
  chain: readonly TieStep[],
  steps: TieSteps,
  decision: string,
): ChainOutcome {
  const outcome: ChainOutcome = { order: [], tieBreaks: [], unresolved: [] };
  const settle = (group: string[], from: number): void => {
    if (group.length === 1) {
      outcome.order.push(...group);
      return;
    }
    for (let i = from; i < chain.length; i++) {
      const step = chain[i] as TieStep;
      const cmp = steps[step];
      if (!cmp) continue;
      const parts = groupsBy(group, cmp);
      if (parts.length === 1) continue;
      outcome.tieBreaks.push({ decision, nominees: sortIds(group), by: step });
      for (const part of parts) settle(part, i + 1);
      return;
    }
    const byId = sortIds(group);
    outcome.unresolved.push(byId);
    outcome.order.push(...byId);
  };
  for (const group of groupsBy(ids, better)) settle(group, 0);
  return outcome;
}
