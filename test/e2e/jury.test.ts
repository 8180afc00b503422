/**
 * In real Chromium on a 360 px phone screen, against the real server and a real SMTP server: the STEM4ALL example
 * is brought to judging, an organizer (signed in through the API with the mailed code) picks the finalists of
 * Best Mentor and adds a juror, whose invitation arrives by mail. The juror opens the link from the mail, enters
 * the portal, declares a conflict with one finalist, scores the others on every criterion, submits, and sees the
 * sheet locked. The sheet is also shown in Kyrgyz. Every page fits the screen without horizontal scrolling.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningLaurel, ApiClient, launchBrowser, startLaurel } from './harness';

const SLUG = 'stem4all-2024';
const PHONE = { viewport: { width: 360, height: 800 }, locale: 'en-GB' };
const ORGANIZER = 'jury-organizer@laurel.test';
const JUROR = 'ainura@laurel.test';
const FINALISTS = ['aigerim-asanova', 'elena-kovaleva', 'nurgul-usenova'];
const CRITERIA = ['Impact (weight 40 of 100)', 'Leadership (weight 30 of 100)', 'Inspiration (weight 30 of 100)'];

/** The page is as wide as the phone: nothing scrolls sideways. */
async function fitsThePhone(page: Page) {
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  expect(width, page.url()).toBeLessThanOrEqual(360);
}

