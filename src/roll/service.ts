/**
 * The `roll` identity method: organizers upload the invited people (keyed by normalized email), each new person
 * gets a single-use code by mail or on a printed sheet, and a code spent once yields a voter session with the
 * same person key the email method gives that address.
 *
 * What is kept: roll entries and code rows hold person keys and code HMACs only. Plain addresses live in the
 * outbox until the code mail is delivered; names are never stored (they are printed or mailed, then gone).
 *
 * Atomicity of large rolls. One import is cut into parts of at most MAX_BATCH_STATEMENTS statements (465
 * people with mail delivery, all of a sheet, some 16,000 with no delivery). Each part is one atomic batch: its
 * roll entries, its code rows, its mails and its own `roll.imported` event (part k of n) commit together or not
 * at all. Parts commit in order, each guarded by the award's phase and by the roll's size being what the previous
 * part left, so a concurrent import or a phase move stops the rest. Parts already committed stay: their people
 * are on the roll and their mails are queued. Sending the same file again completes the import, because people
 * on the roll already are skipped. A sheet import is never cut (MAX_SHEET_PEOPLE fits one part), because its
 * codes exist only in the response. Re-issues are cut the same way; two re-issues for one person at once both
 * commit, in some order, and only the later one's code works (its batch deletes the earlier unused code).
 *
 * Spending a code is one guarded update and writes no event (as with email codes): events would serialize
 * verification and put a time on each person. Wrong codes are counted per client address; the count is read
 * before and bumped after a miss, so a burst of parallel guesses may overshoot the limit by its own size.
 */
import { sql } from 'kysely';
import { commitChange } from '../audit/log';
import type { AwardRows } from '../ceremonies/model';
import { ceremonyIs } from '../ceremonies/repository';
import type { AppDeps } from '../deps';
import { ApiError, type FieldProblem, isStorageUnavailable } from '../errors';
import { DEFAULT_LANG, type Lang, isLang } from '../i18n/messages';
import { voterMail } from '../identity/mails';
import { acceptableEmail, emailIdentity, personKey } from '../identity/people';
import { count, hit } from '../identity/throttle';
import { awardName, requireMethod } from '../identity/verify';
import { rulesOf } from '../ceremonies/model';
import { issueVoterSession } from '../identity/sessions';
import { newId } from '../store/ids';
import { canonicalRollCode, groupRollCode, newRollCode } from './codes';
import {
  type RollCounts,
  codeExists,
  dropUnusedCodes,
  insertCodes,
  insertEntries,
  keysOnRoll,
  rollCounts,
  rollSize,
  rollSizeIs,
  spendCode,
} from './repository';
import { type Delivery, MAX_SHEET_PEOPLE, cutIntoParts, partSize, readRoster, rollHash } from './roster';
import type { SheetCard, SheetProps } from './sheet';

/** Phases in which organizers may change the roll: until the vote closes. */
export const ROLL_PHASES = ['draft', 'nominating', 'voting'] as const;
/** Wrong codes per client address per window before guessing is refused. */
export const GUESS_LIMIT = 20;
export const GUESS_WINDOW_MS = 15 * 60_000;
const AGAIN_IMPORT = 'upload the same file again to add the rest: people already on the roll are skipped.';
const AGAIN_REISSUE = 'send the same list again: everyone on it gets a new code, and only the newest works.';
/** Addresses or lines named in a refusal at most; the detail still counts them all. */
const MAX_FIELDS = 100;

/** Refuses organizer roll operations on awards that verify people another way. */
export function requireRollAward(award: AwardRows): void {
  const method = rulesOf(award).identity.method;
  if (method !== 'roll')
    throw new ApiError('wrong-method', `This award verifies people by ${method}; it has no invited roll.`);
}

function requireRollPhase(award: AwardRows): void {
  if (!(ROLL_PHASES as readonly string[]).includes(award.ceremony.phase))
    throw new ApiError('wrong-phase', 'The vote is over: the invited roll cannot change any more.');
}

