/**
 * The import rules of Gatehouse's source tree: dependencies point inwards. docs/architecture.md draws
 * the parts and explains each rule; test/architecture/dependencies.test.ts cruises src/ with this file
 * and fails on any violation. Run it by hand with `npx depcruise src --config .dependency-cruiser.cjs`.
 *
 * Paths are matched relative to the repository root (`src/...`).
 */

/** The composition root: the only code that decides and builds concrete backends. */
const ROOT = ['^src/(app|cli)/', '^src/(app|main|server)\\.ts$'];
/** The library's public entry point: it re-exports from the root and the core, but is not the root. */
const ENTRY = '^src/index\\.ts$';
const EMBEDDED = '^src/embedded/';
/** Demo data for the embedded default (users, the document corpus): composition the root runs, not a stand-in. */
const SEED = '^src/embedded/seed/';
const STORE = '^src/store/';
const LIB = '^src/lib/';
/** Leaf modules every part may use: the typed errors and the logger type. */
const KERNEL = '^src/(errors|log)\\.ts$';

/**
 * Core files that still take the SQLite handle (or a SQLite helper) straight from src/store/sqlite/,
 * instead of a Store port (src/store/ports/). Moving each behind a port removes it from this list; the
 * architecture test fails if an entry no longer imports src/store/sqlite/ (so stale entries are
 * removed) or if the list grows.
 * Never add to it: new code takes a port.
 */
const SQLITE_IN_CORE_ALLOWED = [];

const exactly = (file) => `^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`;

