/**
 * Crashes during judging and finalization (issue 10, "Faults"): the real Node server is killed with SIGKILL and
 * started again on the same database.
 *
 * Judging: several jurors save and submit score sheets at once, each juror one request after the other as a
 * browser would, until the kill. After the restart every acknowledged save reads back as sent (unless a later
 * request of the same juror, cut off by the kill, landed), every acknowledged submission is there and locks its
 * sheet, nothing half-written is visible (each stored score is the value committed to by the juror's latest
 * `jury.score.saved` event, each submitted sheet has exactly one `jury.sheet.submitted` event committing to what is
 * stored), and `laurel chain` verifies the log.
 *
 * Finalization: the server is killed while `POST …/results/finalize` is in flight, again and again at growing
 * delays. After each restart the award is either finalized — exactly one `results.finalized` event, one stored
 * document whose hash and EdDSA signature verify, the fraud-signal key and signals gone — or untouched in
 * judging, and finalizing again works. The chain verifies after every crash; after the announcement the audit
 * bundle written by `laurel bundle` passes `laurel verify`.
 *
 * Runs on a fresh SQLite file; under scripts/with-postgres.mjs on a fresh PostgreSQL database instead.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalJson, sha256Hex } from '../../src/audit/canonical';
import { type LoggedEvent, verifyChain } from '../../src/audit/chain';
import { listEvents } from '../../src/audit/log';
import type { ResultsDocument } from '../../src/results/document';
import { verifyResultsJws } from '../../src/results/signing';
import { openStore } from '../../src/store/node';
import type { Store } from '../../src/store/store';
import { nonce } from '../support/awards';
import { type ApiAnswer, ApiClient, type LaurelProcess, e2eDatabaseUrl, laurelProcess, voterMinter } from './harness';

const SLUG = 'faults-award';
const API = `/api/ceremonies/${SLUG}`;
const NOMINEES: Record<string, string[]> = { mentor: ['m1', 'm2', 'm3', 'm4'], partner: ['p1', 'p2', 'p3', 'p4'] };
const CATEGORIES = Object.keys(NOMINEES);
const CRITERIA = ['impact', 'originality'];
const VOTERS = 30;
const JURORS = 6;
/** Rounds of saves in each juror's script: far more than fit before the kill. */
const ROUNDS = 60;
/** The kill comes once this long has passed and some sheets were submitted (at most four times as long). */
const LOAD_MS = 2500;
/** Delays between sending `POST …/results/finalize` and the kill, tried in turn until the award is finalized. */
const FINALIZE_KILL_DELAYS_MS = [0, 5, 10, 20, 30, 45, 65, 100, 150, 250, 500, 1000];
const ORGANIZER = 'faults-organizer@laurel.test';

const award = {
  format: 'laurel-award/1',
  slug: SLUG,
  locales: ['en'],
  name: { en: 'Faults Award' },
  rules: {
    finalists: { mode: 'public', k: 3 },
    jury: {
      mode: 'rubric',
      scale: [1, 10],
      criteria: [
        { id: 'impact', weight: 2 },
        { id: 'originality', weight: 1 },
      ],
    },
    checkpoints: { everySeconds: 3600, everyBallots: 100000 },
  },
  institutions: [
    { slug: 'ministry', name: { en: 'Ministry' }, weight: 2 },
    { slug: 'undp', name: { en: 'UNDP' }, weight: 1 },
  ],
  tracks: [
    {
      slug: 'main',
      name: { en: 'Main' },
      categories: CATEGORIES.map((slug) => ({
        slug,
        name: { en: slug },
        nominees: NOMINEES[slug]!.map((n) => ({ slug: n, name: { en: n.toUpperCase() } })),
      })),
    },
  ],
};

type Scores = Record<string, number>;
type Op = { kind: 'save'; category: string; nominee: string; scores: Scores } | { kind: 'submit'; category: string };

