/**
 * Texts of the mails a nominee (or a minor nominee's parent or guardian) gets, in en, ru and ky: the consent
 * request, and the confirmation of consent that carries the withdraw link.
 */
export type ConsentMailKind = 'request' | 'request-guardian' | 'given';

export interface ConsentMailVars {
  award: string;
  category: string;
  nominee: string;
  link: string;
  /** When the link expires, already formatted for the reader. */
  until: string;
}

type Texts = Record<ConsentMailKind, (v: ConsentMailVars) => { subject: string; text: string }>;

const TEXTS: Record<string, Texts> = {
  en: {
    request: (v) => ({
      subject: `${v.award}: may we list you as a nominee?`,
      text:
        `Hello ${v.nominee},\n\nyou have been nominated for "${v.category}" of ${v.award}.\n\n` +
        `Before your name, organization, region and the citation about you are shown publicly, the organizers ask for your consent. ` +
        `Open this link to read what being listed means and to give or decline consent:\n\n${v.link}\n\n` +
        `The link works once and is valid until ${v.until}. Until you answer, you are not listed.\n\n` +
        `If you did not expect this mail, you can ignore it.`,
    }),
    'request-guardian': (v) => ({
      subject: `${v.award}: consent for ${v.nominee} to be listed as a nominee`,
      text:
        `Hello,\n\n${v.nominee} has been nominated for "${v.category}" of ${v.award}. ` +
        `This address was given as that of the nominee's parent or guardian.\n\n` +
        `Before the nominee's name, organization, region and citation are shown publicly, the organizers ask for your consent. ` +
        `Open this link to read what being listed means and to give or decline consent:\n\n${v.link}\n\n` +
        `The link works once and is valid until ${v.until}. Until you answer, the nominee is not listed.\n\n` +
        `If you did not expect this mail, you can ignore it.`,
    }),
    given: (v) => ({
      subject: `${v.award}: the consent is recorded`,
      text:
        `Thank you: the consent for ${v.nominee} to be listed in "${v.category}" of ${v.award} is recorded.\n\n` +
        `If you change your mind, you can withdraw until the winners are announced with this link:\n\n${v.link}\n\n` +
        `Keep this mail. The link works once.`,
    }),
  },
  ru: {
    request: (v) => ({
      subject: `${v.award}: можно ли включить вас в список номинантов?`,
      text:
        `Здравствуйте, ${v.nominee}!\n\nВас номинировали в категории «${v.category}» премии «${v.award}».\n\n` +
        `Прежде чем ваше имя, организация, регион и текст номинации будут опубликованы, организаторы просят вашего согласия. ` +
        `По этой ссылке можно прочитать, что означает включение в список, и дать согласие или отказаться:\n\n${v.link}\n\n` +
        `Ссылка действует один раз, до ${v.until}. Пока вы не ответите, вас нет в списке.\n\n` +
        `Если вы не ждали этого письма, просто не отвечайте на него.`,
    }),
    'request-guardian': (v) => ({
      subject: `${v.award}: согласие на включение в список номинантов (${v.nominee})`,
      text:
        `Здравствуйте!\n\n${v.nominee} — среди номинантов категории «${v.category}» премии «${v.award}». ` +
        `Этот адрес указан как адрес родителя или законного представителя номинанта.\n\n` +
        `Прежде чем имя номинанта, организация, регион и текст номинации будут опубликованы, организаторы просят вашего согласия. ` +
        `По этой ссылке можно прочитать, что означает включение в список, и дать согласие или отказаться:\n\n${v.link}\n\n` +
        `Ссылка действует один раз, до ${v.until}. Пока вы не ответите, номинанта нет в списке.\n\n` +
        `Если вы не ждали этого письма, просто не отвечайте на него.`,
    }),
    given: (v) => ({
      subject: `${v.award}: согласие записано`,
      text:
        `Спасибо: согласие записано. Номинант: ${v.nominee}, категория «${v.category}» премии «${v.award}».\n\n` +
        `Если вы передумаете, отказаться от участия можно до объявления победителей по этой ссылке:\n\n${v.link}\n\n` +
        `Сохраните это письмо. Ссылка действует один раз.`,
    }),
  },
  ky: {
    request: (v) => ({
      subject: `${v.award}: сизди номинанттардын тизмесине киргизсек болобу?`,
      text:
        `Саламатсызбы, ${v.nominee}!\n\nСиз «${v.award}» сыйлыгынын «${v.category}» категориясына көрсөтүлдүңүз.\n\n` +
        `Атыңыз, уюмуңуз, аймагыңыз жана сиз тууралуу көрсөтмө тексти ачык жарыялана электе уюштуруучулар сиздин макулдугуңузду сурашат. ` +
        `Тизмеге кирүү эмнени билдирерин окуп, макулдук берүү же баш тартуу үчүн бул шилтемени ачыңыз:\n\n${v.link}\n\n` +
        `Шилтеме бир гана жолу иштейт жана ${v.until} чейин жарактуу. Жооп бермейинче сиз тизмеде жоксуз.\n\n` +
        `Эгер бул катты күтпөсөңүз, ага жооп бербей эле коюңуз.`,
    }),
    'request-guardian': (v) => ({
      subject: `${v.award}: номинанттардын тизмесине киргизүүгө макулдук (${v.nominee})`,
      text:
        `Саламатсызбы!\n\n${v.nominee} «${v.award}» сыйлыгынын «${v.category}» категориясына көрсөтүлдү. ` +
        `Бул дарек номинанттын ата-энесинин же мыйзамдуу өкүлүнүн дареги катары берилген.\n\n` +
        `Номинанттын аты, уюму, аймагы жана көрсөтмө тексти ачык жарыялана электе уюштуруучулар сиздин макулдугуңузду сурашат. ` +
        `Тизмеге кирүү эмнени билдирерин окуп, макулдук берүү же баш тартуу үчүн бул шилтемени ачыңыз:\n\n${v.link}\n\n` +
        `Шилтеме бир гана жолу иштейт жана ${v.until} чейин жарактуу. Жооп бермейинче номинант тизмеде жок.\n\n` +
        `Эгер бул катты күтпөсөңүз, ага жооп бербей эле коюңуз.`,
    }),
    given: (v) => ({
      subject: `${v.award}: макулдук катталды`,
      text:
        `Рахмат: макулдук катталды. Номинант: ${v.nominee}, «${v.award}» сыйлыгынын «${v.category}» категориясы.\n\n` +
        `Оюңуздан кайтсаңыз, жеңүүчүлөр жарыялангандан мурун бул шилтеме аркылуу катышуудан баш тарта аласыз:\n\n${v.link}\n\n` +
        `Бул катты сактап коюңуз. Шилтеме бир гана жолу иштейт.`,
    }),
  },
};

/** Subject and text of a consent mail in `locale` (English when the locale has no texts). */
export function consentMail(locale: string, kind: ConsentMailKind, vars: ConsentMailVars) {
  return (TEXTS[locale] ?? TEXTS.en!)[kind](vars);
}
