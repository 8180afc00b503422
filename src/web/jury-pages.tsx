/** @jsxImportSource hono/jsx */
/**
 * Page bodies of the juror portal: the invitation behind the mailed link, the page of a link that no longer
 * works, the portal's sign-in (a new link by mail), the portal with the juror's categories, and the score sheet
 * of one category (declaration of conflicts, rubric scores or a ranking, submission, the locked sheet).
 *
 * Plain view data in, no database, no request. Every form works without JavaScript and carries the CSRF token;
 * an error is shown at the top and next to the inputs it is about, tied to them by aria-describedby. A juror's
 * own scores are the only scores these pages ever show.
 */
import type { ConflictKind } from '../jury/service';
import type { Lang, Translate } from '../i18n/messages';
import type { Picked } from './format';
import { AwardCrumbs, EmailInput, Flash, langOf, Text } from './pages';
import type { AwardRef } from './voter-pages';

export const portalHref = (slug: string) => `/jury/${encodeURIComponent(slug)}`;
export const sheetHref = (slug: string, category: string) => `${portalHref(slug)}/${encodeURIComponent(category)}`;

/** Where judging stands: before the vote closes, open, or over (by phase or by the judging window). */
export type JudgingStage = 'not-yet' | 'open' | 'closed';

function Csrf({ token }: { token: string }) {
  return <input type="hidden" name="_csrf" value={token} />;
}

/** Award text, marked with its own language when it is not the page's. */
function Named({ text, lang, class: cls }: { text: Picked; lang: Lang; class?: string }) {
  return (
    <span class={cls} lang={langOf(text, lang)}>
      {text.text}
    </span>
  );
}

function JuryCrumbs({
  t,
  lang,
  award,
  category,
}: {
  t: Translate;
  lang: Lang;
  award: AwardRef;
  category?: { slug: string; name: Picked };
}) {
  const trail: { href: string; label: string | Picked }[] = [{ href: portalHref(award.slug), label: t('jury.portal') }];
  if (category) trail.push({ href: sheetHref(award.slug, category.slug), label: category.name });
  return <AwardCrumbs t={t} lang={lang} award={award} trail={trail} />;
}

function BackToPortal({ t, award }: { t: Translate; award: AwardRef }) {
  return (
    <p>
      <a href={portalHref(award.slug)}>{t('jury.back')}</a>
    </p>
  );
}

// ---------------------------------------------------------------------------------------------- invitation

export interface InvitationView {
  award: AwardRef;
  juror: string;
  institution: Picked;
  categories: Picked[];
  /** Until when the link can be spent, formatted. */
  until: string;
  /** How long the session lasts that the link opens. */
  hours: number;
  /** Where the form posts: the link itself. */
  action: string;
}

export function InvitationPage({
  t,
  lang,
  view,
  token,
}: {
  t: Translate;
  lang: Lang;
  view: InvitationView;
  token: string;
}) {
  return (
    <>
      <h1>{t('jury.invite.title')}</h1>
      <p>{t('jury.invite.intro')}</p>
      <dl class="facts">
        <dt>{t('jury.invite.award')}</dt>
        <dd>
          <Named text={view.award.name} lang={lang} />
        </dd>
        <dt>{t('jury.invite.juror')}</dt>
        <dd>{view.juror}</dd>
        <dt>{t('jury.invite.institution')}</dt>
        <dd>
          <Named text={view.institution} lang={lang} />
        </dd>
        <dt>{t('jury.invite.categories')}</dt>
        <dd>
          {view.categories.map((c, i) => (
            <>
              {i > 0 ? ', ' : null}
              <Text text={c} page={lang} />
            </>
          ))}
        </dd>
      </dl>
      <p>{t('jury.invite.once', { hours: view.hours, time: view.until })}</p>
      <form method="post" action={view.action}>
        <Csrf token={token} />
        <button type="submit">{t('jury.invite.enter')}</button>
      </form>
      <p class="muted">{t('jury.invite.notYou')}</p>
    </>
  );
}

