/**
 * Last line of defence for the audit log: any value that looks like a credential (a JWT, a bearer
 * header, or a field named like a secret) is replaced before it is written. Callers should never
 * pass such values; this makes a mistake visible ("[redacted]") instead of permanent.
 */
const SECRET_KEY = /^(access_?token|refresh_?token|id_?token|subject_?token|token|client_?secret|password|authorization|cookie|secret)$/i;
const JWT_LIKE = /eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g;
const BEARER = /bearer\s+[A-Za-z0-9._~+/-]+=*/gi;

export function scrubSecrets(value: unknown): unknown {
  if (typeof value === 'string') return value.replace(JWT_LIKE, '[redacted]').replace(BEARER, 'Bearer [redacted]');
  if (Array.isArray(value)) return value.map(scrubSecrets);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      if (v === undefined) continue;
      out[k] = SECRET_KEY.test(k) ? '[redacted]' : scrubSecrets(v);
    }
    return out;
  }
  return value;
}
