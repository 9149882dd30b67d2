import type { Request, Response, Router } from 'express';
import express from 'express';

/** RFC 9728 protected resource metadata for the MCP endpoint. */
export interface ResourceMetadata {
  readonly resource: string;
  readonly authorization_servers: readonly string[];
  readonly scopes_supported: readonly string[];
  readonly bearer_methods_supported: readonly string[];
  readonly resource_name: string;
  readonly resource_documentation?: string;
}

const WELL_KNOWN = '/.well-known/oauth-protected-resource';

/** The path-inserted metadata URL for a resource (what the 401 challenge advertises). */
export function resourceMetadataUrl(resource: string): string {
  const u = new URL(resource);
  const path = u.pathname === '/' ? '' : u.pathname;
  return `${u.origin}${WELL_KNOWN}${path}`;
}

/** Serves the document at both the path-inserted location and the root location. */
export function protectedResourceMetadataRouter(doc: () => ResourceMetadata): Router {
  const router = express.Router();
  const send = (_req: Request, res: Response) => {
    res.set('Cache-Control', 'public, max-age=300').json(doc());
  };
  router.get(WELL_KNOWN, send);
  router.get(`${WELL_KNOWN}/mcp`, send);
  return router;
}
