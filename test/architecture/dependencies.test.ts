import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cruise, type ICruiseOptions, type ICruiseResult, type IViolation } from 'dependency-cruiser';
import extractDepcruiseOptions from 'dependency-cruiser/config-utl/extract-depcruise-options';
import extractTSConfig from 'dependency-cruiser/config-utl/extract-ts-config';
import { beforeAll, describe, expect, it } from 'vitest';

// The rules of docs/architecture.md, held against the real imports of src/ by dependency-cruiser.

const root = fileURLToPath(new URL('../..', import.meta.url));
const configFile = fileURLToPath(new URL('../../.dependency-cruiser.cjs', import.meta.url));
const fixtures = fileURLToPath(new URL('./fixtures', import.meta.url));
const { SQLITE_IN_CORE_ALLOWED } = createRequire(import.meta.url)(configFile) as { SQLITE_IN_CORE_ALLOWED: readonly string[] };

/** The allow-list of core files on SQLite may only shrink (see the config). */
const SQLITE_IN_CORE_AT_MOST = 0;

async function cruiseTree(baseDir: string): Promise<ICruiseResult> {
  const options: ICruiseOptions = { ...(await extractDepcruiseOptions(configFile)), baseDir };
  const tsConfig = extractTSConfig(join(root, 'tsconfig.json'));
  const { output } = await cruise(['src'], options, {}, { tsConfig });
  if (typeof output === 'string') throw new TypeError('dependency-cruiser returned text, not a cruise result');
  return output;
}

/** One line per violation, as `from → to (rule)`; a folder cycle also names the cycle. */
function describeViolation(v: IViolation): string {
  const cycle = v.cycle?.length ? ` [cycle: ${[v.from, ...v.cycle.map((c) => c.name)].join(' → ')}]` : '';
  return `${v.from} → ${v.to} (${v.rule.name})${cycle}`;
}

const edgesOf = (result: ICruiseResult) =>
  new Set(result.modules.flatMap((m) => m.dependencies.map((d) => `${m.source} → ${d.resolved}`)));

describe('architecture: dependencies point inwards', () => {
  let result: ICruiseResult;
  beforeAll(async () => {
    result = await cruiseTree(root);
  });

  it('src/ breaks none of the rules in .dependency-cruiser.cjs', () => {
    const lines = result.summary.violations.map(describeViolation);
    if (lines.length) console.error(`dependency rules broken:\n${lines.join('\n')}`);
    expect(lines).toEqual([]);
    expect(result.summary.error).toBe(0);
  });

  it('the cruise used every rule and saw the real graph, type-only imports included', async () => {
    const config = createRequire(import.meta.url)(configFile) as { forbidden: { name: string }[] };
    expect(result.summary.ruleSetUsed?.forbidden?.map((r) => r.name)).toEqual(config.forbidden.map((r) => r.name));
    expect(result.summary.totalCruised).toBeGreaterThan(150);
    const edges = edgesOf(result);
    // A value import through a NodeNext `.js` specifier, a type-only import, a package resolved through `exports`.
    expect(edges).toContain('src/app/resolve-backends.ts → src/embedded/seed/users.ts');
    expect(edges).toContain('src/gates/chain.ts → src/tools/define.ts');
    expect(result.modules.find((m) => m.source === 'src/gates/chain.ts')?.dependencies.find((d) => d.resolved === 'src/tools/define.ts')?.dependencyTypes).toContain('type-only');
    const sdk = result.modules.find((m) => m.source === 'src/mcp/server.ts')?.dependencies.find((d) => d.module === '@modelcontextprotocol/server');
    expect(sdk?.couldNotResolve).toBe(false);
    expect(sdk?.resolved).toMatch(/node_modules\/@modelcontextprotocol\/server\/dist\/index\./);
  });

  it('the SQLite allow-list names only core files that still import src/store/sqlite/, and does not grow', () => {
    expect(SQLITE_IN_CORE_ALLOWED.length).toBeLessThanOrEqual(SQLITE_IN_CORE_AT_MOST);
    const stale = SQLITE_IN_CORE_ALLOWED.filter((file) => {
      const module = result.modules.find((m) => m.source === file);
      return !module?.dependencies.some((d) => d.resolved.startsWith('src/store/sqlite/'));
    });
    expect(stale).toEqual([]);
  });

  it('only src/store/ imports better-sqlite3', () => {
    const importers = result.modules.filter((m) => m.dependencies.some((d) => /node_modules\/(@types\/)?better-sqlite3\//.test(d.resolved))).map((m) => m.source);
    expect(importers.length).toBeGreaterThan(0);
    expect(importers.filter((f) => !f.startsWith('src/store/'))).toEqual([]);
  });

  it('reports each forbidden import of a fixture tree with the rule it breaks, and nothing allowed', async () => {
    const fixture = await cruiseTree(fixtures);
    // The driver resolves into whichever node_modules holds it; name it by its package.
    const lines = fixture.summary.violations.map((v) => describeViolation(v).replace(/\S*node_modules\/(@types\/)?better-sqlite3\/\S*/, 'better-sqlite3')).sort();
    expect(lines).toEqual(
      [
        'src/approvals → src/gates (no-folder-cycles) [cycle: src/approvals → src/gates → src/approvals]',
        'src/approvals/flow.ts → src/gates/chain.ts (vault-and-approvals-stay-below-the-gates)',
        'src/gates → src/approvals (no-folder-cycles) [cycle: src/gates → src/approvals → src/gates]',
        'src/gates/chain.ts → src/http/edge.ts (gates-do-not-import-transports)',
        'src/http/connect.ts → src/vault/ledger.ts (http-reaches-the-core-through-ports)',
        'src/identity/caller.ts → src/tools/define.ts (identity-imports-nothing-that-builds-on-it)',
        'src/lib/helper.ts → src/errors.ts (lib-imports-nothing-in-src)',
        'src/mcp/endpoint.ts → src/http/edge.ts (mcp-does-not-import-http)',
        'src/rag/search.ts → src/embedded/fga/engine.ts (core-does-not-import-embedded)',
        'src/vault/ledger.ts → src/store/sqlite/database.ts (core-uses-store-ports-not-sqlite)',
        'src/vault/ledger.ts → better-sqlite3 (only-store-imports-sql-drivers)',
      ].sort(),
    );
    expect(fixture.summary.error).toBe(lines.length);
  });
});
