/** @jsxImportSource hono/jsx */
/**
 * The organizer's moderation page: pending nominees grouped as likely duplicates (same category and dedupe key)
 * with their nomination counts and the reasons given, each with Accept, Reject (with a reason) and Merge into
 * (another nominee of the same category) as plain POST forms; then the accepted nominees with their counts and
 * consent. Plain view data in; contact addresses are never shown, only whether one is on file.
 */
import type { Lang, MessageKey, Translate } from '../i18n/messages';
import type { Picked } from './format';
import { Crumbs, Flash, langOf, Text } from './pages';

export interface ModNominee {
  id: string;
  slug: string;
  name: Picked;
  affiliation: Picked;
  region: Picked;
  citation: Picked;
  status: string;
  consent: string;
  contact: 'present' | 'absent';
  guardian: boolean;
  nominations: number;
  reasons: string[];
  category: { slug: string; name: Picked };
}

export interface MergeTarget {
  id: string;
  name: Picked;
  status: string;
}

export interface ModGroup {
  category: { slug: string; name: Picked };
  nominees: ModNominee[];
  /** Accepted nominees with the same dedupe key: candidates to merge into. */
  matches: ModNominee[];
}

function TargetOptions({ t, targets, chosen }: { t: Translate; targets: MergeTarget[]; chosen?: string }) {
  return (
    <>
      {targets.map((target) => (
        <option value={target.id} selected={target.id === chosen}>
          {target.name.text} ({t(statusKey(target.status))})
        </option>
      ))}
    </>
  );
}

export interface ModerationView {
  slug: string;
  name: Picked;
  /** Until voting opens; afterwards the list is frozen and the forms are gone. */
  editable: boolean;
  counts: { pending: number; accepted: number; rejected: number; nominations: number };
  categories: { slug: string; name: Picked; pending: number; accepted: number }[];
  /** The category the page is narrowed to, if any. */
  category?: { slug: string; name: Picked } | undefined;
  page: number;
  pages: number;
  /** The groups of this page. */
  groups: ModGroup[];
  /** Accepted nominees of the chosen category; null without a category (the list could be long). */
  accepted: ModNominee[] | null;
  /** Per nominee id: its likely duplicates (the rest of its group and accepted nominees with the same key). */
  mergeTargets: Record<string, MergeTarget[]>;
}

export interface ModerationError {
  message: string;
  /** The nominee and field the message belongs to, when it belongs to one. */
  nominee?: string | undefined;
  field?: 'reason' | 'into' | undefined;
}

/** The moderation page, narrowed to a category and at a page when given. */
export function moderationPath(slug: string, q: { category?: string | undefined; page?: number | undefined } = {}) {
  const params = new URLSearchParams();
  if (q.category) params.set('category', q.category);
  if (q.page && q.page > 1) params.set('page', String(q.page));
  const query = params.toString();
  return `/organizer/a/${encodeURIComponent(slug)}/moderation${query ? `?${query}` : ''}`;
}

const statusKey = (status: string) => `mod.status.${status}` as MessageKey;
const consentKey = (consent: string) => `mod.consent.${consent}` as MessageKey;

function Facts({ t, lang, n }: { t: Translate; lang: Lang; n: ModNominee }) {
  const contact =
    n.contact === 'absent' ? 'mod.contactAbsent' : n.guardian ? 'mod.contactGuardian' : 'mod.contactPresent';
  return (
    <>
      {n.affiliation.text || n.region.text ? (
        <p class="muted">
          <Text text={n.affiliation} page={lang} />
          {n.affiliation.text && n.region.text ? ' · ' : null}
          <Text text={n.region} page={lang} />
        </p>
      ) : null}
      {n.citation.text ? (
        <p class="pre" lang={langOf(n.citation, lang)}>
          {n.citation.text}
        </p>
      ) : null}
      <p>
        {t('mod.nominations', { count: n.nominations })} · {t(contact)}
      </p>
    </>
  );
}

