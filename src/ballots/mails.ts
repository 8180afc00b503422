/** The receipt mail, in en, ru and ky. */
import type { CategoryRow, NomineeRow } from '../../db/schema';
import { type AwardRows, type CeremonyContent, type NomineeContent, parsedOnce, pick } from '../ceremonies/model';
import type { LocalizedText } from '../ceremonies/schemas';

const TEXTS: Record<
  string,
  (v: { award: string; category: string; nominee: string; receipt: string }) => { subject: string; text: string }
> = {
  en: (v) => ({
    subject: `${v.award}: your ballot receipt`,
    text: `Your ballot in "${v.category}" for ${v.nominee} is recorded.\n\nReceipt: ${v.receipt}\n\nKeep it: with it you can check on the award's page that your ballot is in the published ballot log. It does not reveal who you are, and nobody can learn your vote from it without it.`,
  }),
  ru: (v) => ({
    subject: `${v.award}: квитанция о голосовании`,
    text: `Ваш голос в категории «${v.category}» за ${v.nominee} принят.\n\nКвитанция: ${v.receipt}\n\nСохраните её: по ней на странице премии можно проверить, что ваш голос есть в опубликованном журнале бюллетеней. Она не раскрывает вашу личность.`,
  }),
  ky: (v) => ({
    subject: `${v.award}: добуш берүү дүмүрчөгү`,
    text: `«${v.category}» категориясындагы ${v.nominee} үчүн добушуңуз кабыл алынды.\n\nДүмүрчөк: ${v.receipt}\n\nАны сактап коюңуз: анын жардамы менен сыйлыктын баракчасында добушуңуз жарыяланган бюллетендер журналында бар экенин текшере аласыз. Ал сиздин ким экениңизди ачыкка чыгарбайт.`,
  }),
};

export function receiptMail(
  locale: string,
  award: AwardRows,
  category: CategoryRow,
  nominee: NomineeRow,
  receipt: string,
) {
  const fallback = parsedOnce<string[]>(award.ceremony.locales)[0] ?? 'en';
  const lang = TEXTS[locale] ? locale : TEXTS[fallback] ? fallback : 'en';
  return TEXTS[lang]!({
    award: pick(parsedOnce<CeremonyContent>(award.ceremony.content).name, lang, fallback),
    category: pick(parsedOnce<{ name: LocalizedText }>(category.content).name, lang, fallback),
    nominee: pick(parsedOnce<NomineeContent>(nominee.content).name, lang, fallback),
    receipt,
  });
}
