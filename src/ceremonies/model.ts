/**
 * Pure mappings between the award definition, database rows and API objects. snake_case rows become camelCase
 * API objects here and nowhere else.
 */
import type { CategoryRow, CeremonyRow, InstitutionRow, NewNominee, NomineeRow, TrackRow } from '../../db/schema';
import { newId } from '../store/ids';
import type { ScheduleInstants } from './phases';
import type { AwardDefinition, LocalizedText, Phase, Rules, Schedule } from './schemas';

export interface AwardRows {
  ceremony: CeremonyRow;
  tracks: TrackRow[];
  categories: CategoryRow[];
  nominees: NomineeRow[];
  institutions: InstitutionRow[];
  /** The seq of the award's chain head when these rows were read (loadAwardRows sets it). */
  head?: number;
}

export interface CeremonyContent {
  name: LocalizedText;
  description?: LocalizedText;
  organizer?: LocalizedText;
  venue?: LocalizedText;
  ceremonyDate?: string;
  website?: string;
}

export interface NomineeContent {
  name: LocalizedText;
  citation?: LocalizedText;
  affiliation?: LocalizedText;
  region?: LocalizedText;
}

type Rows<T> = Omit<T, 'version'>;

/** Rows for a new award from its definition; ids are fresh. */
export function definitionToRows(
  def: AwardDefinition,
  secrets: { pepperWrapped: string },
  now: number,
): {
  ceremony: Rows<CeremonyRow>;
  tracks: TrackRow[];
  categories: CategoryRow[];
  nominees: NewNominee[];
  institutions: InstitutionRow[];
} {
  const ceremonyId = newId('aw');
  const instants = scheduleToInstants(def.schedule);
  const content: CeremonyContent = {
    name: def.name,
    description: def.description,
    organizer: def.organizer,
    venue: def.venue,
    ceremonyDate: def.ceremonyDate,
    website: def.website,
  };
  const ceremony: Rows<CeremonyRow> = {
    id: ceremonyId,
    slug: def.slug,
    phase: 'draft',
    time_zone: def.timeZone,
    locales: JSON.stringify(def.locales),
    content: JSON.stringify(content),
    rules: JSON.stringify(def.rules),
    rules_hash: null,
    nominees_hash: null,
    lot_commitment: null,
    lot_secret_wrapped: null,
    pepper_wrapped: secrets.pepperWrapped,
    nominating_opens: instants.nominating.opens,
    nominating_closes: instants.nominating.closes,
    voting_opens: instants.voting.opens,
    voting_closes: instants.voting.closes,
    judging_opens: instants.judging.opens,
    judging_closes: instants.judging.closes,
    created_at: now,
    updated_at: now,
  };
  const tracks: TrackRow[] = [];
  const categories: CategoryRow[] = [];
  const nominees: NewNominee[] = [];
  def.tracks.forEach((track, t) => {
    const trackId = newId('tr');
    tracks.push({
      id: trackId,
      ceremony_id: ceremonyId,
      slug: track.slug,
      position: t,
      content: JSON.stringify({ name: track.name, description: track.description }),
    });
    track.categories.forEach((cat) => {
      const categoryId = newId('ca');
      categories.push({
        id: categoryId,
        ceremony_id: ceremonyId,
        track_id: trackId,
        slug: cat.slug,
        position: categories.length,
        content: JSON.stringify({ name: cat.name, description: cat.description }),
        k: cat.k ?? null,
        winners: cat.winners,
        minors_allowed: cat.minorsAllowed ? 1 : 0,
      });
      cat.nominees.forEach((nom, n) => {
        nominees.push(
          nomineeRow(
            ceremonyId,
            categoryId,
            n,
            nom.slug,
            nom.status,
            {
              name: nom.name,
              citation: nom.citation,
              affiliation: nom.affiliation,
              region: nom.region,
            },
            now,
          ),
        );
      });
    });
  });
  const institutions: InstitutionRow[] = def.institutions.map((inst, i) => ({
    id: newId('in'),
    ceremony_id: ceremonyId,
    slug: inst.slug,
    position: i,
    weight: inst.weight,
    content: JSON.stringify({ name: inst.name }),
  }));
  return { ceremony, tracks, categories, nominees, institutions };
}

