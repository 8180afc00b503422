/** @jsxImportSource hono/jsx */
/**
 * The printable sheet of roll codes: one card per person (name, code, where to enter it), dashed cut lines, and
 * a print stylesheet that keeps each card whole on A4. The codes exist in clear only in this response (the
 * server keeps their HMACs), so the page says to print it and then destroy the file. No script, no external
 * resources; about 0.6 KB per card.
 */
import { raw } from 'hono/html';
import type { Lang } from '../i18n/messages';

export interface SheetCard {
  /** The person's name from the file, or the address when the file gave no name. */
  label: string;
  /** The code grouped for reading: ABCD-EFGH-JKMN. */
  code: string;
}

export interface SheetProps {
  lang: Lang;
  award: string;
  /** Where people enter the code: PUBLIC_URL/a/<slug>/verify. */
  link: string;
  cards: SheetCard[];
}

const TEXTS: Record<
  Lang,
  {
    title: (award: string) => string;
    intro: (count: number) => string;
    safety: string;
    print: string;
    yourCode: string;
    enterAt: string;
    once: string;
    none: string;
  }
> = {
  en: {
    title: (award) => `${award}: personal codes`,
    intro: (count) => `${count} personal single-use codes. Print this page and cut along the dashed lines.`,
    safety:
      'Laurel does not keep these codes, only a fingerprint of each: this page is the only copy. Hand each card to its person, then delete this file and shred spare prints.',
    print: 'Print: Ctrl+P (⌘P on a Mac).',
    yourCode: 'Your personal code',
    enterAt: 'Enter it at',
    once: 'It works once. Keep it to yourself.',
    none: 'Nobody new was added, so there are no codes to print.',
  },
  ru: {
    title: (award) => `${award}: личные коды`,
    intro: (count) => `Личных одноразовых кодов: ${count}. Распечатайте страницу и разрежьте по пунктиру.`,
    safety:
      'Laurel не хранит эти коды, только их отпечатки: эта страница — единственная копия. Раздайте карточки адресатам, затем удалите файл и уничтожьте лишние распечатки.',
    print: 'Печать: Ctrl+P (⌘P на Mac).',
    yourCode: 'Ваш личный код',
    enterAt: 'Введите его здесь',
    once: 'Код действует один раз. Никому его не передавайте.',
    none: 'Новых людей не добавлено, печатать нечего.',
  },
  ky: {
    title: (award) => `${award}: жеке коддор`,
    intro: (count) => `Жеке бир жолку коддор: ${count}. Баракты басып чыгарып, үзүк сызык боюнча кесиңиз.`,
    safety:
      'Laurel бул коддорду сактабайт, алардын изин гана сактайт: бул барак жалгыз нуска. Ар бир карточканы ээсине бериңиз, андан кийин файлды өчүрүп, ашыкча нускаларды жок кылыңыз.',
    print: 'Басып чыгаруу: Ctrl+P (Mac’та ⌘P).',
    yourCode: 'Сиздин жеке кодуңуз',
    enterAt: 'Аны бул жерге киргизиңиз',
    once: 'Код бир гана жолу иштейт. Аны эч кимге бербеңиз.',
    none: 'Жаңы адам кошулган жок, басып чыгара турган код жок.',
  },
};

const CSS = [
  '*{box-sizing:border-box}',
  'body{margin:0;font:11pt/1.4 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",sans-serif;color:#000;background:#fff}',
  'header{max-width:190mm;margin:0 auto;padding:6mm 0 2mm}',
  'h1{font-size:15pt;margin:0 0 2mm}p{margin:1mm 0}',
  '.warn{border-left:3pt solid #b3261e;padding:1mm 3mm;background:#fdf0ef}',
  '.cards{display:grid;grid-template-columns:1fr 1fr;max-width:190mm;margin:0 auto;padding:0;list-style:none}',
  '.card{border:1px dashed #555;padding:4mm 5mm;min-height:45mm;break-inside:avoid;page-break-inside:avoid}',
  '.who{font-weight:700;font-size:12pt;margin:0 0 1mm;overflow-wrap:anywhere}',
  '.aw{font-size:9pt;color:#333;margin:0 0 2mm}',
  '.code{font:700 17pt/1.2 ui-monospace,"DejaVu Sans Mono",Menlo,Consolas,monospace;letter-spacing:.06em;margin:1mm 0 2mm}',
  '.url{font-family:ui-monospace,"DejaVu Sans Mono",Menlo,Consolas,monospace;font-size:9pt;overflow-wrap:anywhere}',
  '.small{font-size:9pt}',
  '@media (max-width:40rem){.cards{grid-template-columns:1fr}}',
  '@page{size:A4;margin:10mm}',
  '@media print{header{display:none}.cards{max-width:none}.card{-webkit-print-color-adjust:exact;print-color-adjust:exact}}',
].join('');

/** The sheet page as HTML (a string that starts with the doctype). */
export function rollSheet({ lang, award, link, cards }: SheetProps): string {
  const t = TEXTS[lang];
  const page = (
    <html lang={lang}>
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="robots" content="noindex" />
        <title>{t.title(award)}</title>
        <style>{raw(CSS)}</style>
      </head>
      <body>
        <header>
          <h1>{t.title(award)}</h1>
          <p>{cards.length ? t.intro(cards.length) : t.none}</p>
          <p class="warn">{t.safety}</p>
          <p>{t.print}</p>
        </header>
        <ul class="cards">
          {cards.map((card) => (
            <li class="card">
              <p class="who">{card.label}</p>
              <p class="aw">{award}</p>
              <p class="small">{t.yourCode}:</p>
              <p class="code">{card.code}</p>
              <p class="small">
                {t.enterAt}: <span class="url">{link}</span>
              </p>
              <p class="small">{t.once}</p>
            </li>
          ))}
        </ul>
      </body>
    </html>
  );
  return `<!doctype html>${page.toString()}`;
}
