/**
 * UI strings of the pages, one dictionary per language. English is the reference: every other dictionary is a
 * `Dictionary`, so TypeScript refuses a missing or an extra key. Award content (names, citations…) is not here;
 * it comes from the award's own texts per locale (ceremonies/model.ts `pick`).
 *
 * Placeholders are written `{name}` and filled by `translator(lang)(key, { name })`; values are plain text and
 * the pages escape them.
 */

export const LANGS = ['en', 'ru', 'ky'] as const;
export type Lang = (typeof LANGS)[number];
export const DEFAULT_LANG: Lang = 'en';

export const isLang = (value: unknown): value is Lang =>
  typeof value === 'string' && (LANGS as readonly string[]).includes(value);

/** Each language's name in itself, for the language switcher. */
export const LANG_NAMES: Record<Lang, string> = { en: 'English', ru: 'Русский', ky: 'Кыргызча' };

const en = {
  'site.name': 'Laurel',
  'site.tagline': 'Open-source award system',
  'nav.label': 'Main',
  'nav.awards': 'Awards',
  'nav.organizer': 'For organizers',
  'nav.language': 'Language',
  skip: 'Skip to main content',
  'footer.api': 'API reference',
  'footer.openapi': 'OpenAPI document',
  'footer.about': 'Laurel: nominations, public voting, jury scoring and results anyone can recount.',

  'home.title': 'Awards',
  'home.intro': 'Published awards: read the nominees and follow each phase.',
  'home.none': 'No award is published yet.',

  'award.phase': 'Phase',
  'award.organizer': 'Organizer',
  'award.venue': 'Venue',
  'award.ceremonyDate': 'Ceremony date',
  'award.website': 'Website',
  'award.about': 'About the award',
  'award.schedule': 'Schedule',
  'award.scheduleZone': 'Times are shown in the award’s time zone, {zone}.',
  'award.scheduleNone': 'No dates are set yet.',
  'award.opens': 'Opens',
  'award.closes': 'Closes',
  'award.categories': 'Categories',
  'award.tracks': 'Tracks',
  'award.nomineeCount': 'Nominees: {count}',
  'award.breadcrumb': 'You are here',

  'category.nominees': 'Nominees',
  'category.none': 'No nominees are listed yet.',
  'category.affiliation': 'Organization',
  'category.region': 'Region',
  'category.track': 'Track',
  'category.back': 'All categories of {award}',

  'phase.draft': 'Draft',
  'phase.nominating': 'Nominations',
  'phase.voting': 'Voting',
  'phase.judging': 'Jury judging',
  'phase.finalized': 'Results final',
  'phase.announced': 'Winners announced',
  'phase.amended': 'Results corrected',

  'window.nominating': 'Nominations',
  'window.voting': 'Public vote',
  'window.judging': 'Jury judging',

  'login.title': 'Organizer sign-in',
  'login.intro': 'Enter your email address. If it belongs to an organizer, we mail a six-digit code to it.',
  'login.email': 'Email address',
  'login.send': 'Send the code',
  'login.codeTitle': 'Enter the code',
  'login.codeSent': 'If {email} belongs to an organizer, a code is on its way. It is valid for 10 minutes.',
  'login.code': 'Code',
  'login.codeHint': 'Six digits, as in the mail.',
  'login.submit': 'Sign in',
  'login.otherEmail': 'Use another address or send a new code',
  'login.signedOut': 'You are signed out.',
  logout: 'Sign out',

  'dash.title': 'Your awards',
  'dash.signedInAs': 'Signed in as {email}.',
  'dash.site': 'You are a site organizer: you see every award.',
  'dash.none': 'You manage no award yet.',
  'dash.manage': 'Manage {award}',
  'dash.public': 'Public page',

  'manage.counts': 'Contents',
  'manage.categories': 'Categories: {count}',
  'manage.nominees': 'Accepted nominees: {count}',
  'manage.pending': 'Nominees awaiting moderation: {count}',
  'manage.frozen': 'Frozen',
  'manage.frozenYes': 'The rules and the nominee list are frozen.',
  'manage.frozenNo': 'Not frozen yet: the rules and the nominees can change until voting opens.',
  'manage.rulesHash': 'Rules hash',
  'manage.nomineesHash': 'Nominee list hash',
  'manage.lotCommitment': 'Lot commitment',
  'manage.move': 'Move to a later phase',
  'manage.moveHelp': 'Moving back is not possible. Opening the vote freezes the rules and the nominee list.',
  'manage.moveTo': 'Move to: {phase}',
  'manage.noMove': 'No later phase can be chosen by hand; the results finish the award.',
  'manage.back': 'All your awards',
  'done.phase': 'The phase was changed.',

  'error.title': 'Error {status}',
  'error.home': 'Go to the home page',
  'error.not-found': 'There is no such page, award or category.',
  'error.forbidden': 'You are not an organizer of this award.',
  'error.csrf':
    'This form has expired or did not come from this site, so nothing was changed. Go back, reload the page and try again.',
  'error.phase-backwards': 'An award cannot move back or stay in its phase. Nothing was changed.',
  'error.wrong-phase': 'That phase cannot be chosen by hand. Nothing was changed.',
  'error.frozen': 'The rules and the nominee list are frozen since voting opened.',
  'error.conflict': 'The award changed meanwhile. Nothing was changed; reload the page and try again.',
  'error.code-invalid': 'That code is not right or no longer valid.',
  'error.code-expired': 'That code has expired; request a new one.',
  'error.code-locked': 'Too many wrong codes. Wait 15 minutes and request a new code.',
  'error.rate-limited': 'Too many requests. Wait a few minutes and try again.',
  'error.email': 'Enter a valid email address.',
  'error.code-format': 'Enter the six digits of the code.',
  'error.bad-request': 'The form was not filled in correctly.',
  'error.unavailable': 'The service is busy. Nothing was changed; try again shortly.',
  'error.internal': 'Something went wrong on our side. Nothing was changed.',
};

