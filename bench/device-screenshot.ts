/**
 * Renders the trusted-device page for a pending send_email approval in headless Chromium and saves
 * docs/images/device-send-email.png. Not part of the test run or `npm run bench`; re-run with
 *   npx tsx bench/device-screenshot.ts
 * Needs `chromium` on PATH.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { deviceFor, waitForRequests } from '../test/helpers/approvals.js';
import { startTestGatehouse } from '../test/helpers/bootstrap.js';
import { tokenFor } from '../test/helpers/mcp-client.js';
import { call, connectGoogle } from '../test/helpers/vault.js';

const out = join(dirname(fileURLToPath(import.meta.url)), '..', 'docs', 'images', 'device-send-email.png');
const executablePath = execFileSync('which', ['chromium'], { encoding: 'utf8' }).trim();

const body = [
  'Hi Bob, Carol,',
  '',
  'Here is the plan for Q4: we ship the approvals rework in October and the budgets in November.',
  'The draft is in the shared folder; comments by Friday please.',
  '',
  'Thanks,',
  'Alice',
].join('\n');

const gh = await startTestGatehouse({ GATEHOUSE_APPROVAL_WAIT_SECONDS: '60', GATEHOUSE_CIBA_INTERVAL_SECONDS: '1' });
const browser = await chromium.launch({ executablePath, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'] });
try {
  const token = await tokenFor(gh, 'alice', 'email:send');
  await connectGoogle(gh, 'alice');
  const pending = call(gh, token, 'send_email', { to: ['bob@acme.example', 'carol@acme.example'], subject: 'Q4 plan', body });
  const device = await deviceFor(gh.issuer, 'alice');
  const [request] = await waitForRequests(device);
  const page = await browser.newPage({ viewport: { width: 760, height: 900 }, deviceScaleFactor: 1 });
  await page.goto(`${gh.issuer}/device/login`);
  await page.fill('#username', 'alice');
  await page.fill('#password', 'alice-demo-pw');
  await page.click('button[type=submit]');
  await page.waitForURL(`${gh.issuer}/device`);
  mkdirSync(dirname(out), { recursive: true });
  await page.screenshot({ path: out, fullPage: true });
  await device.decide(request!.id, 'deny');
  await pending;
  process.stdout.write(`wrote ${out}\n`);
} finally {
  await browser.close();
  await gh.stop();
}
