/**
 * Provider scope comparison: does what the vault granted cover what a tool declared? Google's broader
 * scopes imply narrower ones (calendar ⊃ calendar.events ⊃ calendar.events.readonly, ...).
 */
const G = 'https://www.googleapis.com/auth/';
const IMPLIES: Record<string, readonly string[]> = {
  [`${G}calendar`]: [`${G}calendar.events`, `${G}calendar.readonly`, `${G}calendar.freebusy`],
  [`${G}calendar.events`]: [`${G}calendar.events.readonly`],
  [`${G}calendar.readonly`]: [`${G}calendar.events.readonly`, `${G}calendar.freebusy`],
  'https://mail.google.com/': [`${G}gmail.send`, `${G}gmail.compose`, `${G}gmail.modify`],
  [`${G}gmail.modify`]: [`${G}gmail.send`, `${G}gmail.compose`],
  [`${G}gmail.compose`]: [`${G}gmail.send`],
};

export function missingProviderScopes(granted: Iterable<string>, required: Iterable<string>): string[] {
  const have = new Set<string>();
  const visit = (s: string) => {
    if (have.has(s)) return;
    have.add(s);
    for (const i of IMPLIES[s] ?? []) visit(i);
  };
  for (const s of granted) visit(s);
  return [...new Set(required)].filter((s) => !have.has(s));
}
