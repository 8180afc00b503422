/**
 * Likely-duplicate detection and slugs for proposed nominees. Pure: data in, data out.
 *
 * The same person is proposed under many spellings: "Айгуль Токтосунова", "Aigul Toktosunova", "Toktosunova
 * Aigul", "Айгүл Токтосунова". The dedupe key folds these together so that moderators see them as one group;
 * it only groups, never merges: an organizer decides. Version 1 of the key:
 *
 * 1. NFKC, lowercase.
 * 2. Kyrgyz and Kazakh letters that Russian spelling replaces are folded to the Russian letter (ү→у, ө→о, ң→н,
 *    ә→а, ғ→г, қ→к, ұ→у, і→и, һ→х).
 * 3. Cyrillic is transliterated to Latin (ICAO Doc 9303, the spelling in Kyrgyz and Russian passports).
 * 4. Diacritics dropped (Kyrgyz Latin spellings write ü and ö), `y` read as `i` (Aygul/Aigul, Yulia/Iulia), doubled
 *    letters written once (Anna/Ana, Юлия = iuliia/Yulia).
 * 5. Everything but letters and digits becomes a space; runs of spaces become one.
 * 6. In names only, the words are sorted: Russian documents write the surname first.
 *
 * key = normalized name + '|' + normalized affiliation.
 */

/** Cyrillic to Latin after ICAO Doc 9303; Kyrgyz ң→n, ө→o, ү→u as names are usually written (Чыңгыз = Chyngyz). */
const CYRILLIC: Record<string, string> = {
  а: 'a',
  б: 'b',
  в: 'v',
  г: 'g',
  д: 'd',
  е: 'e',
  ё: 'e',
  ж: 'zh',
  з: 'z',
  и: 'i',
  й: 'i',
  к: 'k',
  л: 'l',
  м: 'm',
  н: 'n',
  о: 'o',
  п: 'p',
  р: 'r',
  с: 's',
  т: 't',
  у: 'u',
  ф: 'f',
  х: 'kh',
  ц: 'ts',
  ч: 'ch',
  ш: 'sh',
  щ: 'shch',
  ъ: 'ie',
  ы: 'y',
  ь: '',
  э: 'e',
  ю: 'iu',
  я: 'ia',
  ң: 'n',
  ө: 'o',
  ү: 'u',
  ә: 'a',
  ғ: 'g',
  қ: 'k',
  ұ: 'u',
  һ: 'h',
  і: 'i',
};

/** Letters of Kyrgyz and Kazakh that are the same name written the Russian way. */
const VARIANTS: Record<string, string> = {
  ү: 'у',
  ө: 'о',
  ң: 'н',
  ә: 'а',
  ғ: 'г',
  қ: 'к',
  ұ: 'у',
  і: 'и',
  һ: 'х',
};

/** Lowercase Cyrillic text written in Latin letters; other characters pass through. */
export function transliterate(text: string): string {
  let out = '';
  for (const ch of text.normalize('NFKC').toLowerCase()) out += CYRILLIC[ch] ?? ch;
  return out;
}

const stripMarks = (text: string) => text.normalize('NFD').replace(/\p{M}+/gu, '');

/** Text folded for comparison (steps 1 to 5 of the module comment). */
export function normalizeText(text: string): string {
  let folded = '';
  for (const ch of text.normalize('NFKC').toLowerCase()) folded += VARIANTS[ch] ?? ch;
  return stripMarks(transliterate(folded))
    .replace(/y/g, 'i')
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .replace(/(\p{L})\1+/gu, '$1')
    .trim()
    .replace(/\s+/g, ' ');
}

/** A name folded for comparison, its words sorted (surname first or last is the same person). */
export function normalizeName(name: string): string {
  return normalizeText(name).split(' ').filter(Boolean).sort().join(' ');
}

/** The dedupe key of a nominee: normalized name, '|', normalized affiliation (empty when there is none). */
export function dedupeKey(name: string, affiliation?: string | null): string {
  return `${normalizeName(name)}|${affiliation ? normalizeText(affiliation) : ''}`;
}

/** Slugs leave room for a "-NN" suffix under the 64-character limit of the Slug schema. */
const SLUG_BASE_MAX = 56;

/** A slug for a name: Latin letters and digits joined by single hyphens ("Айгүл Токтосунова" → "aigul-toktosunova"). */
export function slugify(name: string): string {
  const base = stripMarks(transliterate(name))
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, SLUG_BASE_MAX)
    .replace(/-+$/, '');
  return base || 'nominee';
}

/** The first of base, base-2, base-3 … that is not taken. */
export function uniqueSlug(base: string, taken: ReadonlySet<string>): string {
  if (!taken.has(base)) return base;
  for (let n = 2; ; n++) {
    const candidate = `${base}-${n}`;
    if (!taken.has(candidate)) return candidate;
  }
}
