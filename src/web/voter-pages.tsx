/** @jsxImportSource hono/jsx */
/**
 * Page bodies of the public's own pages: verifying for an award (emailed code, personal roll code or an OpenID
 * Connect login), the nominate form and "my nominations". Plain view data in, no database, no request. Every
 * form works without JavaScript; an error is shown next to its field, tied to it by aria-describedby, and the
 * nominate form also lists its errors at the top with links to the fields.
 */
import type { Child } from 'hono/jsx';
import type { Lang, MessageKey, Translate } from '../i18n/messages';
import type { Picked } from './format';
import { AlertList, AwardCrumbs, EmailInput, Flash, langOf, Text } from './pages';

export interface AwardRef {
  slug: string;
  name: Picked;
}

const awardHref = (award: AwardRef) => `/a/${encodeURIComponent(award.slug)}`;
export const verifyHref = (slug: string, returnTo: string) =>
  `/a/${encodeURIComponent(slug)}/verify?return_to=${encodeURIComponent(returnTo)}`;

/** The message of a field, announced and referenced by the field's aria-describedby. */
function FieldError({ id, message }: { id: string; message?: string | undefined }) {
  if (!message) return null;
  return (
    <p class="field-error" id={id}>
      {message}
    </p>
  );
}

/** aria-describedby of a field: its hint and, when there is one, its error. */
const describedBy = (...ids: (string | false | undefined)[]) => ids.filter(Boolean).join(' ') || undefined;

function Hidden({ token, returnTo }: { token: string; returnTo?: string }) {
  return (
    <>
      <input type="hidden" name="_csrf" value={token} />
      {returnTo !== undefined ? <input type="hidden" name="return_to" value={returnTo} /> : null}
    </>
  );
}

// ---------------------------------------------------------------------------------------------- verification

export interface VerifyView {
  award: AwardRef;
  method: 'email' | 'roll' | 'oidc';
  /** A path on this site, already checked. */
  returnTo: string;
  /** The OpenID Connect issuer's host name, for the oidc method. */
  issuer?: string | undefined;
  /** The start of the OpenID Connect login, for the oidc method. */
  oidcHref?: string | undefined;
  /** When the browser already holds a voter session for this award: until when, formatted. */
  verifiedUntil?: string | undefined;
}

export interface VerifyErrors {
  email?: string | undefined;
  roll?: string | undefined;
  /** A refusal that belongs to no field (wrong method, not open). */
  form?: string | undefined;
}

function EmailForm({
  t,
  view,
  token,
  email,
  error,
}: {
  t: Translate;
  view: VerifyView;
  token: string;
  email?: string | undefined;
  error?: string | undefined;
}) {
  return (
    <form method="post" action={`${awardHref(view.award)}/verify/email`}>
      <Hidden token={token} returnTo={view.returnTo} />
      <label for="email">{t('verify.email')}</label>
      <FieldError id="email-error" message={error} />
      <EmailInput value={email} describedBy={describedBy(error && 'email-error')} />
      <button type="submit">{t('verify.send')}</button>
    </form>
  );
}