/** A juror of the load and what became of their requests. */
interface Juror {
  name: string;
  token: string;
  /** Category slug to its finalists' slugs, as the juror's sheet lists them. */
  finalists: Record<string, string[]>;
  ops: Op[];
  /** `category/nominee` to the scores of the last acknowledged save. */
  saved: Map<string, Scores>;
  /** Categories whose submission was acknowledged. */
  submitted: Set<string>;
  /** The request that got no answer (cut off by the kill): it may or may not have landed. */
  cutOff?: Op;
  acknowledged: number;
}

const keyOf = (category: string, nominee: string) => `${category}/${nominee}`;
const randomScore = () => 1 + Math.floor(Math.random() * 10);

/** The chain of the award, every event, read from the database. */
async function chainOf(store: Store, chain: string): Promise<LoggedEvent[]> {
  const events: LoggedEvent[] = [];
  for (let after = 0; ;) {
    const page = await listEvents(store.db, chain, { after, limit: 1000 });
    events.push(...page);
    if (page.length < 1000) return events;
    after = page.at(-1)!.seq;
  }
}

/**
 * A juror's script: rounds of saves of every finalist of both categories (fresh random scores each time), the
 * first category submitted after round `submitAfter` (no save touches it afterwards), the other at the very end.
 */
function script(finalists: Record<string, string[]>, submitAfter: number, first: string): Op[] {
  const ops: Op[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    for (const category of CATEGORIES) {
      if (category === first && round > submitAfter) continue;
      for (const nominee of finalists[category]!)
        ops.push({
          kind: 'save',
          category,
          nominee,
          scores: Object.fromEntries(CRITERIA.map((c) => [c, randomScore()])),
        });
    }
    if (round === submitAfter) ops.push({ kind: 'submit', category: first });
  }
  ops.push({ kind: 'submit', category: CATEGORIES.find((c) => c !== first)! });
  return ops;
}