/** A link that does not work: invalid or expired (the award unknown), or spent (a new one can be asked for). */
export function LinkProblemPage({
  t,
  kind,
  award,
}: {
  t: Translate;
  kind: 'invalid' | 'spent';
  award?: AwardRef | undefined;
}) {
  return (
    <>
      <h1>{t(kind === 'spent' ? 'jury.link.spentTitle' : 'jury.link.invalidTitle')}</h1>
      <p>{t(kind === 'spent' ? 'jury.link.spent' : 'jury.link.invalid')}</p>
      <p>
        {award ? (
          <a class="button" href={portalHref(award.slug)}>
            {t('jury.link.request')}
          </a>
        ) : (
          <a href="/">{t('error.home')}</a>
        )}
      </p>
    </>
  );
}

// ---------------------------------------------------------------------------------------------- portal

export interface SignInMessages {
  /** The address typed (a form shown again). */
  email?: string | undefined;
  /** What is wrong with the address or the request. */
  error?: string | undefined;
  /** A new link was asked for this address (the answer never says whether it is a juror's). */
  sent?: string | undefined;
  /** Why the page is shown instead of what was asked for (a form posted without a session). */
  alert?: string | undefined;
}

/** The portal of a browser without a juror session for the award: ask for a new link by mail. */
export function JurySignInPage({
  t,
  lang,
  award,
  token,
  messages = {},
}: {
  t: Translate;
  lang: Lang;
  award: AwardRef;
  token: string;
  messages?: SignInMessages;
}) {
  return (
    <>
      <JuryCrumbs t={t} lang={lang} award={award} />
      <h1>{t('jury.portal')}</h1>
      {messages.alert ? <Flash kind="alert">{messages.alert}</Flash> : null}
      {messages.sent ? <Flash kind="notice">{t('jury.signin.sent', { email: messages.sent })}</Flash> : null}
      <p>{t('jury.signin.intro')}</p>
      <form method="post" action={`${portalHref(award.slug)}/link`}>
        <Csrf token={token} />
        <label for="email">{t('jury.signin.email')}</label>
        {messages.error ? (
          <p class="field-error" id="email-error">
            {messages.error}
          </p>
        ) : null}
        <EmailInput value={messages.email} describedBy={messages.error ? 'email-error' : undefined} />
        <button type="submit">{t('jury.signin.send')}</button>
      </form>
    </>
  );
}

export interface PortalSheetItem {
  slug: string;
  name: Picked;
  declared: boolean;
  submitted: boolean;
  /** Finalists of the category (none until the vote closes, or until organizers pick them). */
  finalists: number;
  /** Finalists judged among those the juror may judge. */
  done: number;
  of: number;
}

export interface PortalView {
  award: AwardRef;
  juror: string;
  institution: Picked;
  stage: JudgingStage;
  /** When judging closes, formatted; absent when no end is set. */
  closes?: string | undefined;
  mode: 'rubric' | 'ranking';
  sheets: PortalSheetItem[];
}

/** The state of one sheet on the portal, in words. */
function sheetState(t: Translate, view: PortalView, s: PortalSheetItem): string {
  if (s.submitted) return t('jury.state.submitted');
  if (view.stage === 'not-yet') return t('jury.state.waiting');
  if (view.stage === 'closed') return t('jury.state.unsubmitted');
  if (s.finalists === 0) return t('jury.noFinalists');
  if (!s.declared) return t('jury.state.undeclared');
  return t(view.mode === 'rubric' ? 'jury.state.scored' : 'jury.state.ranked', { done: s.done, of: s.of });
}

