/**
 * The verification of an audit bundle, docs/audit.md §21: every check, each problem named with where it is. The
 * checks read only the bundle (no database, no network); `laurel verify` prints their report. The recount is the
 * pure tally of src/tally, run on each results version's input once that input is shown to be what the ballots,
 * reviews, events and disclosed sheets say (the replay of §20).
 */
import { calculateJwkThumbprint, compactVerify, importJWK, type JWK } from 'jose';
import { trackersHash } from '../abuse/groups';
import { canonicalJson, hexToBytes, sha256Hex } from '../audit/canonical';
import { commitment, verifyChain, type LoggedEvent } from '../audit/chain';
import { type Bundle, REVIEW_TYPES, disclosedCommitments } from '../bundle/format';
import { RESULTS_JWS_TYPE } from '../results/signing';
import { computeFinalists, lotSeed, tally, type TallyInput } from '../tally';
import { differences, parseTallyInput } from '../tally/input';
import { type BallotTable, ballotTableOf } from './ballots';
import { type Snapshot, finalistInput, replay } from './replay';

export const CHECKS = [
  'format',
  'chain',
  'witness',
  'rules',
  'lot',
  'checkpoints',
  'ballot-log',
  'reviews',
  'flags',
  'disclosures',
  'finalists',
  'signature',
  'versions',
  'input',
  'recount',
] as const;
export type CheckName = (typeof CHECKS)[number];

export interface CheckReport {
  check: CheckName;
  ok: boolean;
  /** A one-line summary when ok; otherwise empty (see problems). */
  summary: string;
  problems: string[];
}

export interface Witness {
  seq: number;
  hash: string;
}

