import type { AuditEntry } from './audit-log.js';

interface Decision {
  gate?: unknown;
  decision?: unknown;
  detail?: Record<string, unknown>;
}

/**
 * One audit entry in a person's words: who asked, which tool, the result, and each gate's decision
 * with the facts it recorded (FGA object, connection, approval and approver), and the trace id of a
 * traced call. Never more than the
 * entry holds — and the entry never holds a secret.
 */
export function formatEntry(e: AuditEntry): string {
  const d = e.data;
  const head = `#${e.seq} ${e.at} ${e.event}`;
  if (e.event === 'call_rejected') {
    // The tool name is as the caller sent it: quoted, so control characters cannot forge output lines.
    const tool = d.tool === null || d.tool === undefined ? '' : ` ${JSON.stringify(d.tool)}`;
    const extra = [d.count === undefined ? '' : `count=${String(d.count)}`, d.retryAfterSeconds === undefined ? '' : `retryAfterSeconds=${String(d.retryAfterSeconds)}`, d.digest ? `digest=${String(d.digest)}` : ''].filter(Boolean).join(' ');
    return `${head} ${String(d.sub)} via ${String(d.client)} rejected${tool} (${String(d.reason)})${extra ? ` ${extra}` : ''}`;
  }
  if (e.event !== 'tool_call') return `${head} ${compact(d)}`;
  const who = `${String(d.sub)}${d.org ? ` (${String(d.org)})` : ''} via ${String(d.client)}`;
  const result = d.result === 'ok' ? 'ok' : `${String(d.result)}: ${String(d.error ?? '')}`;
  const gates = (Array.isArray(d.decisions) ? (d.decisions as Decision[]) : []).map(formatDecision).join(' · ');
  // The call's trace (tracing enabled): shown only in its own shape, so it cannot forge output.
  const traced = typeof d.traceId === 'string' && /^[0-9a-f]{32}$/.test(d.traceId) ? ` trace=${d.traceId}` : '';
  return `${head} ${who} called ${String(d.tool)} -> ${result}${traced}\n    ${gates || '(no gate decisions)'}`;
}

function formatDecision(x: Decision): string {
  const facts = x.detail ? Object.entries(x.detail).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`) : [];
  return `${String(x.gate)} ${String(x.decision)}${facts.length ? ` (${facts.join(', ')})` : ''}`;
}

function compact(d: Record<string, unknown>): string {
  return Object.entries(d)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(' ');
}
