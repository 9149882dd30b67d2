import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findDemoUser } from '../../src/embedded/seed/users.js';
import { createLogger } from '../../src/log.js';
import { startTestGatehouse, type TestGatehouse } from '../helpers/bootstrap.js';
import { callTool, initialize, rpc, tokenFor } from '../helpers/mcp-client.js';
import { call, connectGoogle, week } from '../helpers/vault.js';

/** A pino destination that keeps every line written to it. */
function captureStream() {
  const lines: string[] = [];
  let partial = '';
  const stream = new Writable({
    write(chunk, _enc, done) {
      const text = partial + chunk.toString();
      const parts = text.split('\n');
      partial = parts.pop()!;
      lines.push(...parts.filter((l) => l !== ''));
      done();
    },
  });
  return { stream, lines };
}

describe('log redaction: the real logger', () => {
  it('redacts authorization and cookie headers and secret-named fields, keeping the rest', () => {
    const { stream, lines } = captureStream();
    const log = createLogger('info', stream);
    log.info({ req: { method: 'POST', headers: { authorization: 'Bearer eyJ.a.b', cookie: 'sid=abc', host: 'h' } } }, 'request');
    log.info({ headers: { authorization: 'Basic dTpw', accept: 'x' } }, 'headers');
    log.info({ authorization: 'Bearer top', cookie: 'c=1' }, 'top-level');
    log.info({ access_token: 'at1', refresh_token: 'rt1', id_token: 'it1', client_secret: 'cs1', password: 'pw1', token: 't1', sub: 'alice' }, 'fields');
    log.info({ grant: { access_token: 'at2', refresh_token: 'rt2', id_token: 'it2', subject_token: 'st2', client_secret: 'cs2', password: 'pw2', token: 't2', scope: 's' } }, 'nested');
    expect(lines.map((l) => JSON.parse(l)).map(({ time: _t, level: _l, ...rest }) => rest)).toEqual([
      { req: { method: 'POST', headers: { authorization: '[redacted]', cookie: '[redacted]', host: 'h' } }, msg: 'request' },
      { headers: { authorization: '[redacted]', accept: 'x' }, msg: 'headers' },
      { authorization: '[redacted]', cookie: '[redacted]', msg: 'top-level' },
      { access_token: '[redacted]', refresh_token: '[redacted]', id_token: '[redacted]', client_secret: '[redacted]', password: '[redacted]', token: '[redacted]', sub: 'alice', msg: 'fields' },
      {
        grant: { access_token: '[redacted]', refresh_token: '[redacted]', id_token: '[redacted]', subject_token: '[redacted]', client_secret: '[redacted]', password: '[redacted]', token: '[redacted]', scope: 's' },
        msg: 'nested',
      },
    ]);
  });
});

/**
 * A whole Gatehouse logging at trace level into a captured stream while it is driven through logins,
 * tool calls, refused tokens and a Token Vault connection: no credential ever reaches the log.
 */
describe('log redaction: a running Gatehouse at trace level', () => {
  let gh: TestGatehouse;
  const capture = captureStream();

  beforeAll(async () => {
    gh = await startTestGatehouse({}, { logger: createLogger('trace', capture.stream) });
  });
  afterAll(async () => {
    await gh?.stop();
  });

  it('logs the traffic but never the access token, passwords, the client secret or provider tokens', async () => {
    const alice = await tokenFor(gh, 'alice');
    const bob = await tokenFor(gh, 'bob');
    expect((await rpc(gh.mcpUrl, callTool('whoami'), { authorization: `Bearer ${alice}` })).status).toBe(200);
    // A refused token is logged as a refusal: its reason, never the token.
    const forged = `${alice.slice(0, -4)}AAAA`;
    expect((await rpc(gh.mcpUrl, initialize, { authorization: `Bearer ${forged}` })).status).toBe(401);
    expect(await connectGoogle(gh, 'alice')).toMatchObject({ ok: true });
    expect((await call(gh, alice, 'list_calendar_events', week())).message.result?.isError).toBeFalsy();
    expect((await call(gh, bob, 'list_calendar_events', week())).message.error?.code).toBe(-32042);

    const log = capture.lines.join('\n');
    expect(capture.lines.some((l) => JSON.parse(l).msg === 'bearer authentication refused')).toBe(true);
    expect(capture.lines.some((l) => JSON.parse(l).msg === 'connected account stored in the vault')).toBe(true);

    const secrets = [
      alice,
      bob,
      forged,
      alice.split('.')[2]!,
      findDemoUser('alice')!.password,
      findDemoUser('bob')!.password,
      gh.authServer!.customApiClient.clientSecret,
    ];
    for (const s of secrets) expect(log).not.toContain(s);
    expect(log).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}/);
    expect(log).not.toMatch(/ya29\./);
    expect(log).not.toMatch(/1\/\/[A-Za-z0-9_-]{10,}/);
  });
});
