import { runConnect } from '../../src/cli/connect.js';
import type { TestGatehouse } from './bootstrap.js';
import { callTool, rpc } from './mcp-client.js';

/** Connect a demo user's Google account through the real flow, headlessly (as `gatehouse connect`). */
export async function connectGoogle(gh: TestGatehouse, user: string, scopes?: string[]) {
  return runConnect({ origin: new URL(gh.mcpUrl).origin, issuer: gh.issuer, user, connection: 'google-oauth2', scopes });
}

/** One tools/call over raw JSON-RPC; returns the JSON-RPC message (result or error). */
export async function call(gh: TestGatehouse, token: string, name: string, args: Record<string, unknown> = {}) {
  const response = await rpc(gh.mcpUrl, callTool(name, args), { authorization: `Bearer ${token}` });
  const text = await response.text();
  const data = text.startsWith('event:') || text.includes('\ndata: ') || text.startsWith('data: ') ? text.split('\n').find((l) => l.startsWith('data: '))!.slice(6) : text;
  return { status: response.status, message: JSON.parse(data) as { result?: { isError?: boolean; content: { text: string }[]; structuredContent?: Record<string, unknown> }; error?: { code: number; message: string; data?: { elicitations?: { mode: string; url: string; message: string; elicitationId: string }[] } } } };
}

export const week = () => {
  const start = new Date(Math.floor(Date.now() / 86_400_000) * 86_400_000);
  return { from: start.toISOString(), to: new Date(start.getTime() + 7 * 86_400_000).toISOString() };
};