export function nomineeRow(
  ceremonyId: string,
  categoryId: string,
  position: number,
  slug: string,
  status: string,
  content: NomineeContent,
  now: number,
): NewNominee {
  return {
    id: newId('nm'),
    ceremony_id: ceremonyId,
    category_id: categoryId,
    slug,
    position,
    status,
    content: JSON.stringify(content),
    created_at: now,
    updated_at: now,
  };
}

/** The award definition as it stands now, in the import format (export). Nominees rejected or withdrawn are left out. */
export function rowsToDefinition(rows: AwardRows): AwardDefinition {
  const c = rows.ceremony;
  const content = JSON.parse(c.content) as CeremonyContent;
  return {
    format: 'laurel-award/1',
    slug: c.slug,
    timeZone: c.time_zone,
    locales: JSON.parse(c.locales) as string[],
    ...dropUndefined(content),
    schedule: instantsToSchedule(rowInstants(c), c.time_zone),
    rules: JSON.parse(c.rules) as Rules,
    institutions: rows.institutions.map((i) => ({
      slug: i.slug,
      name: (JSON.parse(i.content) as { name: LocalizedText }).name,
      weight: i.weight,
    })),
    tracks: rows.tracks.map((t) => ({
      slug: t.slug,
      ...dropUndefined(JSON.parse(t.content) as { name: LocalizedText; description?: LocalizedText }),
      categories: rows.categories
        .filter((cat) => cat.track_id === t.id)
        .map((cat) => ({
          slug: cat.slug,
          ...dropUndefined(JSON.parse(cat.content) as { name: LocalizedText; description?: LocalizedText }),
          ...(cat.k !== null ? { k: cat.k } : {}),
          winners: cat.winners,
          minorsAllowed: cat.minors_allowed === 1,
          nominees: rows.nominees
            .filter((n) => n.category_id === cat.id && (n.status === 'accepted' || n.status === 'pending'))
            .map((n) => ({
              slug: n.slug,
              ...dropUndefined(JSON.parse(n.content) as NomineeContent),
              status: n.status as 'accepted' | 'pending',
            })),
        })),
    })),
  } as AwardDefinition;
}

export function rowInstants(
  c: Pick<CeremonyRow, `${'nominating' | 'voting' | 'judging'}_${'opens' | 'closes'}`>,
): ScheduleInstants {
  return {
    nominating: { opens: c.nominating_opens, closes: c.nominating_closes },
    voting: { opens: c.voting_opens, closes: c.voting_closes },
    judging: { opens: c.judging_opens, closes: c.judging_closes },
  };
}

export function instantsToColumns(s: ScheduleInstants) {
  return {
    nominating_opens: s.nominating.opens,
    nominating_closes: s.nominating.closes,
    voting_opens: s.voting.opens,
    voting_closes: s.voting.closes,
    judging_opens: s.judging.opens,
    judging_closes: s.judging.closes,
  };
}

export function scheduleToInstants(schedule: Schedule): ScheduleInstants {
  const at = (iso?: string) => (iso ? Date.parse(iso) : null);
  return {
    nominating: { opens: at(schedule.nominating?.opens), closes: at(schedule.nominating?.closes) },
    voting: { opens: at(schedule.voting?.opens), closes: at(schedule.voting?.closes) },
    judging: { opens: at(schedule.judging?.opens), closes: at(schedule.judging?.closes) },
  };
}

/** Instants as ISO strings with the award's UTC offset at that instant (e.g. +06:00 in Asia/Bishkek). */
export function instantsToSchedule(s: ScheduleInstants, timeZone: string): Schedule {
  const out: Schedule = {};
  for (const phase of ['nominating', 'voting', 'judging'] as const) {
    const w = s[phase];
    if (w.opens === null && w.closes === null) continue;
    out[phase] = {
      ...(w.opens !== null ? { opens: isoInZone(w.opens, timeZone) } : {}),
      ...(w.closes !== null ? { closes: isoInZone(w.closes, timeZone) } : {}),
    };
  }
  return out;
}

