/** @jsxImportSource hono/jsx */
/**
 * Page bodies for the nominee's mailed links: the consent page (give or decline), its confirmation with the
 * withdraw link, the withdraw page and its confirmation, and the page that says why a link cannot be used. Plain
 * view data in, no database, no request; every text is escaped by hono/jsx. Forms post without JavaScript.
 */
import { raw } from 'hono/html';
import type { Child } from 'hono/jsx';
import type { Lang, Translate } from '../i18n/messages';
import type { Picked } from '../web/format';
import { Layout } from '../web/layout';
import type { ConsentKey, ConsentTranslate } from './texts';

export interface NomineeView {
  nominee: Picked;
  category: Picked;
  award: Picked;
  /** The contact is a minor nominee's parent or guardian: the texts speak of "the nominee". */
  guardian: boolean;
}

function Named({ text, page }: { text: Picked; page: Lang }) {
  return text.lang !== page ? <span lang={text.lang}>{text.text}</span> : <>{text.text}</>;
}

function Facts({ ct, view, lang }: { ct: ConsentTranslate; view: NomineeView; lang: Lang }) {
  return (
    <dl class="facts">
      <dt>{ct('consent.nominee')}</dt>
      <dd>
        <Named text={view.nominee} page={lang} />
      </dd>
      <dt>{ct('consent.category')}</dt>
      <dd>
        <Named text={view.category} page={lang} />
      </dd>
      <dt>{ct('consent.award')}</dt>
      <dd>
        <Named text={view.award} page={lang} />
      </dd>
    </dl>
  );
}

/** Guardian variant of a text, where there is one. */
const variant = (key: ConsentKey, guardian: boolean): ConsentKey => (guardian ? `${key}Guardian` : key) as ConsentKey;

export function ConsentPage(props: {
  ct: ConsentTranslate;
  lang: Lang;
  view: NomineeView;
  csrf: string;
  action: string;
  choices: ('give' | 'decline')[];
  until: string;
  current?: 'given' | 'declined' | undefined;
}) {
  const { ct, lang, view, csrf, action, choices, until, current } = props;
  const g = view.guardian;
  return (
    <>
      <h1>{ct(variant('consent.title', g))}</h1>
      <p>{ct(variant('consent.intro', g), { award: view.award.text, nominee: view.nominee.text })}</p>
      <Facts ct={ct} view={view} lang={lang} />
      <h2>{ct('consent.meaning')}</h2>
      <ul>
        <li>{ct(variant('consent.public', g))}</li>
        <li>{ct(variant('consent.votes', g))}</li>
        <li>{ct(variant('consent.withdraw', g))}</li>
        <li>{ct(variant('consent.decline', g))}</li>
      </ul>
      {current ? (
        <p class="notice" role="status">
          {ct('consent.current', { answer: ct(`consent.answer.${current}`) })}
        </p>
      ) : null}
      <form method="post" action={action}>
        <input type="hidden" name="_csrf" value={csrf} />
        {choices.includes('give') ? (
          <button type="submit" name="decision" value="give">
            {ct(variant('consent.give', g))}
          </button>
        ) : null}
        {choices.includes('decline') ? (
          <button type="submit" name="decision" value="decline">
            {ct('consent.declineButton')}
          </button>
        ) : null}
      </form>
      <p class="muted">{ct('consent.once', { until })}</p>
    </>
  );
}

export function ConsentDonePage(props: {
  ct: ConsentTranslate;
  lang: Lang;
  view: NomineeView;
  decision: 'give' | 'decline';
  withdrawHref?: string | undefined;
}) {
  const { ct, lang, view, decision, withdrawHref } = props;
  if (decision === 'decline')
    return (
      <>
        <h1>{ct('consent.declined.title')}</h1>
        <Facts ct={ct} view={view} lang={lang} />
        <p>{ct('consent.declined.body')}</p>
      </>
    );
  return (
    <>
      <h1>{ct('consent.given.title')}</h1>
      <Facts ct={ct} view={view} lang={lang} />
      <p>{ct('consent.given.body')}</p>
      {withdrawHref ? (
        <>
          <p>{ct('consent.given.withdraw')}</p>
          <p>
            <a href={withdrawHref}>{ct('consent.given.withdrawLink')}</a>
          </p>
        </>
      ) : null}
    </>
  );
}

export function WithdrawPage(props: {
  ct: ConsentTranslate;
  lang: Lang;
  view: NomineeView;
  csrf: string;
  action: string;
}) {
  const { ct, lang, view, csrf, action } = props;
  return (
    <>
      <h1>{ct('withdraw.title')}</h1>
      <Facts ct={ct} view={view} lang={lang} />
      <p>{ct('withdraw.intro')}</p>
      <form method="post" action={action}>
        <input type="hidden" name="_csrf" value={csrf} />
        <button type="submit">{ct('withdraw.button')}</button>
      </form>
    </>
  );
}

export function WithdrawDonePage(props: { ct: ConsentTranslate; lang: Lang; view: NomineeView }) {
  const { ct, lang, view } = props;
  return (
    <>
      <h1>{ct('withdraw.done.title')}</h1>
      <Facts ct={ct} view={view} lang={lang} />
      <p>{ct('withdraw.done.body')}</p>
    </>
  );
}

export function LinkProblemPage(props: { ct: ConsentTranslate; message: string; home: string }) {
  return (
    <>
      <h1>{props.ct('link.title')}</h1>
      <p role="alert">{props.message}</p>
      <p>
        <a href="/">{props.home}</a>
      </p>
    </>
  );
}

/** A whole page: doctype and the site layout around a body. */
export function Document(props: { lang: Lang; t: Translate; title: string; path: string; children: Child }) {
  return (
    <>
      {raw('<!doctype html>')}
      <Layout lang={props.lang} t={props.t} title={props.title} path={props.path}>
        {props.children}
      </Layout>
    </>
  );
}
