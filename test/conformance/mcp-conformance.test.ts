import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGatehouse, type TestGatehouse } from '../helpers/bootstrap.js';
import { conformanceFixtureTools } from './fixture-tools.js';

/**
 * The official MCP conformance suite, pinned (it needs Node 22, fetched from the npm registry by npx),
 * against Gatehouse in its test-only no-auth mode (the suite's server scenarios send no Authorization
 * header; auth is covered by our own tests) with the fixture tools of ./fixture-tools.ts added to the
 * built-in catalogue. Each requirement set runs in one invocation; per-scenario results are read from
 * the suite's output directory.
 *
 * Every server scenario the suite lists for a requirement set is classified below as applicable or not
 * applicable (with the reason). An applicable scenario must pass outright: at least one check passed and
 * every other check passed or is informational — a failure, a warning (a missed SHOULD) or a skipped
 * check fails the test unless NOT_APPLICABLE_CHECKS names it with its reason. A scenario the suite adds
 * in a new version fails the classification test until someone classifies it.
 */
const SUITE = '@modelcontextprotocol/conformance@0.2.0-alpha.12';
type Revision = '2025-11-25' | '2026-07-28';
/** The fixed caller of the test-only no-auth mode (src/http/insecure-no-auth.ts). */
const NO_AUTH_SUB = 'insecure-test-user';
const REVISIONS: readonly Revision[] = ['2025-11-25', '2026-07-28'];

const WHY = {
  logging: 'Gatehouse sends no log messages to clients (its log and the audit log stay on the server) and declares no logging capability',
  completion: 'Gatehouse has no prompts, and completing its one resource template (doc://{id}) would enumerate document ids past the per-document FGA check; it declares no completions capability',
  content: 'Gatehouse tools return text, structured content and resource links (ToolOutput); none returns image, audio or embedded-resource content',
  sampling: "Gatehouse never asks the client's model (no sampling)",
  elicitation: 'Gatehouse never asks the user for form input; its only elicitation is URL mode, from the connect and approval gates',
  fixedResources: 'Gatehouse serves only the documents the caller may view (doc://{id}, FGA-checked per read), not the fixed test:// resources the scenario reads',
  subscribe: 'Gatehouse offers no resource subscriptions (no resources.subscribe capability)',
  prompts: 'Gatehouse serves no prompts',
  mrtrFixture:
    'the scenario drives the multi round-trip flow through fixture tools that ask for form elicitation, sampling or roots; Gatehouse tools cannot ask the client for input (input_required comes only from the connect and approval gates, tested in test/mcp/input-required-2026.test.ts)',
} as const;

const APPLICABLE: Record<Revision, readonly string[]> = {
  '2025-11-25': ['server-initialize', 'ping', 'tools-list', 'tools-call-simple-text', 'tools-call-error', 'tools-call-with-progress', 'resources-list', 'dns-rebinding-protection'],
  '2026-07-28': [
    'server-stateless',
    'tools-list',
    'tools-call-simple-text',
    'tools-call-error',
    'tools-call-with-progress',
    'server-sse-multiple-streams',
    'resources-list',
    'sep-2164-resource-not-found',
    'dns-rebinding-protection',
    'caching',
    'input-required-result-unsupported-methods',
  ],
};

const NOT_APPLICABLE: Record<Revision, Readonly<Record<string, string>>> = {
  '2025-11-25': {
    'logging-set-level': WHY.logging,
    'completion-complete': WHY.completion,
    'tools-call-image': WHY.content,
    'tools-call-audio': WHY.content,
    'tools-call-embedded-resource': WHY.content,
    'tools-call-mixed-content': WHY.content,
    'tools-call-with-logging': WHY.logging,
    'tools-call-sampling': WHY.sampling,
    'tools-call-elicitation': WHY.elicitation,
    'elicitation-sep1034-defaults': WHY.elicitation,
    'elicitation-sep1330-enums': WHY.elicitation,
    'server-sse-multiple-streams':
      'on 2025-11-25 the scenario needs a session (Mcp-Session-Id) and reports only a warning without one; Gatehouse is stateless (every request authenticated on its own). The 2026-07-28 form of the scenario, which needs no session, applies',
    'resources-read-text': WHY.fixedResources,
    'resources-read-binary': WHY.fixedResources,
    'resources-templates-read': WHY.fixedResources,
    'resources-subscribe': WHY.subscribe,
    'resources-unsubscribe': WHY.subscribe,
    'prompts-list': WHY.prompts,
    'prompts-get-simple': WHY.prompts,
    'prompts-get-with-args': WHY.prompts,
    'prompts-get-embedded-resource': WHY.prompts,
    'prompts-get-with-image': WHY.prompts,
  },
  '2026-07-28': {
    'completion-complete': WHY.completion,
    'tools-call-image': WHY.content,
    'tools-call-audio': WHY.content,
    'tools-call-embedded-resource': WHY.content,
    'tools-call-mixed-content': WHY.content,
    'resources-read-text': WHY.fixedResources,
    'resources-read-binary': WHY.fixedResources,
    'resources-templates-read': WHY.fixedResources,
    'prompts-list': WHY.prompts,
    'prompts-get-simple': WHY.prompts,
    'prompts-get-with-args': WHY.prompts,
    'prompts-get-embedded-resource': WHY.prompts,
    'prompts-get-with-image': WHY.prompts,
    'input-required-result-basic-elicitation': WHY.mrtrFixture,
    'input-required-result-basic-sampling': WHY.mrtrFixture,
    'input-required-result-basic-list-roots': WHY.mrtrFixture,
    'input-required-result-request-state': WHY.mrtrFixture,
    'input-required-result-multiple-input-requests': WHY.mrtrFixture,
    'input-required-result-multi-round': WHY.mrtrFixture,
    'input-required-result-missing-input-response': WHY.mrtrFixture,
    'input-required-result-non-tool-request': `${WHY.prompts}; the scenario asks a prompt for input`,
    'input-required-result-result-type': WHY.mrtrFixture,
    'input-required-result-tampered-state': `${WHY.mrtrFixture}. What it checks holds for Gatehouse's own input_required: the requestState is sealed and bound to caller, tool and arguments, and a tampered one is -32602 (test/mcp/input-required-2026.test.ts)`,
    'input-required-result-capability-check': `${WHY.mrtrFixture}. What it checks holds for Gatehouse's own input_required: URL elicitation only when the client declared elicitation.url, otherwise a tool error carrying the URL (test/mcp/input-required-2026.test.ts)`,
    'input-required-result-ignore-extra-params': WHY.mrtrFixture,
    'input-required-result-validate-input': WHY.mrtrFixture,
  },
};

