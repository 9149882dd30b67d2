/**
 * The scopes of the Gatehouse API (the MCP resource). Tools declare which they need; the protected
 * resource metadata, the 401 challenge and the embedded authorization server all derive from this list.
 */
export const SCOPES = {
  'identity:read': 'See who you are signed in as (whoami)',
  'docs:read': 'Search and read documents you have access to',
  'calendar:read': 'Read your connected calendar',
  'calendar:write': 'Create events in your connected calendar',
  'email:send': 'Send email from your connected mailbox (asks for approval each time)',
  'purchases:create': 'Make purchases on your behalf (asks for approval above a limit)',
} as const;

export type Scope = keyof typeof SCOPES;

export const ALL_SCOPES = Object.keys(SCOPES) as Scope[];

/** What a client is asked for on first contact (401); the rest is obtained by step-up (403). */
export const BASELINE_SCOPES: readonly Scope[] = ['identity:read', 'docs:read', 'calendar:read'];

/** Scope hierarchy: holding the key implies holding each listed scope. */
const IMPLIES: Partial<Record<string, readonly string[]>> = {
  'calendar:write': ['calendar:read'],
};

/** Expand granted scopes with everything they imply. */
export function effectiveScopes(granted: Iterable<string>): Set<string> {
  const out = new Set<string>();
  const visit = (s: string) => {
    if (out.has(s)) return;
    out.add(s);
    for (const implied of IMPLIES[s] ?? []) visit(implied);
  };
  for (const s of granted) visit(s);
  return out;
}

/** The scopes in `required` that `granted` (after expansion) does not cover. */
export function missingScopes(granted: Iterable<string>, required: Iterable<string>): string[] {
  const have = effectiveScopes(granted);
  return [...new Set(required)].filter((s) => !have.has(s));
}

export function parseScopeString(scope: unknown): string[] {
  return typeof scope === 'string' ? scope.split(' ').filter(Boolean) : [];
}
