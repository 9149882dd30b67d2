import { execFileSync } from 'node:child_process';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGatehouse, type TestGatehouse } from '../helpers/bootstrap.js';
import { deviceFor, LAPTOP, textOf, waitForRequests } from '../helpers/approvals.js';
import { connectWithToken, tokenFor } from '../helpers/mcp-client.js';
import { stateCount } from '../helpers/state.js';

/**
 * The whole approval flow as a person meets it: an MCP client's high-risk call waits (progress
 * notifications arrive), alice signs in on the trusted-device page in a real headless Chromium, reads
 * the request in plain words and presses Approve; the call completes.
 */
const chromiumPath = (() => {
  try {
    return execFileSync('which', ['chromium'], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
})();

let gh: TestGatehouse;
let browser: Browser;
beforeAll(async () => {
  gh = await startTestGatehouse({ GATEHOUSE_APPROVAL_WAIT_SECONDS: '30', GATEHOUSE_CIBA_INTERVAL_SECONDS: '1' });
  if (chromiumPath) {
    browser = await chromium.launch({
      executablePath: chromiumPath,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'],
    });
  }
}, 30_000);
afterAll(async () => {
  await browser?.close();
  await gh?.stop();
});

describe.skipIf(!chromiumPath)('approval on the trusted-device page (headless Chromium)', () => {
  it('the call waits with progress, alice approves in the browser, the purchase runs once', async () => {
    const client = await connectWithToken(gh.mcpUrl, await tokenFor(gh, 'alice', 'purchases:create'));
    const progress: { progress: number; message?: string }[] = [];
    const call = client.callTool({ name: 'purchase', arguments: LAPTOP }, undefined, {
      onprogress: (p) => progress.push(p),
      resetTimeoutOnProgress: true,
      timeout: 10_000,
    });
    await waitForRequests(await deviceFor(gh.issuer, 'alice'));

    const page = await browser.newPage();
    const first = await page.goto(`${gh.issuer}/device`);
    expect(page.url()).toBe(`${gh.issuer}/device/login`);
    expect(first!.headers()['content-security-policy']).toContain("frame-ancestors 'none'");
    await page.fill('#username', 'alice');
    await page.fill('#password', 'alice-demo-pw');
    await page.click('button[type=submit]');
    await page.waitForURL(`${gh.issuer}/device`);

    const card = page.locator('section[data-request]');
    await expect.poll(() => card.count()).toBe(1);
    expect(await card.locator('h2').textContent()).toBe('Approve a purchase from the demo merchant (no real money moves)');
    expect(await card.locator('[data-field=amount]').textContent()).toBe('900.00 EUR');
    expect(await card.locator('[data-field=merchant]').textContent()).toBe('Demo Store');
    expect(await card.locator('[data-field=item]').textContent()).toBe('"Laptop"');
    const code = await card.locator('[data-field=binding-message]').textContent();
    expect(code).toMatch(/^Pay 900\.00 EUR to Demo Store #\w{6}$/);

    // Let the waiting call report progress a few times before the person answers.
    await expect.poll(() => progress.length, { timeout: 10_000 }).toBeGreaterThanOrEqual(2);
    await card.locator('button[data-action=approve]').click();
    await page.waitForURL(`${gh.issuer}/device?done=approved`);
    expect(await page.locator('[data-done=approved]').count()).toBe(1);
    expect(await page.locator('section[data-request]').count()).toBe(0);

    const result = await call;
    expect(result.isError).toBeFalsy();
    expect(textOf(result)).toMatch(/Approved by alice at \d{4}-/);
    expect(progress[0]!.message).toBe(`Waiting for approval on your device… ("${code}")`);
    expect(progress.map((p) => p.progress)).toEqual(progress.map((_, i) => i + 1));
    expect(await stateCount(gh, 'demo_orders')).toBe(1);
    await page.close();
    await client.close();
  }, 60_000);

  it('a wrong password is refused; a foreign Origin cannot post; the page cannot be framed', async () => {
    const page = await browser.newPage();
    const res = await page.goto(`${gh.issuer}/device/login`);
    expect(res!.headers()['x-frame-options']).toBe('DENY');
    await page.fill('#username', 'alice');
    await page.fill('#password', 'wrong');
    await page.click('button[type=submit]');
    expect(await page.locator('[data-error=login_failed]').count()).toBe(1);
    await page.close();

    const forged = await fetch(`${gh.issuer}/device/decide`, {
      method: 'POST',
      headers: { origin: 'https://evil.example', 'content-type': 'application/x-www-form-urlencoded' },
      body: 'id=x&decision=approve&csrf=x',
    });
    expect(forged.status).toBe(403);
  }, 30_000);
});
