/**
 * The OAuth error code and description of an authorization-server answer, reduced to plain printable
 * text: worth showing (Auth0 explains e.g. a missing push enrolment there), never anything else.
 */
export function oauthErrorText(e: { error?: unknown; error_description?: unknown }): string {
  const code = oauthErrorCode(e);
  const raw = typeof e.error_description === 'string' ? e.error_description : '';
  const description = raw.replace(/[^\x20-\x7e]/g, '').replace(/eyJ[\w-]*\.[\w-]*\.[\w-]*/g, '[redacted]').slice(0, 200).trim();
  return description ? `${code}: ${description}` : code;
}

/** The OAuth error code alone (`invalid_grant`, …), or `error` when it is missing or not a plain code. */
export function oauthErrorCode(e: { error?: unknown }): string {
  return typeof e.error === 'string' && /^[a-z0-9_.-]{1,64}$/i.test(e.error) ? e.error : 'error';
}
