import { CookieJar } from './cookie-jar.js';

export interface HeadlessConnectUser {
  readonly user: string;
  readonly password: string;
  /** The account to pick at the demo provider's consent page. */
  readonly email: string;
  /** What to answer at the provider; default allow. */
  readonly providerDecision?: 'allow' | 'deny';
}

export interface HeadlessConnectResult {
  readonly status: number;
  readonly url: URL;
  readonly page: string;
  /** `connected:<connection>` or `failed:<reason>` from Gatehouse's final page. */
  readonly outcome?: string;
}

const MAX_STEPS = 24;

/**
 * Plays the browser through a connect URL, for demos and tests: follows redirects across Gatehouse, the
 * embedded authorization server and the demo provider with one cookie jar per origin, signs in at the
 * login page, approves the consent page and the provider's consent, and stops at Gatehouse's final page.
 */
export async function connectHeadlessly(start: URL, who: HeadlessConnectUser): Promise<HeadlessConnectResult> {
  const jars = new Map<string, CookieJar>();
  const jar = (u: URL) => jars.get(u.origin) ?? jars.set(u.origin, new CookieJar()).get(u.origin)!;
  let request: { url: URL; form?: URLSearchParams } = { url: start };
  let logins = 0;
  for (let step = 0; step < MAX_STEPS; step++) {
    const response = await fetch(request.url, {
      method: request.form ? 'POST' : 'GET',
      redirect: 'manual',
      headers: { cookie: jar(request.url).header(), ...(request.form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
      body: request.form?.toString(),
    });
    jar(request.url).store(response);
    const location = response.headers.get('location');
    if (response.status >= 300 && response.status < 400 && location) {
      request = { url: new URL(location, request.url) };
      continue;
    }
    const page = await response.text();
    const form = parseForm(page);
    if (form?.name === 'login') {
      if (++logins > 1) throw new Error(`connect: login failed for ${who.user}`);
      form.fields.set('username', who.user);
      form.fields.set('password', who.password);
    } else if (form?.name === 'consent') {
      form.fields.set('decision', 'approve');
    } else if (form?.name === 'provider-consent') {
      form.fields.set('account', who.email);
      form.fields.set('password', who.password); // the demo Google account's password is the demo user's
      form.fields.set('decision', who.providerDecision ?? 'allow');
    } else {
      const outcome = /data-page="([^"]+)"/.exec(page)?.[1];
      return { status: response.status, url: request.url, page, outcome };
    }
    request = { url: new URL(form.action, request.url), form: form.fields };
  }
  throw new Error('connect: too many steps');
}

function parseForm(page: string): { name: string; action: string; fields: URLSearchParams } | undefined {
  const m = /<form\b([^>]*)>([\s\S]*?)<\/form>/i.exec(page);
  if (!m) return undefined;
  const name = /\bdata-form="([a-z-]+)"/.exec(m[1]!)?.[1];
  const action = /\baction="([^"]*)"/.exec(m[1]!)?.[1];
  if (!name || action === undefined) return undefined;
  const fields = new URLSearchParams();
  for (const input of m[2]!.matchAll(/<input\b[^>]*type="hidden"[^>]*>/gi)) {
    const n = /\bname="([^"]*)"/.exec(input[0])?.[1];
    const v = /\bvalue="([^"]*)"/.exec(input[0])?.[1];
    if (n) fields.set(decode(n), decode(v ?? ''));
  }
  return { name, action: decode(action), fields };
}

function decode(value: string): string {
  return value.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}
