/** The connect flow's pages: plain HTML, inline CSS, every value escaped, no secrets, fixed texts. */
const esc = (v: string) => v.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');

export const PAGE_HEADERS: Record<string, string> = {
  'Content-Type': 'text/html; charset=utf-8',
  'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-store',
};

function layout(title: string, body: string, marker: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><meta name="referrer" content="no-referrer">
<title>${esc(title)} · Gatehouse</title>
<style>body{margin:0;min-height:100vh;display:grid;place-items:center;background:#f6f8fa;color:#1b1f24;font:16px/1.5 system-ui,sans-serif}
main{width:min(30rem,92vw);background:#fff;border:1px solid #d0d7de;border-radius:12px;padding:2rem}h1{font-size:1.35rem;margin:0 0 .75rem}
code{font-size:.85em;color:#57606a}.bad{color:#b42318}</style></head>
<body><main data-page="${esc(marker)}">${body}</main></body></html>`;
}

export function connectedPage(input: { label: string; connection: string; user: string; scopes: readonly string[] }): string {
  return layout(
    `${input.label} connected`,
    `<h1>${esc(input.label)} account connected</h1>
<p>Gatehouse can now use your ${esc(input.label)} account (<code>${esc(input.connection)}</code>) for <strong>${esc(input.user)}</strong> when a tool needs it. The account's tokens stay in the token vault; your agent never sees them.</p>
<p>Granted: ${input.scopes.map((s) => `<code>${esc(s)}</code>`).join(', ') || 'no scopes reported'}</p>
<p><strong>You can close this tab and go back to your agent: ask it to retry.</strong></p>`,
    `connected:${input.connection}`,
  );
}

const FAILURES: Record<string, { status: number; title: string; text: string }> = {
  invalid_ticket: { status: 400, title: 'Link expired or already used', text: 'This connect link has expired, was already used, or is not valid. Ask your agent to retry the tool: it will give you a new link.' },
  expired: { status: 400, title: 'Connection not completed', text: 'This step is not valid any more (it expired, was already used, or was opened in another browser). Ask your agent for a new link.' },
  wrong_user: { status: 403, title: 'Wrong account', text: 'You signed in as a different user than the one this link was made for. Nothing was connected. Sign in as the user your agent acts for, using a new link.' },
  denied: { status: 403, title: 'Not connected', text: 'Access was not allowed, so nothing was connected. Ask your agent for a new link to try again.' },
  unavailable: { status: 502, title: 'Something went wrong', text: 'The account service could not complete the connection right now. Nothing was connected. Try again later with a new link.' },
};

export function failurePage(kind: string): { status: number; body: string } {
  const f = FAILURES[kind] ?? FAILURES.unavailable!;
  return { status: f.status, body: layout(f.title, `<h1 class="bad">${esc(f.title)}</h1><p>${esc(f.text)}</p>`, `failed:${kind}`) };
}
