import type { RequestHandler, Response as ExpressResponse } from 'express';
import { once } from 'node:events';
import { InsufficientScopeError } from '../errors.js';
import type { BearerCredential, Caller } from '../identity/caller.js';
import { INTERNAL_SERVER_ERROR, JSONRPC_ERROR, jsonRpcErrorResponse, type JsonRpcErrorResponse } from '../lib/jsonrpc-error.js';
import type { Logger } from '../log.js';
import { send } from './authenticate.js';
import { challengeFor, type ChallengeContext } from './bearer-challenge.js';

/**
 * The port through which the HTTP edge reaches the MCP layer (the composition root plugs the MCP
 * endpoint in). The MCP layer decides; this edge renders: a step-up becomes the 403 challenge, a
 * reply its JSON body, a response is streamed as the SDK built it.
 */
export interface McpPort {
  post(p: {
    url: string;
    headers: Readonly<Record<string, string | readonly string[] | undefined>>;
    body: unknown;
    auth: { readonly caller: Caller; readonly credential: BearerCredential };
    signal: AbortSignal;
  }): Promise<
    | { readonly kind: 'insufficient_scope'; readonly required: readonly string[] }
    | { readonly kind: 'reply'; readonly status: number; readonly body: JsonRpcErrorResponse }
    | { readonly kind: 'response'; readonly response: Response }
  >;
}

/** POST /mcp, after authentication. */
export function mcpPostRoute(mcp: McpPort, challenge: ChallengeContext, logger: Logger): RequestHandler {
  return async (req, res) => {
    const auth = res.locals.auth;
    if (!auth) throw new Error('mcpPostRoute mounted without authentication');
    const aborted = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) aborted.abort();
    });
    try {
      const outcome = await mcp.post({ url: `http://${req.headers.host ?? 'localhost'}${req.originalUrl}`, headers: req.headers, body: req.body, auth, signal: aborted.signal });
      if (outcome.kind === 'insufficient_scope') return send(res, challengeFor(new InsufficientScopeError([...outcome.required]), challenge));
      if (outcome.kind === 'reply') {
        res.status(outcome.status).json(outcome.body);
        return;
      }
      await writeWebResponse(res, outcome.response);
    } catch (err) {
      if (aborted.signal.aborted) return;
      logger.error({ err }, 'MCP request failed');
      if (!res.headersSent) res.status(500).json(jsonRpcErrorResponse(JSONRPC_ERROR.internalError, INTERNAL_SERVER_ERROR));
      else res.destroy();
    }
  };
}

/** Any method but POST on /mcp: this server is stateless (no standalone SSE stream, no sessions to delete). */
export const mcpMethodNotAllowed: RequestHandler = (_req, res) => {
  res.status(405).set('Allow', 'POST').json(jsonRpcErrorResponse(JSONRPC_ERROR.serverError, 'Method not allowed: this server is stateless; use POST.'));
};

/** Writes a web `Response` to Express, streaming its body (SSE) with backpressure. Our security headers stay. */
async function writeWebResponse(res: ExpressResponse, response: Response): Promise<void> {
  res.status(response.status);
  response.headers.forEach((value, name) => {
    if (name === 'content-length' || name === 'transfer-encoding' || name === 'connection') return;
    res.setHeader(name, value);
  });
  if (!response.body) {
    res.end();
    return;
  }
  if (!response.headers.get('content-type')?.startsWith('text/event-stream')) {
    res.end(Buffer.from(await response.arrayBuffer()));
    return;
  }
  // A stream (progress before the result): write each frame as it comes, honouring backpressure.
  res.flushHeaders();
  const reader = response.body.getReader();
  const cancel = () => void reader.cancel().catch(() => undefined);
  res.once('close', cancel);
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (!res.write(value)) await once(res, 'drain');
    }
  } finally {
    res.off('close', cancel);
  }
  res.end();
}
