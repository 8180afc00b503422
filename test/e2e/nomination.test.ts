/**
 * In real Chromium on a 360 px phone screen: a visitor verifies by an emailed code and proposes a nominee, an
 * organizer accepts it, the nominee consents from the mailed link, and the nominee is listed on the public page.
 * Every page fits the screen without horizontal scrolling.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningLaurel, codeIn, launchBrowser, startLaurel } from './harness';

const SLUG = 'stem4all-2024';
const PHONE = { viewport: { width: 360, height: 800 }, locale: 'en-GB' };
const VOTER = 'voter@laurel.test';
const NOMINEE = 'gulnara@laurel.test';
const ORGANIZER = 'organizer@laurel.test';

/** The page is as wide as the phone: nothing scrolls sideways. */
async function fitsThePhone(page: Page) {
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  expect(width, page.url()).toBeLessThanOrEqual(360);
}

describe('nomination in a browser', () => {
  let laurel: RunningLaurel;
  let browser: Browser;
  beforeAll(async () => {
    laurel = await startLaurel();
    browser = await launchBrowser();
    await laurel.cli('organizer', 'add', ORGANIZER);
  }, 90_000);
  afterAll(async () => {
    await browser?.close();
    await laurel?.stop();
  });

  it('a visitor nominates, the organizer accepts, the nominee consents and is listed', async () => {
    // ------------------------------------------------------------------ the visitor
    const visitor = await (await browser.newContext(PHONE)).newPage();
    await visitor.goto(`${laurel.url}/a/${SLUG}`);
    await fitsThePhone(visitor);
    await visitor.getByRole('link', { name: 'Nominate: Best Mentor' }).click();
    await visitor.waitForURL(/\/best-mentor\/nominate$/);
    await fitsThePhone(visitor);
    expect(await visitor.locator('main').innerText()).toContain('To nominate, first confirm who you are.');

    await visitor.getByRole('link', { name: 'Confirm who you are' }).click();
    await visitor.waitForURL(/\/verify\?return_to=/);
    await fitsThePhone(visitor);
    await visitor.getByLabel('Email address').fill(VOTER);
    await visitor.getByRole('button', { name: 'Send the code' }).click();
    const codeMail = await laurel.smtp.waitFor(VOTER);
    await visitor.getByLabel('Code').fill(codeIn(codeMail.mail.text));
    await fitsThePhone(visitor);
    await visitor.getByRole('button', { name: 'Confirm' }).click();
    await visitor.waitForURL(/\/best-mentor\/nominate$/);

    await visitor.locator('#nominee-new').check();
    await visitor.getByLabel('Full name').fill('Gulnara Ismailova');
    await visitor.getByLabel('Organization (optional)').fill('Naryn State University');
    await visitor.getByLabel('Region (optional)').fill('Naryn');
    await visitor.getByLabel('Public citation (optional)').fill('Started a robotics club for girls in Naryn.');
    await visitor.getByLabel('Nominee’s email address (optional)').fill(NOMINEE);
    await visitor.getByLabel('Why do you nominate this person?').fill('She taught forty girls to code this year.');
    await fitsThePhone(visitor);
    await visitor.screenshot({ path: '/tmp/laurel-nominate.png', fullPage: true });
    await visitor.getByRole('button', { name: 'Send the nomination' }).click();
    await visitor.waitForURL(/\/nominations\/mine\?done=nominated$/);
    await fitsThePhone(visitor);
    const mine = await visitor.locator('main').innerText();
    expect(mine).toContain('Thank you for your nomination');
    expect(mine).toContain('Gulnara Ismailova');
    expect(mine).toContain('Awaiting moderation');
    await visitor.screenshot({ path: '/tmp/laurel-mine.png', fullPage: true });

    // ------------------------------------------------------------------ the organizer
    const organizer = await (await browser.newContext(PHONE)).newPage();
    await organizer.goto(`${laurel.url}/organizer/login`);
    await organizer.getByLabel('Email address').fill(ORGANIZER);
    await organizer.getByRole('button', { name: 'Send the code' }).click();
    const signIn = await laurel.smtp.waitFor(ORGANIZER);
    await organizer.getByLabel('Code').fill(codeIn(signIn.mail.text));
    await organizer.getByRole('button', { name: 'Sign in' }).click();
    await organizer.waitForURL(/\/organizer$/);
    await organizer.locator(`a[href="/organizer/a/${SLUG}"]`).click();
    await organizer.getByRole('link', { name: 'Moderate nominations' }).click();
    await organizer.waitForURL(/\/moderation$/);
    await fitsThePhone(organizer);
    const proposal = organizer.locator('li[id^="pending-"]', { hasText: 'Gulnara Ismailova' });
    expect(await proposal.innerText()).toContain('Contact address on file');
    await organizer.screenshot({ path: '/tmp/laurel-moderation.png', fullPage: true });
    await proposal.getByRole('button', { name: 'Accept' }).click();
    await organizer.waitForURL(/\/moderation\?category=best-mentor&done=accepted$/);
    await fitsThePhone(organizer);
    const accepted = organizer.locator('li[id^="accepted-"]', { hasText: 'Gulnara Ismailova' });
    expect(await accepted.innerText()).toContain('Consent: requested, no answer yet');

    // Not listed before the nominee agrees.
    const before = await (await fetch(`${laurel.url}/a/${SLUG}/best-mentor?lang=en`)).text();
    expect(before).not.toContain('Gulnara Ismailova');

    // ------------------------------------------------------------------ the nominee
    const request = await laurel.smtp.waitFor(NOMINEE, /\/consent\//);
    const link = /https?:\/\/\S+\/consent\/[A-Za-z0-9._~-]+/.exec(request.mail.text ?? '')?.[0];
    expect(link, request.mail.text).toBeDefined();
    const nominee = await (await browser.newContext(PHONE)).newPage();
    await nominee.goto(link!);
    await fitsThePhone(nominee);
    expect(await nominee.locator('h1').innerText()).toBe('Consent to be listed as a nominee');
    await nominee.screenshot({ path: '/tmp/laurel-consent.png', fullPage: true });
    await nominee.getByRole('button', { name: 'I give my consent' }).click();
    await nominee.waitForLoadState();
    expect(await nominee.locator('h1').innerText()).toBe('Thank you: the consent is recorded');
    await fitsThePhone(nominee);

    // ------------------------------------------------------------------ listed
    await visitor.goto(`${laurel.url}/a/${SLUG}/best-mentor`);
    const listed = await visitor.locator('main').innerText();
    expect(listed).toContain('Gulnara Ismailova');
    expect(listed).toContain('Started a robotics club for girls in Naryn.');
    await fitsThePhone(visitor);
  });
});