/** The language of mails and sheets: the one asked for, else the award's first language, else English. */
export function rollLang(award: AwardRows, requested: string | undefined): Lang {
  if (isLang(requested)) return requested;
  const first = (JSON.parse(award.ceremony.locales) as string[])[0];
  return isLang(first) ? first : DEFAULT_LANG;
}

/** Where people enter their code. */
export function verifyLink(baseUrl: string, slug: string): string {
  return `${baseUrl.replace(/\/+$/, '')}/a/${encodeURIComponent(slug)}/verify`;
}

interface Person {
  /** The address as written: mail goes there. */
  to: string;
  name: string;
  key: string;
}

interface Issued extends Person {
  /** Canonical code, in memory only until it is mailed or printed. */
  code?: string;
  codeHash?: string;
}

export interface DeliveryOptions {
  delivery: Delivery;
  lang: Lang;
  /** PUBLIC_URL, or the request's origin without it. */
  baseUrl: string;
}

export interface CommittedPart {
  part: number;
  seq: number;
  hash: string;
  added: number;
  rollHash: string;
}

export interface ImportResult {
  added: number;
  alreadyOnRoll: number;
  duplicatesInFile: number;
  delivery: Delivery;
  /** SHA-256 of the sorted person keys of everyone this import added (each part's event has its own). */
  rollHash: string;
  mailsQueued: number;
  parts: CommittedPart[];
  /** Only with `sheet` delivery: what to print. */
  sheet?: SheetProps;
}

/** Imports an uploaded CSV roll; see the module comment for what is atomic. */
export async function importRoll(
  deps: AppDeps,
  award: AwardRows,
  actor: string,
  csv: string,
  options: DeliveryOptions,
): Promise<ImportResult> {
  requireRollAward(award);
  requireRollPhase(award);
  const rows = readRoster(csv);
  const refuseDisposable = rulesOf(award).identity.refuseDisposable;
  const bad: FieldProblem[] = [];
  const normalized = rows.map((row) => {
    const checked = checkAddress(row.email, refuseDisposable);
    if ('problem' in checked) bad.push({ path: `body.line.${row.line}`, message: checked.problem });
    return 'address' in checked ? checked.address : '';
  });
  if (bad.length) {
    const lines = bad.map((b) => b.path.replace('body.line.', ''));
    throw new ApiError(
      'validation-failed',
      `Nothing was imported: ${bad.length === 1 ? 'line' : 'lines'} ${listed(lines)} ${bad.length === 1 ? 'has no address' : 'have no address'} we can use. Fix ${bad.length === 1 ? 'it' : 'them'} and upload the file again.`,
      bad.slice(0, MAX_FIELDS),
    );
  }
  const keys = await Promise.all(normalized.map((n) => personKey(deps, award.ceremony, emailIdentity(n))));
  const unique = new Map<string, Person>();
  rows.forEach((row, i) => {
    if (!unique.has(keys[i]!)) unique.set(keys[i]!, { to: row.email, name: row.name, key: keys[i]! });
  });
  const ceremonyId = award.ceremony.id;
  const { db } = deps.store;
  // The size first, then the keys: if another import lands between the two reads, the size guard catches it.
  const sizeBefore = await rollSize(db, ceremonyId);
  const present = await keysOnRoll(db, ceremonyId, [...unique.keys()]);
  const fresh = [...unique.values()].filter((p) => !present.has(p.key));
  if (options.delivery === 'sheet' && fresh.length > MAX_SHEET_PEOPLE)
    throw new ApiError(
      'payload-too-large',
      `A printed sheet holds at most ${MAX_SHEET_PEOPLE} people; this file adds ${fresh.length}. Split it.`,
    );
  const issued = await withCodes(deps, fresh, options.delivery);
  const parts = cutIntoParts(issued, partSize(options.delivery));
  const importId = newId('ri');
  const name = awardName(award, options.lang);
  const link = verifyLink(options.baseUrl, award.ceremony.slug);
  const committed: CommittedPart[] = [];
  let size = sizeBefore;
  try {
    for (const [k, part] of parts.entries()) {
      const now = deps.clock();
      const partHash = await rollHash(part.map((p) => p.key));
      const event = await commitPart(committed.length, parts.length, AGAIN_IMPORT, async () =>
        commitChange(deps.store, deps.clock, {
          chain: ceremonyId,
          event: {
            actor,
            type: 'roll.imported',
            payload: {
              importId,
              part: k + 1,
              parts: parts.length,
              added: part.length,
              // Whole-file counts go with part 1, so that the parts' fields add up to the import.
              alreadyOnRoll: k === 0 ? present.size : 0,
              duplicatesInFile: k === 0 ? rows.length - unique.size : 0,
              delivery: options.delivery,
              rollHash: partHash,
            },
          },
          precondition: sql<boolean>`${ceremonyIs(db, ceremonyId, ROLL_PHASES)} and ${rollSizeIs(db, ceremonyId, size)}`,
          refused: () =>
            new ApiError(
              'conflict',
              'The roll or the award changed while this import ran (another upload, or the vote closed).',
            ),
          changes: [
            ...insertEntries(
              db,
              ceremonyId,
              part.map((p) => p.key),
              now,
            ),
            ...codeStatements(deps, ceremonyId, part, now, options, name, link),
          ],
        }),
      );
      size += part.length;
      committed.push({ part: k + 1, seq: event.seq, hash: event.hash, added: part.length, rollHash: partHash });
    }
  } finally {
    if (options.delivery === 'mail' && committed.some((p) => p.added > 0)) deps.mailer.kick();
  }
  return {
    added: fresh.length,
    alreadyOnRoll: present.size,
    duplicatesInFile: rows.length - unique.size,
    delivery: options.delivery,
    rollHash: await rollHash(fresh.map((p) => p.key)),
    mailsQueued: options.delivery === 'mail' ? fresh.length : 0,
    parts: committed,
    ...(options.delivery === 'sheet'
      ? { sheet: { lang: options.lang, award: name, link, cards: cardsOf(issued) } }
      : {}),
  };
}

