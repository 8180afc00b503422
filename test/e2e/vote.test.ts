/**
 * In real Chromium on a 360 px phone screen, against the real server and a real SMTP server: a visitor verifies
 * by an emailed code, votes in two categories of a track with one submit, keeps the receipts (on the page and in
 * the mail), checks a receipt before and after its checkpoint and sees it verified with its proof, and cannot
 * vote again in those categories. Every page fits the screen without horizontal scrolling.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { leafHash, verifyInclusion } from '../../src/audit/merkle';
import { type RunningLaurel, codeIn, launchBrowser, startLaurel } from './harness';

const SLUG = 'stem4all-2024';
const PHONE = { viewport: { width: 360, height: 800 }, locale: 'en-GB' };
const VOTER = 'voter@laurel.test';
const RECEIPT = /^([a-z2-7]{4}-){7}[a-z2-7]{4}$/;

/** The page is as wide as the phone: nothing scrolls sideways. */
async function fitsThePhone(page: Page) {
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  expect(width, page.url()).toBeLessThanOrEqual(360);
}

/** Chooses a nominee on the ballot: the radio labelled with the name, inside the category's fieldset. */
async function choose(page: Page, category: string, nominee: string) {
  await page
    .getByRole('group', { name: category, exact: true })
    .getByRole('radio', { name: new RegExp(`^${nominee}\\b`) })
    .check();
}

