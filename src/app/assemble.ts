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
import { resourceMetadataUrl } from '../http/protected-resource-metadata.js';
import { BASELINE_SCOPES, SCOPES } from '../identity/scopes.js';
import { createTokenVerifier } from '../identity/verify-bearer.js';
import { mcpMethodNotAllowed, mcpPostHandler } from '../mcp/handler.js';
import { createDocuments } from '../rag/documents.js';
import { createBudgetStore } from '../store/sqlite/budget-store.js';
import { documentTools } from '../tools/catalog/documents.js';
import { builtinTools } from '../tools/catalog/index.js';
import { sqliteMerchant } from '../store/sqlite/demo-merchant.js';
import { createSqliteAuditStore } from '../store/sqlite/audit-store.js';
import { SqliteDocumentStore } from '../store/sqlite/document-store.js';
import { SqliteFtsIndex } from '../store/sqlite/fts-index.js';
import { purchaseTool } from '../tools/catalog/purchase.js';
import type { Gatehouse, GatehouseOptions } from '../app.js';
import { createApprovals } from './approval-gate.js';
import { openServerAuditLog } from './audit-log.js';
import type { Backends } from './resolve-backends.js';
import { gateGaps, runnableTools } from './runnable-tools.js';
import { createTokenVaultWiring } from './token-vault.js';

export async function assemble(b: Backends, opts: GatehouseOptions, version: string): Promise<Gatehouse> {
  const { config, logger, db, issuer, audience, mcpUrl, origin, serverClient, customApiClient } = b;
  const documents = createDocuments({ store: new SqliteDocumentStore(db), index: new SqliteFtsIndex(db) }, b.authorizer, { now: opts.now, ...opts.retrieval });
  await b.seedDocuments?.(documents.store);

  const { audit, stop: stopAudit } = openServerAuditLog(config, createSqliteAuditStore(db), logger);
  const builtin = opts.tools ? [] : [...builtinTools, ...documentTools(documents), purchaseTool(config.approvals.purchaseThreshold, sqliteMerchant(db))];
  const own = [...(opts.tools ?? []), ...(opts.extraTools ?? [])];
  const all = [...builtin, ...own];
  const duplicate = all.find((t, i) => all.findIndex((u) => u.name === t.name) !== i);
  if (duplicate) throw new TypeError(`two tools are named "${duplicate.name}"`);
  const tools = runnableTools(builtin, own, gateGaps({ serverClient: serverClient !== undefined, customApiClient: customApiClient !== undefined }), logger);
  const vault = serverClient && customApiClient
    ? createTokenVaultWiring({ db, issuer, origin, client: serverClient, exchangeClient: customApiClient, encryptionKey: b.vaultKey, tools, apiBaseUrls: { 'google-oauth2': b.googleApiUrl }, logger })
    : undefined;
  const approvals = serverClient
    ? createApprovals({ db, audit, logger, issuer, audience, client: serverClient, ...config.approvals, clockSkewSeconds: config.server.clockSkewSeconds, hooks: opts.approvalHooks })
    : undefined;
  const chain = buildChain(
    createGates({ authorizer: b.authorizer, budgets: createBudgetStore(db), connect: vault?.connect, approve: approvals?.gate, now: opts.now }),
  );
  const challenge = { resourceMetadataUrl: resourceMetadataUrl(mcpUrl), baselineScopes: BASELINE_SCOPES };
  const verifier = createTokenVerifier({ issuer, audience, clockSkewSeconds: config.server.clockSkewSeconds, now: opts.tokenNow && (() => opts.tokenNow!().getTime()) });
  const bearer = bearerAuth({ verifier, challenge, logger });
  const hosts = hostNamesFor(config.server.host, b.port, [
    ...(config.server.publicUrl ? [new URL(config.server.publicUrl).host] : []),
    ...config.server.allowedHosts,
  ]);
  const origins = new Set([new URL(origin).origin, ...config.server.allowedOrigins.map((o) => o.toLowerCase())]);
  const deps = { tools, chain, audit, logger, resource: () => mcpUrl, version, documents: documents.retriever };

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
    mcpPost: mcpPostHandler(deps, challenge),
    mcpOther: mcpMethodNotAllowed,
    routers: vault ? [vault.routes(bearer)] : undefined,
  });
  b.http.on('request', app);
  await approvals?.reconcile();
  logger.info({ mcpUrl, issuer }, 'gatehouse started');
  return { mcpUrl, issuer, audience, db, audit, authServer: b.authServer, providers: b.providers, fga: b.fga, authorizer: b.authorizer, documents, close: async () => {
    stopAudit();
    await b.close();
  } };
}
