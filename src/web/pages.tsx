/** @jsxImportSource hono/jsx */
/**
 * The page bodies (what goes inside <main>). They take plain view data and the translator; every text is
 * escaped by hono/jsx, award texts included. Nothing here reads the database or the request.
 */
import type { Child } from 'hono/jsx';
import type { Phase } from '../ceremonies/schemas';
import type { Windowed } from '../ceremonies/phases';
import type { Lang, MessageKey, Translate } from '../i18n/messages';
import { formatDate, formatInstant, type Picked } from './format';

/** `lang` attribute for award text that is not in the page language (a missing translation). */
export const langOf = (p: Picked, page: Lang) => (p.lang !== page ? p.lang : undefined);

export const phaseName = (t: Translate, phase: string) => t(`phase.${phase as Phase}` as MessageKey);

/** Text with paragraphs separated by blank lines. */
export function Paragraphs({ text, page, class: cls }: { text: Picked; page: Lang; class?: string }) {
  if (!text.text) return null;
  const parts = text.text
    .split(/\n\s*\n/)
    .map((s) => s.trim())
    .filter(Boolean);
  return (
    <>
      {parts.map((part) => (
        <p lang={langOf(text, page)} class={cls}>
          {part}
        </p>
      ))}
    </>
  );
}

export function Text({ text, page }: { text: Picked; page: Lang }) {
  const lang = langOf(text, page);
  return lang ? <span lang={lang}>{text.text}</span> : <>{text.text}</>;
}

export function Flash({ kind, id, children }: { kind: 'notice' | 'alert'; id?: string; children?: Child }) {
  return (
    <div class={kind} id={id} role={kind === 'alert' ? 'alert' : 'status'}>
      {children}
    </div>
  );
}

/** The email address field of a sign-in or verification form; `describedBy` names the message about it, if any. */
export function EmailInput({ value, describedBy }: { value?: string | undefined; describedBy?: string | undefined }) {
  return (
    <input
      id="email"
      name="email"
      type="email"
      autocomplete="email"
      inputmode="email"
      spellcheck={false}
      required
      maxlength={254}
      value={value}
      aria-invalid={describedBy ? 'true' : undefined}
      aria-describedby={describedBy}
    />
  );
}

/** The crumbs of a page below an award: all awards, the award, then the rest of the trail. */
export function AwardCrumbs({
  t,
  lang,
  award,
  trail,
}: {
  t: Translate;
  lang: Lang;
  award: { slug: string; name: string | Picked };
  trail: { href: string; label: string | Picked }[];
}) {
  return (
    <Crumbs
      t={t}
      lang={lang}
      trail={[
        { href: '/', label: t('nav.awards') },
        { href: `/a/${encodeURIComponent(award.slug)}`, label: award.name },
        ...trail,
      ]}
    />
  );
}

/** An alert with a heading and a list: an error summary above a form, or the things that went wrong. */
export function AlertList({ id, title, items }: { id: string; title: Child; items: Child[] }) {
  return (
    <div class="alert" role="alert" aria-labelledby={id}>
      <h2 id={id} class="summary-title">
        {title}
      </h2>
      <ul>
        {items.map((item) => (
          <li>{item}</li>
        ))}
      </ul>
    </div>
  );
}

export interface ScheduleWindow {
  phase: Windowed;
  opens: number | null;
  closes: number | null;
}

function ScheduleSection({
  t,
  lang,
  timeZone,
  windows,
}: {
  t: Translate;
  lang: Lang;
  timeZone: string;
  windows: ScheduleWindow[];
}) {
  const set = windows.filter((w) => w.opens !== null || w.closes !== null);
  const instant = (at: number) => (
    <time datetime={new Date(at).toISOString()}>{formatInstant(at, timeZone, lang)}</time>
  );
  return (
    <section aria-labelledby="schedule">
      <h2 id="schedule">{t('award.schedule')}</h2>
      {set.length === 0 ? (
        <p>{t('award.scheduleNone')}</p>
      ) : (
        <>
          <p class="muted">{t('award.scheduleZone', { zone: timeZone })}</p>
          <dl>
            {set.map((w) => (
              <>
                <dt>{t(`window.${w.phase}`)}</dt>
                {w.opens !== null ? (
                  <dd>
                    {t('award.opens')}: {instant(w.opens)}
                  </dd>
                ) : null}
                {w.closes !== null ? (
                  <dd>
                    {t('award.closes')}: {instant(w.closes)}
                  </dd>
                ) : null}
              </>
            ))}
          </dl>
        </>
      )}
    </section>
  );
}

