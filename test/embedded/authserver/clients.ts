import * as oidc from 'openid-client';
import { expect } from 'vitest';

/** Registers a client by RFC 7591 dynamic client registration, as MCP clients do. */
export async function registerClient(issuer: string, metadata: Record<string, unknown>): Promise<Record<string, unknown> & { client_id: string; client_secret?: string }> {
  const res = await fetch(`${issuer}/oidc/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(metadata),
  });
  const body = (await res.json()) as Record<string, unknown> & { client_id: string };
  expect(res.status, JSON.stringify(body)).toBe(201);
  return body;
}

/** openid-client configuration for a client of the embedded (loopback http) server. */
export function discover(issuer: string, clientId: string, clientSecret?: string): Promise<oidc.Configuration> {
  const auth = clientSecret ? oidc.ClientSecretPost(clientSecret) : oidc.None();
  return oidc.discovery(new URL(issuer), clientId, undefined, auth, { execute: [oidc.allowInsecureRequests] });
}

/** Authorization request parameters with a fresh PKCE pair. */
export async function pkceParams(): Promise<{ verifier: string; state: string; params: Record<string, string> }> {
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  return {
    verifier,
    state,
    params: { code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256', state },
  };
}