export function PortalPage({ t, lang, view }: { t: Translate; lang: Lang; view: PortalView }) {
  const stage = { 'not-yet': 'jury.portal.notYet', open: 'jury.portal.how', closed: 'jury.portal.closed' } as const;
  return (
    <>
      <JuryCrumbs t={t} lang={lang} award={view.award} />
      <h1>{t('jury.portal')}</h1>
      <p>
        <Named text={view.award.name} lang={lang} class="status" />
      </p>
      <p>{t('jury.portal.who', { name: view.juror, institution: view.institution.text })}</p>
      {view.closes && view.stage !== 'closed' ? <p>{t('jury.portal.closes', { time: view.closes })}</p> : null}
      {view.stage === 'open' ? <p>{t(stage.open)}</p> : <Flash kind="notice">{t(stage[view.stage])}</Flash>}
      <h2 id="categories">{t('jury.portal.categories')}</h2>
      {view.sheets.length === 0 ? (
        <p>{t('jury.portal.none')}</p>
      ) : (
        <ul class="cards" aria-labelledby="categories">
          {view.sheets.map((s) => (
            <li>
              <p class="card-title">
                <a href={sheetHref(view.award.slug, s.slug)} lang={langOf(s.name, lang)}>
                  {s.name.text}
                </a>
              </p>
              <p class="status">{sheetState(t, view, s)}</p>
            </li>
          ))}
        </ul>
      )}
    </>
  );
}

// ---------------------------------------------------------------------------------------------- score sheet

export interface CriterionView {
  id: string;
  /** The criterion's label in the page language, or its id when the award gives none. */
  label: Picked;
  weight: number;
}

export type JuryModeView =
  | { mode: 'rubric'; scale: readonly [number, number]; criteria: CriterionView[]; totalWeight: number }
  | { mode: 'ranking' };

export interface SheetFinalist {
  slug: string;
  name: Picked;
  affiliation: Picked;
  /** The juror's own conflict, their institution's, or none. */
  conflict: ConflictKind | null;
  /** Rubric: the juror's own saved scores. */
  scores?: Record<string, number> | undefined;
  /** Ranking: the juror's saved rank of this finalist among those they may judge (1 is best). */
  rank?: number | undefined;
}

export interface SheetView {
  award: AwardRef;
  category: { slug: string; name: Picked };
  stage: JudgingStage;
  declared: boolean;
  submitted: boolean;
  jury: JuryModeView;
  finalists: SheetFinalist[];
  /** Finalists the juror may judge and has not scored (or ranked) yet. */
  left: number;
}

export interface SheetMessages {
  notice?: string | undefined;
  alert?: string | undefined;
  /** A rubric form shown again: its finalist, the values sent, the criteria in error. */
  scores?: { nominee: string; values: Record<string, string>; invalid: string[] } | undefined;
  /** The ranking form shown again: the ranks sent, the finalists in error. */
  ranks?: { values: Record<string, string>; invalid: string[] } | undefined;
}

const finalistId = (slug: string) => `fin-${slug}`;
const scoreId = (nominee: string, criterion: string) => `s-${nominee}-${criterion}`;
const rankId = (nominee: string) => `r-${nominee}`;

function FinalistName({ f, lang }: { f: SheetFinalist; lang: Lang }) {
  return (
    <>
      <Named text={f.name} lang={lang} class="name" />
      {f.affiliation.text ? (
        <>
          <br />
          <Named text={f.affiliation} lang={lang} class="muted" />
        </>
      ) : null}
    </>
  );
}

/** The head of a finalist's card without a form: the name, then the affiliation if any. */
function CardTitle({ f, lang }: { f: SheetFinalist; lang: Lang }) {
  return (
    <>
      <p class="card-title">
        <Named text={f.name} lang={lang} class="status" />
      </p>
      {f.affiliation.text ? (
        <p class="muted">
          <Text text={f.affiliation} page={lang} />
        </p>
      ) : null}
    </>
  );
}

/** The card of a finalist the juror does not judge: why, and no inputs. */
function ConflictCard({ t, lang, f }: { t: Translate; lang: Lang; f: SheetFinalist }) {
  return (
    <li id={finalistId(f.slug)}>
      <CardTitle f={f} lang={lang} />
      <p class="status">{t(f.conflict === 'institution' ? 'jury.conflict.institution' : 'jury.conflict.juror')}</p>
    </li>
  );
}