// ---------------------------------------------------------------------------------------------- public pages

export interface AwardListItem {
  slug: string;
  name: Picked;
  phase: string;
}

export function HomePage({ t, lang, awards }: { t: Translate; lang: Lang; awards: AwardListItem[] }) {
  return (
    <>
      <h1>{t('home.title')}</h1>
      <p>{t('home.intro')}</p>
      {awards.length === 0 ? (
        <p>{t('home.none')}</p>
      ) : (
        <ul class="cards">
          {awards.map((a) => (
            <li>
              <h2 class="card-title">
                <a href={`/a/${encodeURIComponent(a.slug)}`} lang={langOf(a.name, lang)}>
                  {a.name.text}
                </a>
              </h2>
              <p>
                {t('award.phase')}: <span class="phase">{phaseName(t, a.phase)}</span>
              </p>
            </li>
          ))}
        </ul>
      )}
    </>
  );
}

export interface CategoryItem {
  slug: string;
  name: Picked;
  description: Picked;
  nomineeCount: number;
}

export interface TrackItem {
  slug: string;
  name: Picked;
  description: Picked;
  categories: CategoryItem[];
}

export interface AwardView {
  slug: string;
  name: Picked;
  description: Picked;
  organizer: Picked;
  venue: Picked;
  ceremonyDate?: string | undefined;
  website?: string | undefined;
  phase: string;
  timeZone: string;
  windows: ScheduleWindow[];
  tracks: TrackItem[];
  /** Nominations are open now (phase and window, on the database clock): each category gets a Nominate link. */
  nominating: boolean;
  /** Voting is open now (phase and window, on the database clock): each track gets a Vote link. */
  voting: boolean;
  /** The vote has opened: receipts can be checked. */
  receipts: boolean;
}

