import { signInEndpoints } from '../app/resolve-backends.js';
import { loadConfig } from '../config.js';
import { obtainAccessToken } from '../embedded/authserver/headless-login.js';
import { findDemoUser, DEMO_USERS } from '../embedded/seed/users.js';
import { flags, UsageError } from './args.js';

/**
 * `gatehouse token --user alice [--scope "..."]`: a real authorization-code + PKCE flow against the
 * running embedded authorization server, done headlessly; prints only the access token.
 */
export async function tokenCommand(argv: string[]): Promise<number> {
  const { values } = flags(argv, { user: { type: 'string' }, scope: { type: 'string' } });
  const config = loadConfig(process.env);
  const endpoints = signInEndpoints(config);
  if (!endpoints) throw new UsageError('only for the embedded authorization server (AUTH0_DOMAIN is set: get tokens from Auth0)');
  const user = values.user ? findDemoUser(values.user) : undefined;
  if (!user) throw new UsageError(`--user must be one of ${DEMO_USERS.map((u) => u.id).join(', ')}`);
  const { issuer, resource } = endpoints;
  try {
    const t = await obtainAccessToken({ issuer, resource, user: user.id, password: user.password, scope: values.scope });
    process.stdout.write(`${t.accessToken}\n`);
    return 0;
  } catch (e) {
    if (e instanceof TypeError || (e instanceof Error && /ECONNREFUSED|fetch failed/.test(String(e.cause ?? e.message)))) {
      process.stderr.write(`gatehouse token: cannot reach the authorization server at ${issuer}; start it with \`npm start\` first\n`);
      return 1;
    }
    throw e;
  }
}