export interface ReissueResult {
  reissued: number;
  delivery: Exclude<Delivery, 'none'>;
  mailsQueued: number;
  parts: { part: number; seq: number; hash: string; people: number }[];
  sheet?: SheetProps;
}

/**
 * New codes for people on the roll (a lost mail, a lost card). Their unused codes are deleted in the same batch,
 * so only the newest code works; codes already spent stay spent.
 */
export async function reissueCodes(
  deps: AppDeps,
  award: AwardRows,
  actor: string,
  emails: string[],
  options: DeliveryOptions & { delivery: Exclude<Delivery, 'none'> },
): Promise<ReissueResult> {
  requireRollAward(award);
  requireRollPhase(award);
  const refuseDisposable = rulesOf(award).identity.refuseDisposable;
  const bad: FieldProblem[] = [];
  const normalized = emails.map((email, i) => {
    const checked = checkAddress(email, refuseDisposable);
    if ('problem' in checked) bad.push({ path: `body.emails.${i}`, message: checked.problem });
    return 'address' in checked ? checked.address : '';
  });
  if (bad.length)
    throw new ApiError(
      'validation-failed',
      `Nothing was re-issued: ${bad.length} of the addresses cannot be used.`,
      bad.slice(0, MAX_FIELDS),
    );
  const keys = await Promise.all(normalized.map((n) => personKey(deps, award.ceremony, emailIdentity(n))));
  const ceremonyId = award.ceremony.id;
  const { db } = deps.store;
  const present = await keysOnRoll(db, ceremonyId, keys);
  const missing = keys.flatMap((key, i) =>
    present.has(key) ? [] : [{ path: `body.emails.${i}`, message: 'not on the roll' }],
  );
  if (missing.length)
    throw new ApiError(
      'validation-failed',
      `Nothing was re-issued: ${missing.length} of the addresses ${missing.length === 1 ? 'is' : 'are'} not on the roll; import them first.`,
      missing.slice(0, MAX_FIELDS),
    );
  const unique = new Map<string, Person>();
  emails.forEach((email, i) => {
    if (!unique.has(keys[i]!)) unique.set(keys[i]!, { to: email.trim(), name: '', key: keys[i]! });
  });
  if (options.delivery === 'sheet' && unique.size > MAX_SHEET_PEOPLE)
    throw new ApiError(
      'payload-too-large',
      `A printed sheet holds at most ${MAX_SHEET_PEOPLE} people. Split the list.`,
    );
  const issued = await withCodes(deps, [...unique.values()], options.delivery);
  const parts = cutIntoParts(issued, partSize(options.delivery));
  const reissueId = newId('rr');
  const name = awardName(award, options.lang);
  const link = verifyLink(options.baseUrl, award.ceremony.slug);
  const committed: ReissueResult['parts'] = [];
  try {
    for (const [k, part] of parts.entries()) {
      const now = deps.clock();
      const partKeys = part.map((p) => p.key);
      const event = await commitPart(committed.length, parts.length, AGAIN_REISSUE, async () =>
        commitChange(deps.store, deps.clock, {
          chain: ceremonyId,
          event: {
            actor,
            type: 'roll.codes_reissued',
            payload: {
              reissueId,
              part: k + 1,
              parts: parts.length,
              people: part.length,
              delivery: options.delivery,
              rollHash: await rollHash(partKeys),
            },
          },
          precondition: ceremonyIs(db, ceremonyId, ROLL_PHASES),
          refused: () => new ApiError('wrong-phase', 'The vote is over: codes cannot be re-issued any more.'),
          changes: [
            ...dropUnusedCodes(db, ceremonyId, partKeys),
            ...codeStatements(deps, ceremonyId, part, now, options, name, link),
          ],
        }),
      );
      committed.push({ part: k + 1, seq: event.seq, hash: event.hash, people: part.length });
    }
  } finally {
    if (options.delivery === 'mail' && committed.length) deps.mailer.kick();
  }
  return {
    reissued: issued.length,
    delivery: options.delivery,
    mailsQueued: options.delivery === 'mail' ? issued.length : 0,
    parts: committed,
    ...(options.delivery === 'sheet'
      ? { sheet: { lang: options.lang, award: name, link, cards: cardsOf(issued) } }
      : {}),
  };
}

