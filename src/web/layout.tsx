/** @jsxImportSource hono/jsx */
/**
 * The one page layout: skip link, header with the site navigation and the language switcher, main, footer.
 * One small inline stylesheet (no external CSS, JS or fonts), mobile-first: readable on a 360 px wide phone
 * without horizontal scrolling; text contrast at least 4.5:1; a focus ring visible on light and dark ground.
 */
import type { Child } from 'hono/jsx';
import { raw } from 'hono/html';
import { LANG_NAMES, LANGS, type Lang, type Translate } from '../i18n/messages';

export const CSS = [
  '*,*::before,*::after{box-sizing:border-box}',
  'html{-webkit-text-size-adjust:100%;text-size-adjust:100%}',
  'body{margin:0;font:1rem/1.55 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",sans-serif;color:#1b1b1b;background:#fff;overflow-wrap:break-word}',
  'a{color:#0645ad;text-underline-offset:.15em}a:visited{color:#5b2a86}',
  ':focus-visible{outline:3px solid #0b0c0c;outline-offset:0;box-shadow:0 0 0 6px #ffdd00}',
  '.skip{position:absolute;left:-9999px;top:.5rem}.skip:focus{left:.5rem;z-index:9;background:#ffdd00;color:#0b0c0c;padding:.5rem .75rem}',
  'header{background:#14452f;color:#fff}header a,header a:visited{color:#fff}',
  '.bar{max-width:46rem;margin:0 auto;padding:.4rem 1rem;display:flex;flex-wrap:wrap;gap:.1rem 1.25rem;align-items:center}',
  '.brand{font-weight:700;font-size:1.2rem;text-decoration:none;padding:.35rem 0;margin-right:auto}',
  'nav ul{list-style:none;margin:0;padding:0;display:flex;flex-wrap:wrap;gap:0 1rem}',
  'nav a{display:inline-block;padding:.35rem 0}',
  '.langs a[aria-current]{font-weight:700;text-decoration:none;border-bottom:2px solid currentColor}',
  'header form{margin:0}',
  'header button{background:transparent;border:1px solid #fff;min-height:2rem;padding:.15rem .7rem;margin:.2rem 0}',
  'main{display:block;max-width:46rem;margin:0 auto;padding:.5rem 1rem 2rem}',
  'h1{font-size:1.6rem;line-height:1.25;margin:1rem 0}',
  'h2{font-size:1.3rem;line-height:1.3;margin:2rem 0 .75rem}',
  'h3{font-size:1.1rem;line-height:1.35;margin:1.25rem 0 .4rem}',
  'p{margin:.6rem 0}',
  '.phase{display:inline-block;background:#e6f0ea;color:#14452f;border:1px solid #14452f;border-radius:1rem;padding:0 .7rem;font-weight:600}',
  'dl{margin:.5rem 0}dt{font-weight:600}dd{margin:0 0 .6rem}',
  '@media (min-width:36rem){dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:.3rem 1rem}dl.facts dd{margin:0}}',
  'ul.cards{list-style:none;padding:0;margin:.5rem 0}',
  'ul.cards>li{border:1px solid #b5b5b5;border-radius:.5rem;padding:.6rem .9rem;margin:0 0 .75rem}',
  'ul.cards h3{margin:.1rem 0 .3rem}.card-title{font-size:1.15rem;margin:.1rem 0 .3rem}',
  '.muted{color:#4d4d4d}',
  '.notice,.alert{padding:.6rem .9rem;margin:1rem 0;border-left:.35rem solid #14452f;background:#eef5f0}',
  '.alert{border-color:#b3261e;background:#fdf0ef}',
  '.crumbs ol{list-style:none;margin:.75rem 0 0;padding:0;display:flex;flex-wrap:wrap;gap:0 .4rem}',
  '.crumbs li+li::before{content:"›";margin-right:.4rem;color:#4d4d4d}',
  'form{margin:1rem 0}',
  'label{display:block;font-weight:600;margin:.8rem 0 .25rem}',
  'input,textarea,select{font:inherit;width:100%;max-width:22rem;padding:.5rem .6rem;border:2px solid #595959;border-radius:.3rem;background:#fff;color:#1b1b1b}',
  'textarea{max-width:100%;min-height:5rem;resize:vertical}',
  'input.short{max-width:10rem}input.medium{max-width:16rem}.hint{margin:.1rem 0 .3rem;color:#4d4d4d}',
  '[aria-invalid=true]{border-color:#b3261e}.field-error{margin:.1rem 0 .3rem;color:#b3261e;font-weight:600}',
  'fieldset{border:0;padding:0;margin:1rem 0;min-width:0}legend{font-weight:700;font-size:1.1rem;padding:0;margin:.5rem 0}',
  'label.choice{display:flex;gap:.6rem;align-items:flex-start;font-weight:400;margin:.5rem 0}',
  'label.choice input{flex:none;width:1.4rem;height:1.4rem;margin:.1rem 0 0;accent-color:#14452f}',
  'button,a.button{font:inherit;display:inline-block;min-height:2.75rem;padding:.45rem 1rem;border:0;border-radius:.3rem;background:#14452f;color:#fff;cursor:pointer;margin:.75rem .5rem 0 0;text-decoration:none}',
  'button.secondary{background:#fff;color:#14452f;border:2px solid #14452f}',
  'a.act{display:inline-block;padding:.3rem 0;font-weight:600}',
  '.summary-title{font-size:1.1rem;margin:0 0 .3rem}.alert ul{margin:.3rem 0;padding-left:1.2rem}',
  '.pre{white-space:pre-line}.status{font-weight:600}.dupes{font-weight:600;color:#7a4b00}',
  'ul.plain{list-style:none;padding:0;margin:.5rem 0}ul.plain li{margin:.3rem 0}ul.plain a[aria-current]{font-weight:700}.pages a{display:inline-block;padding:.4rem 0}',
  'form.tight{margin:.5rem 0}.group{border-top:2px solid #b5b5b5;margin-top:1rem}details{margin:.4rem 0}summary{cursor:pointer}',
  'code{font-size:.9em;word-break:break-all}',
  'label.choice .name{font-weight:600}.receipt{font:600 1.3rem/1.6 ui-monospace,Menlo,Consolas,"Liberation Mono",monospace;letter-spacing:.04em;margin:.2rem 0 .5rem}',
  'ol.hashes{padding-left:1.8rem;margin:.3rem 0}.verified{font-weight:600}',
  'footer{border-top:1px solid #b5b5b5;margin-top:1rem;font-size:.95rem}',
  'footer p{margin:.3rem 0}',
].join('');

