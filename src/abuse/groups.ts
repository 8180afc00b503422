/**
 * Network groups of ballots for organizers' fraud review, and the figures of turnout: pure functions over counts
 * read from the database. A group is the ballots whose network signal (an HMAC of the client's /24 or /48) is the
 * same; within it, ballots are split by agent (an HMAC of the user agent).
 */
import { canonicalJson, sha256Hex } from '../audit/canonical';

export interface BreakdownRow {
  network: string;
  agent: string;
  category: string;
  status: string;
  n: number;
}

export interface StatusCounts {
  counted: number;
  flagged: number;
  voided: number;
}

export interface GroupCategory extends StatusCounts {
  category: string;
  /** This group's counted and flagged ballots over all counted and flagged ballots of the category (0 to 1). */
  share: number;
}

export interface ReviewGroup {
  network: string;
  /** Ballots of the group, superseded ones aside. */
  ballots: number;
  status: StatusCounts;
  categories: GroupCategory[];
  agents: { agent: string; ballots: number }[];
}

const emptyCounts = (): StatusCounts => ({ counted: 0, flagged: 0, voided: 0 });

function add(counts: StatusCounts, status: string, n: number) {
  if (status === 'counted' || status === 'flagged' || status === 'voided') counts[status] += n;
}

/** Rounds a share to 4 decimals for display; the exact figures are the counts beside it. */
const share = (part: number, whole: number) => (whole === 0 ? 0 : Math.round((part / whole) * 10_000) / 10_000);

/**
 * Builds the groups of `networks` (in the given order) from their breakdown, with each category's share of the
 * category's counted and flagged ballots (`categoryTotals`).
 */
export function buildGroups(
  networks: string[],
  rows: readonly BreakdownRow[],
  categoryTotals: ReadonlyMap<string, number>,
): ReviewGroup[] {
  const byNetwork = new Map<string, BreakdownRow[]>();
  for (const row of rows) byNetwork.set(row.network, [...(byNetwork.get(row.network) ?? []), row]);
  return networks.map((network) => {
    const own = byNetwork.get(network) ?? [];
    const status = emptyCounts();
    const categories = new Map<string, StatusCounts>();
    const agents = new Map<string, number>();
    for (const row of own) {
      add(status, row.status, row.n);
      const cat = categories.get(row.category) ?? emptyCounts();
      add(cat, row.status, row.n);
      categories.set(row.category, cat);
      agents.set(row.agent, (agents.get(row.agent) ?? 0) + row.n);
    }
    return {
      network,
      ballots: status.counted + status.flagged + status.voided,
      status,
      categories: [...categories]
        .map(([category, c]) => ({
          category,
          ...c,
          share: share(c.counted + c.flagged, categoryTotals.get(category) ?? 0),
        }))
        .sort(
          (a, b) =>
            b.counted + b.flagged + b.voided - (a.counted + a.flagged + a.voided) || cmp(a.category, b.category),
        ),
      agents: [...agents]
        .map(([agent, ballots]) => ({ agent, ballots }))
        .sort((a, b) => b.ballots - a.ballots || cmp(a.agent, b.agent)),
    };
  });
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * The hash an organizer action's event holds for the ballots it changed: SHA-256 of the canonical JSON of the
 * sorted trackers. The next checkpoint event lists the voided and restored trackers themselves, so anyone can
 * check the hash against them.
 */
export async function trackersHash(trackers: readonly string[]): Promise<string> {
  return sha256Hex(canonicalJson([...trackers].sort(cmp)));
}

export interface TurnoutCategory extends StatusCounts {
  category: string;
  superseded: number;
  /** People who hold a vote in this category (marks). Not distinct voters across categories: nothing says that. */
  marks: number;
}

/** Per-category figures of turnout from counts by category and status, and marks by category. */
export function turnoutByCategory(
  categories: readonly string[],
  ballots: readonly { category: string; status: string; n: number }[],
  marks: readonly { category: string; n: number }[],
): TurnoutCategory[] {
  return categories.map((category) => {
    const out: TurnoutCategory = { category, ...emptyCounts(), superseded: 0, marks: 0 };
    for (const row of ballots) {
      if (row.category !== category) continue;
      if (row.status === 'superseded') out.superseded += row.n;
      else add(out, row.status, row.n);
    }
    out.marks = marks.find((m) => m.category === category)?.n ?? 0;
    return out;
  });
}
