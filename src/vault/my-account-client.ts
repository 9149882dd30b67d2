import { z } from 'zod';
import { VaultUnavailableError } from '../errors.js';

/** Auth0's My Account API audience for an issuer: `https://{domain}/me/`. */
export const myAccountAudience = (issuer: string) => new URL('/me/', issuer).href;
export const MY_ACCOUNT_CONNECT_SCOPE = 'create:me:connected_accounts';

const ConnectResponse = z.object({
  connect_uri: z.url(),
  connect_params: z.object({ ticket: z.string().min(1) }),
  auth_session: z.string().min(1),
  expires_in: z.number().optional(),
});
const ConnectedAccount = z.object({ id: z.string().min(1), connection: z.string(), scopes: z.array(z.string()).default([]) });

export type ConnectStart = z.infer<typeof ConnectResponse>;
export type ConnectedAccountInfo = z.infer<typeof ConnectedAccount>;

/**
 * The My Account API's connected-accounts calls Gatehouse makes, with the signed-in user's My Account
 * access token: connect (start at the provider) and complete (store the account in the vault).
 */
export class MyAccountClient {
  constructor(
    private readonly issuer: string,
    private readonly timeoutMs = 10_000,
  ) {}

  connect(token: string, body: { connection: string; redirect_uri: string; state: string; code_challenge: string; scopes: readonly string[] }): Promise<ConnectStart> {
    return this.post('connect', token, { ...body, code_challenge_method: 'S256' }, ConnectResponse);
  }

  complete(token: string, body: { auth_session: string; connect_code: string; redirect_uri: string; code_verifier: string }): Promise<ConnectedAccountInfo> {
    return this.post('complete', token, body, ConnectedAccount);
  }

  private async post<T>(op: string, token: string, body: unknown, schema: z.ZodType<T>): Promise<T> {
    let response: Response;
    try {
      response = await fetch(new URL(`/me/v1/connected-accounts/${op}`, this.issuer), {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (e) {
      throw new VaultUnavailableError('The account service (My Account API) cannot be reached.', { cause: e });
    }
    const json: unknown = await response.json().catch(() => undefined);
    const parsed = schema.safeParse(json);
    if (!response.ok || !parsed.success) {
      throw new VaultUnavailableError(`The account service refused to ${op} the connection (HTTP ${response.status}).`, { cause: json });
    }
    return parsed.data;
  }
}