export interface LayoutProps {
  lang: Lang;
  t: Translate;
  /** The page's own title (also its one h1, written by the page). */
  title: string;
  /** Path the language links point at (the current page, without its query). */
  path: string;
  /** Signed-in organizer pages: the CSRF token for the sign-out button in the header. */
  signOutToken?: string | undefined;
  children?: Child;
}

export function Layout({ lang, t, title, path, signOutToken, children }: LayoutProps) {
  return (
    <html lang={lang}>
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="color-scheme" content="light" />
        <title>{title === t('site.name') ? title : `${title} · ${t('site.name')}`}</title>
        <style>{raw(CSS)}</style>
      </head>
      <body>
        <a class="skip" href="#main">
          {t('skip')}
        </a>
        <header>
          <div class="bar">
            <a class="brand" href="/">
              {t('site.name')}
            </a>
            <nav aria-label={t('nav.label')}>
              <ul>
                <li>
                  <a href="/">{t('nav.awards')}</a>
                </li>
                <li>
                  <a href="/organizer">{t('nav.organizer')}</a>
                </li>
              </ul>
            </nav>
            <nav aria-label={t('nav.language')}>
              <ul class="langs">
                {LANGS.map((l) => (
                  <li>
                    <a
                      href={`${path}${path.includes('?') ? '&' : '?'}lang=${l}`}
                      hreflang={l}
                      lang={l}
                      aria-current={l === lang ? 'true' : undefined}
                    >
                      {LANG_NAMES[l]}
                    </a>
                  </li>
                ))}
              </ul>
            </nav>
            {signOutToken ? (
              <form method="post" action="/organizer/logout">
                <input type="hidden" name="_csrf" value={signOutToken} />
                <button type="submit">{t('logout')}</button>
              </form>
            ) : null}
          </div>
        </header>
        <main id="main" tabindex={-1}>
          {children}
        </main>
        <footer>
          <div class="bar">
            <p>{t('footer.about')}</p>
            <p>
              <a href="/api-docs">{t('footer.api')}</a> · <a href="/openapi.json">{t('footer.openapi')}</a>
            </p>
          </div>
        </footer>
      </body>
    </html>
  );
}
