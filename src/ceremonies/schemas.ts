/**
 * The award definition (import/export format `laurel-award/1`) and the rules, as zod schemas.
 * The same schemas validate the API and feed the OpenAPI document, and their parsed output (defaults filled
 * in) is what gets hashed when the rules freeze: every field here is part of a frozen hash, so add fields
 * with defaults rather than changing meanings.
 */
import { z } from '@hono/zod-openapi';

export const PHASES = ['draft', 'nominating', 'voting', 'judging', 'finalized', 'announced', 'amended'] as const;
export const Phase = z.enum(PHASES).openapi('Phase');
export type Phase = z.infer<typeof Phase>;

export const Slug = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, 'lowercase letters, digits and single hyphens')
  .openapi({ example: 'best-mentor' });

export const Locale = z
  .string()
  .regex(/^[a-z]{2,3}$/, 'a two- or three-letter language code such as en, ru or ky')
  .openapi({ example: 'ky' });

/** Text in several languages: `{ "en": "…", "ru": "…", "ky": "…" }`. */
export const LocalizedText = z
  .record(Locale, z.string().trim().min(1).max(4000))
  .refine((v) => Object.keys(v).length > 0, 'at least one language')
  .openapi('LocalizedText', { example: { en: 'Best Mentor', ru: 'Лучший ментор', ky: 'Мыкты ментор' } });
export type LocalizedText = z.infer<typeof LocalizedText>;

/** A decimal written as a string, so that hashed JSON never holds a fractional number. */
export const DecimalString = z.string().regex(/^(0|[1-9][0-9]*)(\.[0-9]+)?$/, 'a decimal such as 0.827');

const PositiveInt = z.number().int().positive().max(1_000_000_000);
const NonNegativeInt = z.number().int().nonnegative().max(1_000_000_000);

const TieStep = z.enum(['jury', 'public', 'lot']);

export const FinalistRule = z
  .discriminatedUnion('mode', [
    z.object({
      mode: z.literal('public'),
      k: PositiveInt.default(3),
      ties: z.enum(['include', 'break']).default('include'),
      tieChain: z.array(TieStep).min(1).default(['lot']),
    }),
    z.object({ mode: z.literal('organizer') }),
  ])
  .openapi('FinalistRule');

const Criterion = z.object({ id: Slug, weight: PositiveInt, label: LocalizedText.optional() });

export const JuryRule = z
  .discriminatedUnion('mode', [
    z.object({
      mode: z.literal('rubric'),
      scale: z
        .tuple([z.number().int(), z.number().int()])
        .refine(([lo, hi]) => lo < hi, 'scale minimum must be below its maximum')
        .default([1, 10]),
      criteria: z
        .array(Criterion)
        .min(1)
        .default([{ id: 'merit', weight: 1 }]),
      normalize: z.enum(['none', 'zscore']).default('none'),
      trim: NonNegativeInt.default(0),
      quorum: NonNegativeInt.default(1),
    }),
    z.object({
      mode: z.literal('ranking'),
      rankPoints: z
        .discriminatedUnion('kind', [
          z.object({ kind: z.literal('borda') }),
          z.object({ kind: z.literal('list'), points: z.array(NonNegativeInt).min(1) }),
          z.object({ kind: z.literal('exponential'), top: PositiveInt, base: DecimalString }),
        ])
        .default({ kind: 'borda' }),
      institutionTable: z.array(NonNegativeInt).min(1).optional(),
      institutionTieChain: z.array(TieStep).min(1).default(['lot']),
    }),
  ])
  .openapi('JuryRule');

export const Rules = z
  .object({
    finalists: FinalistRule.default({ mode: 'public', k: 3, ties: 'include', tieChain: ['lot'] }),
    jury: JuryRule.default({
      mode: 'rubric',
      scale: [1, 10],
      criteria: [{ id: 'merit', weight: 1 }],
      normalize: 'none',
      trim: 0,
      quorum: 1,
    }),
    /** Integer weights of the jury and public components of the final result (e.g. basis points). */
    weights: z
      .object({ jury: NonNegativeInt, public: NonNegativeInt })
      .refine((w) => w.jury + w.public > 0, 'at least one weight must be positive')
      .default({ jury: 7000, public: 3000 }),
    tieChain: z.array(TieStep).min(1).default(['jury', 'public', 'lot']),
    /** `final`: a voter's first ballot stands; `last-counts`: a later ballot supersedes it until voting closes. */
    voteChange: z.enum(['final', 'last-counts']).default('final'),
    identity: z
      .object({
        method: z.enum(['email', 'oidc', 'roll']).default('email'),
        normalizer: z.literal('email-v1').default('email-v1'),
        refuseDisposable: z.boolean().default(true),
        oidc: z
          .object({ issuer: z.url(), clientId: z.string().min(1), scopes: z.array(z.string()).default(['openid']) })
          .optional(),
      })
      .default({ method: 'email', normalizer: 'email-v1', refuseDisposable: true }),
    nominations: z
      .object({
        perPersonPerCategory: PositiveInt.default(1),
        requireReason: z.boolean().default(true),
      })
      .default({ perPersonPerCategory: 1, requireReason: true }),
    /** Ballot-log checkpoints: after this many seconds or this many new ballots, whichever comes first. */
    checkpoints: z
      .object({ everySeconds: PositiveInt.default(300), everyBallots: PositiveInt.default(1000) })
      .default({ everySeconds: 300, everyBallots: 1000 }),
    /** Whether anyone but organizers sees per-nominee counts before results are published. */
    liveCounts: z.boolean().default(false),
  })
  .openapi('Rules');
