import { z } from 'zod';
import { VaultUnavailableError } from '../errors.js';
import { createUpstream, DEFAULT_UPSTREAM_SETTINGS, type Upstream } from '../resilience/upstream.js';

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
 * access token: connect (start at the provider) and complete (store the account in the vault). Each
 * request runs under the My Account upstream policy (deadline, bulkhead, circuit breaker).
 */
export class MyAccountClient {
  constructor(
    private readonly issuer: string,
    private readonly upstream: Upstream = createUpstream('my_account', 'the account service (My Account API)', DEFAULT_UPSTREAM_SETTINGS.vault),
  ) {}

  connect(token: string, body: { connection: string; redirect_uri: string; state: string; code_challenge: string; scopes: readonly string[] }): Promise<ConnectStart> {
    return this.post('connect', token, { ...body, code_challenge_method: 'S256' }, ConnectResponse);
  }

  complete(token: string, body: { auth_session: string; connect_code: string; redirect_uri: string; code_verifier: string }): Promise<ConnectedAccountInfo> {
    return this.post('complete', token, body, ConnectedAccount);
  }

  private post<T>(op: string, token: string, body: unknown, schema: z.ZodType<T>): Promise<T> {
    // An answer (even a refusal) shows the service is up: only unreachable and 5xx count against the circuit.
    const outage = new WeakSet<object>();
    return this.upstream.run(
      async (signal) => {
        let response: Response;
        try {
          response = await fetch(new URL(`/me/v1/connected-accounts/${op}`, this.issuer), {
            method: 'POST',
            headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json' },
            body: JSON.stringify(body),
            signal,
          });
        } catch (e) {
          const err = new VaultUnavailableError('The account service (My Account API) cannot be reached.', { cause: e });
          outage.add(err);
          throw err;
        }
        const json: unknown = await response.json().catch(() => undefined);
        const parsed = schema.safeParse(json);
        if (!response.ok || !parsed.success) {
          const err = new VaultUnavailableError(`The account service refused to ${op} the connection (HTTP ${response.status}).`, { cause: json });
          if (response.status >= 500) outage.add(err);
          throw err;
        }
        return parsed.data;
      },
      { isFailure: (e) => typeof e === 'object' && e !== null && outage.has(e) },
    );
  }
}