export function VerifyPage({
  t,
  lang,
  view,
  token,
  email,
  errors = {},
}: {
  t: Translate;
  lang: Lang;
  view: VerifyView;
  token: string;
  email?: string | undefined;
  errors?: VerifyErrors;
}) {
  const href = awardHref(view.award);
  return (
    <>
      <AwardCrumbs
        t={t}
        lang={lang}
        award={view.award}
        trail={[{ href: verifyHref(view.award.slug, view.returnTo), label: t('verify.title') }]}
      />
      <h1>{t('verify.title')}</h1>
      {errors.form ? (
        <Flash kind="alert" id="form-error">
          {errors.form}
        </Flash>
      ) : null}
      {view.verifiedUntil ? (
        <Flash kind="notice">
          {t('verify.already', { time: view.verifiedUntil })} <a href={view.returnTo}>{t('verify.continue')}</a>
        </Flash>
      ) : null}
      <p>{t('verify.why')}</p>
      {view.method === 'oidc' ? (
        <>
          <p>{t('verify.oidcIntro', { issuer: view.issuer ?? '' })}</p>
          <p>
            <a class="button" href={view.oidcHref}>
              {t('verify.oidcButton', { issuer: view.issuer ?? '' })}
            </a>
          </p>
        </>
      ) : null}
      {view.method === 'roll' ? (
        <>
          <p>{t('verify.rollIntro')}</p>
          <form method="post" action={`${href}/verify/roll`}>
            <Hidden token={token} returnTo={view.returnTo} />
            <label for="roll-code">{t('verify.rollCode')}</label>
            <p class="hint" id="roll-hint">
              {t('verify.rollHint')}
            </p>
            <FieldError id="roll-error" message={errors.roll} />
            <input
              id="roll-code"
              name="code"
              type="text"
              autocomplete="off"
              autocapitalize="characters"
              spellcheck={false}
              required
              maxlength={32}
              class="medium"
              aria-invalid={errors.roll ? 'true' : undefined}
              aria-describedby={describedBy('roll-hint', errors.roll && 'roll-error')}
            />
            <button type="submit">{t('verify.rollSubmit')}</button>
          </form>
          <h2 id="by-email">{t('verify.rollByEmail')}</h2>
          <p>{t('verify.rollEmailIntro')}</p>
          <EmailForm t={t} view={view} token={token} email={email} error={errors.email} />
        </>
      ) : null}
      {view.method === 'email' ? (
        <>
          <p>{t('verify.emailIntro')}</p>
          <EmailForm t={t} view={view} token={token} email={email} error={errors.email} />
        </>
      ) : null}
    </>
  );
}

export function VerifyCodePage({
  t,
  lang,
  view,
  token,
  email,
  error,
}: {
  t: Translate;
  lang: Lang;
  view: VerifyView;
  token: string;
  email: string;
  error?: string | undefined;
}) {
  const href = awardHref(view.award);
  return (
    <>
      <AwardCrumbs
        t={t}
        lang={lang}
        award={view.award}
        trail={[{ href: verifyHref(view.award.slug, view.returnTo), label: t('verify.title') }]}
      />
      <h1>{t('verify.codeTitle')}</h1>
      {error ? null : (
        <Flash kind="notice">{t(view.method === 'roll' ? 'verify.codeSentRoll' : 'verify.codeSent', { email })}</Flash>
      )}
      <form method="post" action={`${href}/verify/code`}>
        <Hidden token={token} returnTo={view.returnTo} />
        <input type="hidden" name="email" value={email} />
        <label for="code">{t('login.code')}</label>
        <p class="hint" id="code-hint">
          {t('login.codeHint')}
        </p>
        <FieldError id="code-error" message={error} />
        <input
          id="code"
          name="code"
          type="text"
          inputmode="numeric"
          autocomplete="one-time-code"
          pattern="\s*[0-9]{3}\s?[0-9]{3}\s*"
          maxlength={9}
          required
          class="short"
          aria-invalid={error ? 'true' : undefined}
          aria-describedby={describedBy('code-hint', error && 'code-error')}
        />
        <button type="submit">{t('verify.submit')}</button>
      </form>
      <p>
        <a href={verifyHref(view.award.slug, view.returnTo)}>{t('verify.otherEmail')}</a>
      </p>
    </>
  );
}

// ---------------------------------------------------------------------------------------------- nominating

export interface CategoryRef {
  slug: string;
  name: Picked;
}

export interface ListedNominee {
  slug: string;
  name: Picked;
  affiliation: Picked;
}

export interface NominateView {
  award: AwardRef;
  category: CategoryRef;
  listed: ListedNominee[];
  /** The category is open to minors: the contact may be a parent's or guardian's. */
  minorsAllowed: boolean;
  requireReason: boolean;
  /** Nominations one person may make in the category. */
  cap: number;
}