function PendingNominee({
  t,
  lang,
  view,
  n,
  token,
  error,
}: {
  t: Translate;
  lang: Lang;
  view: ModerationView;
  n: ModNominee;
  token: string;
  error?: ModerationError | undefined;
}) {
  const base = `/organizer/a/${encodeURIComponent(view.slug)}/nominees/${encodeURIComponent(n.id)}`;
  const heading = `nm-${n.id}`;
  const fieldError = (field: 'reason' | 'into') =>
    error && error.nominee === n.id && error.field === field ? error.message : undefined;
  const reasonError = fieldError('reason');
  const intoError = fieldError('into');
  const targets = view.mergeTargets[n.id] ?? [];
  return (
    <li id={`pending-${n.id}`}>
      <h4 id={heading} class="card-title" lang={langOf(n.name, lang)}>
        {n.name.text}
      </h4>
      <Facts t={t} lang={lang} n={n} />
      {n.reasons.length ? (
        <details>
          <summary>
            {t('mod.reasons')} ({n.reasons.length})
          </summary>
          <ul>
            {n.reasons.map((r) => (
              <li class="pre">{r}</li>
            ))}
          </ul>
        </details>
      ) : null}
      {view.editable ? (
        <>
          <form method="post" action={`${base}/accept`} class="tight">
            <input type="hidden" name="_csrf" value={token} />
            <button type="submit" aria-describedby={heading}>
              {t('mod.accept')}
            </button>
          </form>
          <form method="post" action={`${base}/reject`} class="tight">
            <input type="hidden" name="_csrf" value={token} />
            <label for={`reason-${n.id}`}>{t('mod.rejectReason')}</label>
            {reasonError ? (
              <p class="field-error" id={`reason-${n.id}-error`}>
                {reasonError}
              </p>
            ) : null}
            <textarea
              id={`reason-${n.id}`}
              name="reason"
              rows={2}
              maxlength={2000}
              required
              aria-invalid={reasonError ? 'true' : undefined}
              aria-describedby={reasonError ? `reason-${n.id}-error` : undefined}
            ></textarea>
            <button type="submit" class="secondary" aria-describedby={heading}>
              {t('mod.reject')}
            </button>
          </form>
          {targets.length ? (
            <form method="post" action={`${base}/merge`} class="tight">
              <input type="hidden" name="_csrf" value={token} />
              <label for={`into-${n.id}`}>{t('mod.mergeInto')}</label>
              {intoError ? (
                <p class="field-error" id={`into-${n.id}-error`}>
                  {intoError}
                </p>
              ) : null}
              <select
                id={`into-${n.id}`}
                name="into"
                required
                aria-invalid={intoError ? 'true' : undefined}
                aria-describedby={intoError ? `into-${n.id}-error` : undefined}
              >
                <option value="">—</option>
                <TargetOptions t={t} targets={targets} />
              </select>
              <button type="submit" class="secondary" aria-describedby={heading}>
                {t('mod.merge')}
              </button>
            </form>
          ) : intoError ? (
            <p class="field-error">{intoError}</p>
          ) : null}
          <p>
            <a href={`${base}/merge`} aria-describedby={heading}>
              {t('mod.mergeOther')}
            </a>
          </p>
        </>
      ) : null}
    </li>
  );
}

/** Previous and next page of the pending groups, when there are several pages. */
function Pages({ t, view }: { t: Translate; view: ModerationView }) {
  if (view.pages <= 1) return null;
  const at = (page: number) => moderationPath(view.slug, { category: view.category?.slug, page });
  return (
    <nav aria-label={t('mod.pages')} class="pages">
      <p>
        {view.page > 1 ? <a href={at(view.page - 1)}>{t('mod.prev')}</a> : null}{' '}
        <span>{t('mod.page', { page: view.page, pages: view.pages })}</span>{' '}
        {view.page < view.pages ? <a href={at(view.page + 1)}>{t('mod.next')}</a> : null}
      </p>
    </nav>
  );
}

