import { z } from 'zod';

/**
 * An upstream identity provider connection (Auth0's "social connection", e.g. google-oauth2) as the
 * embedded Token Vault uses it: the provider's OAuth endpoints and this authorization server's client there.
 */
export interface FederatedConnection {
  readonly name: string;
  readonly authorizationEndpoint: string;
  readonly tokenEndpoint: string;
  readonly userinfoEndpoint: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** Always requested, to learn the provider account's subject (Auth0 asks Google for these too). */
  readonly baseScopes: readonly string[];
}

/** Why the provider would not give a token: the grant is gone (reconnect) or the provider failed (retry later). */
export class UpstreamTokenError extends Error {
  constructor(readonly kind: 'revoked' | 'unavailable', options?: { cause?: unknown }) {
    super(`upstream token request failed: ${kind}`, options);
  }
}

const TokenResponse = z.object({
  access_token: z.string().min(1),
  expires_in: z.coerce.number().int().positive().optional(),
  refresh_token: z.string().min(1).optional(),
  scope: z.string().optional(),
});
export type UpstreamTokens = z.infer<typeof TokenResponse>;

const UserInfo = z.object({ sub: z.string().min(1) });

const TIMEOUT_MS = 5000;

async function tokenRequest(conn: FederatedConnection, params: Record<string, string>): Promise<UpstreamTokens> {
  let response: Response;
  try {
    response = await fetch(conn.tokenEndpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: new URLSearchParams({ ...params, client_id: conn.clientId, client_secret: conn.clientSecret }),
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
  } catch (e) {
    throw new UpstreamTokenError('unavailable', { cause: e });
  }
  const body: unknown = await response.json().catch(() => undefined);
  if (response.ok) {
    const parsed = TokenResponse.safeParse(body);
    if (parsed.success) return parsed.data;
    throw new UpstreamTokenError('unavailable');
  }
  const error = (body as { error?: unknown } | undefined)?.error;
  throw new UpstreamTokenError(response.status === 400 && (error === 'invalid_grant' || error === 'invalid_scope') ? 'revoked' : 'unavailable');
}

export function redeemUpstreamCode(conn: FederatedConnection, code: string, redirectUri: string): Promise<UpstreamTokens> {
  return tokenRequest(conn, { grant_type: 'authorization_code', code, redirect_uri: redirectUri });
}

export function refreshUpstreamToken(conn: FederatedConnection, refreshToken: string): Promise<UpstreamTokens> {
  return tokenRequest(conn, { grant_type: 'refresh_token', refresh_token: refreshToken });
}

export async function upstreamSubject(conn: FederatedConnection, accessToken: string): Promise<string> {
  try {
    const response = await fetch(conn.userinfoEndpoint, { headers: { authorization: `Bearer ${accessToken}` }, signal: AbortSignal.timeout(TIMEOUT_MS) });
    const parsed = UserInfo.safeParse(await response.json());
    if (response.ok && parsed.success) return parsed.data.sub;
  } catch (e) {
    throw new UpstreamTokenError('unavailable', { cause: e });
  }
  throw new UpstreamTokenError('unavailable');
}