/** Collects problems per check; a check with none passes with its summary. */
class Report {
  readonly #problems = new Map<CheckName, string[]>();
  readonly #summaries = new Map<CheckName, string>();
  fail(check: CheckName, problem: string) {
    const list = this.#problems.get(check);
    if (list) list.push(problem);
    else this.#problems.set(check, [problem]);
  }
  pass(check: CheckName, summary: string) {
    this.#summaries.set(check, summary);
  }
  result(only: readonly CheckName[]): CheckReport[] {
    return only.map((check) => {
      const problems = this.#problems.get(check) ?? [];
      return { check, ok: problems.length === 0, summary: this.#summaries.get(check) ?? '', problems };
    });
  }
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * A bundle as the checks read it: its ballots already through the ballot-log check and in a compact table
 * (src/verify/ballots.ts), as the NDJSON reader streams them without keeping an object per ballot.
 */
export type TabledBundle = Omit<Bundle, 'ballots'> & { ballots: BallotTable };

/**
 * Runs every check of §21 on a bundle whose shape was read (src/verify/read.ts): a whole {@link Bundle}, or one
 * whose ballots were streamed into their table.
 */
export async function verifyBundle(
  whole: Bundle | TabledBundle,
  witnesses: readonly Witness[] = [],
): Promise<CheckReport[]> {
  const bundle: TabledBundle = Array.isArray(whole.ballots)
    ? { ...whole, ballots: ballotTableOf(whole.events, whole.ballots) }
    : (whole as TabledBundle);
  const report = new Report();
  report.pass(
    'format',
    `${bundle.format}: ${bundle.counts.events} events, ${bundle.counts.ballots} ballots, ${bundle.results.length} results version(s)`,
  );
  const events = bundle.events;
  const bySeq = new Map(events.map((e) => [e.seq, e]));
  const ofType = (type: string) => events.filter((e) => e.type === type);

  await checkChain(bundle, witnesses, report);
  const frozen = ofType('phase.changed').find((e) => e.payload.frozen)?.payload.frozen as
    { rulesHash?: string; nomineesHash?: string; lotCommitment?: string } | undefined;
  await checkRules(bundle, frozen, report);
  const closing = checkLog(bundle, report);
  await checkLot(bundle, frozen, closing, report);
  const opened = await checkDisclosures(bundle, report);
  await checkReviews(bundle, bySeq, report);
  await checkSignatures(bundle, report);
  checkVersions(bundle, bySeq, report);

  // One replay, with a snapshot before the close's finalists and at each version's event head.
  const close = ofType('finalists.computed')[0];
  const heads = bundle.results.map((r) => Number((r.document.eventHead as { seq?: unknown } | undefined)?.seq ?? -1));
  const { snapshots, problems } = replay(
    { header: bundle, events, reviews: bundle.reviews, ballots: bundle.ballots, opened },
    [...heads, ...(close ? [close.seq - 1] : [])],
  );
  for (const p of problems) report.fail('input', `event ${p.seq}: ${p.detail}`);
  const lotSecret = String(ofType('results.finalized')[0]?.payload.lotSecret ?? '');

  if (close) {
    const before = snapshots.get(close.seq - 1)!;
    const listed = Array.isArray(close.payload.flagged) ? (close.payload.flagged as string[]) : [];
    for (const d of setDifferences(listed, before.flagged, 'flagged'))
      report.fail('flags', `event ${close.seq} (finalists.computed): ${d}`);
    report.pass('flags', `${before.flagged.length} flagged ballot(s) at the close, as its event lists`);
    if (closing) await checkFinalists(bundle, close, before, lotSecret, closing.root, report);
  } else {
    report.fail('finalists', 'no finalists.computed event: the vote never closed');
  }

  for (const [i, r] of bundle.results.entries()) {
    const snap = snapshots.get(heads[i]!);
    if (!snap || !closing) {
      report.fail('input', `version ${r.version}: eventHead ${heads[i]} is not an event of the chain`);
      continue;
    }
    const built: TallyInput = {
      rules: {
        finalists: { mode: 'organizer' },
        jury: bundle.rules.jury as TallyInput['rules']['jury'],
        weights: bundle.rules.weights as TallyInput['rules']['weights'],
        tieChain: bundle.rules.tieChain as TallyInput['rules']['tieChain'],
      },
      lotSecret,
      closingRoot: closing.root,
      categories: snap.categories,
      ballots: snap.ballots,
      ...finalistInput(snap),
      institutions: bundle.institutions.map((x) => ({ id: x.id, weight: x.weight })),
      jurors: snap.jurors,
      conflicts: snap.conflicts,
      sheets: snap.sheets,
    };
    for (const d of inputDifferences(built, r.document.input)) report.fail('input', `version ${r.version}: ${d}`);
    await checkFinalistsSection(bundle, r.version, r.document, snap, built, report);
    await recount(r.version, r.document, report);
  }
  report.pass('input', `every version's input is what the ballots, reviews, events and disclosed sheets say`);
  report.pass('recount', `every version recounted exactly`);
  return report.result(CHECKS);
}

async function checkChain(bundle: TabledBundle, witnesses: readonly Witness[], report: Report) {
  const chain = await verifyChain(bundle.events);
  for (const p of chain.problems) report.fail('chain', `event ${p.seq}: ${p.problem}`);
  const last = bundle.events.at(-1);
  if (!last || last.seq !== bundle.head.seq || last.hash !== bundle.head.hash)
    report.fail('chain', `head ${bundle.head.seq}:${bundle.head.hash} is not the last event`);
  report.pass('chain', `${bundle.events.length} events chain from genesis to ${bundle.head.seq}:${bundle.head.hash}`);
  for (const w of witnesses) {
    const e = bundle.events.find((x) => x.seq === w.seq);
    if (!e) report.fail('witness', `witness ${w.seq}:${w.hash}: the chain has no event ${w.seq}`);
    else if (e.hash !== w.hash) report.fail('witness', `witness ${w.seq}:${w.hash}: event ${w.seq} has hash ${e.hash}`);
  }
  report.pass(
    'witness',
    witnesses.length
      ? `${witnesses.map((w) => `${w.seq}:${w.hash.slice(0, 12)}…`).join(', ')} in the chain`
      : 'none given (--witness SEQ:HASH pins the chain to a head taken at the ceremony)',
  );
}

async function checkRules(
  bundle: TabledBundle,
  frozen: { rulesHash?: string; nomineesHash?: string } | undefined,
  report: Report,
) {
  if (!frozen) return report.fail('rules', 'no phase.changed event freezes the rules');
  const hash = await sha256Hex(canonicalJson(bundle.rules));
  if (hash !== frozen.rulesHash)
    report.fail('rules', `the rules hash to ${hash}, the frozen rulesHash is ${String(frozen.rulesHash)}`);
  for (const r of bundle.results) {
    if (r.document.rulesHash !== frozen.rulesHash)
      report.fail('rules', `version ${r.version}: rulesHash is not the frozen one`);
    if (r.document.nomineesHash !== frozen.nomineesHash)
      report.fail('rules', `version ${r.version}: nomineesHash is not the frozen one`);
  }
  report.pass('rules', `the rules hash to the frozen ${String(frozen.rulesHash).slice(0, 16)}…`);
}

interface Closing {
  batch: number;
  treeSize: number;
  root: string;
}

/** `checkpoints` and `ballot-log` (§14): returns the closing checkpoint when there is one. */
function checkLog(bundle: TabledBundle, report: Report): Closing | undefined {
  const checkpoints = bundle.events.filter((e) => e.type === 'ballots.checkpoint');
  let size = 0;
  checkpoints.forEach((e, i) => {
    const p = e.payload;
    if (p.batch !== i + 1) report.fail('checkpoints', `event ${e.seq}: batch ${String(p.batch)}, expected ${i + 1}`);
    if (p.treeSize !== size + Number(p.leaves))
      report.fail(
        'checkpoints',
        `event ${e.seq}: treeSize ${String(p.treeSize)} is not ${size} + leaves ${String(p.leaves)}`,
      );
    size = Number(p.treeSize);
    const last = i === checkpoints.length - 1;
    if (!!p.closing !== last)
      report.fail(
        'checkpoints',
        `event ${e.seq}: ${last ? 'the last checkpoint is not the closing one' : 'a closing checkpoint is followed by another'}`,
      );
  });
  report.pass(
    'checkpoints',
    `${checkpoints.length} checkpoint(s), batches 1–${checkpoints.length}, the last one closing`,
  );

  // The ballots were grouped, ordered and hashed into the tree as they were read (src/verify/ballots.ts).
  for (const p of bundle.ballots.logProblems) report.fail('ballot-log', p);
  report.pass('ballot-log', `${bundle.ballots.size} ballots rebuild every checkpoint's root`);
  const last = checkpoints.at(-1);
  return last?.payload.closing
    ? { batch: Number(last.payload.batch), treeSize: Number(last.payload.treeSize), root: String(last.payload.root) }
    : undefined;
}

async function checkLot(
  bundle: TabledBundle,
  frozen: { lotCommitment?: string } | undefined,
  closing: Closing | undefined,
  report: Report,
) {
  const finalized = bundle.events.filter((e) => e.type === 'results.finalized');
  const secret = finalized[0]?.payload.lotSecret;
  if (typeof secret !== 'string' || !/^[0-9a-f]{64}$/.test(secret))
    return report.fail('lot', 'results.finalized reveals no lot secret');
  const committed = await sha256Hex(hexToBytes(secret));
  if (committed !== frozen?.lotCommitment)
    report.fail(
      'lot',
      `SHA-256 of the revealed secret is ${committed}, the commitment made when voting opened is ${String(frozen?.lotCommitment)}`,
    );
  for (const r of bundle.results) {
    const lot = r.document.lot as { commitment?: string; secret?: string; seed?: string } | undefined;
    if (lot?.secret !== secret)
      report.fail('lot', `version ${r.version}: lot.secret is not the secret revealed at finalization`);
    if (lot?.commitment !== frozen?.lotCommitment)
      report.fail('lot', `version ${r.version}: lot.commitment is not the frozen one`);
    if (closing && lot?.seed !== (await lotSeed(secret, closing.root)))
      report.fail('lot', `version ${r.version}: lot.seed is not SHA-256(S ‖ closing root)`);
    const cp = r.document.closingCheckpoint as Closing | undefined;
    if (closing && (cp?.batch !== closing.batch || cp?.treeSize !== closing.treeSize || cp?.root !== closing.root))
      report.fail('lot', `version ${r.version}: closingCheckpoint is not the closing checkpoint of the log`);
  }
  report.pass('lot', `the revealed secret opens the commitment ${String(frozen?.lotCommitment).slice(0, 16)}…`);
}

/** Opens the disclosures; returns commitment → value for those that open and that an event names. */
async function checkDisclosures(bundle: TabledBundle, report: Report): Promise<Map<string, string>> {
  // Commitments a bundle must open, by the event that first names each (its position gives the order).
  const named = new Map(
    [...disclosedCommitments(bundle.events)].map(([c, e], at) => [c, { at, by: `event ${e.seq} (${e.type})` }]),
  );
  const opened = new Map<string, string>();
  for (const d of bundle.disclosures) {
    if ((await commitment(d.salt, d.value)) !== d.commitment)
      report.fail('disclosures', `disclosure ${d.commitment}: salt and value do not open it`);
    else if (!named.has(d.commitment)) report.fail('disclosures', `disclosure ${d.commitment}: no event names it`);
    else opened.set(d.commitment, d.value);
  }
  // Every jury commitment and wildcard reason is published, in the order its events name it (§19.1).
  for (const [c, { by }] of named)
    if (!opened.has(c)) report.fail('disclosures', `commitment ${c} of ${by} is not disclosed`);
  const positions = bundle.disclosures.flatMap((d) => (named.has(d.commitment) ? [named.get(d.commitment)!.at] : []));
  if (positions.some((p, i) => i > 0 && p < positions[i - 1]!))
    report.fail('disclosures', 'the disclosures are not in the order of the events that name them');
  report.pass('disclosures', `${opened.size} commitment(s) of the jury and of wildcard reasons open`);
  return opened;
}

async function checkReviews(bundle: TabledBundle, bySeq: Map<number, LoggedEvent>, report: Report) {
  const entries = new Map<number, string[]>();
  for (const r of bundle.reviews) {
    const e = bySeq.get(r.seq);
    if (!e || !REVIEW_TYPES[e.type]) {
      report.fail('reviews', `review of event ${r.seq}: that event is not a review (flag, void or restore)`);
      continue;
    }
    if (entries.has(r.seq)) report.fail('reviews', `event ${r.seq} has two review entries`);
    entries.set(r.seq, r.trackers);
    const sorted = [...new Set(r.trackers)].sort(cmp);
    if (sorted.length !== r.trackers.length || sorted.some((t, i) => t !== r.trackers[i]))
      report.fail('reviews', `event ${r.seq}: the trackers are not distinct and sorted`);
    if (r.trackers.length !== e.payload.count)
      report.fail(
        'reviews',
        `event ${r.seq} (${e.type}): ${r.trackers.length} tracker(s) listed, the event counts ${String(e.payload.count)}`,
      );
    const hash = await trackersHash(r.trackers);
    if (hash !== e.payload.trackersHash)
      report.fail(
        'reviews',
        `event ${r.seq} (${e.type}): the listed trackers hash to ${hash}, the event says ${String(e.payload.trackersHash)}`,
      );
    for (const t of r.trackers)
      if (bundle.ballots.find(t) < 0)
        report.fail('reviews', `event ${r.seq}: tracker ${t} is not a ballot of the bundle`);
  }
  for (const e of bundle.events)
    if (REVIEW_TYPES[e.type] && Number(e.payload.count) > 0 && !entries.has(e.seq))
      report.fail(
        'reviews',
        `event ${e.seq} (${e.type}) changed ${String(e.payload.count)} ballot(s), but the bundle does not list them`,
      );
  report.pass('reviews', `${bundle.reviews.length} review(s) match their events`);
}

async function checkSignatures(bundle: TabledBundle, report: Report) {
  for (const r of bundle.results) {
    const where = `version ${r.version}`;
    try {
      const { payload, protectedHeader } = await compactVerify(
        r.jws,
        async (header) => {
          const jwk = bundle.keys.keys.find((k) => k.kid === header.kid) as JWK | undefined;
          if (!jwk) throw new Error(`no key ${String(header.kid)} in the bundle's keys`);
          if ((await calculateJwkThumbprint(jwk)) !== header.kid)
            throw new Error(`key ${header.kid} is not named by its thumbprint`);
          return importJWK(jwk, 'EdDSA');
        },
        { algorithms: ['EdDSA'] },
      );
      if (protectedHeader.typ !== RESULTS_JWS_TYPE)
        report.fail('signature', `${where}: typ is ${String(protectedHeader.typ)}`);
      if (protectedHeader.kid !== r.kid)
        report.fail('signature', `${where}: signed with ${String(protectedHeader.kid)}, the bundle says ${r.kid}`);
      const text = new TextDecoder().decode(payload);
      if (text !== canonicalJson(r.document))
        report.fail('signature', `${where}: the document is not the signed payload`);
      const hash = await sha256Hex(text);
      if (hash !== r.hash) report.fail('signature', `${where}: the signed document hashes to ${hash}, not ${r.hash}`);
    } catch (e) {
      report.fail('signature', `${where}: the JWS does not verify (${(e as Error).message})`);
    }
  }
  report.pass('signature', `${bundle.results.length} version(s) signed (EdDSA) by a key of the bundle`);
}

function checkVersions(bundle: TabledBundle, bySeq: Map<number, LoggedEvent>, report: Report) {
  const events = bundle.events;
  if (bundle.results.length === 0) report.fail('versions', 'the bundle holds no results');
  bundle.results.forEach((r, i) => {
    const v = i + 1;
    const where = `version ${r.version}`;
    const doc = r.document;
    if (r.version !== v || doc.version !== v) report.fail('versions', `${where}: expected version ${v} here`);
    if ((doc.award as { id?: string } | undefined)?.id !== bundle.award.id)
      report.fail('versions', `${where}: the document is of another award`);
    const type = v === 1 ? 'results.finalized' : 'results.amended';
    const stored = events.filter((e) => e.type === type && e.payload.version === v);
    if (stored.length !== 1) return report.fail('versions', `${where}: ${stored.length} ${type} event(s) for it`);
    const e = stored[0]!;
    if (e.payload.hash !== r.hash)
      report.fail('versions', `${where}: event ${e.seq} stores hash ${String(e.payload.hash)}, not ${r.hash}`);
    if (e.payload.kid !== r.kid)
      report.fail('versions', `${where}: event ${e.seq} names key ${String(e.payload.kid)}, not ${r.kid}`);
    const prev = bundle.results[i - 1];
    const supersedes = doc.supersedes as { version?: number; hash?: string } | null;
    if (v === 1 ? supersedes !== null : supersedes?.version !== v - 1 || supersedes?.hash !== prev?.hash)
      report.fail('versions', `${where}: supersedes is not the previous version`);
    if (v > 1 && e.payload.supersedes !== prev?.hash)
      report.fail('versions', `${where}: event ${e.seq} cites another previous hash`);
    const head = doc.eventHead as { seq?: number; hash?: string } | undefined;
    if (head?.seq !== e.seq - 1 || head?.hash !== bySeq.get(e.seq - 1)?.hash)
      report.fail('versions', `${where}: eventHead is not the event just before ${type} (event ${e.seq})`);
  });
  const announced = events.find((e) => e.type === 'results.announced');
  if (!announced || announced.payload.version !== 1 || announced.payload.hash !== bundle.results[0]?.hash)
    report.fail('versions', 'no results.announced event cites version 1');
  report.pass('versions', `${bundle.results.length} version(s), each stored by its event and citing the one before`);
}

async function checkFinalists(
  bundle: TabledBundle,
  close: LoggedEvent,
  before: Snapshot,
  lotSecret: string,
  closingRoot: string,
  report: Report,
) {
  try {
    const computed = await computeFinalists({
      rules: { finalists: bundle.rules.finalists as TallyInput['rules']['finalists'] },
      lotSecret,
      closingRoot,
      categories: before.categories,
      ballots: before.ballots,
      ...finalistInput(before),
    });
    const logged = new Map(
      ((close.payload.categories as { category: string; finalists: { nominee: string; why: string }[] }[]) ?? []).map(
        (c) => [c.category, c.finalists.map((f) => `${f.nominee} (${f.why})`)],
      ),
    );
    for (const cat of computed.categories)
      for (const d of setDifferences(
        logged.get(cat.id) ?? [],
        cat.finalists.map((f) => `${f.nominee} (${f.why})`),
        'finalist',
      ))
        report.fail('finalists', `category ${cat.id}: ${d}`);
  } catch (e) {
    report.fail('finalists', `the finalist rule cannot be applied: ${(e as Error).message}`);
  }
  report.pass('finalists', `the close's finalists follow from the rule, the counts and the lot`);
}

interface FinalistsSection {
  categories?: {
    category: string;
    finalists?: { nominee: string; why: string; reason: string | null }[];
    changeWithoutFlagged?: boolean;
  }[];
}

/**
 * The document's `finalists` section at its event head: the finalists with why and reason are the replay's
 * (`input`), and `changeWithoutFlagged` says whether the award's rule, on the counted ballots alone (the flagged
 * left out), would pick other non-wildcard finalists than these (`finalists`; always false in organizer mode).
 */
async function checkFinalistsSection(
  bundle: TabledBundle,
  version: number,
  document: Record<string, unknown>,
  snap: Snapshot,
  built: TallyInput,
  report: Report,
) {
  const section = (document.finalists ?? {}) as FinalistsSection;
  const published = new Map((section.categories ?? []).map((c) => [c.category, c]));
  const rule = bundle.rules.finalists as TallyInput['rules']['finalists'];
  const quiet =
    rule.mode === 'public'
      ? await computeFinalists({
          rules: { finalists: rule },
          lotSecret: built.lotSecret,
          closingRoot: built.closingRoot,
          categories: built.categories,
          ballots: built.ballots.filter((b) => b.status === 'counted'),
          wildcards: [],
          organizerFinalists: {},
        }).catch(() => undefined)
      : undefined;
  for (const cat of built.categories) {
    const doc = published.get(cat.id);
    const entry = (f: { nominee: string; why: string; reason?: string | null }) =>
      `${f.nominee} (${f.why}${f.why === 'wildcard' ? `: ${f.reason ?? ''}` : ''})`;
    for (const d of setDifferences(
      (doc?.finalists ?? []).map(entry),
      (snap.finalists[cat.id] ?? []).map(entry),
      'finalist',
    ))
      report.fail('input', `version ${version}: finalists section, category ${cat.id}: ${d}`);
    const mine = new Set((doc?.finalists ?? []).filter((f) => f.why !== 'wildcard').map((f) => f.nominee));
    const other = quiet?.categories.find((c) => c.id === cat.id)?.finalists.map((f) => f.nominee) ?? [...mine];
    const change = other.length !== mine.size || other.some((n) => !mine.has(n));
    if (doc?.changeWithoutFlagged !== change)
      report.fail(
        'finalists',
        `version ${version}: category ${cat.id}: changeWithoutFlagged is ${String(doc?.changeWithoutFlagged)}, the rule without the flagged ballots says ${change}`,
      );
  }
}

async function recount(version: number, document: Record<string, unknown>, report: Report) {
  try {
    const result = await tally(parseTallyInput(document.input));
    const { details: _details, ...published } = result;
    for (const d of differences(published, document.result).slice(0, 50))
      report.fail('recount', `version ${version}: result.${d}`);
  } catch (e) {
    report.fail('recount', `version ${version}: the input cannot be recounted: ${(e as Error).message}`);
  }
}

/** "only in the document" / "only in the bundle" for two multisets of strings. */
function setDifferences(published: readonly string[], replayed: readonly string[], what: string): string[] {
  const count = new Map<string, number>();
  for (const x of published) count.set(x, (count.get(x) ?? 0) + 1);
  for (const x of replayed) count.set(x, (count.get(x) ?? 0) - 1);
  return [...count].flatMap(([x, n]) =>
    n > 0
      ? [`${what} ${x} is published but not in the bundle's replay`]
      : n < 0
        ? [`${what} ${x} is in the bundle's replay but not published`]
        : [],
  );
}

/** The input check's differences, each naming its part (§21 `input`); lists compare as multisets. */
function inputDifferences(built: TallyInput, published: unknown): string[] {
  const doc = (published ?? {}) as Partial<Record<keyof TallyInput, unknown>>;
  const out: string[] = [];
  const same = (part: string, a: unknown, b: unknown) => {
    if (canonicalJson(a ?? null) !== canonicalJson(b ?? null))
      out.push(
        `input.${part}: the document has ${canonicalJson(b ?? null)}, the bundle gives ${canonicalJson(a ?? null)}`,
      );
  };
  same('rules', built.rules, doc.rules);
  same('lotSecret', built.lotSecret, doc.lotSecret);
  same('closingRoot', built.closingRoot, doc.closingRoot);
  const list = (v: unknown) => (Array.isArray(v) ? v : []);
  const docCategories = new Map(
    list(doc.categories).map((c) => [
      (c as { id: string }).id,
      c as { id: string; nominees?: string[]; k?: number; winners?: number },
    ]),
  );
  for (const c of built.categories) {
    const d = docCategories.get(c.id);
    if (!d) {
      out.push(`input.categories: category ${c.id} is missing from the document`);
      continue;
    }
    docCategories.delete(c.id);
    if (d.k !== c.k || d.winners !== c.winners)
      out.push(`input.categories ${c.id}: K/winners differ from the bundle's category`);
    for (const x of setDifferences(d.nominees ?? [], c.nominees, 'nominee')) out.push(`input.categories ${c.id}: ${x}`);
  }
  for (const id of docCategories.keys()) out.push(`input.categories: category ${id} is not in the bundle`);
  const rows = (v: unknown) =>
    list(v).map((b) => {
      const r = b as { category: string; nominee: string; status: string; count?: number };
      return [`category ${r.category} nominee ${r.nominee} ${r.status}`, r.count ?? 1] as const;
    });
  const docRows = new Map<string, number>();
  for (const [k, n] of rows(doc.ballots)) docRows.set(k, (docRows.get(k) ?? 0) + n);
  const builtRows = new Map<string, number>();
  for (const [k, n] of rows(built.ballots)) builtRows.set(k, (builtRows.get(k) ?? 0) + n);
  for (const k of new Set([...docRows.keys(), ...builtRows.keys()]))
    if ((docRows.get(k) ?? 0) !== (builtRows.get(k) ?? 0))
      out.push(
        `input.ballots ${k}: the document counts ${docRows.get(k) ?? 0}, the bundle's ballots ${builtRows.get(k) ?? 0}`,
      );
  const docPicks = (doc.organizerFinalists ?? {}) as Record<string, string[]>;
  for (const cat of new Set([...Object.keys(docPicks), ...Object.keys(built.organizerFinalists)]))
    for (const x of setDifferences(docPicks[cat] ?? [], built.organizerFinalists[cat] ?? [], 'finalist'))
      out.push(`input.organizerFinalists ${cat}: ${x}`);
  const multiset = (part: keyof TallyInput) =>
    setDifferences(
      list(doc[part]).map((x) => canonicalJson(x)),
      list(built[part]).map((x) => canonicalJson(x)),
      part.replace(/s$/, ''),
    ).forEach((x) => out.push(`input.${part}: ${x}`));
  multiset('wildcards');
  multiset('institutions');
  multiset('jurors');
  multiset('conflicts');
  multiset('sheets');
  return out;
}

/** `SEQ:HASH` as given to --witness. */
export function parseWitness(text: string): Witness | undefined {
  const m = /^(\d+):([0-9a-f]{64})$/.exec(text.trim());
  return m ? { seq: Number(m[1]), hash: m[2]! } : undefined;
}