export const NOMINATE_FIELDS = [
  'nominee',
  'name',
  'affiliation',
  'region',
  'citation',
  'contact',
  'guardian',
  'reason',
] as const;
export type NominateField = (typeof NOMINATE_FIELDS)[number];
export type NominateErrors = Partial<Record<NominateField, string>>;

/** Where the error summary's link for a field goes: the field itself (a radio group: its first choice). */
const fieldAnchor = (field: NominateField, view: NominateView) =>
  field === 'nominee' ? `nominee-${view.listed[0]?.slug ?? 'new'}` : field;

function NominateCrumbs({ t, lang, view, last }: { t: Translate; lang: Lang; view: NominateView; last: string }) {
  const href = awardHref(view.award);
  const cat = `${href}/${encodeURIComponent(view.category.slug)}`;
  return (
    <AwardCrumbs
      t={t}
      lang={lang}
      award={view.award}
      trail={[
        { href: cat, label: view.category.name },
        { href: `${cat}/nominate`, label: last },
      ]}
    />
  );
}

/** The crumbs and heading of every variant of the nominate page. */
function NominateHeader({ t, lang, view }: { t: Translate; lang: Lang; view: NominateView }) {
  return (
    <>
      <NominateCrumbs t={t} lang={lang} view={view} last={t('award.nominate')} />
      <h1>{t('nominate.title', { category: view.category.name.text })}</h1>
    </>
  );
}

/** The nominate page of someone not verified yet: why, and the way to verify and come back. */
export function NominateVerifyFirst({ t, lang, view }: { t: Translate; lang: Lang; view: NominateView }) {
  const back = `${awardHref(view.award)}/${encodeURIComponent(view.category.slug)}/nominate`;
  return (
    <>
      <NominateHeader t={t} lang={lang} view={view} />
      <p>{t('nominate.verifyFirst')}</p>
      <p>
        <a class="button" href={verifyHref(view.award.slug, back)}>
          {t('nominate.verifyLink')}
        </a>
      </p>
    </>
  );
}

/** The nominate page while the award takes no nominations. */
export function NominateClosed({ t, lang, view }: { t: Translate; lang: Lang; view: NominateView }) {
  return (
    <>
      <NominateHeader t={t} lang={lang} view={view} />
      <Flash kind="alert">{t('nominate.closed')}</Flash>
      <p>
        <a href={`${awardHref(view.award)}/${encodeURIComponent(view.category.slug)}`}>
          {t('category.back', { award: view.award.name.text })}
        </a>
      </p>
    </>
  );
}

/** The nominate page of someone who has used every nomination of the category: no form to fill in vain. */
export function NominateUsed({ t, lang, view }: { t: Translate; lang: Lang; view: NominateView }) {
  return (
    <>
      <NominateHeader t={t} lang={lang} view={view} />
      <Flash kind="notice">{t('nominate.used')}</Flash>
      <p>
        <a href={`${awardHref(view.award)}/nominations/mine`}>{t('award.mine')}</a>
      </p>
      <p>
        <a href={`${awardHref(view.award)}#categories`}>{t('mine.more')}</a>
      </p>
    </>
  );
}

function TextField({
  id,
  label,
  value,
  error,
  hint,
  max,
  type = 'text',
  autocomplete,
  multiline = false,
  required = false,
}: {
  id: NominateField;
  label: string;
  value?: string | undefined;
  error?: string | undefined;
  hint?: string | undefined;
  max: number;
  type?: 'text' | 'email';
  autocomplete?: string;
  multiline?: boolean;
  required?: boolean;
}) {
  const common = {
    id,
    name: id,
    maxlength: max,
    required,
    'aria-invalid': error ? 'true' : undefined,
    'aria-describedby': describedBy(hint && `${id}-hint`, error && `${id}-error`),
  };
  return (
    <>
      <label for={id}>{label}</label>
      {hint ? (
        <p class="hint" id={`${id}-hint`}>
          {hint}
        </p>
      ) : null}
      <FieldError id={`${id}-error`} message={error} />
      {multiline ? (
        <textarea {...common} rows={4}>
          {value ?? ''}
        </textarea>
      ) : (
        <input
          {...common}
          type={type}
          value={value}
          autocomplete={autocomplete}
          {...(type === 'email' ? { inputmode: 'email', spellcheck: false } : {})}
        />
      )}
    </>
  );
}

