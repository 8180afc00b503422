/**
 * Page helpers without HTTP: choosing the language, picking award texts, formatting instants in the award's
 * time zone for the page language.
 */
import type { LocalizedText } from '../ceremonies/schemas';
import { DEFAULT_LANG, isLang, LANGS, type Lang } from '../i18n/messages';

/** Intl locales for the UI languages: English dates read "21 December 2023" (day first, as in the region). */
const INTL_LOCALE: Record<Lang, string> = { en: 'en-GB', ru: 'ru-RU', ky: 'ky-KG' };

export interface LangSources {
  query?: string | undefined;
  cookie?: string | undefined;
  acceptLanguage?: string | undefined;
  /** The award's locales, the first being its default; absent on pages without an award. */
  awardLocales?: readonly string[] | undefined;
}

/** `?lang` wins, then the `laurel_lang` cookie, then Accept-Language, then the award's first locale, then en. */
export function chooseLang(s: LangSources): Lang {
  if (isLang(s.query)) return s.query;
  if (isLang(s.cookie)) return s.cookie;
  const fromHeader = acceptedLangs(s.acceptLanguage ?? '').find(isLang);
  if (fromHeader) return fromHeader;
  const awardDefault = s.awardLocales?.[0];
  if (isLang(awardDefault)) return awardDefault;
  return s.awardLocales?.find(isLang) ?? DEFAULT_LANG;
}

/** Primary language subtags of an Accept-Language header, best first (q=0 left out). */
export function acceptedLangs(header: string): string[] {
  return header
    .split(',')
    .slice(0, 20)
    .map((part, index) => {
      const [tag = '', ...params] = part.trim().split(';');
      const q = params.map((p) => /^\s*q=([0-9.]+)\s*$/i.exec(p)?.[1]).find((v) => v !== undefined);
      const weight = q === undefined ? 1 : Number(q);
      return { lang: tag.trim().split('-')[0]!.toLowerCase(), weight: Number.isFinite(weight) ? weight : 0, index };
    })
    .filter((x) => x.lang && x.lang !== '*' && x.weight > 0)
    .sort((a, b) => b.weight - a.weight || a.index - b.index)
    .map((x) => x.lang);
}

export interface Picked {
  text: string;
  /** The language the text is really in; differs from the page language when the award lacks a translation. */
  lang: string;
}

/** Award text in the page language, else the award's default language, else any (see model.ts `pick`). */
export function pickText(text: LocalizedText | undefined, lang: string, fallback: string): Picked {
  if (!text) return { text: '', lang };
  if (text[lang] !== undefined) return { text: text[lang]!, lang };
  if (text[fallback] !== undefined) return { text: text[fallback]!, lang: fallback };
  const [first] = Object.entries(text);
  return first ? { text: first[1], lang: first[0] } : { text: '', lang };
}

function zoneOrUtc(timeZone: string): string {
  try {
    new Intl.DateTimeFormat('en', { timeZone });
    return timeZone;
  } catch {
    return 'UTC';
  }
}

/** "21 December 2023, 09:00 (Asia/Bishkek)", in the page language, in the award's time zone. */
export function formatInstant(at: number, timeZone: string, lang: Lang): string {
  const zone = zoneOrUtc(timeZone);
  const locale = INTL_LOCALE[lang];
  const date = new Intl.DateTimeFormat(locale, {
    timeZone: zone,
    day: 'numeric',
    month: 'long',
    year: 'numeric',
  }).format(at);
  const time = new Intl.DateTimeFormat(locale, {
    timeZone: zone,
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).format(at);
  return `${date}, ${time} (${zone})`;
}

/** A calendar date (YYYY-MM-DD) in words: "27 January 2024". */
export function formatDate(isoDate: string, lang: Lang): string {
  const at = Date.parse(`${isoDate}T00:00:00Z`);
  if (Number.isNaN(at)) return isoDate;
  return new Intl.DateTimeFormat(INTL_LOCALE[lang], {
    timeZone: 'UTC',
    day: 'numeric',
    month: 'long',
    year: 'numeric',
  }).format(at);
}

/** A link target only for http(s) URLs; anything else (javascript:, data:) is shown as text. */
export function safeHttpUrl(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'https:' || parsed.protocol === 'http:' ? parsed.href : undefined;
  } catch {
    return undefined;
  }
}

export { LANGS };

/**
 * A path on this site to go back to after verifying, or `fallback`: only a relative path with one leading `/`
 * (no scheme, no host, no `//evil.example` or `/\evil.example`, no control characters), so that the
 * verification pages can never become an open redirect.
 */
export function sameSitePath(raw: string | undefined | null, fallback: string): string {
  if (!raw || raw.length > 512) return fallback;
  if (!raw.startsWith('/') || raw.startsWith('//') || /[\\\s\u0000-\u001f\u007f]/.test(raw)) return fallback;
  const probe = 'https://laurel.invalid';
  try {
    const url = new URL(raw, probe);
    return url.origin === probe ? `${url.pathname}${url.search}${url.hash}` : fallback;
  } catch {
    return fallback;
  }
}
