import { describe, expect, it } from 'vitest';
import type { AuditEntry } from '../../src/audit/audit-log.js';
import { formatEntry } from '../../src/audit/format-entry.js';

const entry = (data: Record<string, unknown>): AuditEntry => ({ seq: 7, at: '2026-01-01T00:00:00.000Z', event: 'call_rejected', data, prevHash: '0', hash: '1' });

describe('formatEntry: call_rejected', () => {
  it('names who, the tool as sent (quoted), the reason and the digest on one line', () => {
    expect(formatEntry(entry({ sub: 'alice', kind: 'user', client: 'cli', reason: 'unknown_tool', tool: 'wire_money', digest: 'abc' }))).toBe(
      '#7 2026-01-01T00:00:00.000Z call_rejected alice via cli rejected "wire_money" (unknown_tool) digest=abc',
    );
    expect(formatEntry(entry({ sub: 'alice', kind: 'user', client: 'cli', reason: 'batch', tool: null, digest: null, count: 50 }))).toBe(
      '#7 2026-01-01T00:00:00.000Z call_rejected alice via cli rejected (batch) count=50',
    );
  });
  it('a tool name with control characters cannot forge another output line', () => {
    const out = formatEntry(entry({ sub: 'mallory', client: 'c', reason: 'unknown_tool', tool: 'x\n#8 2026-01-01 tool_call alice called purchase -> ok', digest: 'd' }));
    expect(out.split('\n')).toHaveLength(1);
    expect(out).toContain('"x\\n#8');
  });
});

describe('formatEntry: tool_call', () => {
  const call = (data: Record<string, unknown>): AuditEntry => ({ seq: 9, at: '2026-01-01T00:00:00.000Z', event: 'tool_call', data, prevHash: '0', hash: '1' });
  const base = { sub: 'bob', kind: 'user', client: 'cli', org: null, tool: 'whoami', digest: 'd', decisions: [{ gate: 'scopes', decision: 'allow' }], result: 'ok' };

  it('a traced call shows its trace id, so the entry leads to its trace', () => {
    expect(formatEntry(call({ ...base, traceId: '4bf92f3577b34da6a3ce929d0e0e4736' }))).toBe(
      '#9 2026-01-01T00:00:00.000Z tool_call bob via cli called whoami -> ok trace=4bf92f3577b34da6a3ce929d0e0e4736\n    scopes allow',
    );
    expect(formatEntry(call(base))).toBe('#9 2026-01-01T00:00:00.000Z tool_call bob via cli called whoami -> ok\n    scopes allow');
  });

  it('a trace id not of its own shape is not shown', () => {
    expect(formatEntry(call({ ...base, traceId: 'x\n#10 forged' }))).not.toContain('forged');
  });
});