export function NominatePage({
  t,
  lang,
  view,
  token,
  values = {},
  errors = {},
  alert,
}: {
  t: Translate;
  lang: Lang;
  view: NominateView;
  token: string;
  values?: Record<string, string>;
  errors?: NominateErrors;
  alert?: string | undefined;
}) {
  const action = `${awardHref(view.award)}/${encodeURIComponent(view.category.slug)}/nominate`;
  const listed = view.listed.length > 0;
  const wrong = NOMINATE_FIELDS.filter((f) => errors[f]);
  const chosen = values.nominee ?? '';
  return (
    <>
      <NominateHeader t={t} lang={lang} view={view} />
      {alert ? (
        <Flash kind="alert" id="form-error">
          {alert}
        </Flash>
      ) : null}
      {wrong.length ? (
        <AlertList
          id="error-summary"
          title={t('nominate.errorSummary')}
          items={wrong.map((f) => (
            <a href={`#${fieldAnchor(f, view)}`}>{errors[f]}</a>
          ))}
        />
      ) : null}
      <p>{t('nominate.intro')}</p>
      <p class="muted">{t('nominate.cap', { count: view.cap })}</p>
      <form method="post" action={action}>
        <Hidden token={token} />
        {listed ? (
          <fieldset aria-describedby={errors.nominee ? 'nominee-error' : undefined}>
            <legend>{t('nominate.whom')}</legend>
            <FieldError id="nominee-error" message={errors.nominee} />
            {view.listed.map((n) => (
              <label class="choice">
                <input
                  type="radio"
                  name="nominee"
                  id={`nominee-${n.slug}`}
                  value={n.slug}
                  checked={chosen === n.slug}
                  required
                />
                <span>
                  <Text text={n.name} page={lang} />
                  {n.affiliation.text ? (
                    <span class="muted" lang={langOf(n.affiliation, lang)}>
                      {' '}
                      · {n.affiliation.text}
                    </span>
                  ) : null}
                </span>
              </label>
            ))}
            <label class="choice">
              <input type="radio" name="nominee" id="nominee-new" value="new" checked={chosen === 'new'} required />
              <span>{t('nominate.someoneNew')}</span>
            </label>
          </fieldset>
        ) : (
          <input type="hidden" name="nominee" value="new" />
        )}
        <fieldset>
          <legend>{t('nominate.new')}</legend>
          {listed ? <p class="hint">{t('nominate.newHint')}</p> : null}
          <TextField
            id="name"
            label={t('nominate.name')}
            value={values.name}
            error={errors.name}
            max={200}
            autocomplete="off"
            required={!listed}
          />
          <TextField
            id="affiliation"
            label={t('nominate.affiliation')}
            value={values.affiliation}
            error={errors.affiliation}
            max={300}
            autocomplete="off"
          />
          <TextField
            id="region"
            label={t('nominate.region')}
            value={values.region}
            error={errors.region}
            max={200}
            autocomplete="off"
          />
          <TextField
            id="citation"
            label={t('nominate.citation')}
            hint={t('nominate.citationHint')}
            value={values.citation}
            error={errors.citation}
            max={4000}
            multiline
          />
          <TextField
            id="contact"
            type="email"
            label={t(view.minorsAllowed ? 'nominate.contactGuardian' : 'nominate.contact')}
            hint={t('nominate.contactHint')}
            value={values.contact}
            error={errors.contact}
            max={254}
            autocomplete="off"
          />
          {view.minorsAllowed ? (
            <>
              <FieldError id="guardian-error" message={errors.guardian} />
              <label class="choice">
                <input
                  type="checkbox"
                  name="guardian"
                  id="guardian"
                  value="yes"
                  checked={values.guardian === 'yes'}
                  aria-describedby={errors.guardian ? 'guardian-error' : undefined}
                />
                <span>{t('nominate.guardian')}</span>
              </label>
            </>
          ) : null}
        </fieldset>
        <TextField
          id="reason"
          label={t(view.requireReason ? 'nominate.reason' : 'nominate.reasonOptional')}
          hint={t('nominate.reasonHint')}
          value={values.reason}
          error={errors.reason}
          max={2000}
          multiline
          required={view.requireReason}
        />
        <button type="submit">{t('nominate.submit')}</button>
      </form>
    </>
  );
}