export function ModerationPage({
  t,
  lang,
  view,
  token,
  notice,
  error,
}: {
  t: Translate;
  lang: Lang;
  view: ModerationView;
  token: string;
  notice?: string | undefined;
  error?: ModerationError | undefined;
}) {
  const manage = `/organizer/a/${encodeURIComponent(view.slug)}`;
  return (
    <>
      <Crumbs
        t={t}
        lang={lang}
        trail={[
          { href: '/organizer', label: t('manage.back') },
          { href: manage, label: view.name },
          { href: moderationPath(view.slug), label: t('mod.title') },
          ...(view.category
            ? [{ href: moderationPath(view.slug, { category: view.category.slug }), label: view.category.name }]
            : []),
        ]}
      />
      <h1>
        {t('mod.title')}: <Text text={view.name} page={lang} />
      </h1>
      {notice ? <Flash kind="notice">{notice}</Flash> : null}
      {error ? (
        <Flash kind="alert" id="form-error">
          {error.message}
        </Flash>
      ) : null}
      <p>{t('mod.counts', view.counts)}</p>
      <p>
        <a href={`${manage}/nominations.csv`} download>
          {t('mod.export')}
        </a>
      </p>
      {view.editable ? null : <p class="notice">{t('mod.frozen')}</p>}
      <nav aria-labelledby="by-category">
        <h2 id="by-category">{t('mod.categories')}</h2>
        <ul class="plain">
          <li>
            <a href={moderationPath(view.slug)} aria-current={view.category ? undefined : 'page'}>
              {t('mod.allCategories')}
            </a>
          </li>
          {view.categories.map((cat) => (
            <li>
              <a
                href={moderationPath(view.slug, { category: cat.slug })}
                lang={langOf(cat.name, lang)}
                aria-current={view.category?.slug === cat.slug ? 'page' : undefined}
              >
                {cat.name.text}
              </a>{' '}
              <span class="muted">{t('mod.categoryCounts', { pending: cat.pending, accepted: cat.accepted })}</span>
            </li>
          ))}
        </ul>
      </nav>
      <section aria-labelledby="pending">
        <h2 id="pending">{t('mod.pending')}</h2>
        {view.groups.length === 0 ? (
          <p>{t('mod.nonePending')}</p>
        ) : (
          <>
            {view.editable ? (
              <p class="muted">
                {t('mod.rejectHint')} {t('mod.mergeHint')}
              </p>
            ) : null}
            {view.groups.map((g) => (
              <section class="group">
                <h3 lang={langOf(g.category.name, lang)}>{g.category.name.text}</h3>
                {g.nominees.length > 1 ? (
                  <p class="dupes">{t('mod.duplicates', { count: g.nominees.length })}</p>
                ) : null}
                {g.matches.length ? (
                  <p class="dupes">
                    {t('mod.matches')}{' '}
                    {g.matches.map((m, i) => (
                      <>
                        {i ? ', ' : ''}
                        <Text text={m.name} page={lang} />
                      </>
                    ))}
                  </p>
                ) : null}
                <ul class="cards">
                  {g.nominees.map((n) => (
                    <PendingNominee t={t} lang={lang} view={view} n={n} token={token} error={error} />
                  ))}
                </ul>
              </section>
            ))}
            <Pages t={t} view={view} />
          </>
        )}
      </section>
      <section aria-labelledby="accepted">
        <h2 id="accepted">{t('mod.accepted')}</h2>
        {view.accepted === null ? (
          <p>{t('mod.chooseCategory')}</p>
        ) : view.accepted.length === 0 ? (
          <p>{t('mod.noneAccepted')}</p>
        ) : (
          <ul class="cards">
            {view.accepted.map((n) => (
              <li id={`accepted-${n.id}`}>
                <strong lang={langOf(n.name, lang)}>{n.name.text}</strong>
                <br />
                <span class="muted" lang={langOf(n.category.name, lang)}>
                  {n.category.name.text}
                </span>
                <br />
                {t('mod.nominations', { count: n.nominations })} ·{' '}
                {t('mod.consent', { status: t(consentKey(n.consent)) })}
              </li>
            ))}
          </ul>
        )}
      </section>
    </>
  );
}

export interface MergeView {
  slug: string;
  award: Picked;
  nominee: ModNominee;
  /** Every other pending or accepted nominee of the category. */
  targets: MergeTarget[];
}

/** Merging into any nominee of the category, for duplicates the dedupe key did not group. */
export function MergePage({
  t,
  lang,
  view,
  token,
  error,
}: {
  t: Translate;
  lang: Lang;
  view: MergeView;
  token: string;
  error?: string | undefined;
}) {
  const n = view.nominee;
  const back = moderationPath(view.slug, { category: n.category.slug });
  return (
    <>
      <Crumbs
        t={t}
        lang={lang}
        trail={[
          { href: `/organizer/a/${encodeURIComponent(view.slug)}`, label: view.award },
          { href: back, label: t('mod.title') },
          {
            href: `/organizer/a/${encodeURIComponent(view.slug)}/nominees/${encodeURIComponent(n.id)}/merge`,
            label: t('mod.merge'),
          },
        ]}
      />
      <h1>{t('mod.mergeTitle', { name: n.name.text })}</h1>
      <p class="muted" lang={langOf(n.category.name, lang)}>
        {n.category.name.text}
      </p>
      <Facts t={t} lang={lang} n={n} />
      <p>{t('mod.mergeIntro')}</p>
      <form
        method="post"
        action={`/organizer/a/${encodeURIComponent(view.slug)}/nominees/${encodeURIComponent(n.id)}/merge`}
      >
        <input type="hidden" name="_csrf" value={token} />
        <input type="hidden" name="from" value="merge-page" />
        <label for="into">{t('mod.mergeInto')}</label>
        {error ? (
          <p class="field-error" id="into-error">
            {error}
          </p>
        ) : null}
        <select
          id="into"
          name="into"
          required
          aria-invalid={error ? 'true' : undefined}
          aria-describedby={error ? 'into-error' : undefined}
        >
          <option value="">—</option>
          <TargetOptions t={t} targets={view.targets} />
        </select>
        <button type="submit">{t('mod.merge')}</button>
      </form>
      <p>
        <a href={back}>{t('mod.back')}</a>
      </p>
    </>
  );
}