describe('voting in a browser', () => {
  let laurel: RunningLaurel;
  let browser: Browser;
  beforeAll(async () => {
    laurel = await startLaurel();
    browser = await launchBrowser();
    await laurel.cli('phase', SLUG, 'voting');
  }, 90_000);
  afterAll(async () => {
    await browser?.close();
    await laurel?.stop();
  });

  it('verifies, votes in two categories, keeps the receipts, checks one with its proof, cannot vote again', async () => {
    const context = await browser.newContext(PHONE);
    const page = await context.newPage();

    // ------------------------------------------------------------------ to the ballot, verifying on the way
    await page.goto(`${laurel.url}/a/${SLUG}`);
    await fitsThePhone(page);
    await page.getByRole('link', { name: 'Vote: STEM4ALL x Mentoring Her' }).click();
    await page.waitForURL(/\/vote\/mentoring-her$/);
    await fitsThePhone(page);
    expect(await page.locator('main').innerText()).toContain('To vote, first confirm who you are');
    await page.getByRole('link', { name: 'Confirm who you are' }).click();
    await page.waitForURL(/\/verify\?return_to=/);
    await page.getByLabel('Email address').fill(VOTER);
    await page.getByRole('button', { name: 'Send the code' }).click();
    const codeMail = await laurel.smtp.waitFor(VOTER, /\d{3} \d{3}/);
    await page.getByLabel('Code').fill(codeIn(codeMail.mail.text));
    await page.getByRole('button', { name: 'Confirm' }).click();
    await page.waitForURL(/\/vote\/mentoring-her$/);
    await fitsThePhone(page);

    // ------------------------------------------------------------------ the ballot
    expect(await page.locator('h1').innerText()).toBe('Vote: STEM4ALL x Mentoring Her');
    expect(await page.locator('fieldset').count()).toBe(5);
    // A second tab with the same ballot, loaded before voting: it will try to vote again.
    const stale = await context.newPage();
    await stale.goto(page.url());
    await choose(stale, 'Best Mentor', 'Olga Kim');
    await choose(stale, 'Best Mentee', 'Daria Sokolova');

    await choose(page, 'Best Mentor', 'Aigerim Asanova');
    await choose(page, 'Best Mentee', 'Aipery Zhumabaeva');
    await fitsThePhone(page);
    await page.screenshot({ path: '/tmp/laurel-ballot.png', fullPage: true });
    await page.getByRole('button', { name: 'Send my votes' }).click();
    await page.waitForURL(/\/receipts\?r=/);
    await fitsThePhone(page);

    // ------------------------------------------------------------------ the receipts, on the page and by mail
    expect(await page.locator('h1').innerText()).toBe('Thank you: your votes are recorded');
    const receipts = (await page.locator('p.receipt').allInnerTexts()).map((r) => r.trim());
    expect(receipts).toHaveLength(2);
    for (const r of receipts) expect(r).toMatch(RECEIPT);
    const cards = await page.locator('ul.cards > li').allInnerTexts();
    expect(cards[0]).toContain('Best Mentor');
    expect(cards[0]).toContain('Aigerim Asanova');
    expect(cards[0]).toContain(receipts[0]);
    expect(cards[1]).toContain('Best Mentee');
    expect(cards[1]).toContain('Aipery Zhumabaeva');
    expect(await page.locator('main').innerText()).toContain('mailed to the address you confirmed');
    await page.screenshot({ path: '/tmp/laurel-receipts.png', fullPage: true });
    for (const [i, r] of receipts.entries()) {
      const mail = await laurel.smtp.waitFor(VOTER, new RegExp(r));
      expect(mail.mail.text).toContain(i === 0 ? 'Best Mentor' : 'Best Mentee');
    }

    // ------------------------------------------------------------------ the check before the checkpoint
    await page.getByRole('link', { name: 'Check the receipt of Best Mentor' }).click();
    await page.waitForURL(/\/receipt\?r=/);
    await fitsThePhone(page);
    const pending = await page.locator('main').innerText();
    expect(pending).toContain('Recorded. It will be in the next checkpoint of the ballot log');
    expect(pending).toContain('Aigerim Asanova');
    expect(pending).toContain('Counted');
    const checkUrl = page.url();

    // ------------------------------------------------------------------ trying to vote again
    await page.goto(`${laurel.url}/a/${SLUG}/vote/mentoring-her`);
    await fitsThePhone(page);
    const again = await page.locator('main').innerText();
    expect(again.match(/You have voted here\./g)).toHaveLength(2);
    expect(await page.locator('input[name="choice-best-mentor"]').count()).toBe(0);
    expect(await page.locator('input[name="choice-best-mentee"]').count()).toBe(0);
    expect(await page.locator('input[name="choice-best-regional-mentor"]').count()).toBe(6);
    // The tab loaded before voting sends its other choices: refused in each category, nothing recorded.
    await stale.getByRole('button', { name: 'Send my votes' }).click();
    await stale.waitForLoadState();
    expect(stale.url()).toMatch(/\/vote\/mentoring-her$/);
    await fitsThePhone(stale);
    const refused = await stale.locator('main').innerText();
    expect(refused).toContain('These votes were not recorded:');
    expect(
      refused.match(/You have voted in this category already, and your first vote stands\. Nothing was changed\./g),
    ).toHaveLength(4); // in the summary at the top and in each of the two fieldsets
    await stale.screenshot({ path: '/tmp/laurel-ballot-refused.png', fullPage: true });

    // ------------------------------------------------------------------ the check after the checkpoint
    // The example's rules write checkpoints every 300 s or 1000 ballots; closing the vote writes one at once.
    await laurel.cli('phase', SLUG, 'judging');
    await page.goto(checkUrl);
    await fitsThePhone(page);
    const verified = await page.locator('main').innerText();
    expect(verified).toMatch(/Verified: in batch 1 of the ballot log, tree of size 2, root [0-9a-f]{64}\./);
    await page.locator('summary', { hasText: 'The proof, to check it yourself' }).click();
    await expect.poll(() => page.locator('details').getAttribute('open')).not.toBeNull();
    expect(await page.locator('ol.hashes li').count()).toBe(1);
    await fitsThePhone(page);
    await page.screenshot({ path: '/tmp/laurel-receipt-check.png', fullPage: true });
    // The JSON the page links to gives the same proof, and it verifies here too.
    const jsonHref = await page.getByRole('link', { name: 'This check as JSON' }).getAttribute('href');
    const check = await (await fetch(`${laurel.url}${jsonHref}`)).json();
    const leaf = await leafHash({ tracker: check.tracker, category: check.category, nominee: check.nominee });
    expect(
      await verifyInclusion(leaf, check.proof.leafIndex, check.proof.treeSize, check.proof.path, check.proof.root),
    ).toBe(true);
    expect(verified).toContain(check.proof.root);

    // ------------------------------------------------------------------ the vote is over
    await page.goto(`${laurel.url}/a/${SLUG}/vote/mentoring-her`);
    await fitsThePhone(page);
    expect(await page.locator('main').innerText()).toContain('This award is not taking votes now.');
    await context.close();
  });
});
