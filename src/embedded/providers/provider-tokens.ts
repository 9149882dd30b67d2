import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';

/**
 * The demo provider's tokens, self-contained and HMAC-signed so they survive restarts: access tokens
 * look like Google's (`ya29.…`, one hour), refresh tokens too (`1//…`). Access tokens issued before a
 * per-account "not before" instant are refused (the stand-in for revocation / provider-side expiry).
 */
const Payload = z.object({
  k: z.enum(['a', 'r']),
  sub: z.string(),
  email: z.string(),
  scope: z.string(),
  client: z.string(),
  iat: z.number(),
  exp: z.number().optional(),
  jti: z.string(),
});
export type ProviderTokenPayload = z.infer<typeof Payload>;

const PREFIX = { a: 'ya29.', r: '1//' } as const;

export class ProviderTokens {
  private readonly notBefore = new Map<string, number>();
  constructor(
    private readonly key: string,
    private readonly accessTtlSeconds = 3600,
  ) {}

  issue(kind: 'a' | 'r', grant: { sub: string; email: string; scope: string; client: string }): { token: string; expiresIn?: number } {
    const now = Date.now();
    const payload: ProviderTokenPayload = { k: kind, ...grant, iat: now, jti: randomBytes(8).toString('base64url') };
    if (kind === 'a') payload.exp = now + this.accessTtlSeconds * 1000;
    const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
    return { token: `${PREFIX[kind]}${body}.${this.sign(body)}`, expiresIn: kind === 'a' ? this.accessTtlSeconds : undefined };
  }

  verify(kind: 'a' | 'r', token: string): ProviderTokenPayload | undefined {
    if (!token.startsWith(PREFIX[kind])) return undefined;
    const [body, sig] = token.slice(PREFIX[kind].length).split('.');
    if (!body || !sig) return undefined;
    const expected = Buffer.from(this.sign(body));
    const given = Buffer.from(sig);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return undefined;
    const parsed = Payload.safeParse(JSON.parse(Buffer.from(body, 'base64url').toString('utf8')));
    if (!parsed.success || parsed.data.k !== kind) return undefined;
    const p = parsed.data;
    if (p.exp !== undefined && p.exp <= Date.now()) return undefined;
    if (kind === 'a' && p.iat <= Math.max(this.notBefore.get(p.sub) ?? 0, this.notBefore.get('*') ?? 0)) return undefined;
    return p;
  }

  /** Every access token issued so far for this account (or all accounts) stops working; refresh tokens keep working. */
  invalidateAccessTokens(sub?: string): void {
    this.notBefore.set(sub ?? '*', Date.now());
  }

  private sign(body: string): string {
    return createHmac('sha256', this.key).update(body).digest('base64url');
  }
}