export function AwardPage({ t, lang, award }: { t: Translate; lang: Lang; award: AwardView }) {
  return (
    <>
      <h1 lang={langOf(award.name, lang)}>{award.name.text}</h1>
      <p>
        {t('award.phase')}: <span class="phase">{phaseName(t, award.phase)}</span>
      </p>
      <Paragraphs text={award.description} page={lang} />
      <dl class="facts">
        {award.organizer.text ? (
          <>
            <dt>{t('award.organizer')}</dt>
            <dd>
              <Text text={award.organizer} page={lang} />
            </dd>
          </>
        ) : null}
        {award.venue.text ? (
          <>
            <dt>{t('award.venue')}</dt>
            <dd>
              <Text text={award.venue} page={lang} />
            </dd>
          </>
        ) : null}
        {award.ceremonyDate ? (
          <>
            <dt>{t('award.ceremonyDate')}</dt>
            <dd>
              <time datetime={award.ceremonyDate}>{formatDate(award.ceremonyDate, lang)}</time>
            </dd>
          </>
        ) : null}
        {award.website ? (
          <>
            <dt>{t('award.website')}</dt>
            <dd>
              <a href={award.website} rel="noopener noreferrer">
                {award.website.replace(/^https?:\/\//, '').replace(/\/$/, '')}
              </a>
            </dd>
          </>
        ) : null}
      </dl>
      <ScheduleSection t={t} lang={lang} timeZone={award.timeZone} windows={award.windows} />
      <section aria-labelledby="categories">
        <h2 id="categories">{t('award.categories')}</h2>
        {award.nominating ? (
          <p>
            {t('award.nominateIntro')}{' '}
            <a href={`/a/${encodeURIComponent(award.slug)}/nominations/mine`}>{t('award.mine')}</a>
          </p>
        ) : null}
        {award.voting ? <p>{t('award.voteIntro')}</p> : null}
        {award.receipts ? (
          <p>
            <a href={`/a/${encodeURIComponent(award.slug)}/receipt`}>{t('award.receipt')}</a>
            {' · '}
            <a href={`/a/${encodeURIComponent(award.slug)}/results`}>{t('results.title')}</a>
          </p>
        ) : null}
        {award.tracks.map((track) => (
          <>
            <h3 id={`track-${track.slug}`} lang={langOf(track.name, lang)}>
              {track.name.text}
            </h3>
            <Paragraphs text={track.description} page={lang} class="muted" />
            {award.voting ? (
              <p>
                <a
                  class="button"
                  href={`/a/${encodeURIComponent(award.slug)}/vote/${encodeURIComponent(track.slug)}`}
                  aria-label={t('award.voteIn', { track: track.name.text })}
                >
                  {t('award.vote')}
                </a>
              </p>
            ) : null}
            <ul class="cards">
              {track.categories.map((cat) => (
                <li>
                  <a
                    href={`/a/${encodeURIComponent(award.slug)}/${encodeURIComponent(cat.slug)}`}
                    lang={langOf(cat.name, lang)}
                  >
                    {cat.name.text}
                  </a>
                  <br />
                  <span class="muted">{t('award.nomineeCount', { count: cat.nomineeCount })}</span>
                  {award.nominating ? (
                    <>
                      <br />
                      <a
                        class="act"
                        href={`/a/${encodeURIComponent(award.slug)}/${encodeURIComponent(cat.slug)}/nominate`}
                        aria-label={t('award.nominateIn', { category: cat.name.text })}
                      >
                        {t('award.nominate')}
                      </a>
                    </>
                  ) : null}
                </li>
              ))}
            </ul>
          </>
        ))}
      </section>
    </>
  );
}

export interface NomineeItem {
  slug: string;
  name: Picked;
  affiliation: Picked;
  region: Picked;
  citation: Picked;
}

export interface CategoryView {
  award: { slug: string; name: Picked; phase: string };
  /** Nominations are open now: the page links to the nominate form. */
  nominating: boolean;
  /** Voting is open now: the category's place on its track's ballot. */
  voteHref?: string | undefined;
  track: Picked;
  slug: string;
  name: Picked;
  description: Picked;
  nominees: NomineeItem[];
}

/** A breadcrumb trail; the last step is the current page. Labels are UI strings or award texts with their language. */
export function Crumbs({
  t,
  lang,
  trail,
}: {
  t: Translate;
  lang: Lang;
  trail: { href: string; label: string | Picked }[];
}) {
  return (
    <nav class="crumbs" aria-label={t('award.breadcrumb')}>
      <ol>
        {trail.map(({ href, label }, i) => {
          const text = typeof label === 'string' ? label : label.text;
          const current = i === trail.length - 1;
          return (
            <li>
              <a
                href={href}
                {...(current ? { 'aria-current': 'page' } : {})}
                {...(typeof label === 'string' ? {} : { lang: langOf(label, lang) })}
              >
                {text}
              </a>
            </li>
          );
        })}
      </ol>
    </nav>
  );
}

export function CategoryPage({ t, lang, view }: { t: Translate; lang: Lang; view: CategoryView }) {
  const awardHref = `/a/${encodeURIComponent(view.award.slug)}`;
  return (
    <>
      <AwardCrumbs
        t={t}
        lang={lang}
        award={view.award}
        trail={[{ href: `${awardHref}/${encodeURIComponent(view.slug)}`, label: view.name }]}
      />
      <h1 lang={langOf(view.name, lang)}>{view.name.text}</h1>
      <p class="muted">
        {t('category.track')}: <Text text={view.track} page={lang} />
      </p>
      <Paragraphs text={view.description} page={lang} />
      {view.nominating ? (
        <p>
          <a class="button" href={`${awardHref}/${encodeURIComponent(view.slug)}/nominate`}>
            {t('category.nominate')}
          </a>
        </p>
      ) : null}
      {view.voteHref ? (
        <p>
          <a class="button" href={view.voteHref}>
            {t('category.vote')}
          </a>
        </p>
      ) : null}
      <h2 id="nominees">{t('category.nominees')}</h2>
      {view.nominees.length === 0 ? (
        <p>{t('category.none')}</p>
      ) : (
        <ul class="cards" aria-labelledby="nominees">
          {view.nominees.map((n) => (
            <li id={`n-${n.slug}`}>
              <h3 lang={langOf(n.name, lang)}>{n.name.text}</h3>
              {n.affiliation.text ? (
                <p class="muted">
                  {t('category.affiliation')}: <Text text={n.affiliation} page={lang} />
                </p>
              ) : null}
              {n.region.text ? (
                <p class="muted">
                  {t('category.region')}: <Text text={n.region} page={lang} />
                </p>
              ) : null}
              <Paragraphs text={n.citation} page={lang} />
            </li>
          ))}
        </ul>
      )}
      <p>
        <a href={`${awardHref}#categories`}>{t('category.back', { award: view.award.name.text })}</a>
      </p>
    </>
  );
}

// ------------------------------------------------------------------------------------------- organizer pages

export function LoginPage({
  t,
  token,
  error,
  notice,
}: {
  t: Translate;
  token: string;
  error?: string | undefined;
  notice?: string | undefined;
}) {
  return (
    <>
      <h1>{t('login.title')}</h1>
      {notice ? <Flash kind="notice">{notice}</Flash> : null}
      {error ? (
        <Flash kind="alert" id="form-error">
          {error}
        </Flash>
      ) : null}
      <p>{t('login.intro')}</p>
      <form method="post" action="/organizer/login">
        <input type="hidden" name="_csrf" value={token} />
        <label for="email">{t('login.email')}</label>
        <EmailInput describedBy={error ? 'form-error' : undefined} />
        <button type="submit">{t('login.send')}</button>
      </form>
    </>
  );
}

export function CodePage({
  t,
  token,
  email,
  error,
}: {
  t: Translate;
  token: string;
  email: string;
  error?: string | undefined;
}) {
  return (
    <>
      <h1>{t('login.codeTitle')}</h1>
      {error ? (
        <Flash kind="alert" id="form-error">
          {error}
        </Flash>
      ) : (
        <Flash kind="notice">{t('login.codeSent', { email })}</Flash>
      )}
      <form method="post" action="/organizer/verify">
        <input type="hidden" name="_csrf" value={token} />
        <input type="hidden" name="email" value={email} />
        <label for="code">{t('login.code')}</label>
        <p class="hint" id="code-hint">
          {t('login.codeHint')}
        </p>
        <input
          id="code"
          name="code"
          type="text"
          inputmode="numeric"
          autocomplete="one-time-code"
          pattern="\s*[0-9]{3}\s?[0-9]{3}\s*"
          maxlength={9}
          required
          aria-describedby={error ? 'code-hint form-error' : 'code-hint'}
          aria-invalid={error ? 'true' : undefined}
          class="short"
        />
        <button type="submit">{t('login.submit')}</button>
      </form>
      <p>
        <a href="/organizer/login">{t('login.otherEmail')}</a>
      </p>
    </>
  );
}

export interface DashboardItem {
  slug: string;
  name: Picked;
  phase: string;
}

export function DashboardPage({
  t,
  lang,
  email,
  site,
  awards,
}: {
  t: Translate;
  lang: Lang;
  email: string;
  site: boolean;
  awards: DashboardItem[];
}) {
  return (
    <>
      <h1>{t('dash.title')}</h1>
      <p>{t('dash.signedInAs', { email })}</p>
      {site ? <p class="muted">{t('dash.site')}</p> : null}
      {awards.length === 0 ? (
        <p>{t('dash.none')}</p>
      ) : (
        <ul class="cards">
          {awards.map((a) => (
            <li>
              <h2 class="card-title">
                <a
                  href={`/organizer/a/${encodeURIComponent(a.slug)}`}
                  lang={langOf(a.name, lang)}
                  aria-label={t('dash.manage', { award: a.name.text })}
                >
                  {a.name.text}
                </a>
              </h2>
              <p>
                {t('award.phase')}: <span class="phase">{phaseName(t, a.phase)}</span>
                {a.phase !== 'draft' ? (
                  <>
                    {' · '}
                    <a href={`/a/${encodeURIComponent(a.slug)}`}>{t('dash.public')}</a>
                  </>
                ) : null}
              </p>
            </li>
          ))}
        </ul>
      )}
    </>
  );
}

export interface ManageView {
  slug: string;
  name: Picked;
  phase: string;
  timeZone: string;
  windows: ScheduleWindow[];
  categories: number;
  nominees: number;
  pending: number;
  frozen: { rulesHash: string; nomineesHash: string | null; lotCommitment: string | null } | null;
  /** Later phases an organizer may move to by hand. */
  targets: string[];
}

export function ManagePage({
  t,
  lang,
  view,
  token,
  notice,
  error,
}: {
  t: Translate;
  lang: Lang;
  view: ManageView;
  token: string;
  notice?: string | undefined;
  error?: string | undefined;
}) {
  return (
    <>
      <Crumbs
        t={t}
        lang={lang}
        trail={[
          { href: '/organizer', label: t('manage.back') },
          { href: `/organizer/a/${encodeURIComponent(view.slug)}`, label: view.name },
        ]}
      />
      <h1 lang={langOf(view.name, lang)}>{view.name.text}</h1>
      {notice ? <Flash kind="notice">{notice}</Flash> : null}
      {error ? <Flash kind="alert">{error}</Flash> : null}
      <p>
        {t('award.phase')}: <span class="phase">{phaseName(t, view.phase)}</span>
        {view.phase !== 'draft' ? (
          <>
            {' · '}
            <a href={`/a/${encodeURIComponent(view.slug)}`}>{t('dash.public')}</a>
          </>
        ) : null}
      </p>
      <p>
        <a href={`/organizer/a/${encodeURIComponent(view.slug)}/moderation`}>{t('mod.link')}</a>
        {view.pending > 0 ? ` (${t('manage.pending', { count: view.pending })})` : null}
        {' · '}
        <a href={`/organizer/a/${encodeURIComponent(view.slug)}/turnout`}>{t('turnout.title')}</a>
        {' · '}
        <a href={`/organizer/a/${encodeURIComponent(view.slug)}/ceremony`}>{t('presenter.title')}</a>
      </p>
      <section aria-labelledby="move">
        <h2 id="move">{t('manage.move')}</h2>
        {view.targets.length === 0 ? (
          <p>{t('manage.noMove')}</p>
        ) : (
          <form method="post" action={`/organizer/a/${encodeURIComponent(view.slug)}/phase`}>
            <input type="hidden" name="_csrf" value={token} />
            <p>{t('manage.moveHelp')}</p>
            {view.targets.map((to) => (
              <button type="submit" name="to" value={to}>
                {t('manage.moveTo', { phase: phaseName(t, to) })}
              </button>
            ))}
          </form>
        )}
      </section>
      <section aria-labelledby="counts">
        <h2 id="counts">{t('manage.counts')}</h2>
        <ul>
          <li>{t('manage.categories', { count: view.categories })}</li>
          <li>{t('manage.nominees', { count: view.nominees })}</li>
          {view.pending > 0 ? <li>{t('manage.pending', { count: view.pending })}</li> : null}
        </ul>
      </section>
      <section aria-labelledby="frozen">
        <h2 id="frozen">{t('manage.frozen')}</h2>
        {view.frozen ? (
          <>
            <p>{t('manage.frozenYes')}</p>
            <dl>
              <dt>{t('manage.rulesHash')}</dt>
              <dd>
                <code>{view.frozen.rulesHash}</code>
              </dd>
              {view.frozen.nomineesHash ? (
                <>
                  <dt>{t('manage.nomineesHash')}</dt>
                  <dd>
                    <code>{view.frozen.nomineesHash}</code>
                  </dd>
                </>
              ) : null}
              {view.frozen.lotCommitment ? (
                <>
                  <dt>{t('manage.lotCommitment')}</dt>
                  <dd>
                    <code>{view.frozen.lotCommitment}</code>
                  </dd>
                </>
              ) : null}
            </dl>
          </>
        ) : (
          <p>{t('manage.frozenNo')}</p>
        )}
      </section>
      <ScheduleSection t={t} lang={lang} timeZone={view.timeZone} windows={view.windows} />
    </>
  );
}

export function ErrorPage({ t, status, message }: { t: Translate; status: number; message: string }) {
  return (
    <>
      <h1>{t('error.title', { status })}</h1>
      <p>{message}</p>
      <p>
        <a href="/">{t('error.home')}</a>
      </p>
    </>
  );
}