/** Checks inside an applicable scenario that test a feature Gatehouse does not have. */
const NOT_APPLICABLE_CHECKS: Record<Revision, Readonly<Record<string, Readonly<Record<string, string>>>>> = {
  '2025-11-25': {},
  '2026-07-28': {
    caching: {
      'sep-2549-prompts-list-caching-hints': `asks prompts/list for its caching hints; ${WHY.prompts} (prompts/list is -32601)`,
    },
    'server-stateless': {
      'sep-2575-server-sends-tools-list-changed-on-subscription': 'skipped by the suite: Gatehouse declares tools.listChanged false (its tool list is fixed at start-up)',
      'sep-2575-server-sends-prompts-list-changed-on-subscription': `skipped by the suite: ${WHY.prompts}`,
      'sep-2575-server-rejects-undeclared-capability': `needs a tool that requires the client's sampling capability (test_missing_capability); ${WHY.sampling}`,
      'sep-2575-missing-capability-http-400': `needs a tool that requires the client's sampling capability (test_missing_capability); ${WHY.sampling}`,
    },
  },
};

/**
 * What the suite runs and reports for a revision but never scores (extensions, pending scenarios,
 * scenarios added after the release). Those that test something Gatehouse does are checked like the
 * applicable ones; the others are listed with their reason.
 */
const ALSO_CHECKED: Record<Revision, readonly string[]> = {
  '2025-11-25': [],
  '2026-07-28': ['http-header-validation'],
};

const TASKS = 'tasks extension (io.modelcontextprotocol/tasks): Gatehouse does not offer it';
const JSON_SCHEMA = "pending in the suite; Gatehouse tool input schemas are generated from zod, which cannot express the scenario's fixed schema ($anchor, if/then/else)";
const NOT_SCORED: Record<Revision, Readonly<Record<string, string>>> = {
  '2025-11-25': {
    'server-session-lifecycle': 'added after the release; Gatehouse issues no sessions, so the scenario only reports that it does not apply',
    'json-schema-2020-12': JSON_SCHEMA,
    'server-sse-polling': 'pending in the suite; Gatehouse does not resume SSE streams (stateless, no event store), and the scenario needs a tool that drops its stream mid-call',
  },
  '2026-07-28': {
    'tasks-lifecycle': TASKS,
    'tasks-capability-negotiation': TASKS,
    'tasks-wire-fields': TASKS,
    'tasks-request-state-removal': TASKS,
    'tasks-mrtr-input': TASKS,
    'tasks-request-headers': TASKS,
    'tasks-dispatch-and-envelope': TASKS,
    'tasks-status-notifications': TASKS,
    'tasks-required-task-error': TASKS,
    'tasks-mrtr-composition': TASKS,
    'json-schema-2020-12': JSON_SCHEMA,
    'http-custom-header-server-validation': 'pending in the suite; no Gatehouse tool declares parameters mirrored into headers (x-mcp-header)',
  },
};

interface Check {
  readonly id: string;
  readonly status: 'SUCCESS' | 'FAILURE' | 'WARNING' | 'INFO' | 'SKIPPED';
  readonly errorMessage?: string;
  readonly details?: { result?: { isError?: boolean } };
}

