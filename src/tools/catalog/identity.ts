import { z } from 'zod';
import { defineTool } from '../define.js';

/** whoami: the caller's identity context as the server sees it — never a token or secret. */
export const whoami = defineTool({
  name: 'whoami',
  title: 'Who am I',
  description: 'Show who you are signed in as: user id, organization, client and granted scopes.',
  input: z.object({}).strict(),
  scopes: ['identity:read'],
  risk: 'low',
  callers: ['user', 'client'],
  readOnly: true,
  async run(_args, { caller }) {
    const identity = {
      kind: caller.kind,
      sub: caller.sub,
      organization: caller.orgId ?? null,
      client: caller.clientId,
      scopes: [...caller.scopes],
      permissions: [...caller.permissions],
      issuer: caller.issuer,
      expiresAt: new Date(caller.expiresAt * 1000).toISOString(),
    };
    const who = caller.kind === 'user' ? `user ${caller.sub}` : `client ${caller.clientId} (no end user)`;
    return {
      text: `You are ${who}${caller.orgId ? ` in organization ${caller.orgId}` : ''}, via client ${caller.clientId}, with scopes: ${caller.scopes.join(' ') || '(none)'}.`,
      structured: identity,
    };
  },
});
