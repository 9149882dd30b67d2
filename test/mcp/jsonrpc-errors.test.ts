import { ProtocolError, UrlElicitationRequiredError } from '@modelcontextprotocol/server';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JSONRPC_ERROR, jsonRpcError, jsonRpcErrorResponse, urlElicitationError } from '../../src/lib/jsonrpc-error.js';
import { startTestGatehouse, type TestGatehouse } from '../helpers/bootstrap.js';
import { callTool, tokenFor } from '../helpers/mcp-client.js';

describe('the JSON-RPC error module', () => {
  it('builds { jsonrpc, error: { code, message, data? }, id } with id null unless given, and no data key unless given', () => {
    expect(jsonRpcErrorResponse(JSONRPC_ERROR.invalidRequest, 'No.')).toStrictEqual({ jsonrpc: '2.0', error: { code: -32600, message: 'No.' }, id: null });
    expect(jsonRpcErrorResponse(JSONRPC_ERROR.resourceNotFound, 'Resource not found', { data: { uri: 'doc://x' }, id: 7 })).toStrictEqual({
      jsonrpc: '2.0',
      error: { code: -32002, message: 'Resource not found', data: { uri: 'doc://x' } },
      id: 7,
    });
  });

  it('thrown errors are protocol errors (the SDK lets -32042 through as a JSON-RPC error) whose message is exactly ours', () => {
    const e = jsonRpcError(JSONRPC_ERROR.invalidParams, 'Invalid cursor', { code: 'invalid_request' });
    expect(e).toBeInstanceOf(ProtocolError);
    expect({ code: e.code, message: e.message, data: e.data }).toStrictEqual({ code: -32602, message: 'Invalid cursor', data: { code: 'invalid_request' } });
    const u = urlElicitationError([{ mode: 'url', elicitationId: 'e1', url: 'http://127.0.0.1:1/connect', message: 'Connect.' }], 'Connect. [not_connected]');
    expect(u).toBeInstanceOf(UrlElicitationRequiredError);
    expect({ code: u.code, message: u.message, elicitations: u.elicitations }).toStrictEqual({
      code: -32042,
      message: 'Connect. [not_connected]',
      elicitations: [{ mode: 'url', elicitationId: 'e1', url: 'http://127.0.0.1:1/connect', message: 'Connect.' }],
    });
  });
});

describe('every JSON-RPC error the HTTP edge answers with has the exact shape and its fixed text', () => {
  let gh: TestGatehouse;
  let auth: Record<string, string>;
  const post = (body: string | Uint8Array, headers: Record<string, string> = {}) =>
    fetch(gh.mcpUrl, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...auth, ...headers }, body });
  beforeAll(async () => {
    gh = await startTestGatehouse({ GATEHOUSE_BODY_LIMIT: '4kb' });
    auth = { authorization: `Bearer ${await tokenFor(gh, 'alice')}` };
  });
  afterAll(async () => {
    await gh?.stop();
  });

  it('GET and DELETE /mcp: 405, Allow: POST, -32000', async () => {
    for (const method of ['GET', 'DELETE']) {
      const res = await fetch(gh.mcpUrl, { method, headers: { accept: 'application/json, text/event-stream', ...auth } });
      expect(res.status, method).toBe(405);
      expect(res.headers.get('allow')).toBe('POST');
      expect(await res.json()).toStrictEqual({ jsonrpc: '2.0', error: { code: -32000, message: 'Method not allowed: this server is stateless; use POST.' }, id: null });
    }
  });

  it('a batch: 400, -32600', async () => {
    const res = await post(JSON.stringify([callTool('whoami', {})]));
    expect(res.status).toBe(400);
    expect(await res.json()).toStrictEqual({
      jsonrpc: '2.0',
      error: { code: -32600, message: 'Invalid Request: JSON-RPC batches are not supported (MCP 2025-06-18 and later); send one message per request. Nothing was run.' },
      id: null,
    });
  });

  it('a body over the limit: 413, -32600', async () => {
    const res = await post(JSON.stringify({ ...callTool('whoami', {}), pad: 'x'.repeat(8192) }));
    expect(res.status).toBe(413);
    expect(await res.json()).toStrictEqual({ jsonrpc: '2.0', error: { code: -32600, message: 'Request body too large.' }, id: null });
  });

  it('an unsupported body encoding: 415, -32600', async () => {
    const res = await post(gzipSync(JSON.stringify(callTool('whoami', {}))), { 'content-encoding': 'x-unknown' });
    expect(res.status).toBe(415);
    expect(await res.json()).toStrictEqual({ jsonrpc: '2.0', error: { code: -32600, message: 'Unsupported body encoding.' }, id: null });
  });

  it('a body that claims gzip but is not: 400, -32600 (bad input, not a server failure)', async () => {
    const res = await post(Buffer.from('this is not gzip at all'), { 'content-encoding': 'gzip' });
    expect(res.status).toBe(400);
    expect(await res.json()).toStrictEqual({ jsonrpc: '2.0', error: { code: -32600, message: 'Invalid Request: the body could not be read.' }, id: null });
  });

  it('a gzip body is still read (the encoding is supported)', async () => {
    const res = await post(gzipSync(JSON.stringify(callTool('whoami', {}))), { 'content-encoding': 'gzip' });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('"result"');
  });

  it('a foreign Origin: 403, -32000', async () => {
    const res = await post(JSON.stringify(callTool('whoami', {})), { origin: 'https://evil.example' });
    expect(res.status).toBe(403);
    expect(await res.json()).toStrictEqual({ jsonrpc: '2.0', error: { code: -32000, message: 'Forbidden: Origin not allowed.' }, id: null });
  });
});
