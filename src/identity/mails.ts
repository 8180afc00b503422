/** Texts of the mails people get from an award, in en, ru and ky. */
type Kind = 'code' | 'not-on-roll' | 'roll-code';
type Vars = { award: string; code?: string; link?: string };

const TEXTS: Record<string, Record<Kind, (v: Vars) => { subject: string; text: string }>> = {
  en: {
    code: (v) => ({
      subject: `${v.award}: your code ${v.code}`,
      text: `Your code for ${v.award} is ${v.code}. It is valid for 10 minutes.\n\nIf you did not ask for it, ignore this mail.`,
    }),
    'not-on-roll': (v) => ({
      subject: `${v.award}: this address is not on the invited list`,
      text: `Someone asked for a code for ${v.award} with this address, but it is not on the award's invited list. If you were invited under another address, use that one.`,
    }),
    'roll-code': (v) => ({
      subject: `${v.award}: your personal code`,
      text: `You are invited to take part in ${v.award}. Your personal single-use code is ${v.code}.\n${v.link ? `\nEnter it at ${v.link}\n` : ''}\nKeep it to yourself: it works once.`,
    }),
  },
  ru: {
    code: (v) => ({
      subject: `${v.award}: ваш код ${v.code}`,
      text: `Ваш код для «${v.award}»: ${v.code}. Он действует 10 минут.\n\nЕсли вы его не запрашивали, просто удалите это письмо.`,
    }),
    'not-on-roll': (v) => ({
      subject: `${v.award}: этого адреса нет в списке приглашённых`,
      text: `Кто-то запросил код для «${v.award}» на этот адрес, но его нет в списке приглашённых. Если вас пригласили на другой адрес, используйте его.`,
    }),
    'roll-code': (v) => ({
      subject: `${v.award}: ваш личный код`,
      text: `Вы приглашены участвовать в «${v.award}». Ваш личный одноразовый код: ${v.code}.\n${v.link ? `\nВведите его здесь: ${v.link}\n` : ''}\nНикому его не передавайте: он действует один раз.`,
    }),
  },
  ky: {
    code: (v) => ({
      subject: `${v.award}: сиздин кодуңуз ${v.code}`,
      text: `«${v.award}» үчүн кодуңуз: ${v.code}. Ал 10 мүнөт жарактуу.\n\nЭгер сиз аны сураган эмес болсоңуз, бул катты өчүрүп салыңыз.`,
    }),
    'not-on-roll': (v) => ({
      subject: `${v.award}: бул дарек чакырылгандардын тизмесинде жок`,
      text: `Кимдир бирөө «${v.award}» үчүн бул дарекке код сурады, бирок ал чакырылгандардын тизмесинде жок. Эгер сизди башка дарек менен чакырышса, ошону колдонуңуз.`,
    }),
    'roll-code': (v) => ({
      subject: `${v.award}: сиздин жеке кодуңуз`,
      text: `Сиз «${v.award}» сыйлыгына катышууга чакырылдыңыз. Жеке бир жолку кодуңуз: ${v.code}.\n${v.link ? `\nАны бул жерге киргизиңиз: ${v.link}\n` : ''}\nАны эч кимге бербеңиз: ал бир гана жолу иштейт.`,
    }),
  },
};

export function voterMail(locale: string, kind: Kind, vars: Vars) {
  return (TEXTS[locale] ?? TEXTS.en!)[kind](vars);
}
