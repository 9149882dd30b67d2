import * as oidc from 'openid-client';
import { CLI_CLIENT_ID, CLI_REDIRECT_URI } from './clients.js';
import { CookieJar } from './cookie-jar.js';

export interface ObtainAccessTokenOptions {
  readonly issuer: string;
  /** The MCP URL (the access token's audience). */
  readonly resource: string;
  readonly user: string;
  readonly password: string;
  /** Space separated; default: the resource's default scopes (filled in by the server). */
  readonly scope?: string;
}

export interface ObtainedTokens {
  readonly accessToken: string;
  readonly refreshToken?: string;
  readonly idToken?: string;
  readonly expiresIn: number;
  readonly scope: string;
}

const MAX_STEPS = 12;

/**
 * A real authorization-code + PKCE flow against the embedded authorization server, run headlessly:
 * the pre-registered public client `gatehouse-cli` starts it, the login and consent forms are submitted
 * as a browser would (cookies carried, redirects followed by hand), and the code is read from the
 * redirect to the loopback callback, which nothing needs to listen on. Only for loopback http issuers.
 */
export async function obtainAccessToken(opts: ObtainAccessTokenOptions): Promise<ObtainedTokens> {
  const config = await oidc.discovery(new URL(opts.issuer), CLI_CLIENT_ID, undefined, oidc.None(), {
    execute: [oidc.allowInsecureRequests],
  });
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const params: Record<string, string> = {
    redirect_uri: CLI_REDIRECT_URI,
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    resource: opts.resource,
    state,
  };
  if (opts.scope) params.scope = opts.scope;
  const callbackUrl = await authorizeHeadlessly(oidc.buildAuthorizationUrl(config, params), opts);

  const tokens = await oidc.authorizationCodeGrant(config, callbackUrl, { pkceCodeVerifier: verifier, expectedState: state }, { resource: opts.resource });
  return {
    accessToken: tokens.access_token,
    refreshToken: tokens.refresh_token,
    idToken: tokens.id_token,
    expiresIn: tokens.expires_in ?? 0,
    scope: tokens.scope ?? '',
  };
}

export interface BrowserUser {
  readonly user: string;
  readonly password: string;
  /** The redirect_uri of the authorization request; default the CLI client's. */
  readonly redirectUri?: string;
  /** What to answer on the consent page; default approve. */
  readonly consent?: 'approve' | 'deny';
}

/**
 * Plays the browser from an authorization URL: follows redirects, fills the login and consent forms,
 * and returns the redirect to `redirectUri` (with `code`, `state`, `iss`). Throws on a failed login and
 * on an error redirect. Exported for tests that run the flow for other clients or parameters.
 */
export async function authorizeHeadlessly(start: URL, opts: BrowserUser): Promise<URL> {
  const redirectUri = new URL(opts.redirectUri ?? CLI_REDIRECT_URI);
  const jar = new CookieJar();
  let request: { url: URL; form?: URLSearchParams } = { url: start };
  let submittedLogin = false;
  for (let step = 0; step < MAX_STEPS; step++) {
    const response = await fetch(request.url, {
      method: request.form ? 'POST' : 'GET',
      redirect: 'manual',
      headers: {
        cookie: jar.header(),
        ...(request.form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      },
      body: request.form?.toString(),
    });
    jar.store(response);
    const location = response.headers.get('location');
    if (response.status >= 300 && response.status < 400 && location) {
      const next = new URL(location, request.url);
      if (isCallback(next, redirectUri)) return checkedCallback(next);
      request = { url: next };
      continue;
    }
    const page = await response.text();
    if (response.status === 429 && page.includes('data-error="too_many_attempts"')) {
      throw new Error(`login refused for ${opts.user}: too_many_attempts (too many failed sign-in attempts; try again later)`);
    }
    const form = parseForm(page);
    if (form?.name === 'login') {
      if (submittedLogin) throw new Error(`login failed for ${opts.user}: wrong username or password`);
      submittedLogin = true;
      form.fields.set('username', opts.user);
      form.fields.set('password', opts.password);
      request = { url: new URL(form.action, request.url), form: form.fields };
    } else if (form?.name === 'consent') {
      form.fields.set('decision', opts.consent ?? 'approve');
      request = { url: new URL(form.action, request.url), form: form.fields };
    } else {
      throw new Error(`authorization failed: unexpected response ${response.status} from the authorization server`);
    }
  }
  throw new Error('authorization failed: too many steps');
}

/** Loopback redirect URIs match on any port (RFC 8252). */
function isCallback(url: URL, expected: URL): boolean {
  return url.protocol === expected.protocol && url.hostname === expected.hostname && (url.port === expected.port || expected.hostname === '127.0.0.1') && url.pathname === expected.pathname;
}

function checkedCallback(url: URL): URL {
  const error = url.searchParams.get('error');
  if (error) throw new Error(`authorization failed: ${/^[a-z_]{1,64}$/.test(error) ? error : 'error'}`);
  return url;
}

interface ParsedForm {
  name: string;
  action: string;
  fields: URLSearchParams;
}

/** Reads our own login/consent form markup (see pages.ts): its name, action and hidden inputs. */
function parseForm(page: string): ParsedForm | undefined {
  const open = /<form\b[^>]*\baction="([^"]*)"[^>]*\bdata-form="([a-z]+)"[^>]*>([\s\S]*?)<\/form>/i.exec(page);
  if (!open) return undefined;
  const fields = new URLSearchParams();
  for (const input of open[3]!.matchAll(/<input\b[^>]*type="hidden"[^>]*>/gi)) {
    const name = /\bname="([^"]*)"/.exec(input[0])?.[1];
    const value = /\bvalue="([^"]*)"/.exec(input[0])?.[1];
    if (name) fields.set(decodeEntities(name), decodeEntities(value ?? ''));
  }
  return { name: open[2]!, action: decodeEntities(open[1]!), fields };
}

function decodeEntities(value: string): string {
  return value
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}