// ---------------------------------------------------------------------------------------------- my nominations

export interface MyNominationItem {
  id: string;
  category: CategoryRef;
  nominee: Picked;
  status: 'pending' | 'accepted' | 'rejected';
  decision: 'merged' | 'nominee-rejected' | null;
  reason: string;
}

const statusKey = (n: MyNominationItem): MessageKey =>
  n.decision === 'merged' ? 'mine.status.merged' : `mine.status.${n.status}`;

function MineCrumbs({ t, lang, award }: { t: Translate; lang: Lang; award: AwardRef }) {
  const href = awardHref(award);
  return (
    <AwardCrumbs
      t={t}
      lang={lang}
      award={award}
      trail={[{ href: `${href}/nominations/mine`, label: t('mine.title') }]}
    />
  );
}

export function MineVerifyFirst({ t, lang, award }: { t: Translate; lang: Lang; award: AwardRef }) {
  return (
    <>
      <MineCrumbs t={t} lang={lang} award={award} />
      <h1>{t('mine.title')}</h1>
      <p>{t('mine.verifyFirst')}</p>
      <p>
        <a class="button" href={verifyHref(award.slug, `${awardHref(award)}/nominations/mine`)}>
          {t('nominate.verifyLink')}
        </a>
      </p>
    </>
  );
}

export function MinePage({
  t,
  lang,
  award,
  nominations,
  thanks,
  nominating,
}: {
  t: Translate;
  lang: Lang;
  award: AwardRef;
  nominations: MyNominationItem[];
  thanks: boolean;
  nominating: boolean;
}): Child {
  return (
    <>
      <MineCrumbs t={t} lang={lang} award={award} />
      <h1>{thanks ? t('mine.thanks') : t('mine.title')}</h1>
      {thanks ? <Flash kind="notice">{t('mine.thanksBody')}</Flash> : null}
      {thanks ? <h2 id="mine">{t('mine.title')}</h2> : null}
      {nominations.length === 0 ? (
        <p>{t('mine.none')}</p>
      ) : (
        <ul class="cards">
          {nominations.map((n) => (
            <li id={`nomination-${n.id}`}>
              <p class="card-title">
                <strong lang={langOf(n.nominee, lang)}>{n.nominee.text}</strong>
              </p>
              <dl class="facts">
                <dt>{t('mine.category')}</dt>
                <dd>
                  <a
                    href={`${awardHref(award)}/${encodeURIComponent(n.category.slug)}`}
                    lang={langOf(n.category.name, lang)}
                  >
                    {n.category.name.text}
                  </a>
                </dd>
                <dt>{t('mine.status')}</dt>
                <dd>
                  <span class={`status status-${n.decision === 'merged' ? 'merged' : n.status}`}>
                    {t(statusKey(n))}
                  </span>
                </dd>
                {n.reason ? (
                  <>
                    <dt>{t('mine.reason')}</dt>
                    <dd class="pre">{n.reason}</dd>
                  </>
                ) : null}
              </dl>
            </li>
          ))}
        </ul>
      )}
      {nominating ? (
        <p>
          <a href={`${awardHref(award)}#categories`}>{t('mine.more')}</a>
        </p>
      ) : null}
    </>
  );
}
