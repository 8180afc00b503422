/** In real Chromium: an organizer signs in with the mailed code and opens the vote of the seeded example. */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningLaurel, codeIn, launchBrowser, startLaurel } from './harness';

describe('organizer in a browser', () => {
  let laurel: RunningLaurel;
  let browser: Browser;
  beforeAll(async () => {
    laurel = await startLaurel();
    browser = await launchBrowser();
    await laurel.cli('organizer', 'add', 'organizer@laurel.test');
  }, 90_000);
  afterAll(async () => {
    await browser?.close();
    await laurel?.stop();
  });

  it('signs in with the mailed code and moves the award to voting', async () => {
    const page = await browser.newPage({ viewport: { width: 360, height: 800 } });
    await page.goto(`${laurel.url}/organizer/login?lang=ky`);
    await page.locator('input[name=email]').fill('organizer@laurel.test');
    await page.locator('form button[type=submit]').first().click();
    const mail = await laurel.smtp.waitFor('organizer@laurel.test');
    await page.locator('input[name=code]').fill(codeIn(mail.mail.text));
    await page.locator('form button[type=submit]').first().click();
    await page.waitForURL(/\/organizer$/);
    await page.locator('a[href="/organizer/a/stem4all-2024"]').click();
    await page.locator('button[value=voting]').click();
    await page.waitForURL(/done=phase/);
    const res = await fetch(`${laurel.url}/api/ceremonies/stem4all-2024`);
    expect((await res.json()).phase).toBe('voting');
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    expect(width).toBeLessThanOrEqual(360);
  });
});
