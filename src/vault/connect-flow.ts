import { timingSafeEqual } from 'node:crypto';
import * as oidc from 'openid-client';
import type { Logger } from '../log.js';
import type { ConnectFlowStore, FlowState, StoredFlow } from './connect-flow-store.js';
import type { ConnectTickets } from './connect-ticket.js';
import type { ConnectedAccountsLedger } from './connected-accounts-ledger.js';
import { MY_ACCOUNT_CONNECT_SCOPE, myAccountAudience, type MyAccountClient } from './my-account-client.js';

/** Why a connect flow stopped; each has its own page. */
export class ConnectFlowError extends Error {
  constructor(
    readonly kind: 'invalid_ticket' | 'expired' | 'wrong_user' | 'denied' | 'unavailable',
    options?: { cause?: unknown },
  ) {
    super(`connect flow: ${kind}`, options);
  }
}

export interface ConnectFlowDeps {
  readonly issuer: string;
  /** `<mcp origin>/connect/callback`: registered for the server client. */
  readonly callbackUrl: string;
  readonly client: () => Promise<oidc.Configuration>;
  readonly tickets: ConnectTickets;
  readonly flows: ConnectFlowStore;
  readonly myAccount: MyAccountClient;
  readonly ledger: ConnectedAccountsLedger;
  readonly logger: Logger;
}

export type FlowStep = { readonly flowId: string; readonly redirect: URL } | { readonly done: { sub: string; connection: string; accountId: string; scopes: readonly string[] } };

/**
 * The connect flow Gatehouse runs for a connect ticket:
 * 1. start: consume the ticket, log the browser user in (authorization code + PKCE, Gatehouse's
 *    confidential client, audience = the My Account API);
 * 2. callback with `code`: refuse unless the signed-in user is the ticket's `sub`, then My Account
 *    `connect` and send the browser to the provider's consent;
 * 3. callback with `connect_code`: My Account `complete`; the vault now holds the account.
 * States are random and single-use; the flow is bound to the browser by an HttpOnly cookie (see routes).
 */
export class ConnectFlow {
  constructor(private readonly deps: ConnectFlowDeps) {}

  async start(connection: string, ticket: string): Promise<FlowStep> {
    const bound = await this.deps.tickets.consume(ticket, connection);
    if (!bound) throw new ConnectFlowError('invalid_ticket');
    const config = await this.config();
    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const flowId = await this.deps.flows.create({ sub: bound.sub, connection, scopes: [...bound.scopes], step: 'login', state, verifier });
    const redirect = oidc.buildAuthorizationUrl(config, {
      redirect_uri: this.deps.callbackUrl,
      scope: `openid profile ${MY_ACCOUNT_CONNECT_SCOPE}`,
      audience: myAccountAudience(this.deps.issuer),
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      prompt: 'login',
    });
    return { flowId, redirect };
  }

  async callback(flowId: string, query: URLSearchParams): Promise<FlowStep> {
    const read = await this.deps.flows.get(flowId);
    const state = query.get('state') ?? '';
    if (!read || !equal(read.state.state, state)) throw new ConnectFlowError('expired');
    // Single use: the state is replaced (compare-and-set on the stored flow) before anything else; of
    // concurrent callbacks with the same state, on any instance, only one gets past here.
    const used = await this.deps.flows.replace(flowId, read, { ...read.state, state: `used:${oidc.randomState()}` });
    if (!used) throw new ConnectFlowError('expired');
    const flow = read.state;
    if (query.has('error')) {
      await this.deps.flows.delete(flowId);
      throw new ConnectFlowError(query.get('error') === 'access_denied' ? 'denied' : 'unavailable');
    }
    return flow.step === 'login' ? this.afterLogin(flowId, flow, used, query) : this.afterConsent(flowId, flow, query);
  }

  private async afterLogin(flowId: string, flow: FlowState, used: StoredFlow, query: URLSearchParams): Promise<FlowStep> {
    const config = await this.config();
    const current = new URL(this.deps.callbackUrl);
    current.search = query.toString();
    let tokens;
    try {
      tokens = await oidc.authorizationCodeGrant(config, current, { pkceCodeVerifier: flow.verifier, expectedState: flow.state });
    } catch (e) {
      await this.deps.flows.delete(flowId);
      throw new ConnectFlowError('unavailable', { cause: e });
    }
    const signedIn = tokens.claims()?.sub;
    if (!signedIn || signedIn !== flow.sub) {
      await this.deps.flows.delete(flowId);
      this.deps.logger.warn({ event: 'connect_wrong_user', ticket_sub: flow.sub, signed_in: signedIn ?? null, connection: flow.connection }, 'connect flow refused: signed-in user is not the ticket owner');
      throw new ConnectFlowError('wrong_user');
    }
    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const started = await this.deps.myAccount.connect(tokens.access_token, {
      connection: flow.connection,
      redirect_uri: this.deps.callbackUrl,
      state,
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      scopes: flow.scopes,
    });
    if (!(await this.deps.flows.replace(flowId, used, { ...flow, step: 'connect', state, verifier, authSession: started.auth_session, myAccountToken: tokens.access_token }))) {
      throw new ConnectFlowError('expired'); // ended meanwhile
    }
    const redirect = new URL(started.connect_uri);
    redirect.searchParams.set('ticket', started.connect_params.ticket);
    return { flowId, redirect };
  }

  private async afterConsent(flowId: string, flow: FlowState, query: URLSearchParams): Promise<FlowStep> {
    const connectCode = query.get('connect_code');
    await this.deps.flows.delete(flowId);
    if (!connectCode || !flow.authSession || !flow.myAccountToken) throw new ConnectFlowError('expired');
    const account = await this.deps.myAccount.complete(flow.myAccountToken, {
      auth_session: flow.authSession,
      connect_code: connectCode,
      redirect_uri: this.deps.callbackUrl,
      code_verifier: flow.verifier,
    });
    await this.deps.ledger.record(flow.sub, flow.connection, account.id, account.scopes);
    this.deps.logger.info({ event: 'connected', sub: flow.sub, connection: flow.connection, account: account.id }, 'connected account stored in the vault');
    return { done: { sub: flow.sub, connection: flow.connection, accountId: account.id, scopes: account.scopes } };
  }

  private async config(): Promise<oidc.Configuration> {
    try {
      return await this.deps.client();
    } catch (e) {
      throw new ConnectFlowError('unavailable', { cause: e });
    }
  }
}

function equal(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
