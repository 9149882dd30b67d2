/**
 * Where the backends are: the one place that turns a bind address and ports into the URLs the
 * server, its stand-ins and the CLI use, so the server and the commands that talk to it agree
 * (IPv6 hosts are bracketed; a wildcard bind is reached over loopback).
 */
import type { Config } from '../config.js';

/** A bind address as it appears in a URL's authority: `::1` → `[::1]`. */
export function bracketHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

/** A bind address as a client reaches it: a wildcard (`0.0.0.0`, `::`) is reached on 127.0.0.1. */
export function reachableHost(host: string): string {
  return host === '0.0.0.0' || host === '::' ? '127.0.0.1' : bracketHost(host);
}

/** The public origin of the MCP port: GATEHOUSE_PUBLIC_URL, else the bind address and port. */
export function serverOrigin(config: Config, port = config.server.port): string {
  return config.server.publicUrl ?? `http://${reachableHost(config.server.host)}:${port}`;
}

export interface EmbeddedEndpoints {
  /** The MCP server's origin and resource (the audience of its tokens). */
  readonly origin: string;
  readonly mcpUrl: string;
  /** The embedded authorization server's issuer, exactly as it names itself in tokens and discovery. */
  readonly issuer: string;
  /** The embedded FGA API. */
  readonly fgaUrl: string;
}

/** The URLs of a running embedded stack started with this configuration (what the CLI talks to). */
export function embeddedEndpoints(config: Config): EmbeddedEndpoints {
  const origin = serverOrigin(config);
  const authPort = config.auth.mode === 'embedded' ? config.auth.port : 0;
  const fgaPort = config.fga.mode === 'embedded' ? config.fga.port : 0;
  return {
    origin,
    mcpUrl: `${origin}/mcp`,
    issuer: `http://${bracketHost(config.server.host)}:${authPort}`,
    fgaUrl: `http://${reachableHost(config.server.host)}:${fgaPort}`,
  };
}