/** Counts for organizers: no keys, no addresses. */
export async function rollOverview(deps: AppDeps, award: AwardRows): Promise<RollCounts> {
  requireRollAward(award);
  return rollCounts(deps.store.db, award.ceremony.id);
}

/**
 * Spends a roll code and returns a voter session for its person. Wrong and replayed codes count against the
 * client address (`clientKey`, already an HMAC); past GUESS_LIMIT in the window every attempt is refused.
 */
export async function verifyRollCode(deps: AppDeps, award: AwardRows, typed: string, clientKey: string) {
  requireMethod(award, 'roll');
  const now = deps.clock();
  const throttleKey = `roll-guess:${clientKey}`;
  if ((await count(deps.store, throttleKey, GUESS_WINDOW_MS, now)) >= GUESS_LIMIT)
    throw new ApiError('rate-limited', 'Too many wrong codes from this network; wait 15 minutes and try again.');
  const code = canonicalRollCode(typed);
  // A typo in the shape (a letter O, too short) cannot be a code: refused without counting as a guess.
  if (!code)
    throw new ApiError('code-invalid', 'A code has 12 letters and digits, like ABCD-EFGH-JKMN.', [
      { path: 'body.code', message: 'not a code' },
    ]);
  const ceremonyId = award.ceremony.id;
  const codeHash = await deps.wrapper.mac('roll-code', code);
  const key = await spendCode(deps.store.db, ceremonyId, codeHash);
  if (!key) {
    const replay = await codeExists(deps.store.db, ceremonyId, codeHash);
    await hit(deps.store, throttleKey, GUESS_WINDOW_MS, now);
    if (replay) throw new ApiError('token-spent', 'This code has been used already; ask the organizers for a new one.');
    throw new ApiError('code-invalid', 'That code is not right; check it and try again.');
  }
  return issueVoterSession(deps, { ceremonyId, personKey: key, method: 'roll' });
}