export type Rules = z.infer<typeof Rules>;

const Instant = z.iso.datetime({ offset: true }).openapi({ example: '2024-01-10T09:00:00+06:00' });

const Window = z.object({ opens: Instant.optional(), closes: Instant.optional() });
export const Schedule = z
  .object({ nominating: Window.optional(), voting: Window.optional(), judging: Window.optional() })
  .openapi('Schedule');
export type Schedule = z.infer<typeof Schedule>;

export const NomineeDefinition = z
  .object({
    slug: Slug,
    name: LocalizedText,
    /** Public citation: why this nominee is nominated. */
    citation: LocalizedText.optional(),
    affiliation: LocalizedText.optional(),
    region: LocalizedText.optional(),
    /** Nominees defined by organizers are accepted; `pending` ones await moderation. */
    status: z.enum(['accepted', 'pending']).default('accepted'),
  })
  .openapi('NomineeDefinition');

/** Words the pages use after /a/<award>/ themselves, so no category may take them as its slug. */
export const RESERVED_CATEGORY_SLUGS = [
  'verify',
  'nominate',
  'nominations',
  'vote',
  'ballot',
  'receipt',
  'receipts',
  'results',
  'consent',
  'withdraw',
];

export const CategoryDefinition = z
  .object({
    slug: Slug.refine((s) => !RESERVED_CATEGORY_SLUGS.includes(s), 'this word is reserved for pages of the award'),
    name: LocalizedText,
    description: LocalizedText.optional(),
    /** Finalists per category when the rules take the public top K (overrides `rules.finalists.k`). */
    k: PositiveInt.optional(),
    winners: PositiveInt.default(1),
    /** Nominees may be minors: their listing needs a guardian's consent. */
    minorsAllowed: z.boolean().default(false),
    nominees: z.array(NomineeDefinition).max(1000).default([]),
  })
  .openapi('CategoryDefinition');

export const TrackDefinition = z
  .object({
    slug: Slug,
    name: LocalizedText,
    description: LocalizedText.optional(),
    categories: z.array(CategoryDefinition).min(1).max(100),
  })
  .openapi('TrackDefinition');

export const InstitutionDefinition = z
  .object({
    slug: Slug,
    name: LocalizedText,
    /** Integer weight of the institution in the jury score. */
    weight: PositiveInt.default(1),
  })
  .openapi('InstitutionDefinition');

/** Words that site-wide pages use where an award's slug stands (e.g. /jury/invitations/…), so no award takes them. */
export const RESERVED_AWARD_SLUGS = ['invitations'];

export const AwardDefinition = z
  .object({
    format: z.literal('laurel-award/1'),
    slug: Slug.refine((s) => !RESERVED_AWARD_SLUGS.includes(s), 'this word is reserved for pages of the site'),
    /** IANA time zone in which instants are shown, e.g. Asia/Bishkek. */
    timeZone: z.string().min(1).max(64).default('UTC'),
    /** Languages the award is published in, the first being the default. */
    locales: z.array(Locale).min(1).max(12),
    name: LocalizedText,
    description: LocalizedText.optional(),
    organizer: LocalizedText.optional(),
    venue: LocalizedText.optional(),
    ceremonyDate: z.iso.date().optional(),
    website: z.url().optional(),
    schedule: Schedule.default({}),
    rules: Rules.default(Rules.parse({})),
    institutions: z.array(InstitutionDefinition).max(100).default([]),
    tracks: z.array(TrackDefinition).min(1).max(50),
  })
  .superRefine((def, ctx) => {
    const defaultLocale = def.locales[0];
    const requireDefault = (text: LocalizedText | undefined, path: (string | number)[]) => {
      if (text && defaultLocale && !(defaultLocale in text))
        ctx.addIssue({ code: 'custom', path, message: `needs the award's default language "${defaultLocale}"` });
    };
    requireDefault(def.name, ['name']);
    const seen = (kind: string) => {
      const set = new Set<string>();
      return (slug: string, path: (string | number)[]) => {
        if (set.has(slug)) ctx.addIssue({ code: 'custom', path, message: `duplicate ${kind} slug "${slug}"` });
        set.add(slug);
      };
    };
    const trackSlug = seen('track');
    const categorySlug = seen('category');
    const institutionSlug = seen('institution');
    def.institutions.forEach((inst, i) => institutionSlug(inst.slug, ['institutions', i, 'slug']));
    def.tracks.forEach((track, t) => {
      trackSlug(track.slug, ['tracks', t, 'slug']);
      requireDefault(track.name, ['tracks', t, 'name']);
      track.categories.forEach((cat, c) => {
        categorySlug(cat.slug, ['tracks', t, 'categories', c, 'slug']);
        requireDefault(cat.name, ['tracks', t, 'categories', c, 'name']);
        const nomineeSlug = seen('nominee');
        cat.nominees.forEach((nom, n) => {
          nomineeSlug(nom.slug, ['tracks', t, 'categories', c, 'nominees', n, 'slug']);
          requireDefault(nom.name, ['tracks', t, 'categories', c, 'nominees', n, 'name']);
        });
      });
    });
  })
  .openapi('AwardDefinition');
export type AwardDefinition = z.infer<typeof AwardDefinition>;
export type AwardDefinitionInput = z.input<typeof AwardDefinition>;
