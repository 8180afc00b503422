/**
 * What the demo's simulated people do (pure): who nominates whom, how each voter votes, which finalists the
 * organizers pick, who sits on the jury, which conflict is declared and every score. Everything is drawn from the
 * seed alone, in a fixed order, and names nominees by slug, so the same seed gives the same award on every run
 * whatever ids, receipts and pseudonyms the server makes up and whatever order the requests complete in.
 */
import { createRng } from './prng';

/** A category as the plan sees it: its slug and its listed nominees' slugs, in the award's order. */
export interface PlanCategory {
  slug: string;
  nominees: string[];
}

/** The address of simulated voter `i` (0-based): example domains only, never anyone's real mail. */
export function voterEmail(i: number): string {
  return `voter${String(i + 1).padStart(4, '0')}@example.kg`;
}

// ---------------------------------------------------------------------------------------------------------------
// Nominations

interface ProposalText {
  name: string;
  affiliation: string;
  region: string;
  citation: string;
  /** Categories of the STEM4ALL example this proposal fits; the plan keeps those the award has. */
  fits: string[];
}

/** Fictional people and organisations the public proposes (like the example's nominees, sample data). */
const PROPOSALS: ProposalText[] = [
  {
    name: 'Kalys Asylbekova',
    affiliation: 'Physics teacher',
    region: 'Talas',
    citation: 'Runs a weekend physics circle for girls from four villages and mentors its graduates at university.',
    fits: ['best-mentor', 'best-regional-mentor', 'best-motivator-mentor'],
  },
  {
    name: 'Umut Sadykova',
    affiliation: 'Student of computer science',
    region: 'Naryn',
    citation: 'Built a weather-station network with her school and now teaches younger girls to program it.',
    fits: ['best-mentee', 'best-regional-mentee'],
  },
  {
    name: 'Batken Girls in Robotics',
    affiliation: 'Youth club',
    region: 'Batken',
    citation: 'Brought a robotics league to a region without one; half of its teams are girls-only.',
    fits: ['best-community-partner', 'best-stem-practice'],
  },
  {
    name: 'Osh Science Corner',
    affiliation: 'Public library programme',
    region: 'Osh',
    citation: 'Turned a library reading room into a science corner with weekly experiments led by women engineers.',
    fits: ['best-stem-practice', 'best-stem-educational-partner'],
  },
];

export type NominationBody =
  | { nominee: string; reason: string }
  | { proposal: { name: string; affiliation: string; region: string; citation: string }; reason: string };

export interface NominationPlan {
  /** The voter (index) who nominates. */
  voter: number;
  category: string;
  body: NominationBody;
}

/**
 * Three proposals of new nominees (by the first three voters, each in a category it fits) and two nominations
 * supporting listed nominees (by the next two). Organizers accept every proposal.
 */
export function nominationPlan(seed: number, categories: PlanCategory[]): NominationPlan[] {
  const rng = createRng(seed, 'nominations');
  const have = new Set(categories.map((c) => c.slug));
  const plan: NominationPlan[] = [];
  for (const proposal of rng.shuffle(PROPOSALS)) {
    if (plan.length === 3) break;
    const fits = proposal.fits.filter((slug) => have.has(slug));
    if (!fits.length) continue;
    const { fits: _fits, ...text } = proposal;
    plan.push({
      voter: plan.length,
      category: fits[rng.int(0, fits.length - 1)]!,
      body: { proposal: text, reason: `Nominated by a voter of the demo: ${text.citation}` },
    });
  }
  const withNominees = categories.filter((c) => c.nominees.length > 0);
  for (let i = 0; i < 2 && withNominees.length; i++) {
    const category = withNominees[rng.int(0, withNominees.length - 1)]!;
    const nominee = category.nominees[rng.int(0, category.nominees.length - 1)]!;
    plan.push({ voter: plan.length, category: category.slug, body: { nominee, reason: 'Deserves it.' } });
  }
  return plan;
}

// ---------------------------------------------------------------------------------------------------------------
// The public vote

export interface VoterPlan {
  email: string;
  /** The ballots this voter casts, one per category at most, in category order. */
  ballots: { category: string; nominee: string }[];
}

/** How much the public prefers each place of a category's (seeded) popularity order: a steep geometric skew. */
const POPULARITY_RATIO = 0.62;

/**
 * The ballots of `voters` voters. Per category a seeded popularity order (so each seed has its own favourites)
 * with weights 1, 0.62, 0.38, … and a seeded turnout between 15 % and 45 % (most people come to vote for someone
 * they know, in two or three of the eight categories); each voter votes in each category with that probability (at
 * least in one category), for a nominee drawn by the weights. The skew keeps ties at the top
 * unlikely, so the committed lot (random per run) seldom decides anything.
 */
export function votePlan(seed: number, voters: number, categories: PlanCategory[]): VoterPlan[] {
  const rng = createRng(seed, 'votes');
  const shape = categories
    .filter((c) => c.nominees.length > 0)
    .map((c) => {
      const order = rng.shuffle(c.nominees);
      return {
        slug: c.slug,
        order,
        weights: order.map((_, rank) => POPULARITY_RATIO ** rank),
        turnout: 0.15 + 0.3 * rng.next(),
      };
    });
  const plan: VoterPlan[] = [];
  for (let i = 0; i < voters; i++) {
    let chosen = shape.filter((c) => rng.chance(c.turnout));
    // Everyone who verifies came to vote for something.
    if (!chosen.length && shape.length) chosen = [shape[rng.int(0, shape.length - 1)]!];
    plan.push({
      email: voterEmail(i),
      ballots: chosen.map((c) => ({ category: c.slug, nominee: c.order[rng.weighted(c.weights)]! })),
    });
  }
  return plan;
}

