/** Kysely table interfaces, one per table of db/migrations. Columns are snake_case as in SQL. */
import type { Generated, Insertable, Selectable, Updateable } from 'kysely';

export interface CeremoniesTable {
  id: string;
  slug: string;
  phase: string;
  time_zone: string;
  /** JSON array of locale codes, the first being the default. */
  locales: string;
  /** JSON: name, description, organizer, venue, ceremonyDate, website. */
  content: string;
  /** JSON of the parsed Rules. */
  rules: string;
  rules_hash: string | null;
  nominees_hash: string | null;
  lot_commitment: string | null;
  lot_secret_wrapped: string | null;
  pepper_wrapped: string;
  nominating_opens: number | null;
  nominating_closes: number | null;
  voting_opens: number | null;
  voting_closes: number | null;
  judging_opens: number | null;
  judging_closes: number | null;
  version: Generated<number>;
  created_at: number;
  updated_at: number;
}

export interface TracksTable {
  id: string;
  ceremony_id: string;
  slug: string;
  position: number;
  content: string;
}

export interface CategoriesTable {
  id: string;
  ceremony_id: string;
  track_id: string;
  slug: string;
  position: number;
  content: string;
  k: number | null;
  winners: number;
  minors_allowed: number;
}

export interface NomineesTable {
  id: string;
  ceremony_id: string;
  category_id: string;
  slug: string;
  position: number;
  /** pending (proposed by the public), accepted, rejected, withdrawn. */
  status: string;
  content: string;
  created_at: number;
  updated_at: number;
  /** not-asked, requested, given, declined. */
  consent: Generated<string>;
  consent_at: number | null;
  /** Normalized name + affiliation: nominees with the same key are likely duplicates. */
  dedupe_key: string | null;
  /** 1 once the nominee's personal data has been erased (content emptied, contact deleted). */
  erased: Generated<number>;
}

export interface InstitutionsTable {
  id: string;
  ceremony_id: string;
  slug: string;
  position: number;
  weight: number;
  content: string;
}

export interface EventsTable {
  chain: string;
  seq: number;
  at: number;
  actor: string;
  type: string;
  /** Canonical JSON of {seq, at, actor, type, payload}: the exact text that was hashed. */
  body: string;
  prev: string;
  hash: string;
}

export interface DisclosuresTable {
  commitment: string;
  chain: string;
  salt: string;
  value: string;
}

export interface OrganizersTable {
  id: string;
  email: string;
  created_at: number;
}

export interface OrganizerRolesTable {
  organizer_id: string;
  ceremony_id: string;
  pseudonym: string;
  created_at: number;
}

export interface LoginCodesTable {
  id: string;
  purpose: string;
  subject: string;
  code_hash: string;
  expires_at: number;
  attempts: Generated<number>;
  used: Generated<number>;
  created_at: number;
}

export interface ThrottlesTable {
  key: string;
  window_start: number;
  count: number;
}

export interface SpentTokensTable {
  id: string;
  spent_at: number;
}

export interface OutboxTable {
  id: string;
  ceremony_id: string | null;
  kind: string;
  to_address: string;
  subject: string;
  text_body: string;
  html_body: string | null;
  status: string;
  attempts: Generated<number>;
  next_attempt_at: number;
  lease_until: number | null;
  last_error: string | null;
  provider_id: string | null;
  created_at: number;
  sent_at: number | null;
}

export interface KeysTable {
  kid: string;
  purpose: string;
  alg: string;
  secret_wrapped: string;
  public_jwk: string | null;
  created_at: number;
  retired_at: number | null;
}

export interface NomineeContactsTable {
  nominee_id: string;
  ceremony_id: string;
  email: string;
  guardian: number;
  created_at: number;
}

export interface NominationsTable {
  id: string;
  ceremony_id: string;
  category_id: string;
  nominee_id: string;
  person_key: string;
  slot: number;
  reason: string;
  /** pending, accepted, rejected. */
  status: string;
  decision_reason: string | null;
  created_at: number;
  decided_at: number | null;
}

export interface RollEntriesTable {
  ceremony_id: string;
  person_key: string;
  created_at: number;
}

export interface RollCodesTable {
  code_hash: string;
  ceremony_id: string;
  person_key: string;
  used: Generated<number>;
  created_at: number;
}

export interface OidcLoginsTable {
  state: string;
  ceremony_id: string;
  nonce: string;
  code_verifier: string;
  return_to: string;
  expires_at: number;
  used: Generated<number>;
}

export interface OidcClientsTable {
  ceremony_id: string;
  client_secret_wrapped: string;
}

export interface MarksTable {
  ceremony_id: string;
  category_id: string;
  person_key: string;
  sealed_tracker: string | null;
}

export interface BallotsTable {
  tracker: string;
  ceremony_id: string;
  category_id: string;
  nominee_id: string;
  /** counted, flagged, voided, superseded. */
  status: string;
  batch: number | null;
  reason: string | null;
}

