import { Html, html } from './html.js';

/**
 * The pages a person sees on the embedded authorization server: login, consent, error. Plain HTML with
 * inline CSS and no external assets, so they work offline and under a strict CSP. Every value is escaped.
 */

const STYLE = `
  :root { color-scheme: light dark; --fg:#1b1f24; --muted:#57606a; --bg:#f6f8fa; --card:#fff; --line:#d0d7de; --accent:#0b5cad; --danger:#b42318; }
  @media (prefers-color-scheme: dark) { :root { --fg:#e6edf3; --muted:#9da7b3; --bg:#0d1117; --card:#161b22; --line:#30363d; --accent:#4493f8; --danger:#f85149; } }
  * { box-sizing: border-box; }
  body { margin:0; min-height:100vh; display:grid; place-items:center; background:var(--bg); color:var(--fg);
         font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
  main { width:min(26rem, 92vw); background:var(--card); border:1px solid var(--line); border-radius:12px; padding:2rem; }
  h1 { font-size:1.35rem; margin:0 0 .25rem; }
  p.sub { color:var(--muted); margin:0 0 1.5rem; }
  label { display:block; font-weight:600; margin:1rem 0 .35rem; }
  input[type=text], input[type=password] { width:100%; padding:.6rem .7rem; font:inherit; color:inherit; background:transparent;
         border:1px solid var(--line); border-radius:8px; }
  input:focus, button:focus { outline:2px solid var(--accent); outline-offset:2px; }
  .actions { display:flex; gap:.75rem; margin-top:1.5rem; }
  button { flex:1; padding:.65rem 1rem; font:inherit; font-weight:600; border-radius:8px; cursor:pointer;
         border:1px solid var(--line); background:transparent; color:inherit; }
  button.primary { background:var(--accent); border-color:var(--accent); color:#fff; }
  .error { border:1px solid var(--danger); color:var(--danger); border-radius:8px; padding:.6rem .8rem; margin:0 0 1rem; }
  ul.scopes { list-style:none; padding:0; margin:0; border:1px solid var(--line); border-radius:8px; }
  ul.scopes li { padding:.6rem .8rem; border-top:1px solid var(--line); }
  ul.scopes li:first-child { border-top:0; }
  code { font-size:.85em; color:var(--muted); }
  .badge { display:inline-block; font-size:.75rem; font-weight:700; text-transform:uppercase; letter-spacing:.04em; padding:.05rem .4rem;
         border:1px solid var(--danger); color:var(--danger); border-radius:6px; vertical-align:middle; }
  .warn { border:1px solid var(--line); border-left:4px solid var(--danger); border-radius:8px; padding:.6rem .8rem; margin:0 0 1rem; font-size:.92rem; }
  p.target { margin:0 0 1rem; }
  footer { margin-top:1.5rem; font-size:.85rem; color:var(--muted); }
`;