describe('judging in a browser', () => {
  let laurel: RunningLaurel;
  let browser: Browser;
  let client: ApiClient;
  const api = (method: string, path: string, body?: unknown) => client.api(method, path, body);

  beforeAll(async () => {
    laurel = await startLaurel();
    browser = await launchBrowser();
    // The example uses organizer-picked finalists: the vote closes, then organizers pick them while judging.
    await laurel.cli('phase', SLUG, 'voting');
    await laurel.cli('phase', SLUG, 'judging');
    client = new ApiClient(laurel);
    await client.signInOrganizer(ORGANIZER);
  }, 90_000);
  afterAll(async () => {
    await browser?.close();
    await laurel?.stop();
  });

  it('a juror enters by the mailed link, declares a conflict, scores, submits, and the sheet is locked', async () => {
    const picked = await api('PUT', `/api/ceremonies/${SLUG}/categories/best-mentor/finalists`, {
      nominees: FINALISTS,
    });
    expect(picked.status, picked.text).toBe(200);
    const added = await api('POST', `/api/ceremonies/${SLUG}/jury/jurors`, {
      name: 'Dr. Ainura Bekova',
      email: JUROR,
      institution: 'undp',
      categories: ['best-mentor'],
    });
    expect(added.status, added.text).toBe(201);
    expect(added.json().invitation.mailed).toBe(true);

    // ------------------------------------------------------------------ the link, from the delivered mail
    const invitation = await laurel.smtp.waitFor(JUROR, /\/jury\/invitations\//);
    const link = /https?:\/\/\S+\/jury\/invitations\/[A-Za-z0-9._-]+/.exec(invitation.mail.text ?? '')?.[0];
    expect(link, invitation.mail.text).toBeDefined();
    expect(link!.startsWith(laurel.url)).toBe(true);

    const context = await browser.newContext(PHONE);
    const page = await context.newPage();
    await page.goto(link!);
    await fitsThePhone(page);
    expect(await page.locator('h1').innerText()).toBe('Your invitation to the jury');
    const shown = await page.locator('main').innerText();
    for (const s of ['Dr. Ainura Bekova', 'UNDP Kyrgyzstan', 'Best Mentor']) expect(shown).toContain(s);
    await page.screenshot({ path: '/tmp/laurel-jury-invitation.png', fullPage: true });
    await page.getByRole('button', { name: 'Enter the jury portal' }).click();
    await page.waitForURL(new RegExp(`/jury/${SLUG}$`));
    await fitsThePhone(page);

    // ------------------------------------------------------------------ the portal
    expect(await page.locator('h1').innerText()).toBe('Jury portal');
    const portal = await page.locator('main').innerText();
    expect(portal).toContain('Signed in as Dr. Ainura Bekova, juror for UNDP Kyrgyzstan.');
    expect(portal).toContain('Declare your conflicts first');
    await page.getByRole('link', { name: 'Best Mentor', exact: true }).click();
    await page.waitForURL(new RegExp(`/jury/${SLUG}/best-mentor$`));
    await fitsThePhone(page);

    // ------------------------------------------------------------------ the declaration
    expect(await page.locator('h1').innerText()).toBe('Best Mentor');
    expect(await page.locator('input[type=number]').count()).toBe(0);
    await page.screenshot({ path: '/tmp/laurel-jury-declaration.png', fullPage: true });
    await page.getByRole('checkbox', { name: /Elena Kovaleva/ }).check();
    await page.getByRole('button', { name: 'Confirm my declaration' }).click();
    await page.waitForURL(/saved=conflicts/);
    await fitsThePhone(page);
    expect(await page.locator('main').innerText()).toContain('Your declaration is recorded.');

    // ------------------------------------------------------------------ scoring the two others
    const elena = page.locator('#fin-elena-kovaleva');
    expect(await elena.innerText()).toContain('Conflict of interest: you do not judge this finalist.');
    expect(await elena.locator('input, select, button').count()).toBe(0);
    expect(await page.locator('input[type=number]').count()).toBe(6);
    await page.screenshot({ path: '/tmp/laurel-jury-sheet.png', fullPage: true });
    const scores: Record<string, number[]> = { 'Aigerim Asanova': [8, 7, 9], 'Nurgul Usenova': [6, 9, 7] };
    for (const [name, values] of Object.entries(scores)) {
      const sheet = page.getByRole('group', { name, exact: true });
      for (const [i, label] of CRITERIA.entries()) await sheet.getByLabel(label).fill(String(values[i]));
      await page.getByRole('button', { name: `Save the scores of ${name}` }).click();
      await page.waitForURL(/saved=scores/);
      await fitsThePhone(page);
      const saved = page.getByRole('group', { name, exact: true });
      for (const [i, label] of CRITERIA.entries())
        expect(await saved.getByLabel(label).inputValue()).toBe(String(values[i]));
    }
    expect(await page.locator('main').innerText()).not.toContain('Finalists still to score');
    // Organizers see the progress, never a score.
    const progress = await api('GET', `/api/ceremonies/${SLUG}/jury`);
    expect(progress.json().jurors[0].sheets[0]).toMatchObject({ declared: true, done: 2, of: 2, submitted: false });
    expect(progress.text).not.toMatch(/impact|leadership|inspiration/);

    // ------------------------------------------------------------------ submitting locks the sheet
    await page.getByRole('button', { name: 'Submit and lock the sheet' }).click();
    await page.waitForURL(/saved=submitted/);
    await fitsThePhone(page);
    const locked = await page.locator('main').innerText();
    expect(locked).toContain('Submitted — this sheet is locked.');
    expect(await page.locator('main input:not([type=hidden]), main select, main form').count()).toBe(0);
    expect(await page.locator('#fin-aigerim-asanova').innerText()).toMatch(/Impact \(weight 40 of 100\)\s*8/);
    expect(await elena.innerText()).toContain('Conflict of interest: you do not judge this finalist.');
    await page.screenshot({ path: '/tmp/laurel-jury-locked.png', fullPage: true });
    expect((await api('GET', `/api/ceremonies/${SLUG}/jury`)).json().jurors[0].sheets[0].submitted).toBe(true);

    await page.goto(`${laurel.url}/jury/${SLUG}`);
    await fitsThePhone(page);
    expect(await page.locator('main').innerText()).toContain('Submitted — locked');

    // ------------------------------------------------------------------ in Kyrgyz
    await page.goto(`${laurel.url}/jury/${SLUG}/best-mentor?lang=ky`);
    await fitsThePhone(page);
    const ky = await page.locator('main').innerText();
    expect(ky).toContain('Жөнөтүлдү — бул барак кулпуланды.');
    expect(ky).toContain('Мыкты ментор');
    expect(ky).toContain('Таасир');
    expect(await page.locator('html').getAttribute('lang')).toBe('ky');
    await page.screenshot({ path: '/tmp/laurel-jury-ky.png', fullPage: true });
    await context.close();

    // ------------------------------------------------------------------ results by the CLI, signed and embargoed
    expect(await laurel.cli('finalize', SLUG)).toMatch(/is finalized: results version 1/);
    expect((await fetch(`${laurel.url}/api/ceremonies/${SLUG}/results`)).status).toBe(404);
    expect(await laurel.cli('announce', SLUG)).toMatch(/version 1 are public/);
    const results = (await (await fetch(`${laurel.url}/api/ceremonies/${SLUG}/results`)).json()) as any;
    const jury = results.document.result.categories.find((c: any) => Object.keys(c.jury).length > 0).jury;
    expect(Object.values(jury)).toContain(null);
    const before = (await (await fetch(`${laurel.url}/.well-known/jwks.json`)).json()) as { keys: unknown[] };
    expect(await laurel.cli('keys', 'rotate', 'results')).toMatch(/New results key/);
    const after = (await (await fetch(`${laurel.url}/.well-known/jwks.json`)).json()) as { keys: unknown[] };
    expect(after.keys).toHaveLength(before.keys.length + 1);
  });
});
