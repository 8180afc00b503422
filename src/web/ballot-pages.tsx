/** @jsxImportSource hono/jsx */
/**
 * Page bodies of the public vote: the ballot of a track (one form, a fieldset per category), the page that asks
 * to verify first, the closed ballot, and the receipts shown after voting. Plain view data in, no database, no
 * request. Everything works without JavaScript; an error is shown in its category's fieldset and tied to it by
 * aria-describedby, and listed at the top with links to the fieldsets. No page shows any count of votes.
 */
import type { Lang, Translate } from '../i18n/messages';
import type { Picked } from './format';
import { AlertList, AwardCrumbs, Flash, langOf, Paragraphs, Text } from './pages';
import { type AwardRef, verifyHref } from './voter-pages';

const awardHref = (award: AwardRef) => `/a/${encodeURIComponent(award.slug)}`;
export const ballotHref = (award: AwardRef, track: string) => `${awardHref(award)}/vote/${encodeURIComponent(track)}`;
export const receiptHref = (award: AwardRef, receipt?: string) =>
  `${awardHref(award)}/receipt${receipt ? `?r=${encodeURIComponent(receipt)}` : ''}`;

export interface BallotNominee {
  slug: string;
  name: Picked;
  affiliation: Picked;
  region: Picked;
}

export interface BallotCategory {
  slug: string;
  name: Picked;
  description: Picked;
  /** Listed nominees, in the award's order. */
  nominees: BallotNominee[];
  /** The person has voted in this category already (their mark; nothing about what they chose). */
  voted: boolean;
  /** This form's fresh random nonce, for each category that takes a vote now. */
  nonce?: string | undefined;
}

export interface BallotView {
  award: AwardRef;
  track: { slug: string; name: Picked; description: Picked };
  voteChange: 'final' | 'last-counts';
  categories: BallotCategory[];
}

/** Whether the ballot offers a choice in this category: nominees to choose, and a vote that may still be cast. */
export const takesVote = (view: BallotView, cat: BallotCategory) =>
  cat.nominees.length > 0 && (!cat.voted || view.voteChange === 'last-counts');

/** Radio ids: unique on the page (category slugs are unique in an award, nominee slugs in a category). */
const choiceId = (cat: string, nominee: string) => `v-${cat}-${nominee}`;
const fieldsetId = (cat: string) => `cat-${cat}`;
const errorId = (cat: string) => `err-${cat}`;

function BallotCrumbs({ t, lang, view }: { t: Translate; lang: Lang; view: BallotView }) {
  return (
    <AwardCrumbs
      t={t}
      lang={lang}
      award={view.award}
      trail={[{ href: ballotHref(view.award, view.track.slug), label: t('award.vote') }]}
    />
  );
}

function Title({ t, view }: { t: Translate; view: BallotView }) {
  return <h1>{t('vote.title', { track: view.track.name.text })}</h1>;
}

function BackToAward({ t, view }: { t: Translate; view: BallotView }) {
  return (
    <p>
      <a href={`${awardHref(view.award)}#categories`}>{t('vote.back', { award: view.award.name.text })}</a>
    </p>
  );
}

/** The ballot of someone not verified: why, and the way to verify and come back to this ballot. */
export function BallotVerifyFirst({ t, lang, view }: { t: Translate; lang: Lang; view: BallotView }) {
  return (
    <>
      <BallotCrumbs t={t} lang={lang} view={view} />
      <Title t={t} view={view} />
      <p>{t('vote.verifyFirst')}</p>
      <p>
        <a class="button" href={verifyHref(view.award.slug, ballotHref(view.award, view.track.slug))}>
          {t('nominate.verifyLink')}
        </a>
      </p>
      <BackToAward t={t} view={view} />
    </>
  );
}

/** The ballot while the award takes no votes (before or after the voting window). */
export function BallotClosed({
  t,
  lang,
  view,
  receipts,
}: {
  t: Translate;
  lang: Lang;
  view: BallotView;
  /** Ballots exist (the vote has happened): link to the receipt check. */
  receipts: boolean;
}) {
  return (
    <>
      <BallotCrumbs t={t} lang={lang} view={view} />
      <Title t={t} view={view} />
      <Flash kind="alert">{t('vote.closed')}</Flash>
      {receipts ? (
        <p>
          <a href={receiptHref(view.award)}>{t('award.receipt')}</a>
        </p>
      ) : null}
      <BackToAward t={t} view={view} />
    </>
  );
}