/** A checkbox per finalist the juror may still declare a conflict with; known conflicts are only listed. */
function ConflictBoxes({ t, lang, finalists }: { t: Translate; lang: Lang; finalists: SheetFinalist[] }) {
  return (
    <fieldset>
      <legend>{t('jury.finalists')}</legend>
      {finalists.map((f) =>
        f.conflict ? (
          <p>
            <FinalistName f={f} lang={lang} />
            <br />
            {t(f.conflict === 'institution' ? 'jury.conflict.institution' : 'jury.conflict.juror')}
          </p>
        ) : (
          <label class="choice">
            <input type="checkbox" name={`conflict-${f.slug}`} value="yes" id={`c-${f.slug}`} />
            <span>
              <FinalistName f={f} lang={lang} />
              <br />
              {t('jury.declare.box')}
            </span>
          </label>
        ),
      )}
    </fieldset>
  );
}

function DeclarationForm({ t, lang, view, token }: { t: Translate; lang: Lang; view: SheetView; token: string }) {
  return (
    <section aria-labelledby="declare">
      <h2 id="declare">{t('jury.declare.title')}</h2>
      <p>{t('jury.declare.intro')}</p>
      <p class="muted">{t('jury.declare.what')}</p>
      <form method="post" action={`${sheetHref(view.award.slug, view.category.slug)}/conflicts`}>
        <Csrf token={token} />
        <ConflictBoxes t={t} lang={lang} finalists={view.finalists} />
        <p class="hint">{t('jury.declare.none')}</p>
        <button type="submit">{t('jury.declare.submit')}</button>
      </form>
    </section>
  );
}

/** A later declaration: conflicts can be added until the sheet is submitted, never taken back. */
function MoreConflicts({ t, lang, view, token }: { t: Translate; lang: Lang; view: SheetView; token: string }) {
  const open = view.finalists.filter((f) => !f.conflict);
  if (open.length === 0) return null;
  return (
    <details>
      <summary>{t('jury.declare.more')}</summary>
      <p class="muted">{t('jury.declare.what')}</p>
      <form method="post" action={`${sheetHref(view.award.slug, view.category.slug)}/conflicts`}>
        <Csrf token={token} />
        <input type="hidden" name="add" value="1" />
        <ConflictBoxes t={t} lang={lang} finalists={open} />
        <button type="submit" class="secondary">
          {t('jury.declare.moreSubmit')}
        </button>
      </form>
    </details>
  );
}

