/**
 * UI strings of the nominee's consent and withdrawal pages in en, ru and ky. English is the reference; the other
 * dictionaries are `ConsentDictionary`, so TypeScript refuses a missing or an extra key. Placeholders are
 * `{name}`; values are plain text and the pages escape them.
 */
import type { Lang } from '../i18n/messages';

const en = {
  'consent.title': 'Consent to be listed as a nominee',
  'consent.titleGuardian': 'Consent for a young nominee to be listed',
  'consent.intro':
    'You have been nominated for {award}. Before your name is shown publicly, the organizers ask for your consent.',
  'consent.introGuardian':
    '{nominee} has been nominated for {award}. You receive this request as their parent or guardian: you decide whether they are listed.',
  'consent.nominee': 'Nominee',
  'consent.category': 'Category',
  'consent.award': 'Award',
  'consent.meaning': 'What being listed means',
  'consent.public':
    'Your name, organization, region and the citation about you are shown publicly on the award’s pages.',
  'consent.publicGuardian':
    'The nominee’s name, organization, region and the citation about them are shown publicly on the award’s pages.',
  'consent.votes':
    'People can vote for you during the public vote. The vote counts and the results, including the winners, are published.',
  'consent.votesGuardian':
    'People can vote for the nominee during the public vote. The vote counts and the results, including the winners, are published.',
  'consent.withdraw': 'You can withdraw until the winners are announced; votes for you are then voided.',
  'consent.withdrawGuardian':
    'You can withdraw the nominee until the winners are announced; votes for them are then voided.',
  'consent.decline': 'If you decline, you are not listed and nothing about you is shown publicly.',
  'consent.declineGuardian': 'If you decline, the nominee is not listed and nothing about them is shown publicly.',
  'consent.current': 'Your current answer: {answer}.',
  'consent.answer.given': 'consent given',
  'consent.answer.declined': 'consent declined',
  'consent.give': 'I give my consent',
  'consent.giveGuardian': 'I consent as parent or guardian',
  'consent.declineButton': 'I decline',
  'consent.once': 'This link works once and is valid until {until}. Nothing changes until you press a button.',
  'consent.given.title': 'Thank you: the consent is recorded',
  'consent.given.body': 'The nominee can now be listed on the award’s public pages.',
  'consent.given.withdraw':
    'If you change your mind, you can withdraw until the winners are announced. Keep this link; we have also mailed it to you:',
  'consent.given.withdrawLink': 'Withdraw from the award',
  'consent.declined.title': 'Your answer is recorded',
  'consent.declined.body': 'The nominee will not be listed, and nothing about them is shown publicly.',
  'withdraw.title': 'Withdraw from the award',
  'withdraw.intro':
    'If you withdraw, the nominee is no longer listed and cannot be voted for. Votes already cast for them are voided, and those voters may vote again. This cannot be undone.',
  'withdraw.button': 'Withdraw',
  'withdraw.done.title': 'The withdrawal is recorded',
  'withdraw.done.body':
    'The nominee is no longer listed. You may ask the organizers to erase the personal data they hold about the nominee.',
  'link.title': 'This link cannot be used',
  'link.invalid': 'This link is not valid or has expired. Ask the organizers for a new one.',
  'link.spent': 'This link has been used already; each link works once. Nothing was changed.',
  'link.closed': 'This nomination is no longer open (it was withdrawn, rejected or erased). Nothing was changed.',
  'link.answered': 'Your answer is recorded already. Nothing was changed.',
  'link.frozen':
    'Voting has opened and the list of nominees is now fixed, so this answer can no longer be given. Nothing was changed.',
  'link.withdrawn': 'The nominee has withdrawn already. Nothing was changed.',
  'link.announced': 'The winners have been announced; a nominee can no longer withdraw. Nothing was changed.',
};

export type ConsentKey = keyof typeof en;
export type ConsentDictionary = Record<ConsentKey, string>;