function npx(args: readonly string[]): Promise<string> {
  return new Promise((resolve) => {
    execFile(
      'npx',
      ['-y', '-p', 'node@22', '-p', SUITE, '--', 'conformance', ...args],
      { timeout: 240_000, maxBuffer: 16 * 1024 * 1024, env: { ...process.env, NO_COLOR: '1', npm_config_loglevel: 'error' } },
      // The suite exits non-zero when any scenario fails; the per-scenario results decide.
      (_err, stdout, stderr) => resolve(`${stdout}\n${stderr}`),
    );
  });
}

/** The server scenarios `conformance list --requirements` names: those the revision scores, and those it only reports. */
function parseList(out: string): { scored: string[]; notScored: string[] } {
  const lines = out.split('\n');
  const start = lines.findIndex((l) => l.startsWith('Server scenarios'));
  const scored: string[] = [];
  for (let i = start + 1; start >= 0 && i < lines.length && /^\s+- /.test(lines[i]!); i++) scored.push(lines[i]!.trim().slice(2));
  const notScored = lines.flatMap((l) => /^\s+- (\S+) \[server\]$/.exec(l)?.[1] ?? []);
  return { scored, notScored };
}

/** Per-scenario checks from the suite's output directory (one `server-<scenario>-<timestamp>/checks.json` each). */
function readResults(dir: string): Map<string, Check[]> {
  const results = new Map<string, Check[]>();
  for (const entry of readdirSync(dir)) {
    const scenario = /^server-(.+)-\d{4}-\d{2}-\d{2}T[\d-]+Z$/.exec(entry)?.[1];
    const file = join(dir, entry, 'checks.json');
    if (scenario && existsSync(file)) results.set(scenario, JSON.parse(readFileSync(file, 'utf8')) as Check[]);
  }
  return results;
}

interface Run {
  readonly list: { scored: string[]; notScored: string[] };
  readonly results: Map<string, Check[]>;
  readonly out: string;
}

describe(`MCP conformance suite ${SUITE.split('@').pop()}`, () => {
  let gh: TestGatehouse;
  const outDir = mkdtempSync(join(tmpdir(), 'gatehouse-conformance-'));
  const runs = new Map<Revision, Run>();

  beforeAll(async () => {
    gh = await startTestGatehouse({ GATEHOUSE_INSECURE_NO_AUTH: 'true' }, { extraTools: conformanceFixtureTools });
    // One demo document the no-auth test caller may view, so resources/list has an entry and the
    // suite reads it (the caching scenario checks resources/read's hints on it).
    await gh.authorizer.writeTuples([{ user: `user:${NO_AUTH_SUB}`, relation: 'viewer', object: 'document:falcon-design' }]);
    await Promise.all(
      REVISIONS.map(async (revision) => {
        const dir = join(outDir, revision);
        const [listOut, out] = await Promise.all([
          npx(['list', '--server', '--requirements', revision]),
          npx(['server', '--url', gh.mcpUrl, '--requirements', revision, '--output-dir', dir]),
        ]);
        runs.set(revision, { list: parseList(listOut), results: readResults(dir), out });
      }),
    );
  }, 300_000);

  afterAll(async () => {
    await gh?.stop();
    rmSync(outDir, { recursive: true, force: true });
  });

  for (const revision of REVISIONS) {
    describe(`--requirements ${revision}`, () => {
      it('every server scenario the suite lists for the revision is classified: applicable, or not applicable with its reason', () => {
        const { list, out } = runs.get(revision)!;
        expect(list.scored.length, out).toBeGreaterThan(0);
        const classified = [...APPLICABLE[revision], ...Object.keys(NOT_APPLICABLE[revision])];
        expect(new Set(classified).size).toBe(classified.length);
        expect([...classified].sort()).toEqual([...list.scored].sort());
        expect([...ALSO_CHECKED[revision], ...Object.keys(NOT_SCORED[revision])].sort()).toEqual([...list.notScored].sort());
      });

      for (const scenario of [...APPLICABLE[revision], ...ALSO_CHECKED[revision]]) {
        it(scenario, () => {
          const { results, out } = runs.get(revision)!;
          const checks = results.get(scenario);
          expect(checks, out).toBeDefined();
          const exempt = NOT_APPLICABLE_CHECKS[revision][scenario] ?? {};
          for (const id of Object.keys(exempt)) expect(checks!.map((c) => c.id)).toContain(id);
          const scored = checks!.filter((c) => !(c.id in exempt));
          const failed = scored.filter((c) => c.status !== 'SUCCESS' && c.status !== 'INFO').map((c) => `${c.status} ${c.id}: ${c.errorMessage ?? ''}`);
          const passed = scored.filter((c) => c.status === 'SUCCESS').length;
          expect(failed.join('\n')).toBe('');
          expect(passed).toBeGreaterThan(0);
          // A check that only looks at the content type passes on a tool error too: a missing fixture
          // ("Tool test_x not found") must not count as a pass.
          if (scenario !== 'tools-call-error') expect(scored.filter((c) => c.details?.result?.isError === true).map((c) => c.id)).toEqual([]);
        });
      }
    });
  }
});
