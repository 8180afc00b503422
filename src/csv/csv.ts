/**
 * CSV for spreadsheets (RFC 4180): exports are UTF-8 with a byte-order mark (so Excel reads Cyrillic right),
 * CRLF line ends, and cells that a spreadsheet would run as a formula (starting with =, +, -, @, or a tab or
 * carriage return) prefixed with an apostrophe. Imports accept a BOM, commas or semicolons (what Excel writes in
 * Russian locales), quoted cells with doubled quotes, and CRLF or LF.
 */
export const BOM = '\uFEFF';

/** A cell as it should be written: formula-looking text defused, then quoted when needed. */
export function csvCell(value: unknown): string {
  let text = value === null || value === undefined ? '' : String(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n;]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function toCsv(header: string[], rows: unknown[][]): string {
  const lines = [header, ...rows].map((row) => row.map(csvCell).join(','));
  return BOM + lines.join('\r\n') + '\r\n';
}

export class CsvError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(`line ${line}: ${message}`);
  }
}

/** Parses CSV text into rows of cells; the delimiter (comma or semicolon) is taken from the first line. */
export function parseCsv(input: string): string[][] {
  const text = input.startsWith(BOM) ? input.slice(1) : input;
  const firstLine = text.slice(0, text.search(/\r?\n|$/));
  const delimiter = (firstLine.match(/;/g)?.length ?? 0) > (firstLine.match(/,/g)?.length ?? 0) ? ';' : ',';
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  let line = 1;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          cell += '"';
          i++;
        } else quoted = false;
      } else {
        if (ch === '\n') line++;
        cell += ch;
      }
    } else if (ch === '"' && cell === '') quoted = true;
    else if (ch === delimiter) {
      row.push(cell);
      cell = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      line++;
    } else cell += ch;
  }
  if (quoted) throw new CsvError(line, 'a quoted cell is not closed');
  if (cell !== '' || row.length > 0) {
    row.push(cell);
    rows.push(row);
  }
  return rows.filter((r) => r.some((c) => c.trim() !== ''));
}

/** Rows as objects keyed by the (trimmed, lowercased) header cells. */
export function parseCsvRecords(input: string): { header: string[]; records: Record<string, string>[] } {
  const [head, ...body] = parseCsv(input);
  if (!head) return { header: [], records: [] };
  const header = head.map((h) => h.trim().toLowerCase());
  return {
    header,
    records: body.map((cells) => Object.fromEntries(header.map((h, i) => [h, (cells[i] ?? '').trim()]))),
  };
}