const ru: ConsentDictionary = {
  'consent.title': 'Согласие на включение в список номинантов',
  'consent.titleGuardian': 'Согласие на включение несовершеннолетнего в список номинантов',
  'consent.intro':
    'Вас номинировали на премию «{award}». Прежде чем показывать ваше имя публично, организаторы просят вашего согласия.',
  'consent.introGuardian':
    '{nominee} — среди номинантов премии «{award}». Вы получили этот запрос как родитель или законный представитель номинанта и решаете, будет ли он включён в список.',
  'consent.nominee': 'Номинант',
  'consent.category': 'Категория',
  'consent.award': 'Премия',
  'consent.meaning': 'Что означает включение в список',
  'consent.public': 'Ваше имя, организация, регион и текст номинации о вас публикуются на страницах премии.',
  'consent.publicGuardian': 'Имя номинанта, организация, регион и текст номинации публикуются на страницах премии.',
  'consent.votes':
    'Во время народного голосования за вас можно голосовать. Число голосов и итоги, включая победителей, публикуются.',
  'consent.votesGuardian':
    'Во время народного голосования за номинанта можно голосовать. Число голосов и итоги, включая победителей, публикуются.',
  'consent.withdraw': 'Вы можете отказаться от участия до объявления победителей; тогда голоса за вас аннулируются.',
  'consent.withdrawGuardian':
    'Вы можете отозвать номинанта до объявления победителей; тогда голоса за него аннулируются.',
  'consent.decline': 'Если вы откажетесь, вас не включат в список и никакие сведения о вас не будут опубликованы.',
  'consent.declineGuardian':
    'Если вы откажетесь, номинанта не включат в список и никакие сведения о нём не будут опубликованы.',
  'consent.current': 'Ваш текущий ответ: {answer}.',
  'consent.answer.given': 'согласие дано',
  'consent.answer.declined': 'в согласии отказано',
  'consent.give': 'Я даю согласие',
  'consent.giveGuardian': 'Даю согласие как родитель или представитель',
  'consent.declineButton': 'Я отказываюсь',
  'consent.once': 'Ссылка действует один раз, до {until}. Ничего не изменится, пока вы не нажмёте одну из кнопок.',
  'consent.given.title': 'Спасибо: согласие записано',
  'consent.given.body': 'Теперь номинант может быть показан на публичных страницах премии.',
  'consent.given.withdraw':
    'Если вы передумаете, отказаться от участия можно до объявления победителей. Сохраните эту ссылку; мы также отправили её вам по почте:',
  'consent.given.withdrawLink': 'Отказаться от участия в премии',
  'consent.declined.title': 'Ваш ответ записан',
  'consent.declined.body': 'Номинант не будет включён в список, и никакие сведения о нём не будут опубликованы.',
  'withdraw.title': 'Отказ от участия в премии',
  'withdraw.intro':
    'После отказа номинант больше не показывается в списке, и за него нельзя голосовать. Уже поданные за него голоса аннулируются, и эти избиратели смогут проголосовать снова. Отменить отказ нельзя.',
  'withdraw.button': 'Отказаться от участия',
  'withdraw.done.title': 'Отказ от участия записан',
  'withdraw.done.body':
    'Номинант больше не показывается в списке. Вы можете попросить организаторов удалить хранящиеся у них персональные данные номинанта.',
  'link.title': 'Эту ссылку нельзя использовать',
  'link.invalid': 'Ссылка недействительна или срок её действия истёк. Попросите у организаторов новую.',
  'link.spent': 'Эта ссылка уже использована; каждая ссылка действует один раз. Ничего не изменилось.',
  'link.closed':
    'Эта номинация больше не действует (она отозвана, отклонена или её данные удалены). Ничего не изменилось.',
  'link.answered': 'Ваш ответ уже записан. Ничего не изменилось.',
  'link.frozen':
    'Голосование началось, и список номинантов закреплён, поэтому этот ответ больше нельзя дать. Ничего не изменилось.',
  'link.withdrawn': 'Номинант уже отказался от участия. Ничего не изменилось.',
  'link.announced': 'Победители уже объявлены; отказаться от участия больше нельзя. Ничего не изменилось.',
};