function RubricCard({
  t,
  lang,
  view,
  jury,
  f,
  editable,
  token,
  again,
}: {
  t: Translate;
  lang: Lang;
  view: SheetView;
  jury: Extract<JuryModeView, { mode: 'rubric' }>;
  f: SheetFinalist;
  editable: boolean;
  token: string;
  again?: SheetMessages['scores'];
}) {
  if (f.conflict) return <ConflictCard t={t} lang={lang} f={f} />;
  const label = (k: CriterionView) =>
    t('jury.rubric.criterion', { label: k.label.text, weight: k.weight, total: jury.totalWeight });
  const status = <p class="status">{t(f.scores ? 'jury.rubric.saved' : 'jury.rubric.unscored')}</p>;
  if (!editable)
    return (
      <li id={finalistId(f.slug)}>
        <CardTitle f={f} lang={lang} />
        {f.scores ? (
          <dl class="facts">
            {jury.criteria.map((k) => (
              <>
                <dt>{label(k)}</dt>
                <dd>{f.scores?.[k.id] ?? '—'}</dd>
              </>
            ))}
          </dl>
        ) : (
          status
        )}
      </li>
    );
  const mine = again?.nominee === f.slug ? again : undefined;
  const errorId = `err-${f.slug}`;
  const [min, max] = jury.scale;
  return (
    <li id={finalistId(f.slug)}>
      <form
        method="post"
        action={`${sheetHref(view.award.slug, view.category.slug)}/scores/${encodeURIComponent(f.slug)}`}
        class="tight"
      >
        <Csrf token={token} />
        <fieldset aria-describedby={mine ? errorId : undefined}>
          <legend lang={langOf(f.name, lang)}>{f.name.text}</legend>
          {f.affiliation.text ? (
            <p class="muted">
              <Text text={f.affiliation} page={lang} />
            </p>
          ) : null}
          {mine ? (
            <p class="field-error" id={errorId}>
              {t('jury.error.scores', { min, max })}
            </p>
          ) : null}
          {status}
          {jury.criteria.map((k) => {
            const id = scoreId(f.slug, k.id);
            const value = mine ? mine.values[k.id] : f.scores?.[k.id]?.toString();
            const invalid = !!mine?.invalid.includes(k.id);
            return (
              <>
                <label for={id}>{label(k)}</label>
                <input
                  id={id}
                  name={`score-${k.id}`}
                  type="number"
                  inputmode="numeric"
                  min={min}
                  max={max}
                  step={1}
                  required
                  class="short"
                  value={value}
                  aria-invalid={invalid ? 'true' : undefined}
                  aria-describedby={invalid ? errorId : undefined}
                />
              </>
            );
          })}
          <button type="submit" aria-label={t('jury.rubric.saveName', { name: f.name.text })}>
            {t('jury.rubric.save')}
          </button>
        </fieldset>
      </form>
    </li>
  );
}

function RankingForm({
  t,
  lang,
  view,
  token,
  again,
}: {
  t: Translate;
  lang: Lang;
  view: SheetView;
  token: string;
  again?: SheetMessages['ranks'];
}) {
  const eligible = view.finalists.filter((f) => !f.conflict);
  const ranks = eligible.map((_, i) => i + 1);
  return (
    <form method="post" action={`${sheetHref(view.award.slug, view.category.slug)}/ranking`}>
      <Csrf token={token} />
      <fieldset aria-describedby={again ? 'rank-error' : undefined}>
        <legend>{t('jury.finalists')}</legend>
        {eligible.map((f) => {
          const chosen = again ? again.values[f.slug] : f.rank?.toString();
          const invalid = !!again?.invalid.includes(f.slug);
          return (
            <div id={finalistId(f.slug)}>
              <label for={rankId(f.slug)}>{t('jury.ranking.rank', { name: f.name.text })}</label>
              {f.affiliation.text ? (
                <p class="hint">
                  <Text text={f.affiliation} page={lang} />
                </p>
              ) : null}
              <select
                id={rankId(f.slug)}
                name={`rank-${f.slug}`}
                required
                class="short"
                aria-invalid={invalid ? 'true' : undefined}
                aria-describedby={invalid ? 'rank-error' : undefined}
              >
                <option value="">{t('jury.ranking.choose')}</option>
                {ranks.map((r) => (
                  <option value={String(r)} selected={chosen === String(r)}>
                    {r}
                  </option>
                ))}
              </select>
            </div>
          );
        })}
      </fieldset>
      <button type="submit">{t('jury.ranking.save')}</button>
    </form>
  );
}

/** The juror's own ranking, read-only: ranked finalists best first. */
function RankingList({ t, lang, view }: { t: Translate; lang: Lang; view: SheetView }) {
  const ranked = view.finalists.filter((f) => !f.conflict && f.rank !== undefined).sort((a, b) => a.rank! - b.rank!);
  if (ranked.length === 0) return null;
  return (
    <>
      <h2 id="ranking">{t('jury.yourRanking')}</h2>
      <ol aria-labelledby="ranking">
        {ranked.map((f) => (
          <li>
            <FinalistName f={f} lang={lang} />
          </li>
        ))}
      </ol>
    </>
  );
}

