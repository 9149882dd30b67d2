import { html, Html } from '../authserver/html.js';
import type { ProviderAccount } from './provider-accounts.js';

const STYLE = `
  body { margin:0; min-height:100vh; display:grid; place-items:center; background:#f1f3f4; color:#202124; font:16px/1.5 system-ui, sans-serif; }
  main { width:min(28rem, 92vw); background:#fff; border:1px solid #dadce0; border-radius:8px; padding:2rem; }
  h1 { font-size:1.4rem; font-weight:500; margin:0 0 .5rem; } p.sub { color:#5f6368; margin:0 0 1rem; }
  ul { padding-left:1.2rem; } label { display:block; margin-top:.75rem; } input[type=email], input[type=password] { display:block; width:100%; box-sizing:border-box; } input, button { font:inherit; padding:.55rem 1rem; border-radius:4px; border:1px solid #dadce0; }
  .actions { display:flex; gap:.75rem; justify-content:flex-end; margin-top:1.5rem; } button.primary { background:#1a73e8; color:#fff; border-color:#1a73e8; }
  footer { margin-top:1.5rem; font-size:.8rem; color:#5f6368; }`;

const DESCRIPTIONS: Record<string, string> = {
  openid: 'Associate you with your personal info on Google',
  email: 'See your primary Google Account email address',
  profile: 'See your personal info',
  'https://www.googleapis.com/auth/calendar.readonly': 'See and download any calendar you can access using your Google Calendar',
  'https://www.googleapis.com/auth/calendar.events': 'View and edit events on all your calendars',
  'https://www.googleapis.com/auth/calendar': 'See, edit, share, and permanently delete all the calendars you can access using Google Calendar',
  'https://www.googleapis.com/auth/gmail.send': 'Send email on your behalf',
};

function layout(title: string, body: Html): string {
  return html`<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · Demo Google</title><style>${new Html(STYLE)}</style></head>
<body><main>${body}<footer>Demo "Google" provider (Gatehouse embedded stand-in, not Google)</footer></main></body></html>`.value;
}

/**
 * Sign-in and consent in one page. With a login_hint naming an account, only that account is offered
 * (read-only); without one, the email is typed. Either way the account's password is asked for, as
 * Google does for an account that is not signed in: choosing an account is never enough.
 */
export function consentPage(input: { requestId: string; clientName: string; scopes: readonly string[]; account?: Pick<ProviderAccount, 'email' | 'name'> }): string {
  const account = input.account
    ? html`<p>${input.account.name}</p><input id="account" name="account" type="email" value="${input.account.email}" readonly>`
    : html`<input id="account" name="account" type="email" autocomplete="username" required>`;
  return layout('Sign in', html`
<h1>Sign in with Google (demo)</h1>
<p class="sub"><strong>${input.clientName}</strong> wants to access your Google Account</p>
<form method="post" action="/o/oauth2/v2/auth/decision" data-form="provider-consent">
  <input type="hidden" name="request" value="${input.requestId}">
  <label for="account">Account</label>
  ${account}
  <label for="password">Password</label>
  <input id="password" name="password" type="password" autocomplete="current-password">
  <p>This will allow it to:</p>
  <ul>${input.scopes.map((s) => html`<li>${DESCRIPTIONS[s] ?? s}</li>`)}</ul>
  <div class="actions"><button type="submit" name="decision" value="deny">Cancel</button><button class="primary" type="submit" name="decision" value="allow">Allow</button></div>
</form>`);
}

export function errorPage(message: string): string {
  return layout('Error', html`<h1>Access blocked</h1><p>${message}</p>`);
}
