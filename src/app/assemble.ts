/**
 * Builds the server from resolved backends: documents, tools, the gate chain, the token verifier and
 * the HTTP app on the already-bound MCP port. It never asks whether a backend is embedded or remote
 * (resolve-backends.ts decides that).
 */
import { buildChain } from '../gates/chain.js';
import { createGates } from '../gates/create-gates.js';
import { createHttpApp } from '../http/app.js';
import { bearerAuth } from '../http/authenticate.js';
import { hostNamesFor } from '../http/host-origin.js';
import { insecureNoAuth } from '../http/insecure-no-auth.js';
import { mcpMethodNotAllowed, mcpPostRoute } from '../http/mcp-route.js';
import { resourceMetadataUrl } from '../http/protected-resource-metadata.js';
import { BASELINE_SCOPES, SCOPES } from '../identity/scopes.js';
import { createTokenVerifier } from '../identity/verify-bearer.js';
import { createMcpEndpoint } from '../mcp/endpoint.js';
import { createRequestStateCodec } from '../mcp/request-state.js';
import { createDocuments } from '../rag/documents.js';
import { documentTools } from '../tools/catalog/documents.js';
import { builtinTools } from '../tools/catalog/index.js';
import { purchaseTool } from '../tools/catalog/purchase.js';
import type { Gatehouse, GatehouseOptions } from '../app.js';
import { createApprovals } from './approval-gate.js';
import { openServerAuditLog } from './audit-log.js';
import type { Backends } from './resolve-backends.js';
import type { Drain } from './shutdown.js';
import { gateGaps, runnableTools } from './runnable-tools.js';
import { createTokenVaultWiring } from './token-vault.js';
import { createOperations } from './operations.js';

/** How long an `input_required` requestState (MCP 2026-07-28) can resume its call. */
const REQUEST_STATE_TTL_SECONDS = 15 * 60;

export async function assemble(b: Backends, opts: GatehouseOptions, version: string, drain: Drain): Promise<Omit<Gatehouse, 'draining' | 'shutdown'>> {
  const { config, logger, db, stores, issuer, audience, mcpUrl, origin, serverClient, customApiClient } = b;
  const documents = createDocuments({ store: stores.documents, index: stores.chunks }, b.authorizer, { now: opts.now, ...opts.retrieval });
  await b.seedDocuments?.(documents.store);

  const { audit, stop: stopAudit } = await openServerAuditLog(config, stores.audit, logger);
  const builtin = opts.tools ? [] : [...builtinTools, ...documentTools(documents), purchaseTool(config.approvals.purchaseThreshold, stores.merchant)];
  const own = [...(opts.tools ?? []), ...(opts.extraTools ?? [])];
  const all = [...builtin, ...own];
  const duplicate = all.find((t, i) => all.findIndex((u) => u.name === t.name) !== i);
  if (duplicate) throw new TypeError(`two tools are named "${duplicate.name}"`);
  const tools = runnableTools(builtin, own, gateGaps({ serverClient: serverClient !== undefined, customApiClient: customApiClient !== undefined }), logger);
  const vault = serverClient && customApiClient
    ? createTokenVaultWiring({
        stores,
        issuer,
        origin,
        client: b.discovery.client(serverClient, timeoutSeconds(config.upstreams.vault.deadlineMs)),
        exchangeClient: b.discovery.client(customApiClient, timeoutSeconds(config.upstreams.vault.deadlineMs)),
        encryptionKey: b.vaultKey,
        tools,
        apiBaseUrls: { 'google-oauth2': b.googleApiUrl },
        logger,
        upstreams: b.upstreams,
      })
    : undefined;
  const approvals = serverClient
    ? createApprovals({
        ledger: stores.approvals,
        audit,
        logger,
        audience,
        clientId: serverClient.clientId,
        client: b.discovery.client(serverClient, timeoutSeconds(config.upstreams.ciba.deadlineMs)),
        ...config.approvals,
        clockSkewSeconds: config.server.clockSkewSeconds,
        hooks: opts.approvalHooks,
        stopWaiting: drain.stopWaiting,
        upstream: b.upstreams.ciba,
      })
    : undefined;
  const verifier = createTokenVerifier({ issuer, audience, metadata: b.discovery.metadata, clockSkewSeconds: config.server.clockSkewSeconds, now: opts.tokenNow && (() => opts.tokenNow!().getTime()) });
  const operations = createOperations(b, verifier);
  const chain = buildChain(
    createGates({ authorizer: b.authorizer, budgets: stores.budgets, rateLimits: stores.rateLimits, connect: vault?.connect, approve: approvals?.gate, now: opts.now }),
    { stop: drain.stop, observe: operations.metrics },
  );
  const challenge = { resourceMetadataUrl: resourceMetadataUrl(mcpUrl), baselineScopes: BASELINE_SCOPES };
  const bearer = bearerAuth({ verifier, challenge, logger });
  const hosts = hostNamesFor(config.server.host, b.port, [
    ...(config.server.publicUrl ? [new URL(config.server.publicUrl).host] : []),
    ...config.server.allowedHosts,
  ]);
  const origins = new Set([new URL(origin).origin, ...config.server.allowedOrigins.map((o) => o.toLowerCase())]);
  const mcp = createMcpEndpoint({
    tools,
    chain,
    audit,
    logger,
    // The protected resource a call is for is the token audience: instances serving one audience bind
    // digests, approvals and requestStates alike, whichever of them a call arrives at.
    resource: () => audience,
    version,
    documents: documents.retriever,
    requestState: createRequestStateCodec({ key: b.requestStateKey, ttlSeconds: REQUEST_STATE_TTL_SECONDS, now: opts.now && (() => opts.now!().getTime()) }),
  });

  const app = createHttpApp({
    logger,
    bodyLimit: config.server.bodyLimit,
    allowedHosts: () => hosts,
    allowedOrigins: () => origins,
    metadata: () => ({
      resource: mcpUrl,
      authorization_servers: [issuer],
      scopes_supported: Object.keys(SCOPES),
      bearer_methods_supported: ['header'],
      resource_name: 'Gatehouse',
    }),
    authenticate: b.insecureNoAuth ? insecureNoAuth() : bearer,
    mcpPost: mcpPostRoute(mcp, challenge, logger),
    mcpOther: mcpMethodNotAllowed,
    routers: vault ? [vault.routes(bearer)] : undefined,
    operations: { ...operations.http, draining: () => drain.draining },
  });
  b.http.on('request', drain.listener(app));
  await approvals?.reconcile();
  logger.info({ mcpUrl, issuer, store: stores.kind }, 'gatehouse started');
  return { mcpUrl, issuer, audience, db, stores, audit, authServer: b.authServer, providers: b.providers, fga: b.fga, authorizer: b.authorizer, documents, close: async () => {
    await mcp.close();
    await stopAudit();
    await b.close();
  } };
}

/** openid-client's own request timeout (whole seconds), never shorter than the upstream's deadline, which aborts first. */
function timeoutSeconds(deadlineMs: number): number {
  return Math.max(1, Math.ceil(deadlineMs / 1000));
}