/** @type {import('dependency-cruiser').IConfiguration} */
const configuration = {
  forbidden: [
    {
      name: 'no-folder-cycles',
      comment: 'No folder imports a folder that (directly or through others) imports it back.',
      severity: 'error',
      scope: 'folder',
      from: {},
      to: { circular: true },
    },
    {
      name: 'lib-imports-nothing-in-src',
      comment: 'src/lib/ holds small shared helpers (canonical JSON, private files); they depend on nothing inside src.',
      severity: 'error',
      from: { path: LIB },
      to: { path: '^src/', pathNot: LIB },
    },
    {
      name: 'kernel-imports-nothing-in-src',
      comment: 'errors.ts and log.ts are imported by every part, so they import nothing but lib/.',
      severity: 'error',
      from: { path: KERNEL },
      to: { path: '^src/', pathNot: [KERNEL, LIB] },
    },
    {
      name: 'identity-imports-nothing-that-builds-on-it',
      comment: 'Token verification, Caller and scopes are the innermost part: only lib/, errors and log below them.',
      severity: 'error',
      from: { path: '^src/identity/' },
      to: { path: '^src/', pathNot: ['^src/identity/', LIB, KERNEL] },
    },
    {
      name: 'store-imports-only-lib',
      comment: 'The Store (SQL behind ports) knows nothing of the parts that use it.',
      severity: 'error',
      from: { path: STORE },
      to: { path: '^src/', pathNot: [STORE, LIB, KERNEL] },
    },
    {
      name: 'tool-contract-is-inner',
      comment: 'tools/define.ts (defineTool, ToolContext, policies, grants) is the contract the gates enforce: it builds on identity only.',
      severity: 'error',
      from: { path: '^src/tools/define\\.ts$' },
      to: { path: '^src/', pathNot: ['^src/identity/', LIB, KERNEL] },
    },
    {
      name: 'audit-imports-nothing-that-writes-to-it',
      comment: 'Every part writes to the audit log; the log itself builds only on the Store and lib/.',
      severity: 'error',
      from: { path: '^src/audit/' },
      to: { path: '^src/', pathNot: ['^src/audit/', STORE, LIB, KERNEL] },
    },
    {
      name: 'telemetry-imports-nothing-that-uses-it',
      comment: 'Spans and metrics sit beside the kernel: every part may use them, they use no part.',
      severity: 'error',
      from: { path: '^src/telemetry/' },
      to: { path: '^src/', pathNot: ['^src/telemetry/', LIB, KERNEL] },
    },
    {
      name: 'only-the-root-loads-the-tracing-sdk',
      comment:
        'The core traces through @opentelemetry/api only (a no-op until an SDK is registered); the SDK, the exporter and their helpers are loaded by the composition root, lazily, and only when OTEL_* configuration enables tracing.',
      severity: 'error',
      from: { path: '^src/', pathNot: ROOT },
      to: { path: 'node_modules/@opentelemetry/(?!api/)' },
    },
    {
      name: 'resilience-imports-only-the-kernel',
      comment: 'The upstream policies (deadline, bulkhead, circuit breaker) wrap calls of every service; they know none of them (they trace each call through telemetry/).',
      severity: 'error',
      from: { path: '^src/resilience/' },
      to: { path: '^src/', pathNot: ['^src/resilience/', '^src/telemetry/', LIB, KERNEL] },
    },
    {
      name: 'observability-imports-nothing-that-uses-it',
      comment: 'Metrics and readiness probes are fed by the root (the chain observer, upstream events, probe functions); they import no part but the policies they report on.',
      severity: 'error',
      from: { path: '^src/observability/' },
      to: { path: '^src/', pathNot: ['^src/observability/', '^src/resilience/', LIB, KERNEL] },
    },
    {
      name: 'fga-and-rag-stay-below-the-services',
      comment: 'The Authorizer and the retriever answer questions; they never reach up into the vault, approvals, tools, gates or transports.',
      severity: 'error',
      from: { path: '^src/(fga|rag)/' },
      to: { path: '^src/(vault|approvals|tools|gates|http|mcp)/' },
    },
    {
      name: 'catalogue-tools-see-only-the-contract',
      comment: 'A built-in tool is written like a user-defined one: it receives grants through ToolContext and never imports gates, approvals or transports.',
      severity: 'error',
      from: { path: '^src/tools/catalog/' },
      to: { path: '^src/(gates|approvals|http|mcp)/' },
    },
    {
      name: 'vault-and-approvals-stay-below-the-gates',
      comment: 'The Token Vault client and the CIBA approvals are services the gates call: they never import gates, HTTP or MCP.',
      severity: 'error',
      from: { path: '^src/(vault|approvals)/' },
      to: { path: '^src/(gates|http|mcp)/' },
    },
    {
      name: 'gates-do-not-import-transports',
      comment: 'A gate decides on a ToolCall; how the call arrived (HTTP, MCP) is not its business.',
      severity: 'error',
      from: { path: '^src/gates/' },
      to: { path: '^src/(http|mcp)/' },
    },
    {
      name: 'mcp-does-not-import-http',
      comment: 'The MCP layer returns typed outcomes (a step-up, a fixed reply, the SDK response); the HTTP edge renders them (challenges, statuses).',
      severity: 'error',
      from: { path: '^src/mcp/' },
      to: { path: '^src/http/' },
    },
    {
      name: 'http-reaches-the-core-through-ports',
      comment: 'The HTTP edge depends on identity and on ports it declares (e.g. ConnectPort), never on service internals or MCP.',
      severity: 'error',
      from: { path: '^src/http/' },
      to: { path: '^src/(mcp|gates|vault|approvals|rag|fga|audit|tools|store)/' },
    },
    {
      name: 'core-does-not-import-embedded',
      comment: 'The embedded stand-ins are backends like Auth0 and OpenFGA: only the composition root starts them.',
      severity: 'error',
      from: { path: '^src/', pathNot: [...ROOT, EMBEDDED] },
      to: { path: EMBEDDED },
    },
    {
      name: 'only-the-root-imports-the-root',
      comment: 'The composition root (app, CLI, entry points) wires concrete backends; nothing below it reaches up into it.',
      severity: 'error',
      from: { path: '^src/', pathNot: [...ROOT, ENTRY] },
      to: { path: ROOT },
    },
    {
      name: 'only-the-root-takes-the-catalogue',
      comment: 'Built-in tools are plugged in by the root like any user-defined tool; no part depends on a particular tool.',
      severity: 'error',
      from: { path: '^src/', pathNot: [...ROOT, ENTRY, '^src/tools/catalog/'] },
      to: { path: '^src/tools/catalog/' },
    },
    {
      name: 'config-is-read-at-the-root',
      comment: 'Configuration is parsed once by the root; parts receive values. The standalone `fga serve` command of the embedded FGA reads it like the other commands.',
      severity: 'error',
      from: { path: '^src/', pathNot: [...ROOT, ENTRY, '^src/embedded/fga/cli\\.ts$'] },
      to: { path: '^src/config\\.ts$' },
    },
    {
      name: 'stand-ins-do-not-import-the-gated-core',
      comment:
        'A stand-in speaks the wire protocol of the service it replaces; it may share wire formats and helpers (approvals RAR, scopes, sealed box, Host/Origin check) but never the gates, MCP, tools, retrieval, FGA client, audit or the root.',
      severity: 'error',
      from: { path: EMBEDDED, pathNot: SEED },
      to: {
        path: ['^src/(gates|mcp|tools|rag|fga|audit|http|app|cli)/', '^src/(app|main|server|index)\\.ts$'],
        pathNot: '^src/http/host-origin\\.ts$',
      },
    },
    {
      name: 'stand-ins-take-only-the-demo-users-from-the-seed',
      comment: 'A stand-in may know the demo users (seed/users.ts); the rest of the seed (the corpus loader) reaches into the core and is for the root only.',
      severity: 'error',
      from: { path: EMBEDDED, pathNot: SEED },
      to: { path: SEED, pathNot: '^src/embedded/seed/users\\.ts$' },
    },
    {
      name: 'seed-uses-only-the-core-ingest',
      comment:
        'Demo seeding is composition: it files the demo corpus through the core ingest (documents and their FGA tuples) and nothing else of the core; the core never imports it (core-does-not-import-embedded).',
      severity: 'error',
      from: { path: SEED },
      to: { path: '^src/', pathNot: [SEED, '^src/rag/(ingest|document-store)\\.ts$', '^src/fga/authorizer\\.ts$', LIB, KERNEL] },
    },
    {
      name: 'only-store-imports-sql-drivers',
      comment: 'SQL drivers (better-sqlite3, pg) are imported only behind the Store.',
      severity: 'error',
      from: { path: '^src/', pathNot: STORE },
      to: { path: 'node_modules/(@types/)?(better-sqlite3|pg|postgres)/' },
    },
    {
      name: 'core-uses-store-ports-not-sqlite',
      comment:
        'The core reaches state through Store ports, not the SQLite implementation. The root opens the database; the embedded stand-ins keep their own tables in the same SQLite file (their storage, like a real service owns its own). SQLITE_IN_CORE_ALLOWED lists the core files not yet moved behind a port.',
      severity: 'error',
      from: { path: '^src/', pathNot: [...ROOT, STORE, EMBEDDED, ...SQLITE_IN_CORE_ALLOWED.map(exactly)] },
      to: { path: '^src/store/sqlite/' },
    },
    {
      name: 'no-unresolvable-imports',
      comment: 'An import the cruise cannot resolve would be an edge no rule sees.',
      severity: 'error',
      from: { path: '^src/' },
      to: { couldNotResolve: true },
    },
  ],
  options: {
    tsConfig: { fileName: 'tsconfig.json' },
    // Type-only imports count: a type import is a dependency on the part that defines the type.
    tsPreCompilationDeps: true,
    doNotFollow: { path: 'node_modules' },
    // Resolve packages through their `exports` like Node does (ESM, NodeNext).
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default', 'types'], mainFields: ['module', 'main', 'types'] },
    exclude: { path: '^dist/' },
  },
};

module.exports = configuration;
// Not part of the configuration dependency-cruiser reads (not enumerable): the test checks the list.
Object.defineProperty(module.exports, 'SQLITE_IN_CORE_ALLOWED', { value: Object.freeze([...SQLITE_IN_CORE_ALLOWED]), enumerable: false });