// ---------------------------------------------------------------------------------------------------------------
// Finalists (the example's rule is `finalists: organizer`)

export interface CategoryCounts {
  category: string;
  nominees: { slug: string; votes: number }[];
}

export interface FinalistPicks {
  category: string;
  /** In order: the organizers' picks. */
  picks: string[];
  /** One category gets a wildcard: the best-voted nominee not picked. */
  wildcard: { nominee: string; reason: string } | null;
}

/** The organizers pick the top `k` of each category by public votes (ties by slug), plus one seeded wildcard. */
export function finalistPicks(seed: number, counts: CategoryCounts[], k = 3): FinalistPicks[] {
  const rng = createRng(seed, 'finalists');
  const ranked = counts.map((c) => ({
    category: c.category,
    order: [...c.nominees]
      .sort((a, b) => b.votes - a.votes || (a.slug < b.slug ? -1 : a.slug > b.slug ? 1 : 0))
      .map((n) => n.slug),
  }));
  const withRoom = ranked.filter((c) => c.order.length > k);
  const wildcardIn = withRoom.length ? withRoom[rng.int(0, withRoom.length - 1)]!.category : null;
  return ranked.map((c) => ({
    category: c.category,
    picks: c.order.slice(0, k),
    wildcard:
      c.category === wildcardIn ? { nominee: c.order[k]!, reason: 'The jury asked to see this nominee too.' } : null,
  }));
}

// ---------------------------------------------------------------------------------------------------------------
// The jury

export interface JurorPlan {
  name: string;
  email: string;
  institution: string;
}

/** Fictional jurors' names. */
const JUROR_NAMES = [
  'Aida Sultanova',
  'Bakyt Osmonov',
  'Cholpon Dzhumalieva',
  'Daniyar Abdrakhmanov',
  'Elmira Ryskulova',
  'Farida Tashieva',
  'Gulzat Mambetova',
  'Ilyas Kurmanov',
  'Jyldyz Orozova',
  'Kanat Beishenov',
  'Lira Akmatova',
  'Marat Usubaliev',
  'Nargiza Toktosunova',
  'Omurbek Sydykov',
  'Perizat Alieva',
];

/** Two or three jurors per institution (seeded), named from a fictional list. */
export function juryPlan(seed: number, institutions: string[]): JurorPlan[] {
  const rng = createRng(seed, 'jury');
  const names = rng.shuffle(JUROR_NAMES);
  const jurors: JurorPlan[] = [];
  for (const institution of institutions) {
    const n = rng.int(2, 3);
    for (let k = 1; k <= n; k++)
      jurors.push({
        name: names[jurors.length % names.length]!,
        email: `juror-${institution}-${k}@example.kg`,
        institution,
      });
  }
  return jurors;
}

export interface RubricRule {
  criteria: string[];
  scale: readonly [number, number];
}

export interface SheetPlan {
  /** The juror (index into the jury plan). */
  juror: number;
  category: string;
  /** Finalists this juror declares a conflict with (they score the others). */
  conflicts: string[];
  /** Finalist slug to criterion to score. */
  scores: Record<string, Record<string, number>>;
}

/**
 * Every juror's sheet of every category: one seeded conflict in the whole jury; otherwise each finalist gets, on
 * each criterion, its seeded merit (in the upper two thirds of the scale) plus the juror's seeded severity plus
 * noise, rounded and kept on the scale.
 */
export function sheetPlan(
  seed: number,
  jurors: readonly JurorPlan[],
  finalists: readonly { category: string; nominees: string[] }[],
  rule: RubricRule,
): SheetPlan[] {
  const rng = createRng(seed, 'sheets');
  const [min, max] = rule.scale;
  const range = max - min;
  const judged = finalists.filter((f) => f.nominees.length > 0);
  const conflict =
    judged.length && jurors.length
      ? (() => {
          const category = judged[rng.int(0, judged.length - 1)]!;
          return {
            juror: rng.int(0, jurors.length - 1),
            category: category.category,
            nominee: category.nominees[rng.int(0, category.nominees.length - 1)]!,
          };
        })()
      : null;
  const severity = jurors.map(() => (rng.next() - 0.5) * 0.25 * range);
  const sheets: SheetPlan[] = [];
  for (const f of judged) {
    const merit = f.nominees.map(() => min + range * (0.35 + 0.6 * rng.next()));
    jurors.forEach((_, j) => {
      const conflicts = conflict && conflict.juror === j && conflict.category === f.category ? [conflict.nominee] : [];
      const scores: Record<string, Record<string, number>> = {};
      f.nominees.forEach((nominee, n) => {
        if (conflicts.includes(nominee)) return;
        scores[nominee] = Object.fromEntries(
          rule.criteria.map((criterion) => {
            const raw = merit[n]! + severity[j]! + (rng.next() - 0.5) * 0.3 * range;
            return [criterion, Math.min(max, Math.max(min, Math.round(raw)))];
          }),
        );
      });
      sheets.push({ juror: j, category: f.category, conflicts, scores });
    });
  }
  return sheets;
}
