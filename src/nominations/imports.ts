/**
 * Checking a CSV of nominees before anything is written. Pure: text and the award's categories in, rows or the
 * problems of every offending line out. The import is all-or-nothing, so every line is checked, not just the first.
 */
import type { NomineeContent } from '../ceremonies/model';
import { Slug } from '../ceremonies/schemas';
import { CsvError, parseCsvRecords } from '../csv/csv';
import { EmailError, normalizeEmail } from '../identity/normalize';
import { dedupeKey, slugify, uniqueSlug } from './dedupe';

export const IMPORT_COLUMNS = ['category', 'slug', 'name', 'affiliation', 'region', 'citation', 'contact'] as const;
const REQUIRED_COLUMNS = ['category', 'name'] as const;
export const MAX_IMPORT_ROWS = 2000;

export interface ImportCategory {
  id: string;
  slug: string;
  /** Slugs of the nominees already in the category (any status: the UNIQUE constraint covers them all). */
  takenSlugs: ReadonlySet<string>;
}

export interface ImportRow {
  /** Line of the file (the header is line 1). */
  line: number;
  categoryId: string;
  slug: string;
  content: NomineeContent;
  contact?: string;
  dedupeKey: string;
}

export interface ImportProblem {
  line: number;
  message: string;
}

/**
 * Parses and checks an import. Lines are counted as records: line 1 is the header, line n + 1 the n-th record
 * (blank lines are skipped by the CSV reader, so a file with blank lines in between numbers them as records).
 */
export function checkImport(
  text: string,
  categories: ImportCategory[],
  locale: string,
): { rows: ImportRow[]; problems: ImportProblem[] } {
  let parsed;
  try {
    parsed = parseCsvRecords(text);
  } catch (err) {
    if (err instanceof CsvError) return { rows: [], problems: [{ line: err.line, message: err.message }] };
    throw err;
  }
  const { header, records } = parsed;
  const problems: ImportProblem[] = [];
  const unknown = header.filter((h) => !(IMPORT_COLUMNS as readonly string[]).includes(h));
  const missing = REQUIRED_COLUMNS.filter((h) => !header.includes(h));
  if (unknown.length) problems.push({ line: 1, message: `unknown columns: ${unknown.join(', ')}` });
  if (missing.length) problems.push({ line: 1, message: `missing columns: ${missing.join(', ')}` });
  if (records.length === 0) problems.push({ line: 1, message: 'no nominees in the file' });
  if (records.length > MAX_IMPORT_ROWS)
    problems.push({ line: 1, message: `at most ${MAX_IMPORT_ROWS} nominees per import` });
  if (problems.length) return { rows: [], problems };

  const bySlugOrId = new Map(categories.flatMap((c) => [[c.slug, c] as const, [c.id, c] as const]));
  // Slugs taken so far per category: existing nominees, then earlier lines of this file.
  const taken = new Map(categories.map((c) => [c.id, new Set(c.takenSlugs)]));
  const rows: ImportRow[] = [];
  records.forEach((record, i) => {
    const line = i + 2;
    const lineProblems: string[] = [];
    const category = bySlugOrId.get(record.category ?? '');
    if (!category) lineProblems.push(`no category "${record.category ?? ''}" in this award`);
    const name = record.name ?? '';
    if (!name) lineProblems.push('name is empty');
    else if (name.length > 200) lineProblems.push('name is longer than 200 characters');
    for (const [column, max] of [
      ['affiliation', 300],
      ['region', 200],
      ['citation', 4000],
    ] as const)
      if ((record[column] ?? '').length > max) lineProblems.push(`${column} is longer than ${max} characters`);
    const contact = record.contact || undefined;
    if (contact) {
      try {
        normalizeEmail(contact);
      } catch (err) {
        if (!(err instanceof EmailError)) throw err;
        lineProblems.push(`contact "${contact}" is not an email address`);
      }
    }
    let slug = record.slug ?? '';
    if (category) {
      const used = taken.get(category.id)!;
      if (slug) {
        if (!Slug.safeParse(slug).success)
          lineProblems.push(`slug "${slug}" must be lowercase letters, digits and single hyphens`);
        else if (used.has(slug)) lineProblems.push(`slug "${slug}" is taken in category "${category.slug}"`);
      } else if (name) slug = uniqueSlug(slugify(name), used);
      used.add(slug);
    }
    if (lineProblems.length) {
      problems.push(...lineProblems.map((message) => ({ line, message })));
      return;
    }
    const text = (value: string | undefined) => (value ? { [locale]: value } : undefined);
    const content: NomineeContent = { name: { [locale]: name } };
    for (const column of ['affiliation', 'region', 'citation'] as const) {
      const value = text(record[column]);
      if (value) content[column] = value;
    }
    rows.push({
      line,
      categoryId: category!.id,
      slug,
      content,
      ...(contact ? { contact } : {}),
      dedupeKey: dedupeKey(name, record.affiliation),
    });
  });
  return { rows: problems.length ? [] : rows, problems };
}