function NomineeChoice({
  lang,
  cat,
  nominee,
  checked,
}: {
  lang: Lang;
  cat: BallotCategory;
  nominee: BallotNominee;
  checked: boolean;
}) {
  const details = [nominee.affiliation, nominee.region].filter((p) => p.text);
  return (
    <label class="choice">
      <input
        type="radio"
        name={`choice-${cat.slug}`}
        id={choiceId(cat.slug, nominee.slug)}
        value={nominee.slug}
        checked={checked}
      />
      <span>
        <span class="name" lang={langOf(nominee.name, lang)}>
          {nominee.name.text}
        </span>
        {details.length ? (
          <>
            <br />
            <span class="muted">
              {details.map((d, i) => (
                <>
                  {i > 0 ? ' · ' : null}
                  <Text text={d} page={lang} />
                </>
              ))}
            </span>
          </>
        ) : null}
      </span>
    </label>
  );
}

function CategoryFieldset({
  t,
  lang,
  view,
  cat,
  chosen,
  error,
}: {
  t: Translate;
  lang: Lang;
  view: BallotView;
  cat: BallotCategory;
  chosen: string | undefined;
  error: string | undefined;
}) {
  const open = takesVote(view, cat);
  const votedNote = cat.voted ? t(open ? 'vote.votedChange' : 'vote.voted') : undefined;
  return (
    <div class="group">
      <fieldset id={fieldsetId(cat.slug)} aria-describedby={error ? errorId(cat.slug) : undefined}>
        <legend lang={langOf(cat.name, lang)}>{cat.name.text}</legend>
        <Paragraphs text={cat.description} page={lang} class="muted" />
        {error ? (
          <p class="field-error" id={errorId(cat.slug)}>
            {error}
          </p>
        ) : null}
        {votedNote ? <p class="status">{votedNote}</p> : null}
        {cat.nominees.length === 0 ? <p>{t('vote.noNominees')}</p> : null}
        {open ? (
          <>
            <input type="hidden" name={`nonce-${cat.slug}`} value={cat.nonce} />
            {cat.nominees.map((n) => (
              <NomineeChoice lang={lang} cat={cat} nominee={n} checked={chosen === n.slug} />
            ))}
            <label class="choice">
              <input
                type="radio"
                name={`choice-${cat.slug}`}
                id={choiceId(cat.slug, 'none')}
                value=""
                checked={!chosen || !cat.nominees.some((n) => n.slug === chosen)}
              />
              <span>{t(cat.voted ? 'vote.keep' : 'vote.skip')}</span>
            </label>
          </>
        ) : null}
      </fieldset>
    </div>
  );
}