export interface LogLeavesTable {
  ceremony_id: string;
  idx: number;
  tracker: string;
  hash: string;
  batch: number;
}

export interface BallotChangesTable {
  id: string;
  ceremony_id: string;
  tracker: string;
  /** voided, superseded, restored, flagged, unflagged. */
  change: string;
  batch: number | null;
}

export interface CheckpointsTable {
  ceremony_id: string;
  batch: number;
  tree_size: number;
  root: string;
  closing: Generated<number>;
}

export interface TreeNodesTable {
  ceremony_id: string;
  level: number;
  idx: number;
  hash: string;
}

export interface BallotSignalsTable {
  tracker: string;
  ceremony_id: string;
  network: string;
  agent: string;
}

export interface CeremonyKeysTable {
  ceremony_id: string;
  purpose: string;
  wrapped: string;
}

export interface FinalistsTable {
  ceremony_id: string;
  category_id: string;
  nominee_id: string;
  position: number;
  why: string;
  reason: string | null;
}

export interface JurorsTable {
  id: string;
  ceremony_id: string;
  institution_id: string;
  /** The juror's name in the audit: `p_` and 16 hex digits. */
  pseudonym: string;
  name: string;
  email: string | null;
  weight: number;
  /** The jti of the one invitation link that can still be spent. */
  invitation: string | null;
  created_at: number;
}

export interface JuryAssignmentsTable {
  juror_id: string;
  category_id: string;
  ceremony_id: string;
  declared: Generated<number>;
  submitted: Generated<number>;
}

export interface JuryConflictsTable {
  ceremony_id: string;
  nominee_id: string;
  /** `juror:<id>` or `institution:<id>`. */
  party: string;
  juror_id: string | null;
  institution_id: string | null;
  /** juror, organizer. */
  declared_by: string;
}

export interface JuryScoresTable {
  juror_id: string;
  nominee_id: string;
  category_id: string;
  ceremony_id: string;
  /** JSON {criterion: integer}. */
  scores: string;
}

export interface JuryRankingsTable {
  juror_id: string;
  category_id: string;
  ceremony_id: string;
  /** JSON array of nominee ids, best first. */
  ranking: string;
}

export interface ResultsTable {
  ceremony_id: string;
  version: number;
  /** Canonical JSON of the results document: exactly what was hashed and signed. */
  document: string;
  hash: string;
  /** Compact JWS (EdDSA) whose payload is the document. */
  jws: string;
  kid: string;
  created_at: number;
}

export interface RevealsTable {
  ceremony_id: string;
  category_id: string;
  /** finalists, winner. */
  stage: string;
  /** 1, 2, 3 … in the order of the ceremony. */
  step: number;
}

export interface Database {
  ceremonies: CeremoniesTable;
  tracks: TracksTable;
  categories: CategoriesTable;
  nominees: NomineesTable;
  institutions: InstitutionsTable;
  events: EventsTable;
  disclosures: DisclosuresTable;
  organizers: OrganizersTable;
  organizer_roles: OrganizerRolesTable;
  login_codes: LoginCodesTable;
  throttles: ThrottlesTable;
  spent_tokens: SpentTokensTable;
  outbox: OutboxTable;
  keys: KeysTable;
  nominee_contacts: NomineeContactsTable;
  nominations: NominationsTable;
  roll_entries: RollEntriesTable;
  roll_codes: RollCodesTable;
  oidc_logins: OidcLoginsTable;
  oidc_clients: OidcClientsTable;
  marks: MarksTable;
  ballots: BallotsTable;
  ballot_changes: BallotChangesTable;
  checkpoints: CheckpointsTable;
  tree_nodes: TreeNodesTable;
  log_leaves: LogLeavesTable;
  ballot_signals: BallotSignalsTable;
  ceremony_keys: CeremonyKeysTable;
  finalists: FinalistsTable;
  jurors: JurorsTable;
  jury_assignments: JuryAssignmentsTable;
  jury_conflicts: JuryConflictsTable;
  jury_scores: JuryScoresTable;
  jury_rankings: JuryRankingsTable;
  results: ResultsTable;
  reveals: RevealsTable;
}

export type CeremonyRow = Selectable<CeremoniesTable>;
export type NewCeremony = Insertable<CeremoniesTable>;
export type CeremonyUpdate = Updateable<CeremoniesTable>;
export type TrackRow = Selectable<TracksTable>;
export type CategoryRow = Selectable<CategoriesTable>;
export type NomineeRow = Selectable<NomineesTable>;
export type NominationRow = Selectable<NominationsTable>;
export type NewNominee = Insertable<NomineesTable> & { id: string };
export type InstitutionRow = Selectable<InstitutionsTable>;
export type EventRow = Selectable<EventsTable>;
export type OrganizerRow = Selectable<OrganizersTable>;
export type OutboxRow = Selectable<OutboxTable>;
export type NewOutbox = Insertable<OutboxTable>;
export type JurorRow = Selectable<JurorsTable>;
