/**
 * The demo's results (pure): the signed results document and the award, turned into a summary that names
 * categories, nominees and institutions by slug and never by id (ids, receipts and pseudonyms are new on every run,
 * the results are not), and the table printed at the end.
 */
import type { ResultsDocument } from '../results/document';

/** The award as GET /api/ceremonies/{slug} answers, as far as the summary reads it. */
export interface AwardJson {
  slug: string;
  name: Record<string, string>;
  institutions: { id: string; slug: string }[];
  tracks: {
    categories: {
      id: string;
      slug: string;
      name: Record<string, string>;
      nominees: { id: string; slug: string; name: Record<string, string> }[];
    }[];
  }[];
}

/** GET /api/ceremonies/{slug}/jury, as far as the summary reads it. */
export interface JuryProgressJson {
  jurors: { pseudonym: string; name: string; institution: string; sheets: { submitted: boolean }[] }[];
  conflicts: { nominee: string; juror?: string; institution?: string }[];
}

export interface FinalistRow {
  place: number;
  nominee: string;
  name: string;
  why: string;
  votes: number;
  publicShare: string;
  jury: string | null;
  juryShare: string;
  final: string;
  winner: boolean;
}

export interface CategorySummary {
  slug: string;
  name: string;
  /** Counted (and flagged) ballots in the category, over all its nominees. */
  ballots: number;
  /** Public votes of every nominee, by slug. */
  votes: Record<string, number>;
  finalists: FinalistRow[];
  winners: string[];
  /** Ties a chain step settled in this category (nominees by slug, sorted); `lot` ones differ between runs. */
  tieBreaks: { decision: string; nominees: string[]; by: string }[];
  flags: string[];
}

export interface DemoSummary {
  format: 'laurel-demo/1';
  seed: number;
  voters: number;
  award: string;
  name: string;
  phase: string;
  weights: { jury: number; public: number };
  ballots: number;
  categories: CategorySummary[];
  jury: {
    institutions: { slug: string; jurors: number; submitted: number }[];
    sheets: number;
    submitted: number;
    conflicts: { juror: string; nominee: string }[];
  };
}

const en = (text: Record<string, string> | undefined, fallback: string) =>
  text?.en ?? (text ? Object.values(text)[0] : undefined) ?? fallback;