export function BallotPage({
  t,
  lang,
  view,
  token,
  chosen = {},
  errors = {},
  alert,
}: {
  t: Translate;
  lang: Lang;
  view: BallotView;
  token: string;
  /** The nominee chosen per category slug (a form shown again). */
  chosen?: Record<string, string>;
  /** A message per category slug. */
  errors?: Record<string, string>;
  /** A message about the whole form (nothing chosen). */
  alert?: string | undefined;
}) {
  const anyOpen = view.categories.some((cat) => takesVote(view, cat));
  const wrong = view.categories.filter((cat) => errors[cat.slug]);
  const firstOpen = view.categories.find((cat) => takesVote(view, cat));
  return (
    <>
      <BallotCrumbs t={t} lang={lang} view={view} />
      <Title t={t} view={view} />
      {alert ? (
        <div class="alert" role="alert" id="form-error">
          {alert}
          {firstOpen ? (
            <>
              {' '}
              <a href={`#${choiceId(firstOpen.slug, firstOpen.nominees[0]!.slug)}`} lang={langOf(firstOpen.name, lang)}>
                {firstOpen.name.text}
              </a>
            </>
          ) : null}
        </div>
      ) : null}
      {wrong.length ? (
        <AlertList
          id="error-summary"
          title={t('vote.errorSummary')}
          items={wrong.map((cat) => (
            <a href={`#${fieldsetId(cat.slug)}`}>
              <span lang={langOf(cat.name, lang)}>{cat.name.text}</span>: {errors[cat.slug]}
            </a>
          ))}
        />
      ) : null}
      <Paragraphs text={view.track.description} page={lang} class="muted" />
      {anyOpen ? (
        <>
          <p>{t('vote.intro')}</p>
          <p class="muted">{t(view.voteChange === 'final' ? 'vote.final' : 'vote.lastCounts')}</p>
        </>
      ) : (
        <Flash kind="notice">{t('vote.allVoted')}</Flash>
      )}
      <form method="post" action={ballotHref(view.award, view.track.slug)}>
        <input type="hidden" name="_csrf" value={token} />
        {view.categories.map((cat) => (
          <CategoryFieldset
            t={t}
            lang={lang}
            view={view}
            cat={cat}
            chosen={chosen[cat.slug]}
            error={errors[cat.slug]}
          />
        ))}
        {anyOpen ? (
          <>
            <p class="muted">{t('vote.receiptNote')}</p>
            <button type="submit">{t('vote.submit')}</button>
          </>
        ) : null}
      </form>
      <BackToAward t={t} view={view} />
    </>
  );
}

// ---------------------------------------------------------------------------------------------- receipts

/** A receipt in its readable form, breakable only between its groups of four (two lines on a narrow phone). */
export function ReceiptText({ receipt, id }: { receipt: string; id?: string }) {
  const groups = receipt.split('-');
  return (
    <p class="receipt" id={id} translate="no">
      {groups.map((g, i) =>
        i < groups.length - 1 ? (
          <>
            {g}-<wbr />
          </>
        ) : (
          g
        ),
      )}
    </p>
  );
}

export interface ReceiptItem {
  receipt: string;
  category: Picked;
  nominee: Picked;
}

export interface NotRecordedItem {
  category: Picked;
  message: string;
}

export function ReceiptsPage({
  t,
  lang,
  award,
  path,
  receipts,
  notRecorded,
  mailed,
}: {
  t: Translate;
  lang: Lang;
  award: AwardRef;
  /** This page's own address (it holds the receipts). */
  path: string;
  receipts: ReceiptItem[];
  notRecorded: NotRecordedItem[];
  /** The person verified by email: the receipts were mailed too. */
  mailed: boolean;
}) {
  return (
    <>
      <AwardCrumbs t={t} lang={lang} award={award} trail={[{ href: path, label: t('receipts.crumb') }]} />
      <h1>{t('receipts.title')}</h1>
      {notRecorded.length ? (
        <AlertList
          id="not-recorded"
          title={t('receipts.notRecorded')}
          items={notRecorded.map((n) => (
            <>
              <span lang={langOf(n.category, lang)}>{n.category.text}</span>: {n.message}
            </>
          ))}
        />
      ) : null}
      <p>{t('receipts.keep')}</p>
      <p>
        <strong>{t('receipts.notStored')}</strong>
      </p>
      {mailed ? <p>{t('receipts.mailed')}</p> : null}
      <ul class="cards">
        {receipts.map((r, i) => (
          <li>
            <dl>
              <dt>{t('receipts.category')}</dt>
              <dd lang={langOf(r.category, lang)}>{r.category.text}</dd>
              <dt>{t('receipts.choice')}</dt>
              <dd lang={langOf(r.nominee, lang)}>{r.nominee.text}</dd>
              <dt>{t('receipts.receipt')}</dt>
              <dd>
                <ReceiptText receipt={r.receipt} id={`receipt-${i + 1}`} />
              </dd>
            </dl>
            <a
              class="act"
              href={receiptHref(award, r.receipt)}
              aria-label={t('receipts.checkIn', { category: r.category.text })}
            >
              {t('receipts.check')}
            </a>
          </li>
        ))}
      </ul>
      <p>
        <a href={`${awardHref(award)}#categories`}>{t('receipts.more')}</a>
      </p>
    </>
  );
}