export type MessageKey = keyof typeof en;
export type Dictionary = Record<MessageKey, string>;

const ru: Dictionary = {
  'site.name': 'Laurel',
  'site.tagline': 'Открытая система для премий',
  'nav.label': 'Основное меню',
  'nav.awards': 'Премии',
  'nav.organizer': 'Организаторам',
  'nav.language': 'Язык',
  skip: 'Перейти к основному содержанию',
  'footer.api': 'Справочник API',
  'footer.openapi': 'Документ OpenAPI',
  'footer.about': 'Laurel: номинации, народное голосование, оценки жюри и итоги, которые может пересчитать каждый.',

  'home.title': 'Премии',
  'home.intro': 'Опубликованные премии: номинанты и ход каждого этапа.',
  'home.none': 'Пока нет опубликованных премий.',

  'award.phase': 'Этап',
  'award.organizer': 'Организатор',
  'award.venue': 'Место проведения',
  'award.ceremonyDate': 'Дата церемонии',
  'award.website': 'Сайт',
  'award.about': 'О премии',
  'award.schedule': 'Расписание',
  'award.scheduleZone': 'Время указано в часовом поясе премии: {zone}.',
  'award.scheduleNone': 'Даты пока не назначены.',
  'award.opens': 'Начало',
  'award.closes': 'Окончание',
  'award.categories': 'Категории',
  'award.tracks': 'Направления',
  'award.nomineeCount': 'Номинантов: {count}',
  'award.breadcrumb': 'Вы здесь',

  'category.nominees': 'Номинанты',
  'category.none': 'Номинантов пока нет.',
  'category.affiliation': 'Организация',
  'category.region': 'Регион',
  'category.track': 'Направление',
  'category.back': 'Все категории: {award}',

  'phase.draft': 'Черновик',
  'phase.nominating': 'Приём номинаций',
  'phase.voting': 'Голосование',
  'phase.judging': 'Работа жюри',
  'phase.finalized': 'Итоги подведены',
  'phase.announced': 'Победители объявлены',
  'phase.amended': 'Итоги исправлены',

  'window.nominating': 'Приём номинаций',
  'window.voting': 'Народное голосование',
  'window.judging': 'Работа жюри',

  'login.title': 'Вход для организаторов',
  'login.intro':
    'Введите адрес электронной почты. Если он принадлежит организатору, мы отправим на него шестизначный код.',
  'login.email': 'Адрес электронной почты',
  'login.send': 'Отправить код',
  'login.codeTitle': 'Введите код',
  'login.codeSent': 'Если адрес {email} принадлежит организатору, код уже отправлен. Он действует 10 минут.',
  'login.code': 'Код',
  'login.codeHint': 'Шесть цифр из письма.',
  'login.submit': 'Войти',
  'login.otherEmail': 'Указать другой адрес или получить новый код',
  'login.signedOut': 'Вы вышли из системы.',
  logout: 'Выйти',

  'dash.title': 'Ваши премии',
  'dash.signedInAs': 'Вы вошли как {email}.',
  'dash.site': 'Вы организатор сайта: вам видны все премии.',
  'dash.none': 'У вас пока нет премий.',
  'dash.manage': 'Управлять: {award}',
  'dash.public': 'Публичная страница',

  'manage.counts': 'Состав',
  'manage.categories': 'Категорий: {count}',
  'manage.nominees': 'Принятых номинантов: {count}',
  'manage.pending': 'Номинантов на модерации: {count}',
  'manage.frozen': 'Фиксация',
  'manage.frozenYes': 'Правила и список номинантов зафиксированы.',
  'manage.frozenNo': 'Ещё не зафиксированы: правила и номинантов можно менять до начала голосования.',
  'manage.rulesHash': 'Хеш правил',
  'manage.nomineesHash': 'Хеш списка номинантов',
  'manage.lotCommitment': 'Обязательство по жребию',
  'manage.move': 'Перейти к следующему этапу',
  'manage.moveHelp': 'Вернуться назад нельзя. С началом голосования правила и список номинантов фиксируются.',
  'manage.moveTo': 'Перейти: {phase}',
  'manage.noMove': 'Следующий этап нельзя выбрать вручную: премию завершают итоги.',
  'manage.back': 'Все ваши премии',
  'done.phase': 'Этап изменён.',

  'error.title': 'Ошибка {status}',
  'error.home': 'На главную страницу',
  'error.not-found': 'Такой страницы, премии или категории нет.',
  'error.forbidden': 'Вы не являетесь организатором этой премии.',
  'error.csrf':
    'Срок действия формы истёк, или она отправлена не с этого сайта, поэтому ничего не изменилось. Вернитесь назад, обновите страницу и попробуйте ещё раз.',
  'error.phase-backwards': 'Премия не может вернуться на прежний этап или остаться на текущем. Ничего не изменилось.',
  'error.wrong-phase': 'Этот этап нельзя выбрать вручную. Ничего не изменилось.',
  'error.frozen': 'Правила и список номинантов зафиксированы с началом голосования.',
  'error.conflict': 'Премия за это время изменилась. Ничего не изменилось; обновите страницу и попробуйте ещё раз.',
  'error.code-invalid': 'Код неверен или больше не действует.',
  'error.code-expired': 'Срок действия кода истёк; запросите новый.',
  'error.code-locked': 'Слишком много неверных кодов. Подождите 15 минут и запросите новый код.',
  'error.rate-limited': 'Слишком много запросов. Подождите несколько минут и попробуйте снова.',
  'error.email': 'Введите правильный адрес электронной почты.',
  'error.code-format': 'Введите шесть цифр кода.',
  'error.bad-request': 'Форма заполнена неверно.',
  'error.unavailable': 'Сервис перегружен. Ничего не изменилось; попробуйте чуть позже.',
  'error.internal': 'Что-то пошло не так на нашей стороне. Ничего не изменилось.',
};

