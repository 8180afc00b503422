/**
 * The invited roll as organizers upload it, and how an import is cut into batches. Pure: text in, data out.
 *
 * The file is CSV as spreadsheets write it (src/csv/csv.ts: a BOM, commas or semicolons, quoted cells): a header
 * row naming an `email` column (required) and a `name` column (optional; printed on the sheet and used in the
 * mail greeting, never stored). Every row keeps the line of the file it started on, so that refusals can name
 * the lines to fix.
 */
import { canonicalJson, sha256Hex } from '../audit/canonical';
import { BOM, CsvError, parseCsv } from '../csv/csv';
import { ApiError } from '../errors';
import { rowsPerStatement } from '../store/chunks';

export const DELIVERIES = ['mail', 'sheet', 'none'] as const;
export type Delivery = (typeof DELIVERIES)[number];

/** People per import request; the 2 MB body limit would stop a much longer file anyway. */
export const MAX_ROLL_ROWS = 20_000;
/**
 * People per printed sheet. A sheet import is always one batch (see `partSize`), because its codes exist in
 * clear only in the one response: a sheet that could be half-imported would leave codes nobody ever saw.
 */
export const MAX_SHEET_PEOPLE = 5_000;
/** Longest name printed or mailed; longer ones are cut. */
const MAX_NAME_CHARS = 120;

const EMAIL_HEADERS = ['email', 'e-mail', 'mail', 'почта', 'электронная почта'];
const NAME_HEADERS = ['name', 'full name', 'имя', 'фио', 'аты-жөнү', 'аты'];

export interface RosterRow {
  /** Line of the file the row starts on (the header is line 1). */
  line: number;
  email: string;
  /** Display name, or '' when the file has none for this row. */
  name: string;
}

/** Reads an uploaded roll. Refuses (400) a file that is not CSV, has no `email` column or no rows. */
export function readRoster(text: string): RosterRow[] {
  let rows: string[][];
  try {
    rows = parseCsv(text);
  } catch (err) {
    if (err instanceof CsvError)
      throw new ApiError('validation-failed', `The file is not valid CSV: ${err.message}.`, [
        { path: `body.line.${err.line}`, message: 'a quoted cell is not closed' },
      ]);
    throw err;
  }
  const lines = rowLines(text);
  // rowLines mirrors parseCsv; should they ever disagree, rows are numbered in order instead of by line.
  const lineOf = (i: number) => (lines.length === rows.length ? lines[i]! : i + 1);
  const [head, ...body] = rows;
  if (!head) throw new ApiError('validation-failed', 'The file is empty.', [{ path: 'body', message: 'empty' }]);
  const header = head.map((h) => h.trim().toLowerCase());
  const emailAt = header.findIndex((h) => EMAIL_HEADERS.includes(h));
  const nameAt = header.findIndex((h) => NAME_HEADERS.includes(h));
  if (emailAt < 0)
    throw new ApiError('validation-failed', 'The first line must name the columns, one of them "email".', [
      { path: 'body.line.1', message: 'no "email" column' },
    ]);
  if (body.length === 0)
    throw new ApiError('validation-failed', 'The file names its columns but lists nobody.', [
      { path: 'body', message: 'no rows' },
    ]);
  if (body.length > MAX_ROLL_ROWS)
    throw new ApiError(
      'payload-too-large',
      `At most ${MAX_ROLL_ROWS} people per upload; split the file (people already on the roll are skipped).`,
    );
  return body.map((cells, i) => ({
    line: lineOf(i + 1),
    email: (cells[emailAt] ?? '').trim(),
    name: nameAt < 0 ? '' : cleanName(cells[nameAt] ?? ''),
  }));
}

function cleanName(raw: string): string {
  // Control characters would break a mail header or the printed layout; runs of spaces are one space.
  const name = raw
    .replace(/[\u0000-\u001f\u007f]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return name.length > MAX_NAME_CHARS ? `${name.slice(0, MAX_NAME_CHARS - 1)}…` : name;
}

/**
 * The line each non-blank row of `parseCsv(text)` starts on. It follows parseCsv's own reading (BOM, delimiter
 * from the first line, a quote opens only at the start of a cell, doubled quotes, CRLF or LF, blank rows
 * dropped) so that the i-th entry belongs to the i-th row.
 */
export function rowLines(input: string): number[] {
  const text = input.startsWith(BOM) ? input.slice(1) : input;
  const firstLine = text.slice(0, text.search(/\r?\n|$/));
  const delimiter = (firstLine.match(/;/g)?.length ?? 0) > (firstLine.match(/,/g)?.length ?? 0) ? ';' : ',';
  const starts: number[] = [];
  let line = 1;
  let rowStart = 1;
  let quoted = false;
  let cellEmpty = true;
  let content = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          i++;
          cellEmpty = false;
          content = true;
        } else quoted = false;
      } else {
        if (ch === '\n') line++;
        cellEmpty = false;
        if (/\S/.test(ch)) content = true;
      }
    } else if (ch === '"' && cellEmpty) quoted = true;
    else if (ch === delimiter) cellEmpty = true;
    else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      if (content) starts.push(rowStart);
      line++;
      rowStart = line;
      cellEmpty = true;
      content = false;
    } else {
      cellEmpty = false;
      if (/\S/.test(ch)) content = true;
    }
  }
  if (content) starts.push(rowStart);
  return starts;
}

/**
 * Statements in one atomic batch at most. SQLite and PostgreSQL would take more, but D1 caps the statements a
 * Worker may run per request and a batch's running time, and one rule for all three keeps behaviour the same.
 */
export const MAX_BATCH_STATEMENTS = 500;
/** The columns of each multi-row insert (see store/chunks.ts). */
const ENTRY_COLUMNS = 3;
const CODE_COLUMNS = 4;
const OUTBOX_COLUMNS = 13;

/** Statements that add `people` to the roll with this delivery: the event, entry and code inserts, one mail each. */
export function statementsFor(people: number, delivery: Delivery): number {
  const entries = Math.ceil(people / rowsPerStatement(ENTRY_COLUMNS));
  const codes = delivery === 'none' ? 0 : Math.ceil(people / rowsPerStatement(CODE_COLUMNS));
  const mails = delivery === 'mail' ? Math.ceil(people / rowsPerStatement(OUTBOX_COLUMNS)) : 0;
  return 1 + entries + codes + mails;
}

/** The most people one batch can carry with this delivery. */
export function partSize(delivery: Delivery): number {
  let lo = 1;
  let hi = MAX_ROLL_ROWS;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (statementsFor(mid, delivery) <= MAX_BATCH_STATEMENTS) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** Cuts a list into consecutive parts of at most `size`; an empty list is one empty part (the event still says so). */
export function cutIntoParts<T>(items: T[], size: number): T[][] {
  if (items.length === 0) return [[]];
  const parts: T[][] = [];
  for (let i = 0; i < items.length; i += size) parts.push(items.slice(i, i + size));
  return parts;
}

/** SHA-256 of the canonical JSON array of the person keys, sorted: names the people an event added. */
export async function rollHash(personKeys: string[]): Promise<string> {
  return sha256Hex(canonicalJson([...personKeys].sort()));
}