describe('a server killed with SIGKILL while jurors judge and while it finalizes', () => {
  let laurel: LaurelProcess;
  let client: ApiClient;
  let ceremonyId = '';
  const jurors: Juror[] = [];
  const api = (method: string, path: string, body?: unknown, bearer?: string): Promise<ApiAnswer> =>
    client.api(method, path, body, bearer ?? client.token);
  /** Opens the database from the test process for a read, and lets go of it before the next kill. */
  const withStore = async <T>(read: (store: Store) => Promise<T>): Promise<T> => {
    const store = openStore(laurel.databaseUrl);
    try {
      return await read(store);
    } finally {
      await store.close();
    }
  };
  const expectChainVerifies = async () =>
    expect(await laurel.cli('chain', SLUG)).toMatch(new RegExp(`Chain ${SLUG}: \\d+ events verify`));

  beforeAll(async () => {
    laurel = await laurelProcess({ databaseUrl: await e2eDatabaseUrl(), env: { SEED_EXAMPLE: '0' } });
    await laurel.start();
    const file = join(laurel.dataDir, 'award.json');
    writeFileSync(file, JSON.stringify(award));
    await laurel.cli('import', file, '--open');
    await laurel.cli('phase', SLUG, 'voting');
    client = new ApiClient({
      url: laurel.url,
      smtp: laurel.smtp!,
      dataDir: laurel.dataDir,
      cli: laurel.cli,
      stop: laurel.stop,
    });
    await client.signInOrganizer(ORGANIZER);

    // Voters, with tokens minted with the server's master secret as the email method would issue them.
    const voters = await voterMinter(laurel.databaseUrl, SLUG);
    ceremonyId = voters.ceremonyId;
    for (let i = 0; i < VOTERS; i++) {
      const token = await voters.token(i);
      for (const category of CATEGORIES) {
        // Uneven counts (the first nominee most), so the top three are the finalists.
        const nominee = NOMINEES[category]![Math.min(i % 6, 3)]!;
        const res = await api('POST', `${API}/ballots`, { category, nominee, nonce: nonce() }, token);
        expect(res.status, res.text).toBe(201);
      }
    }
    await laurel.cli('phase', SLUG, 'judging');

    for (let j = 0; j < JURORS; j++) {
      const name = `Juror ${j}`;
      const added = await api('POST', `${API}/jury/jurors`, {
        name,
        institution: j % 2 ? 'undp' : 'ministry',
        categories: CATEGORIES,
      });
      expect(added.status, added.text).toBe(201);
      const invitation = new URL(added.json().invitation.url).pathname.split('/').pop()!;
      const session = await api('POST', `/api/jury/invitations/${invitation}`, {}, '');
      expect(session.status, session.text).toBe(200);
      const token = session.json().token as string;
      for (const category of CATEGORIES) {
        const declared = await api('PUT', `${API}/jury/sheets/${category}/conflicts`, { nominees: [] }, token);
        expect(declared.status, declared.text).toBe(200);
      }
      const me = await api('GET', `${API}/jury/me`, undefined, token);
      const finalists = Object.fromEntries(
        me
          .json()
          .sheets.map((s: { slug: string; finalists: { slug: string }[] }) => [s.slug, s.finalists.map((f) => f.slug)]),
      );
      jurors.push({
        name,
        token,
        finalists,
        ops: script(finalists, j, CATEGORIES[j % 2]!),
        saved: new Map(),
        submitted: new Set(),
        acknowledged: 0,
      });
    }
  }, 120_000);

  afterAll(async () => {
    await laurel?.stop();
  });

  it('keeps every acknowledged save and submission, shows nothing half-written, and the chain verifies', async () => {
    let killed = false;
    const unexpected: string[] = [];
    const send = (juror: Juror, op: Op) =>
      op.kind === 'save'
        ? api('PUT', `${API}/jury/sheets/${op.category}/scores/${op.nominee}`, { scores: op.scores }, juror.token)
        : api('POST', `${API}/jury/sheets/${op.category}/submit`, {}, juror.token);
    const work = async (juror: Juror) => {
      for (const op of juror.ops) {
        for (;;) {
          if (killed) return;
          let res: ApiAnswer;
          try {
            res = await send(juror, op);
          } catch {
            // No answer: the kill cut this request off.
            juror.cutOff = op;
            return;
          }
          if (res.status === 200) break;
          if (res.status !== 503) {
            unexpected.push(`${juror.name} ${JSON.stringify(op)}: ${res.status} ${res.text}`);
            return;
          }
          // 503: too many changes to the award at once, nothing changed; the juror tries again.
          await new Promise((r) => setTimeout(r, 20));
        }
        juror.acknowledged++;
        if (op.kind === 'save') juror.saved.set(keyOf(op.category, op.nominee), op.scores);
        else juror.submitted.add(op.category);
      }
    };
    const loadStarted = Date.now();
    const load = Promise.all(jurors.map(work));
    const submittedSoFar = () => jurors.reduce((n, j) => n + j.submitted.size, 0);
    while (Date.now() - loadStarted < 4 * LOAD_MS && (Date.now() - loadStarted < LOAD_MS || submittedSoFar() < 2))
      await new Promise((r) => setTimeout(r, 25));
    killed = true;
    await laurel.kill('SIGKILL');
    await load;
    const loadMs = Date.now() - loadStarted;

    expect(unexpected).toEqual([]);
    // The kill came in the middle: sheets were submitted, others were still open, requests were cut off.
    expect(submittedSoFar()).toBeGreaterThan(0);
    expect(jurors.some((j) => j.submitted.size < CATEGORIES.length)).toBe(true);
    expect(jurors.some((j) => j.cutOff)).toBe(true);

    const restartMs = await laurel.start();

    // ------------------------------------------------------------------ every juror's sheet, as they read it
    let landedCutOffs = 0;
    for (const juror of jurors) {
      const me = await api('GET', `${API}/jury/me`, undefined, juror.token);
      expect(me.status, me.text).toBe(200);
      for (const sheet of me.json().sheets as {
        slug: string;
        submitted: boolean;
        finalists: { slug: string; scores?: Scores }[];
      }[]) {
        const cutOffHere = juror.cutOff?.category === sheet.slug ? juror.cutOff : undefined;
        if (juror.submitted.has(sheet.slug)) expect(sheet.submitted, `${juror.name} ${sheet.slug}`).toBe(true);
        else if (cutOffHere?.kind !== 'submit') expect(sheet.submitted, `${juror.name} ${sheet.slug}`).toBe(false);
        else if (sheet.submitted) landedCutOffs++;
        for (const finalist of sheet.finalists) {
          const acknowledged = juror.saved.get(keyOf(sheet.slug, finalist.slug));
          const cutOff =
            cutOffHere?.kind === 'save' && cutOffHere.nominee === finalist.slug ? cutOffHere.scores : undefined;
          const where = `${juror.name} ${sheet.slug}/${finalist.slug}`;
          if (cutOff && finalist.scores && canonicalJson(finalist.scores) === canonicalJson(cutOff)) {
            if (canonicalJson(cutOff) !== canonicalJson(acknowledged ?? null)) landedCutOffs++;
            continue;
          }
          expect(finalist.scores, where).toEqual(acknowledged);
        }
      }
      // A submitted sheet is locked: another save is refused and changes nothing.
      for (const category of juror.submitted) {
        const nominee = juror.finalists[category]![0]!;
        const refused = await api(
          'PUT',
          `${API}/jury/sheets/${category}/scores/${nominee}`,
          { scores: { impact: 1, originality: 1 } },
          juror.token,
        );
        expect(refused.status, refused.text).toBe(409);
        expect(refused.json().code).toBe('sheet-locked');
      }
    }

    // ------------------------------------------------------------------ nothing half-written in the database
    await withStore(async (store) => {
      const { db } = store;
      const events = await chainOf(store, ceremonyId);
      // The jury's commitments open to canonical JSON (names and other personal values are plain text).
      const values = new Map(
        (
          await db.selectFrom('disclosures').select(['commitment', 'value']).where('chain', '=', ceremonyId).execute()
        ).map((d) => [d.commitment, d.value]),
      );
      const disclosed = {
        has: (commitment: string) => values.has(commitment),
        get: (commitment: string) => JSON.parse(values.get(commitment) ?? 'null'),
      };
      const rows = await db
        .selectFrom('jury_scores')
        .innerJoin('jurors', 'jurors.id', 'jury_scores.juror_id')
        .select(['jurors.pseudonym', 'jury_scores.category_id', 'jury_scores.nominee_id', 'jury_scores.scores'])
        .where('jury_scores.ceremony_id', '=', ceremonyId)
        .execute();
      const assignments = await db
        .selectFrom('jury_assignments')
        .innerJoin('jurors', 'jurors.id', 'jury_assignments.juror_id')
        .select(['jurors.pseudonym', 'jury_assignments.category_id', 'jury_assignments.submitted'])
        .where('jury_assignments.ceremony_id', '=', ceremonyId)
        .execute();
      const saves = events.filter((e) => e.type === 'jury.score.saved');
      const submissions = events.filter((e) => e.type === 'jury.sheet.submitted');
      // Every save event's commitment was stored with it.
      for (const e of saves) expect(disclosed.has(e.payload.scoresCommitment as string), `event ${e.seq}`).toBe(true);
      // Each stored score is what the juror's latest save event committed to.
      for (const row of rows) {
        const latest = [...saves]
          .reverse()
          .find(
            (e) =>
              e.payload.juror === row.pseudonym &&
              e.payload.category === row.category_id &&
              e.payload.nominee === row.nominee_id,
          );
        expect(latest, `${row.pseudonym} ${row.nominee_id}`).toBeDefined();
        expect(disclosed.get(latest!.payload.scoresCommitment as string).scores).toEqual(JSON.parse(row.scores));
      }
      // Every save event left its row (the latest per juror and finalist is there).
      const stored = new Set(rows.map((r) => `${r.pseudonym} ${r.category_id} ${r.nominee_id}`));
      for (const e of saves)
        expect(stored.has(`${e.payload.juror} ${e.payload.category} ${e.payload.nominee}`)).toBe(true);
      // A sheet is submitted exactly when it has one submission event, which commits to the scores stored, and no
      // save comes after it.
      for (const a of assignments) {
        const mine = submissions.filter((e) => e.payload.juror === a.pseudonym && e.payload.category === a.category_id);
        expect(mine, `${a.pseudonym} ${a.category_id}`).toHaveLength(a.submitted ? 1 : 0);
        if (!a.submitted) continue;
        const sheet = disclosed.get(mine[0]!.payload.sheetCommitment as string);
        const scores = Object.fromEntries(
          rows
            .filter((r) => r.pseudonym === a.pseudonym && r.category_id === a.category_id)
            .map((r) => [r.nominee_id, JSON.parse(r.scores)]),
        );
        expect(sheet).toEqual({ juror: a.pseudonym, category: a.category_id, scores });
        expect(
          saves.filter(
            (e) => e.seq > mine[0]!.seq && e.payload.juror === a.pseudonym && e.payload.category === a.category_id,
          ),
        ).toEqual([]);
      }
      // The log holds a save event for every acknowledged value (none lost from the log either).
      const pseudonymOf = new Map(
        (
          await db.selectFrom('jurors').select(['name', 'pseudonym']).where('ceremony_id', '=', ceremonyId).execute()
        ).map((j) => [j.name, j.pseudonym]),
      );
      const nomineeIds = new Map(
        (
          await db
            .selectFrom('nominees')
            .innerJoin('categories', 'categories.id', 'nominees.category_id')
            .select(['nominees.id', 'nominees.slug', 'categories.slug as category', 'categories.id as categoryId'])
            .where('nominees.ceremony_id', '=', ceremonyId)
            .execute()
        ).map((n) => [keyOf(n.category, n.slug), { nominee: n.id, category: n.categoryId }]),
      );
      const committed = new Set(saves.map((e) => canonicalJson(disclosed.get(e.payload.scoresCommitment as string))));
      for (const juror of jurors)
        for (const [key, scores] of juror.saved) {
          const { nominee, category } = nomineeIds.get(key)!;
          const value = { juror: pseudonymOf.get(juror.name), category, nominee, scores };
          expect(committed.has(canonicalJson(value)), `${juror.name} ${key}`).toBe(true);
        }
    });
    await expectChainVerifies();

    console.log(
      `faults figures (judging): ${JSON.stringify({
        database: laurel.databaseUrl.startsWith('postgres') ? 'postgres' : 'sqlite',
        jurors: JURORS,
        loadMs,
        acknowledged: jurors.reduce((n, j) => n + j.acknowledged, 0),
        submittedBeforeKill: submittedSoFar(),
        cutOff: jurors.filter((j) => j.cutOff).length,
        cutOffThatLanded: landedCutOffs,
        restartMs,
      })}`,
    );
  }, 120_000);

  it('finalization killed at any moment is all or nothing; finalizing again works; the bundle verifies', async () => {
    /** The fraud signals and their key, both deleted by a finalization. */
    const signalsOf = async ({ db }: Store) => ({
      signals: (await db.selectFrom('ballot_signals').select('tracker').where('ceremony_id', '=', ceremonyId).execute())
        .length,
      key: (
        await db
          .selectFrom('ceremony_keys')
          .select('purpose')
          .where('ceremony_id', '=', ceremonyId)
          .where('purpose', '=', 'signals')
          .execute()
      ).length,
    });
    const signalsBefore = await withStore(signalsOf);

    /** The award after a crash: finalized completely, or not at all. Returns whether it is finalized. */
    const allOrNothing = async (): Promise<boolean> => {
      const phase = (await api('GET', API)).json().phase as string;
      const state = await withStore(async (store) => {
        const { db } = store;
        const events = await chainOf(store, ceremonyId);
        // The chain verifies (in process, as `laurel chain` does; the CLI runs once at the end).
        expect(await verifyChain(events)).toEqual({ ok: true, problems: [] });
        return {
          finalized: events.filter((e) => e.type === 'results.finalized'),
          before: (seq: number) => events.find((e) => e.seq === seq - 1),
          results: await db.selectFrom('results').selectAll().where('ceremony_id', '=', ceremonyId).execute(),
          ...(await signalsOf(store)),
        };
      });
      if (state.finalized.length === 0) {
        expect(phase).toBe('judging');
        expect(state.results).toEqual([]);
        expect({ signals: state.signals, key: state.key }).toEqual(signalsBefore);
        expect((await api('GET', `${API}/results`)).status).toBe(404);
        return false;
      }
      expect(phase).toBe('finalized');
      expect(state.finalized).toHaveLength(1);
      expect(state.results).toHaveLength(1);
      expect({ signals: state.signals, key: state.key }).toEqual({ signals: 0, key: 0 });
      // The stored document is the one the event names, and its signature verifies with the published keys.
      const read = await api('GET', `${API}/results`);
      expect(read.status, read.text).toBe(200);
      const { version, hash, kid, jws, document } = read.json() as {
        version: number;
        hash: string;
        kid: string;
        jws: string;
        document: ResultsDocument;
      };
      const text = canonicalJson(document);
      expect(text).toBe(state.results[0]!.document);
      expect(await sha256Hex(text)).toBe(hash);
      const event = state.finalized[0]!;
      expect(event.payload).toMatchObject({ version: 1, hash, kid });
      expect(version).toBe(1);
      expect(document.eventHead).toEqual({ seq: event.seq - 1, hash: state.before(event.seq)!.hash });
      const jwks = (await api('GET', '/.well-known/jwks.json')).json() as { keys: JWK[] };
      expect(await verifyResultsJws(jws, jwks)).toEqual({ text, kid });
      return true;
    };

    const outcomes: {
      delayMs: number;
      answer: number | null;
      finalized: boolean;
      restartMs: number;
      roundMs: number;
    }[] = [];
    let finalized = false;
    for (const delayMs of FINALIZE_KILL_DELAYS_MS) {
      const started = Date.now();
      const answer = api('POST', `${API}/results/finalize`, {}).then(
        (res) => res.status,
        () => null,
      );
      await new Promise((r) => setTimeout(r, delayMs));
      await laurel.kill('SIGKILL');
      const status = await answer;
      const restartMs = await laurel.start();
      finalized = await allOrNothing();
      outcomes.push({ delayMs, answer: status, finalized, restartMs, roundMs: Date.now() - started });
      // An acknowledged finalization survived the crash.
      if (status === 201) expect(finalized).toBe(true);
      else if (status !== null) expect(status, 'a refusal means nothing was finalized').toBe(503);
      if (finalized) break;
    }
    console.log(`faults figures (finalization): ${JSON.stringify(outcomes)}`);
    if (!finalized) {
      // Every kill came before the commit: finalizing once more, with no crash, works.
      const done = await api('POST', `${API}/results/finalize`, {});
      expect(done.status, done.text).toBe(201);
      expect(await allOrNothing()).toBe(true);
    }
    // Finalized once: a second finalization is refused and leaves the one document.
    const again = await api('POST', `${API}/results/finalize`, {});
    expect(again.status, again.text).toBe(409);
    expect(await allOrNothing()).toBe(true);

    await expectChainVerifies();
    const announced = await api('POST', `${API}/results/announce`, {});
    expect(announced.status, announced.text).toBe(200);
    const bundle = join(laurel.dataDir, 'bundle.json');
    await laurel.cli('bundle', SLUG, '--out', bundle);
    // laurel verify exits 0 only when every check passes (the cli helper rejects otherwise).
    expect(await laurel.cli('verify', bundle)).toMatch(/^\d+ checks passed, 0 failed$/m);
  }, 180_000);
});
