import type { ApprovalRow } from '../../approvals/approval-text.js';
import { quoted } from '../../approvals/sanitize-text.js';
import { Html, html } from './html.js';
import { layout, loginForm } from './pages.js';
import type { PendingRequest } from './device-approvals.js';

/**
 * The trusted-device pages: sign in, then the pending approval requests, each rendered from its RAR
 * authorization_details in plain language, with Approve and Deny. No scripts (strict CSP).
 */
const DEVICE_STYLE = new Html(`<style>
  .req { border:1px solid var(--line); border-radius:10px; padding:1rem; margin:0 0 1rem; }
  .req h2 { font-size:1.05rem; margin:0 0 .5rem; }
  .req dl { display:grid; grid-template-columns:max-content 1fr; gap:.2rem .8rem; margin:0; font-size:.92rem; }
  .req dt { color:var(--muted); }
  .req dd { margin:0; overflow-wrap:anywhere; }
  .code { font-family: ui-monospace, monospace; font-weight:600; }
  .note { border:1px solid var(--line); border-radius:8px; padding:.6rem .8rem; margin:0 0 1rem; }
  .req dd.wide { grid-column: 1 / -1; }
  .req .text { white-space:pre-wrap; overflow-wrap:anywhere; font-family: ui-monospace, monospace; font-size:.88rem; margin:0; padding:.5rem .6rem; border:1px solid var(--line); border-radius:6px; }
  .req ul.list { margin:0; padding-left:1.1rem; }
  .req .warn { color:var(--danger); }
</style>`);

export function deviceLoginPage(input: { csrf: string; username?: string; failed?: boolean }): string {
  return layout('Trusted device', html`${DEVICE_STYLE}
<h1>Approve requests</h1>
<p class="sub">Sign in on your trusted device to see what your agents ask you to approve.</p>
${loginForm({ action: '/device/login', name: 'device-login', csrf: input.csrf, username: input.username, failed: input.failed })}`);
}

export function deviceListPage(input: { userName: string; csrf: string; requests: readonly PendingRequest[]; done?: string }): string {
  const { requests } = input;
  return layout('Approval requests', html`${DEVICE_STYLE}
<h1>Approval requests</h1>
<p class="sub">Signed in as <strong>${input.userName}</strong>. Approve only what you asked your agent to do.</p>
${input.done ? html`<p class="note" role="status" data-done="${input.done}">${doneText(input.done)}</p>` : ''}
${requests.length === 0 ? html`<p class="note" data-empty="true">Nothing waits for your approval. <a href="/device">Refresh</a></p>` : ''}
${requests.map((r) => requestCard(r, input.csrf))}
<form method="post" action="/device/logout"><div class="actions"><button type="submit">Sign out</button></div></form>`);
}

/**
 * One request, everything before the buttons: the instruction, then every row of the approval text in
 * full (all recipients, the whole body) when the server holds the text its `content` sha256 names,
 * else the displayed RAR properties (what Guardian would show). Free text is always quoted.
 */
function requestCard(r: PendingRequest, csrf: string): Html {
  const d = r.details[0];
  const props = d ? Object.entries(d.properties).sort(([, a], [, b]) => a.display_order - b.display_order) : [];
  const prop = (key: string) => d?.properties[key]?.value;
  const rows = r.text
    ? r.text.rows.map(fullRow)
    : props
        .filter(([key, p]) => p.display && key !== 'tool' && key !== 'server')
        .map(([key, p]) => html`<dt>${p.name}</dt><dd data-field="${key}">${p.value}</dd>`);
  return html`<section class="req" data-request="${r.id}">
  <h2 data-field="instruction">${d?.instruction ?? 'Approve a sign-in request'}</h2>
  <dl>
    ${rows}
    ${d && !r.text ? html`<dt>Note</dt><dd class="warn" data-field="partial">Only a summary is available here; the full content is not. Deny if unsure.</dd>` : ''}
    ${d ? html`<dt>Tool</dt><dd><code data-field="tool">${prop('tool')}</code> on ${prop('server')}</dd>` : ''}
    <dt>Requested by</dt><dd>${r.clientName}</dd>
    ${r.bindingMessage ? html`<dt>Code</dt><dd class="code" data-field="binding-message">${r.bindingMessage}</dd>` : ''}
    <dt>Expires</dt><dd>${r.expiresAt}</dd>
  </dl>
  <form method="post" action="/device/decide" data-form="decide">
    <input type="hidden" name="csrf" value="${csrf}">
    <input type="hidden" name="id" value="${r.id}">
    <div class="actions">
      <button type="submit" name="decision" value="deny" data-action="deny">Deny</button>
      <button class="primary" type="submit" name="decision" value="approve" data-action="approve">Approve</button>
    </div>
  </form>
</section>`;
}

function fullRow(row: ApprovalRow): Html {
  if (row.kind === 'list') {
    return html`<dt>${row.label}</dt><dd data-field="${row.key}"><ul class="list">${(row.items ?? []).map((i) => html`<li>${i}</li>`)}</ul></dd>`;
  }
  if (row.kind === 'text' && row.multiline) return html`<dt>${row.label}</dt><dd class="wide"><pre class="text" data-field="${row.key}">${row.value}</pre></dd>`;
  if (row.kind === 'text') return html`<dt>${row.label}</dt><dd data-field="${row.key}">${quoted(row.value)}</dd>`;
  return html`<dt>${row.label}</dt><dd data-field="${row.key}">${row.value}</dd>`;
}

function doneText(done: string): string {
  if (done === 'approved') return 'Approved. Your agent can go ahead with exactly that action.';
  if (done === 'denied') return 'Denied. Nothing will be done.';
  return 'That request is no longer waiting (answered, expired or not yours).';
}