export function isoInZone(at: number, timeZone: string): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    })
      .formatToParts(new Date(at))
      .map((p) => [p.type, p.value]),
  );
  const local = Date.UTC(+parts.year!, +parts.month! - 1, +parts.day!, +parts.hour!, +parts.minute!, +parts.second!);
  const offsetMinutes = Math.round((local - (at - (at % 1000))) / 60000);
  const sign = offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(offsetMinutes);
  const pad = (n: number) => String(n).padStart(2, '0');
  const ms = ((at % 1000) + 1000) % 1000;
  const fraction = ms ? `.${String(ms).padStart(3, '0')}` : '';
  return `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}:${parts.second}${fraction}${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

function dropUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

/** The public view of an award: what anyone may read (no secrets, no counts). */
export function publicAward(rows: AwardRows) {
  const c = rows.ceremony;
  const content = JSON.parse(c.content) as CeremonyContent;
  return {
    id: c.id,
    slug: c.slug,
    phase: c.phase as Phase,
    timeZone: c.time_zone,
    locales: JSON.parse(c.locales) as string[],
    ...dropUndefined(content),
    schedule: instantsToSchedule(rowInstants(c), c.time_zone),
    rules: JSON.parse(c.rules) as Rules,
    frozen: c.rules_hash
      ? { rulesHash: c.rules_hash, nomineesHash: c.nominees_hash, lotCommitment: c.lot_commitment }
      : null,
    institutions: rows.institutions.map((i) => ({
      id: i.id,
      slug: i.slug,
      weight: i.weight,
      ...(JSON.parse(i.content) as object),
    })),
    tracks: rows.tracks.map((t) => ({
      id: t.id,
      slug: t.slug,
      ...(JSON.parse(t.content) as object),
      categories: rows.categories
        .filter((cat) => cat.track_id === t.id)
        .map((cat) => ({
          id: cat.id,
          slug: cat.slug,
          ...(JSON.parse(cat.content) as object),
          k: cat.k,
          winners: cat.winners,
          minorsAllowed: cat.minors_allowed === 1,
          nominees: rows.nominees.filter((n) => n.category_id === cat.id && isListed(n)).map((n) => publicNominee(n)),
        })),
    })),
  };
}

/**
 * Whether a nominee is on the public list (and in the frozen nominee list): accepted, and consenting where a
 * contact was asked (nominees entered by organizers without a contact are listed on the organizers' word).
 */
export function isListed(n: Pick<NomineeRow, 'status' | 'consent'>): boolean {
  return n.status === 'accepted' && (n.consent === 'not-asked' || n.consent === 'given');
}

export function publicNominee(n: NomineeRow) {
  return { id: n.id, slug: n.slug, status: n.status, ...(JSON.parse(n.content) as NomineeContent) };
}

/** Picks the text for a locale, falling back to the award's default language, then any. */
export function pick(text: LocalizedText | undefined, locale: string, fallback: string): string {
  if (!text) return '';
  return text[locale] ?? text[fallback] ?? Object.values(text)[0] ?? '';
}

/**
 * The JSON columns of an award (rules, contents) parsed once per text, and frozen because the value is shared:
 * every ballot reads the rules and mails texts from the contents, and parsing the rules alone was 13 µs of a
 * ballot (docs/performance.md). Keyed by the text itself, so an edited award is parsed anew.
 */
const parsedTexts = new Map<string, unknown>();
export function parsedOnce<T>(text: string): T {
  let value = parsedTexts.get(text);
  if (value === undefined) {
    if (parsedTexts.size >= 1000) parsedTexts.clear();
    parsedTexts.set(text, (value = deepFreeze(JSON.parse(text))));
  }
  return value as T;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const member of Object.values(value)) deepFreeze(member);
    Object.freeze(value);
  }
  return value;
}

/** The award's rules (shared and frozen: copy before changing). */
export function rulesOf(award: Pick<AwardRows, 'ceremony'>): Rules {
  return parsedOnce<Rules>(award.ceremony.rules);
}