const ky: ConsentDictionary = {
  'consent.title': 'Номинанттардын тизмесине кирүүгө макулдук',
  'consent.titleGuardian': 'Жашы жете элек номинантты тизмеге киргизүүгө макулдук',
  'consent.intro':
    'Сиз «{award}» сыйлыгына көрсөтүлдүңүз. Атыңыз ачык жарыялана электе уюштуруучулар сиздин макулдугуңузду сурашат.',
  'consent.introGuardian':
    '{nominee} «{award}» сыйлыгына көрсөтүлдү. Бул суроону сиз номинанттын ата-энеси же мыйзамдуу өкүлү катары алдыңыз: аны тизмеге киргизүү же киргизбөөнү сиз чечесиз.',
  'consent.nominee': 'Номинант',
  'consent.category': 'Категория',
  'consent.award': 'Сыйлык',
  'consent.meaning': 'Тизмеге кирүү эмнени билдирет',
  'consent.public':
    'Атыңыз, уюмуңуз, аймагыңыз жана сиз тууралуу көрсөтмө тексти сыйлыктын барактарында ачык жарыяланат.',
  'consent.publicGuardian':
    'Номинанттын аты, уюму, аймагы жана ал тууралуу көрсөтмө тексти сыйлыктын барактарында ачык жарыяланат.',
  'consent.votes':
    'Коомдук добуш берүү учурунда сиз үчүн добуш берүүгө болот. Добуштардын саны жана жыйынтыктар, анын ичинде жеңүүчүлөр, жарыяланат.',
  'consent.votesGuardian':
    'Коомдук добуш берүү учурунда номинант үчүн добуш берүүгө болот. Добуштардын саны жана жыйынтыктар, анын ичинде жеңүүчүлөр, жарыяланат.',
  'consent.withdraw':
    'Жеңүүчүлөр жарыялангандан мурун катышуудан баш тарта аласыз; анда сиз үчүн берилген добуштар жокко чыгарылат.',
  'consent.withdrawGuardian':
    'Жеңүүчүлөр жарыялангандан мурун номинантты катышуудан чыгара аласыз; анда ал үчүн берилген добуштар жокко чыгарылат.',
  'consent.decline': 'Макул болбосоңуз, сиз тизмеге кирбейсиз жана сиз тууралуу эч нерсе ачык жарыяланбайт.',
  'consent.declineGuardian': 'Макул болбосоңуз, номинант тизмеге кирбейт жана ал тууралуу эч нерсе ачык жарыяланбайт.',
  'consent.current': 'Сиздин азыркы жообуңуз: {answer}.',
  'consent.answer.given': 'макулдук берилди',
  'consent.answer.declined': 'макулдуктан баш тартылды',
  'consent.give': 'Макулмун',
  'consent.giveGuardian': 'Ата-энеси же өкүлү катары макулмун',
  'consent.declineButton': 'Макул эмесмин',
  'consent.once':
    'Бул шилтеме бир гана жолу иштейт жана {until} чейин жарактуу. Баскычты баспаганча эч нерсе өзгөрбөйт.',
  'consent.given.title': 'Рахмат: макулдук катталды',
  'consent.given.body': 'Эми номинант сыйлыктын ачык барактарында көрсөтүлө алат.',
  'consent.given.withdraw':
    'Оюңуздан кайтсаңыз, жеңүүчүлөр жарыялангандан мурун катышуудан баш тарта аласыз. Бул шилтемени сактап коюңуз; биз аны сизге почта аркылуу да жөнөттүк:',
  'consent.given.withdrawLink': 'Сыйлыкка катышуудан баш тартуу',
  'consent.declined.title': 'Жообуңуз катталды',
  'consent.declined.body': 'Номинант тизмеге кирбейт жана ал тууралуу эч нерсе ачык жарыяланбайт.',
  'withdraw.title': 'Сыйлыкка катышуудан баш тартуу',
  'withdraw.intro':
    'Баш тарткандан кийин номинант тизмеде көрсөтүлбөйт жана ал үчүн добуш берүүгө болбойт. Ал үчүн мурун берилген добуштар жокко чыгарылат, ал эми ошол добуш бергендер кайра добуш бере алышат. Муну артка кайтарууга болбойт.',
  'withdraw.button': 'Баш тартуу',
  'withdraw.done.title': 'Баш тартуу катталды',
  'withdraw.done.body':
    'Номинант мындан ары тизмеде көрсөтүлбөйт. Уюштуруучулардан номинант тууралуу сакталган жеке маалыматтарды өчүрүүнү сурансаңыз болот.',
  'link.title': 'Бул шилтемени колдонууга болбойт',
  'link.invalid': 'Шилтеме жарактуу эмес же мөөнөтү бүткөн. Уюштуруучулардан жаңысын сураңыз.',
  'link.spent': 'Бул шилтеме буга чейин колдонулган; ар бир шилтеме бир гана жолу иштейт. Эч нерсе өзгөргөн жок.',
  'link.closed':
    'Бул номинация мындан ары жарактуу эмес (ал кайтарылып алынган, четке кагылган же маалыматтары өчүрүлгөн). Эч нерсе өзгөргөн жок.',
  'link.answered': 'Жообуңуз мурунтан эле катталган. Эч нерсе өзгөргөн жок.',
  'link.frozen':
    'Добуш берүү башталды жана номинанттардын тизмеси бекитилди, ошондуктан бул жоопту мындан ары берүүгө болбойт. Эч нерсе өзгөргөн жок.',
  'link.withdrawn': 'Номинант катышуудан мурунтан эле баш тарткан. Эч нерсе өзгөргөн жок.',
  'link.announced': 'Жеңүүчүлөр жарыяланды; катышуудан мындан ары баш тартууга болбойт. Эч нерсе өзгөргөн жок.',
};

const DICTIONARIES: Record<Lang, ConsentDictionary> = { en, ru, ky };

export type ConsentTranslate = (key: ConsentKey, vars?: Record<string, string | number>) => string;

/** `t(key, vars)` for the consent pages in one language. */
export function consentTranslator(lang: Lang): ConsentTranslate {
  const dict = DICTIONARIES[lang];
  return (key, vars) => {
    const text = dict[key];
    if (!vars) return text;
    return text.replace(/\{(\w+)\}/g, (whole, name: string) => (name in vars ? String(vars[name]) : whole));
  };
}