export function summarize(
  run: { seed: number; voters: number; phase: string },
  award: AwardJson,
  doc: ResultsDocument,
  jury: JuryProgressJson,
): DemoSummary {
  const categories = award.tracks.flatMap((t) => t.categories);
  const nominees = new Map(categories.flatMap((c) => c.nominees.map((n) => [n.id, n] as const)));
  const slugOf = (id: string) => nominees.get(id)?.slug ?? id;
  const pseudonyms = new Map(jury.jurors.map((j) => [j.pseudonym, j.name]));
  const bySlug = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

  const summaries = doc.result.categories.map((cat): CategorySummary => {
    const info = categories.find((c) => c.id === cat.id);
    const slug = info?.slug ?? cat.id;
    const why = doc.finalists.categories.find((f) => f.category === cat.id)?.finalists ?? [];
    const rows = doc.decimals.find((d) => d.category === cat.id)?.finalists ?? [];
    return {
      slug,
      name: en(info?.name, slug),
      ballots: Object.values(cat.public).reduce((a, b) => a + b, 0),
      // Keys by slug, in slug order: the document's are ids, whose order is new on every run.
      votes: Object.fromEntries(
        Object.entries(cat.public)
          .map(([id, n]) => [slugOf(id), n] as const)
          .sort(([a], [b]) => bySlug(a, b)),
      ),
      finalists: rows.map((r) => ({
        place: r.place,
        nominee: slugOf(r.nominee),
        name: en(nominees.get(r.nominee)?.name, slugOf(r.nominee)),
        why: why.find((f) => f.nominee === r.nominee)?.why ?? '',
        votes: r.votes,
        publicShare: r.publicShare,
        jury: r.jury,
        juryShare: r.juryShare,
        final: r.final,
        winner: r.winner,
      })),
      winners: cat.winners.map(slugOf),
      tieBreaks: doc.result.tieBreaks
        .filter((t) => t.decision.endsWith(`:${cat.id}`))
        .map((t) => ({
          decision: t.decision.split(':')[0]!,
          nominees: t.nominees.map(slugOf).sort(bySlug),
          by: t.by,
        }))
        .sort((a, b) => bySlug(a.decision, b.decision) || bySlug(a.nominees.join(), b.nominees.join())),
      flags: doc.result.flags
        .filter((f) => f.category === cat.id)
        .map((f) => (f.nominee ? `${f.flag}:${slugOf(f.nominee)}` : f.flag))
        .sort(bySlug),
    };
  });

  const sheets = jury.jurors.flatMap((j) => j.sheets);
  return {
    format: 'laurel-demo/1',
    seed: run.seed,
    voters: run.voters,
    award: award.slug,
    name: en(award.name, award.slug),
    phase: run.phase,
    weights: { jury: doc.input.rules.weights.jury, public: doc.input.rules.weights.public },
    ballots: summaries.reduce((a, c) => a + c.ballots, 0),
    categories: summaries,
    jury: {
      institutions: award.institutions.map((i) => {
        const jurors = jury.jurors.filter((j) => j.institution === i.slug || j.institution === i.id);
        return {
          slug: i.slug,
          jurors: jurors.length,
          submitted: jurors.filter((j) => j.sheets.length > 0 && j.sheets.every((s) => s.submitted)).length,
        };
      }),
      sheets: sheets.length,
      submitted: sheets.filter((s) => s.submitted).length,
      conflicts: jury.conflicts
        .filter((k) => k.juror !== undefined)
        .map((k) => ({ juror: pseudonyms.get(k.juror!) ?? k.juror!, nominee: slugOf(k.nominee) }))
        .sort((a, b) => bySlug(a.juror, b.juror) || bySlug(a.nominee, b.nominee)),
    },
  };
}

/** Left-aligned text columns and right-aligned figures, two spaces apart. */
function columns(rows: string[][], right: readonly boolean[]): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => [...r[i]!].length)));
  return rows.map((r) =>
    r
      .map((cell, i) => {
        const pad = ' '.repeat(widths[i]! - [...cell].length);
        return right[i] ? pad + cell : cell + pad;
      })
      .join('  ')
      .trimEnd(),
  );
}

/** The results table: per category, every finalist with place, name, votes, jury score, final, and the winners. */
export function resultsTable(s: DemoSummary): string {
  const lines = [
    `${s.name}: results of the demo (seed ${s.seed}, ${s.voters} voters, ${s.ballots} ballots)`,
    `final = ${s.weights.jury} × jury share + ${s.weights.public} × public share; jury score on the rubric scale`,
  ];
  for (const cat of s.categories) {
    lines.push('', `${cat.name} (${cat.slug}): ${cat.ballots} ballots`);
    if (!cat.finalists.length) {
      lines.push('  no finalists');
      continue;
    }
    const rows = [
      ['place', 'nominee', 'votes', 'jury score', 'final', ''],
      ...cat.finalists.map((f) => [
        String(f.place),
        f.why === 'wildcard' ? `${f.name} (wildcard)` : f.name,
        String(f.votes),
        f.jury ?? '—',
        f.final,
        f.winner ? '★ winner' : '',
      ]),
    ];
    lines.push(...columns(rows, [true, false, true, true, true, false]).map((l) => `  ${l}`));
    for (const t of cat.tieBreaks) lines.push(`  tie (${t.decision}) between ${t.nominees.join(', ')}: by ${t.by}`);
    for (const f of cat.flags) lines.push(`  flag: ${f}`);
  }
  const inst = s.jury.institutions.map((i) => `${i.slug} ${i.submitted}/${i.jurors}`).join(', ');
  lines.push(
    '',
    `Jury: ${s.jury.institutions.length} institutions (${inst} jurors submitted), ${s.jury.submitted}/${s.jury.sheets} sheets submitted`,
  );
  for (const k of s.jury.conflicts) lines.push(`  conflict declared: ${k.juror} with ${k.nominee}`);
  return lines.join('\n') + '\n';
}