function SubmitForm({ t, view, token }: { t: Translate; view: SheetView; token: string }) {
  return (
    <section aria-labelledby="submit">
      <h2 id="submit">{t('jury.submit.title')}</h2>
      <p>{t('jury.submit.intro')}</p>
      {view.left > 0 ? (
        <p class="status">
          {t(view.jury.mode === 'rubric' ? 'jury.submit.leftScore' : 'jury.submit.leftRank', { count: view.left })}
        </p>
      ) : null}
      <form method="post" action={`${sheetHref(view.award.slug, view.category.slug)}/submit`}>
        <Csrf token={token} />
        <button type="submit">{t('jury.submit.button')}</button>
      </form>
    </section>
  );
}

/** What the sheet shows once it cannot change (submitted, or judging over) or before it opens. */
function SheetState({ t, view }: { t: Translate; view: SheetView }) {
  if (view.submitted) return <Flash kind="notice">{t('jury.submitted')}</Flash>;
  if (view.stage === 'not-yet') return <Flash kind="notice">{t('jury.portal.notYet')}</Flash>;
  if (view.stage === 'closed')
    return (
      <Flash kind="alert">
        {t('jury.closed')} {t(view.declared ? 'jury.closedUnsubmitted' : 'jury.closedUndeclared')}
      </Flash>
    );
  return null;
}

export function SheetPage({
  t,
  lang,
  view,
  token,
  messages = {},
}: {
  t: Translate;
  lang: Lang;
  view: SheetView;
  token: string;
  messages?: SheetMessages;
}) {
  // Nothing to declare or judge before the category has finalists: an empty sheet is never offered for submission.
  const noFinalists = view.finalists.length === 0;
  const editable = view.stage === 'open' && view.declared && !view.submitted && !noFinalists;
  const jury = view.jury;
  return (
    <>
      <JuryCrumbs t={t} lang={lang} award={view.award} category={view.category} />
      <h1 lang={langOf(view.category.name, lang)}>{view.category.name.text}</h1>
      {messages.alert ? (
        <Flash kind="alert" id="form-error">
          {messages.alert}
        </Flash>
      ) : null}
      {messages.notice ? <Flash kind="notice">{messages.notice}</Flash> : null}
      <SheetState t={t} view={view} />
      {noFinalists && view.stage !== 'not-yet' ? <p>{t('jury.noFinalists')}</p> : null}
      {view.stage === 'open' && !view.declared && !noFinalists ? (
        <DeclarationForm t={t} lang={lang} view={view} token={token} />
      ) : null}
      {view.declared && view.stage !== 'not-yet' && !noFinalists ? (
        <>
          {editable ? (
            <p>
              {jury.mode === 'rubric'
                ? t('jury.rubric.intro', { min: jury.scale[0], max: jury.scale[1] })
                : t('jury.ranking.intro')}
            </p>
          ) : null}
          {jury.mode === 'rubric' ? (
            <ul class="cards">
              {view.finalists.map((f) => (
                <RubricCard
                  t={t}
                  lang={lang}
                  view={view}
                  jury={jury}
                  f={f}
                  editable={editable}
                  token={token}
                  again={messages.scores}
                />
              ))}
            </ul>
          ) : (
            <>
              {messages.ranks ? (
                <p class="field-error" id="rank-error">
                  {messages.alert}
                </p>
              ) : null}
              {editable ? (
                <RankingForm t={t} lang={lang} view={view} token={token} again={messages.ranks} />
              ) : (
                <RankingList t={t} lang={lang} view={view} />
              )}
              {view.finalists.some((f) => f.conflict) ? (
                <ul class="cards">
                  {view.finalists
                    .filter((f) => f.conflict)
                    .map((f) => (
                      <ConflictCard t={t} lang={lang} f={f} />
                    ))}
                </ul>
              ) : null}
            </>
          )}
          {editable ? <MoreConflicts t={t} lang={lang} view={view} token={token} /> : null}
          {editable ? <SubmitForm t={t} view={view} token={token} /> : null}
        </>
      ) : null}
      <BackToPortal t={t} award={view.award} />
    </>
  );
}