export function layout(title: string, body: Html): string {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${title} · Gatehouse</title>
<style>${new Html(STYLE)}</style>
</head>
<body><main>${body}<footer>Gatehouse embedded sign-in (local demo)</footer></main></body>
</html>`.value;
}

/** Who asks: its self-chosen name, and whether the operator configured it (first-party) or it registered itself. */
export interface ClientDisplay {
  readonly name: string;
  /** Registered by dynamic client registration: its name is unverified. */
  readonly thirdParty: boolean;
  /** Identified by a client metadata document: the host that publishes it (its https client_id's host). */
  readonly metadataHost?: string;
}

export interface LoginPageInput {
  readonly uid: string;
  readonly csrf: string;
  readonly client: ClientDisplay;
  readonly username?: string;
  readonly failed?: boolean;
  /** Minutes until the next attempt is allowed, after too many failed ones. */
  readonly blockedMinutes?: number;
}

export function loginPage({ uid, csrf, client, username, failed, blockedMinutes }: LoginPageInput): string {
  return layout('Sign in', html`
<h1>Sign in</h1>
<p class="sub">to continue to ${clientLabel(client)}</p>
${loginForm({ action: `/interaction/${uid}/login`, name: 'login', csrf, username, failed, blockedMinutes })}`);
}

function clientLabel(client: ClientDisplay): Html {
  return html`<strong>${client.name}</strong>${client.thirdParty ? html` <span class="badge" data-mark="unverified" title="This name was chosen by the application itself">unverified</span>` : ''}`;
}

/**
 * The username/password form shared by the authorization server's login page and the device page;
 * a failed attempt never says which of the two was wrong. `data-form` names the form for the
 * headless login used by the CLI and tests.
 */
export function loginForm(input: { action: string; name: string; csrf: string; username?: string; failed?: boolean; blockedMinutes?: number }): Html {
  const blocked = input.blockedMinutes !== undefined
    ? html`<p class="error" role="alert" data-error="too_many_attempts">Too many failed sign-in attempts. Sign-in is blocked for ${input.blockedMinutes} ${input.blockedMinutes === 1 ? 'minute' : 'minutes'}.</p>`
    : '';
  return html`${blocked}${input.failed && !blocked ? html`<p class="error" role="alert" data-error="login_failed">Wrong username or password.</p>` : ''}
<form method="post" action="${input.action}" data-form="${input.name}" autocomplete="off">
  <input type="hidden" name="csrf" value="${input.csrf}">
  <label for="username">Username</label>
  <input id="username" name="username" type="text" value="${input.username ?? ''}" required autofocus autocapitalize="none" spellcheck="false">
  <label for="password">Password</label>
  <input id="password" name="password" type="password" required>
  <div class="actions"><button class="primary" type="submit">Sign in</button></div>
</form>`;
}

export interface ConsentScope {
  readonly name: string;
  readonly description: string;
}

/** Where the authorization code goes if the user allows: the redirect URI's host (or app scheme). */
export interface RedirectTarget {
  /** e.g. "evil.example", "127.0.0.1:53682", "com.example.app:" */
  readonly host: string;
  /** A loopback address or a private-use scheme: an application on the user's own device. */
  readonly local: boolean;
}

export interface ConsentPageInput {
  readonly uid: string;
  readonly csrf: string;
  readonly client: ClientDisplay;
  readonly redirect: RedirectTarget;
  readonly userName: string;
  readonly scopes: readonly ConsentScope[];
}

export function consentPage({ uid, csrf, client, redirect, userName, scopes }: ConsentPageInput): string {
  return layout('Allow access', html`
<h1>Allow access?</h1>
<p class="sub">${clientLabel(client)} wants to act for <strong>${userName}</strong>.</p>
${thirdPartyNote(client)}
<p class="target">If you allow, access is handed to <strong data-redirect-host="${redirect.host}">${redirect.host}</strong>${redirect.local ? ' (an application on this device)' : ''}.</p>
<p>It asks to:</p>
<ul class="scopes">
  ${scopes.map((s) => html`<li>${s.description}<br><code>${s.name}</code></li>`)}
</ul>
<form method="post" action="/interaction/${uid}/consent" data-form="consent">
  <input type="hidden" name="csrf" value="${csrf}">
  <div class="actions">
    <button type="submit" name="decision" value="deny">Deny</button>
    <button class="primary" type="submit" name="decision" value="approve">Allow</button>
  </div>
</form>`);
}

function thirdPartyNote(client: ClientDisplay): Html | string {
  if (client.metadataHost !== undefined) {
    return html`<p class="warn" data-note="third-party">This application describes itself in a document published by <strong data-metadata-host="${client.metadataHost}">${client.metadataHost}</strong>. Its name is chosen by whoever runs that site and has not been verified: allow only if you started this sign-in and trust where it sends you.</p>`;
  }
  if (!client.thirdParty) return '';
  return html`<p class="warn" data-note="third-party">This application registered itself. Its name is chosen by whoever runs it and has not been verified: allow only if you started this sign-in and trust where it sends you.</p>`;
}

/** Error pages show fixed texts only: never library messages or request data. */
export function errorPage(title: string, message: string, code?: string): string {
  return layout(title, html`<h1>${title}</h1><p class="error" role="alert"${code ? html` data-error="${code}"` : ''}>${message}</p>`);
}
