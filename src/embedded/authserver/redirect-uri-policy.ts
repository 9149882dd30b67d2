import { errors, type Configuration } from 'oidc-provider';
import { isMetadataDocumentClientId } from './client-id-metadata-document.js';

type ExtraClientMetadata = NonNullable<Configuration['extraClientMetadata']>;

/** Schemes that are never a redirect target, whatever a native app says. */
const FORBIDDEN_SCHEMES = new Set(['javascript:', 'data:', 'file:', 'vbscript:', 'about:', 'blob:', 'ws:', 'wss:', 'ftp:', 'mailto:', 'tel:']);
const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]', 'localhost']);

/** 400 `invalid_redirect_uri` (oidc-provider picks that code for a description about redirect_uris). */
class InvalidRedirectUriMetadata extends errors.InvalidClientMetadata {
  constructor() {
    super('redirect_uris must use https, http on a loopback address (127.0.0.1, [::1], localhost) or a private-use scheme');
  }
}

/**
 * Which redirect URIs a dynamically registered client may name (RFC 8252, OAuth 2.1): https anywhere,
 * plain http only to a loopback address (where MCP clients such as Claude Desktop, mcp-remote and
 * the Inspector listen: http://localhost:<port>/oauth/callback), and private-use schemes of native
 * apps (`com.example.app:/cb`, `cursor://...`). A code sent over plain http to a remote host can be
 * read on the way; RFC 7591 answers such a registration 400 `invalid_redirect_uri`.
 */
export function isAllowedRedirectUri(value: string): boolean {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  if (url.protocol === 'https:') return true;
  if (url.protocol === 'http:') return LOOPBACK_HOSTS.has(url.hostname);
  return /^[a-z][a-z0-9+.-]*:$/.test(url.protocol) && !FORBIDDEN_SCHEMES.has(url.protocol);
}

/**
 * Adds the redirect-URI rule to the client metadata validation, for registrations and for clients
 * identified by a metadata document (checked whenever the document is read): configured clients are
 * the operator's (Gatehouse's own connect callback may be http on a public name).
 */
export function withRedirectUriPolicy(inner: ExtraClientMetadata): ExtraClientMetadata {
  const property = 'gatehouse_redirect_uri_policy';
  return {
    ...inner,
    properties: [...(inner.properties ?? []), property],
    validator(ctx, key, value, metadata) {
      if (key !== property) return inner.validator?.(ctx, key, value, metadata);
      const m = metadata as { client_id?: unknown; redirect_uris?: unknown; gatehouse_redirect_uri_policy?: unknown };
      delete m.gatehouse_redirect_uri_policy;
      const registering = (ctx as { oidc?: { route?: string } } | undefined)?.oidc?.route === 'registration';
      if (!registering && !isMetadataDocumentClientId(m.client_id)) return;
      const uris = Array.isArray(m.redirect_uris) ? m.redirect_uris : [];
      if (uris.some((u) => typeof u !== 'string' || !isAllowedRedirectUri(u))) throw new InvalidRedirectUriMetadata();
    },
  };
}