const ky: Dictionary = {
  'site.name': 'Laurel',
  'site.tagline': 'Сыйлыктар үчүн ачык булактуу система',
  'nav.label': 'Негизги меню',
  'nav.awards': 'Сыйлыктар',
  'nav.organizer': 'Уюштуруучуларга',
  'nav.language': 'Тил',
  skip: 'Негизги мазмунга өтүү',
  'footer.api': 'API маалымдамасы',
  'footer.openapi': 'OpenAPI документи',
  'footer.about':
    'Laurel: талапкерлерди көрсөтүү, коомдук добуш берүү, калыстардын баалоосу жана ар ким кайра эсептей ала турган жыйынтыктар.',

  'home.title': 'Сыйлыктар',
  'home.intro': 'Жарыяланган сыйлыктар: номинанттар жана ар бир баскычтын жүрүшү.',
  'home.none': 'Азырынча жарыяланган сыйлык жок.',

  'award.phase': 'Баскыч',
  'award.organizer': 'Уюштуруучу',
  'award.venue': 'Өтүүчү жер',
  'award.ceremonyDate': 'Салтанаттын күнү',
  'award.website': 'Веб-сайт',
  'award.about': 'Сыйлык жөнүндө',
  'award.schedule': 'Мөөнөттөр',
  'award.scheduleZone': 'Убакыт сыйлыктын саат алкагында көрсөтүлгөн: {zone}.',
  'award.scheduleNone': 'Күндөр азырынча белгилене элек.',
  'award.opens': 'Башталышы',
  'award.closes': 'Аякташы',
  'award.categories': 'Категориялар',
  'award.tracks': 'Багыттар',
  'award.nomineeCount': 'Номинанттар: {count}',
  'award.breadcrumb': 'Сиз бул жердесиз',

  'category.nominees': 'Номинанттар',
  'category.none': 'Азырынча номинанттар жок.',
  'category.affiliation': 'Уюм',
  'category.region': 'Аймак',
  'category.track': 'Багыт',
  'category.back': '{award}: бардык категориялар',

  'phase.draft': 'Долбоор',
  'phase.nominating': 'Талапкерлерди көрсөтүү',
  'phase.voting': 'Добуш берүү',
  'phase.judging': 'Калыстардын баалоосу',
  'phase.finalized': 'Жыйынтыктар чыгарылды',
  'phase.announced': 'Жеңүүчүлөр жарыяланды',
  'phase.amended': 'Жыйынтыктар оңдолду',

  'window.nominating': 'Талапкерлерди көрсөтүү',
  'window.voting': 'Коомдук добуш берүү',
  'window.judging': 'Калыстардын баалоосу',

  'login.title': 'Уюштуруучулар үчүн кирүү',
  'login.intro':
    'Электрондук почтаңыздын дарегин жазыңыз. Эгер ал уюштуруучуга таандык болсо, ага алты сандан турган код жөнөтөбүз.',
  'login.email': 'Электрондук почтанын дареги',
  'login.send': 'Кодду жөнөтүү',
  'login.codeTitle': 'Кодду жазыңыз',
  'login.codeSent': 'Эгер {email} дареги уюштуруучуга таандык болсо, код жөнөтүлдү. Ал 10 мүнөт жарактуу.',
  'login.code': 'Код',
  'login.codeHint': 'Каттагы алты сан.',
  'login.submit': 'Кирүү',
  'login.otherEmail': 'Башка дарек жазуу же жаңы код алуу',
  'login.signedOut': 'Сиз системадан чыктыңыз.',
  logout: 'Чыгуу',

  'dash.title': 'Сиздин сыйлыктар',
  'dash.signedInAs': 'Сиз {email} катары кирдиңиз.',
  'dash.site': 'Сиз сайттын уюштуруучусусуз: бардык сыйлыктарды көрөсүз.',
  'dash.none': 'Сизде азырынча сыйлык жок.',
  'dash.manage': 'Башкаруу: {award}',
  'dash.public': 'Ачык барак',

  'manage.counts': 'Курамы',
  'manage.categories': 'Категориялар: {count}',
  'manage.nominees': 'Кабыл алынган номинанттар: {count}',
  'manage.pending': 'Текшерүүнү күткөн номинанттар: {count}',
  'manage.frozen': 'Бекитүү',
  'manage.frozenYes': 'Эрежелер жана номинанттардын тизмеси бекитилди.',
  'manage.frozenNo':
    'Азырынча бекитиле элек: эрежелерди жана номинанттарды добуш берүү ачылганга чейин өзгөртүүгө болот.',
  'manage.rulesHash': 'Эрежелердин хеши',
  'manage.nomineesHash': 'Номинанттар тизмесинин хеши',
  'manage.lotCommitment': 'Чүчү кулак боюнча милдеттенме',
  'manage.move': 'Кийинки баскычка өтүү',
  'manage.moveHelp': 'Артка кайтууга болбойт. Добуш берүү ачылганда эрежелер жана номинанттардын тизмеси бекитилет.',
  'manage.moveTo': 'Өтүү: {phase}',
  'manage.noMove': 'Кийинки баскычты кол менен тандоого болбойт: сыйлык жыйынтыктар менен аяктайт.',
  'manage.back': 'Бардык сыйлыктарыңыз',
  'done.phase': 'Баскыч өзгөртүлдү.',

  'error.title': 'Ката {status}',
  'error.home': 'Башкы баракка өтүү',
  'error.not-found': 'Мындай барак, сыйлык же категория жок.',
  'error.forbidden': 'Сиз бул сыйлыктын уюштуруучусу эмессиз.',
  'error.csrf':
    'Форманын мөөнөтү бүттү же ал бул сайттан жөнөтүлгөн эмес, ошондуктан эч нерсе өзгөргөн жок. Артка кайтып, баракты жаңыртып, кайра аракет кылыңыз.',
  'error.phase-backwards':
    'Сыйлык мурунку баскычка кайта албайт жана ошол эле баскычта кала албайт. Эч нерсе өзгөргөн жок.',
  'error.wrong-phase': 'Бул баскычты кол менен тандоого болбойт. Эч нерсе өзгөргөн жок.',
  'error.frozen': 'Добуш берүү ачылгандан бери эрежелер жана номинанттардын тизмеси бекитилген.',
  'error.conflict':
    'Ушул убакыттын ичинде сыйлык өзгөрдү. Эч нерсе өзгөргөн жок; баракты жаңыртып, кайра аракет кылыңыз.',
  'error.code-invalid': 'Код туура эмес же жарактуу эмес.',
  'error.code-expired': 'Коддун мөөнөтү бүттү; жаңысын сураңыз.',
  'error.code-locked': 'Туура эмес коддор өтө көп болду. 15 мүнөт күтүп, жаңы код сураңыз.',
  'error.rate-limited': 'Суроо-талаптар өтө көп. Бир нече мүнөт күтүп, кайра аракет кылыңыз.',
  'error.email': 'Туура электрондук почта дарегин жазыңыз.',
  'error.code-format': 'Коддун алты санын жазыңыз.',
  'error.bad-request': 'Форма туура толтурулган эмес.',
  'error.unavailable': 'Кызмат азыр бош эмес. Эч нерсе өзгөргөн жок; бир аздан кийин кайра аракет кылыңыз.',
  'error.internal': 'Биз тараптан ката кетти. Эч нерсе өзгөргөн жок.',
};

export const MESSAGES: Record<Lang, Dictionary> = { en, ru, ky };

export type Translate = (key: MessageKey, vars?: Record<string, string | number>) => string;

/** `t(key, vars)` for one language; `{name}` placeholders are replaced by the given values. */
export function translator(lang: Lang): Translate {
  const dict = MESSAGES[lang];
  return (key, vars) => {
    const text = dict[key];
    if (!vars) return text;
    return text.replace(/\{(\w+)\}/g, (whole, name: string) => (name in vars ? String(vars[name]) : whole));
  };
}