/** The normalized address, or why a cell cannot be used. */
function checkAddress(raw: string, refuseDisposable: boolean): { address: string } | { problem: string } {
  if (!raw.trim()) return { problem: 'no address' };
  try {
    return { address: acceptableEmail(raw, refuseDisposable).address };
  } catch (err) {
    if (!(err instanceof ApiError)) throw err;
    return { problem: err.code === 'disposable-email' ? 'disposable domain' : 'not an email address' };
  }
}

/** "3, 7 and 12" (the first 20, then how many more). */
function listed(items: string[]): string {
  const shown = items.slice(0, 20);
  const more = items.length - shown.length;
  if (more > 0) return `${shown.join(', ')} and ${more} more`;
  return shown.length > 1 ? `${shown.slice(0, -1).join(', ')} and ${shown.at(-1)}` : (shown[0] ?? '');
}

/** A fresh code and its HMAC for each person, unless nothing is delivered. */
async function withCodes(deps: AppDeps, people: Person[], delivery: Delivery): Promise<Issued[]> {
  if (delivery === 'none') return people;
  return Promise.all(
    people.map(async (p) => {
      const code = newRollCode();
      return { ...p, code, codeHash: await deps.wrapper.mac('roll-code', code) };
    }),
  );
}

const GREETINGS: Record<Lang, (name: string) => string> = {
  en: (name) => `Dear ${name},`,
  ru: (name) => `Здравствуйте, ${name}!`,
  ky: (name) => `Саламатсызбы, ${name}!`,
};

/** The code rows of a part and, with mail delivery, one queued mail per person to the address as written. */
function codeStatements(
  deps: AppDeps,
  ceremonyId: string,
  part: Issued[],
  now: number,
  options: DeliveryOptions,
  award: string,
  link: string,
) {
  if (options.delivery === 'none') return [];
  const codes = part.map((p) => ({ codeHash: p.codeHash!, personKey: p.key }));
  const rows = insertCodes(deps.store.db, ceremonyId, codes, now);
  if (options.delivery !== 'mail') return rows;
  const mails = deps.mailer.queueMany(
    part.map((p) => {
      const text = voterMail(options.lang, 'roll-code', { award, code: groupRollCode(p.code!), link });
      return {
        kind: 'voter-roll-code',
        to: p.to,
        ceremonyId,
        subject: text.subject,
        text: p.name ? `${GREETINGS[options.lang](p.name)}\n\n${text.text}` : text.text,
      };
    }),
  );
  return [...rows, ...mails];
}

function cardsOf(issued: Issued[]): SheetCard[] {
  return issued.map((p) => ({ label: p.name || p.to, code: groupRollCode(p.code!) }));
}

/**
 * Runs the commit of one part. When an earlier part has committed already, the refusal says so and what to do,
 * since that earlier part stays.
 */
async function commitPart<T>(done: number, total: number, again: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (done === 0) throw err;
    const note = ` Parts 1 to ${done} of ${total} were committed before this one and stay; ${again}`;
    if (err instanceof ApiError) throw new ApiError(err.code, `${err.detail}${note}`, err.fields);
    if (isStorageUnavailable(err))
      throw new ApiError('storage-unavailable', `The database stopped taking writes.${note}`);
    throw err;
  }
}
