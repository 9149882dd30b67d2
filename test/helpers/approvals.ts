import { DeviceClient, type PendingApproval } from '../../src/cli/approvals.js';
import { CookieJar } from '../../src/embedded/authserver/cookie-jar.js';
import { findDemoUser } from '../../src/embedded/seed/users.js';

/** Signs in to the embedded /device page as a demo user (the CLI's client). */
export function deviceFor(issuer: string, user: string): Promise<DeviceClient> {
  const u = findDemoUser(user)!;
  return DeviceClient.login(issuer, u.id, u.password);
}

/** Waits until `count` requests wait for the device's user. */
export async function waitForRequests(device: DeviceClient, count = 1, timeoutMs = 10_000): Promise<PendingApproval[]> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const { requests } = await device.list();
    if (requests.length >= count) return requests;
    if (Date.now() > until) throw new Error(`expected ${count} pending approval request(s), found ${requests.length}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export const LAPTOP = { item: 'Laptop', amount: 900, currency: 'EUR', merchant: 'Demo Store' } as const;

/** The text of a tools/call result (first content item). */
export function textOf(result: unknown): string {
  const content = (result as { content?: { type: string; text?: string }[] }).content ?? [];
  return content[0]?.text ?? '';
}

export function errorCodeOf(result: unknown): string | undefined {
  return (result as { structuredContent?: { error?: { code?: string } } }).structuredContent?.error?.code;
}

/** Signs in to /device as a demo user, like a browser, and returns the request page's HTML. */
export async function devicePageHtml(issuer: string, user: string): Promise<string> {
  const u = findDemoUser(user)!;
  const jar = new CookieJar();
  const form = await fetch(new URL('/device/login', issuer));
  jar.store(form);
  const csrf = /name="csrf" value="([^"]+)"/.exec(await form.text())![1]!;
  const login = await fetch(new URL('/device/login', issuer), {
    method: 'POST',
    redirect: 'manual',
    headers: { cookie: jar.header(), 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ csrf, username: u.id, password: u.password }).toString(),
  });
  jar.store(login);
  const page = await fetch(new URL('/device', issuer), { headers: { cookie: jar.header(), accept: 'text/html' } });
  return page.text();
}
