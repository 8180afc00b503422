/** The invitation mail a juror gets, in en, ru and ky. */
import type { Lang } from '../i18n/messages';

export interface InvitationMailVars {
  award: string;
  juror: string;
  institution: string;
  categories: string;
  link: string;
  /** The juror portal of the award, where a new link can be asked for. */
  portal: string;
  /** When the link expires, already formatted for the reader. */
  until: string;
}

const TEXTS: Record<Lang, (v: InvitationMailVars) => { subject: string; text: string }> = {
  en: (v) => ({
    subject: `${v.award}: your invitation to the jury`,
    text:
      `Hello ${v.juror},\n\nyou are invited to the jury of ${v.award} for ${v.institution}, ` +
      `to judge the finalists of: ${v.categories}.\n\n` +
      `Open this link to enter the jury portal. It works once, on one device, and is valid until ${v.until}:\n\n${v.link}\n\n` +
      `Before you see a category's finalists' sheets you will be asked to declare any conflict of interest. ` +
      `Your scores stay secret until the results are published. If you need a new link, ask the organizers ` +
      `or request one at ${v.portal}`,
  }),
  ru: (v) => ({
    subject: `${v.award}: приглашение в жюри`,
    text:
      `Здравствуйте, ${v.juror}!\n\nВы приглашены в жюри премии «${v.award}» от организации «${v.institution}» ` +
      `для оценки финалистов категорий: ${v.categories}.\n\n` +
      `Откройте эту ссылку, чтобы войти в портал жюри. Она действует один раз, на одном устройстве, до ${v.until}:\n\n${v.link}\n\n` +
      `Прежде чем вы увидите листы оценок финалистов категории, вас попросят заявить о конфликте интересов, если он есть. ` +
      `Ваши оценки остаются тайными до публикации результатов. Если нужна новая ссылка, обратитесь к организаторам ` +
      `или запросите её на ${v.portal}`,
  }),
  ky: (v) => ({
    subject: `${v.award}: калыстар тобуна чакыруу`,
    text:
      `Саламатсызбы, ${v.juror}!\n\nСиз «${v.award}» сыйлыгынын калыстар тобуна «${v.institution}» уюмунан ` +
      `чакырылдыңыз. Баалай турган категориялардын финалисттери: ${v.categories}.\n\n` +
      `Калыстар порталына кирүү үчүн бул шилтемени ачыңыз. Ал бир жолу, бир түзмөктө, ${v.until} чейин иштейт:\n\n${v.link}\n\n` +
      `Категориянын финалисттеринин баалоо барактарын көрөрдөн мурун кызыкчылыктар кагылышуусу болсо, аны билдирүү сунушталат. ` +
      `Сиздин баалар жыйынтыктар жарыяланганга чейин жашыруун калат. Жаңы шилтеме керек болсо, уюштуруучуларга кайрылыңыз ` +
      `же ${v.portal} дарегинен сураңыз.`,
  }),
};

export function invitationMail(lang: Lang, vars: InvitationMailVars): { subject: string; text: string } {
  return TEXTS[lang](vars);
}
