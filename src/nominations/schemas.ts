/** zod schemas of the nominations API (also the OpenAPI source). */
import { z } from '@hono/zod-openapi';
import { LocalizedText } from '../ceremonies/schemas';
import { PathPart, SlugParam } from '../http/router';

export { SlugParam };

export const CategoryParams = SlugParam.extend({ category: PathPart('category', 'best-mentor') });
export const NomineeParams = SlugParam.extend({ nominee: PathPart('nominee') });

/** A name or text written in one language (taken as the award's default language) or in several. */
const TextInput = (max: number) => z.union([z.string().trim().min(1).max(max), LocalizedText]);

export const Proposal = z
  .object({
    name: TextInput(200),
    affiliation: TextInput(300).optional(),
    region: TextInput(200).optional(),
    citation: TextInput(4000).optional(),
    /** The nominee's address (or a guardian's, in categories open to minors), to ask for consent to be listed. */
    contact: z.string().trim().min(3).max(254).optional(),
    /** The contact is a guardian's (only in categories whose nominees may be minors). */
    guardian: z.boolean().optional(),
  })
  .openapi('NomineeProposal');
export type Proposal = z.infer<typeof Proposal>;

export const NominationInput = z
  .object({
    /** Support for a listed nominee: its id or slug. */
    nominee: z.string().min(1).max(64).optional(),
    /** A new nominee, to be moderated. */
    proposal: Proposal.optional(),
    /** Why: shown to organizers only. Required unless the award's rules say otherwise. */
    reason: z.string().trim().max(2000).optional(),
  })
  .refine((v) => (v.nominee === undefined) !== (v.proposal === undefined), {
    message: 'give either "nominee" (an existing nominee) or "proposal" (a new one), not both',
    path: ['nominee'],
  })
  .openapi('NominationInput');
export type NominationInput = z.infer<typeof NominationInput>;

const NomineeRef = z.object({ id: z.string(), slug: z.string(), status: z.string(), name: LocalizedText });

export const NominationCreated = z
  .object({
    id: z.string(),
    status: z.enum(['pending', 'accepted', 'rejected']),
    slot: z.number().int(),
    category: z.string(),
    nominee: NomineeRef,
  })
  .openapi('NominationCreated');

export const MyNomination = z
  .object({
    id: z.string(),
    category: z.object({ id: z.string(), slug: z.string(), name: LocalizedText }),
    nominee: NomineeRef,
    status: z.enum(['pending', 'accepted', 'rejected']),
    /** Why a rejected nomination is: its nominee was rejected, or it was a duplicate set aside in a merge. */
    decision: z.enum(['nominee-rejected', 'merged']).nullable(),
    reason: z.string(),
    createdAt: z.string(),
  })
  .openapi('MyNomination');

export const ModerationNominee = z
  .object({
    id: z.string(),
    slug: z.string(),
    category: z.string(),
    status: z.string(),
    consent: z.string(),
    name: LocalizedText,
    affiliation: LocalizedText.optional(),
    region: LocalizedText.optional(),
    citation: LocalizedText.optional(),
    dedupeKey: z.string(),
    /** Whether a contact address is on file (the address itself is not shown). */
    contact: z.enum(['present', 'absent']),
    guardian: z.boolean(),
    /** Distinct people whose nomination of this nominee stands. */
    nominations: z.number().int(),
    /** Reasons given by the nominators (pending nominees only). */
    reasons: z.array(z.string()).optional(),
  })
  .openapi('ModerationNominee');

export const ModerationQueue = z
  .object({
    phase: z.string(),
    counts: z.object({
      pending: z.number().int(),
      accepted: z.number().int(),
      rejected: z.number().int(),
      nominations: z.number().int(),
    }),
    /** Pending nominees grouped by category and dedupe key; accepted nominees with the same key are in `matches`. */
    groups: z.array(
      z.object({
        category: z.string(),
        dedupeKey: z.string(),
        nominees: z.array(ModerationNominee),
        matches: z.array(ModerationNominee),
      }),
    ),
    accepted: z.array(ModerationNominee),
  })
  .openapi('ModerationQueue');

export const RejectInput = z.object({ reason: z.string().trim().min(1).max(2000) }).openapi('NomineeRejection');
export const MergeInput = z
  .object({ into: z.string().min(1).max(64).openapi({ description: 'The nominee that stays (id)' }) })
  .openapi('NomineeMerge');

export const ProposalPatch = z
  .object({
    name: LocalizedText.optional(),
    affiliation: LocalizedText.optional(),
    region: LocalizedText.optional(),
    citation: LocalizedText.optional(),
  })
  .refine((v) => Object.values(v).some((x) => x !== undefined), 'change at least one text')
  .openapi('NomineeTextsPatch');

export const EventHead = z.object({ seq: z.number().int(), hash: z.string() });
export const Appended = z.object({ event: EventHead });
export const Imported = z
  .object({
    imported: z.number().int(),
    /** Nominees with a contact whose consent request was queued (the others with a contact wait for a resend). */
    consentRequested: z.number().int(),
    event: EventHead,
  })
  .openapi('NomineesImported');
