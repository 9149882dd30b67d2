import { execFileSync } from 'node:child_process';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGatehouse, type TestGatehouse } from '../helpers/bootstrap.js';
import { tokenFor } from '../helpers/mcp-client.js';
import { call, week } from '../helpers/vault.js';

function chromiumPath(): string | undefined {
  try {
    return execFileSync('which', ['chromium'], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}
const executablePath = chromiumPath();

describe.skipIf(!executablePath)('Token Vault end to end in headless Chromium: -32042 -> browser connect flow -> retry', () => {
  let gh: TestGatehouse;
  let browser: Browser;
  beforeAll(async () => {
    gh = await startTestGatehouse();
    browser = await chromium.launch({
      executablePath,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'],
    });
  });
  afterAll(async () => {
    await browser?.close();
    await gh?.stop();
  });

  it('alice connects Google in a real browser and the retried tool call returns her demo events', async () => {
    const token = await tokenFor(gh, 'alice');
    const refused = await call(gh, token, 'list_calendar_events', week());
    expect(refused.message.error?.code).toBe(-32042);
    const elicitation = refused.message.error!.data!.elicitations![0]!;
    expect(elicitation.mode).toBe('url');

    const context = await browser.newContext();
    const page = await context.newPage();
    const first = await page.goto(elicitation.url);
    expect(new URL(page.url()).origin).toBe(new URL(gh.issuer).origin); // sent to sign in at the authorization server
    expect(first?.status()).toBe(200);
    await page.fill('#username', 'alice');
    await page.fill('#password', 'alice-demo-pw');
    await page.click('form[data-form="login"] button[type="submit"]');
    await page.click('form[data-form="consent"] button[value="approve"]');
    // The demo Google: the account chooser is preselected from login_hint.
    await page.waitForSelector('form[data-form="provider-consent"]');
    expect(await page.inputValue('#account')).toBe('alice@acme.example');
    await page.fill('#password', 'alice-demo-pw');
    await page.click('form[data-form="provider-consent"] button[value="allow"]');
    await page.waitForSelector('main[data-page="connected:google-oauth2"]');
    expect(new URL(page.url()).origin).toBe(new URL(gh.mcpUrl).origin);
    const text = await page.textContent('main');
    expect(text).toContain('Google account connected');
    expect(text).toContain('retry');

    const done = await context.request.get(page.url());
    expect(done.headers()['content-security-policy']).toContain("frame-ancestors 'none'");
    const cookies = await context.cookies(new URL(gh.mcpUrl).origin);
    expect(cookies.filter((c) => c.name.includes('gatehouse-connect') && c.value)).toEqual([]);
    await context.close();

    const retried = await call(gh, token, 'list_calendar_events', week());
    expect(retried.message.result?.isError).toBeFalsy();
    const events = retried.message.result!.structuredContent!.events as { title: string }[];
    expect(events.map((e) => e.title)).toEqual(expect.arrayContaining(['Engineering stand-up', 'Design review: Falcon API', '1:1 with Bob', 'Sprint planning']));
    // The provider token never reaches the client.
    expect(JSON.stringify(retried.message)).not.toMatch(/ya29\.|1\/\//);
  });
});
