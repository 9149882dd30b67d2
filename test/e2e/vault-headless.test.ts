import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGatehouse, type TestGatehouse } from '../helpers/bootstrap.js';
import { tokenFor } from '../helpers/mcp-client.js';
import { call, connectGoogle, week } from '../helpers/vault.js';

describe('Token Vault: gatehouse connect (headless) then list_calendar_events', () => {
  let gh: TestGatehouse;
  beforeAll(async () => {
    gh = await startTestGatehouse();
  });
  afterAll(async () => {
    await gh?.stop();
  });

  it('not connected -> -32042 with a connect URL; connect; retry returns the demo events', async () => {
    const token = await tokenFor(gh, 'alice');
    const first = await call(gh, token, 'list_calendar_events', week());
    expect(first.message.error?.code).toBe(-32042);
    const url = first.message.error!.data!.elicitations![0]!.url;
    expect(url).toMatch(new RegExp(`^${new URL(gh.mcpUrl).origin}/connect/google-oauth2\\?ticket=`));
    expect(first.message.error!.message).toContain(url);

    const connected = await connectGoogle(gh, 'alice');
    expect(connected).toMatchObject({ ok: true });

    const second = await call(gh, token, 'list_calendar_events', week());
    expect(second.message.result?.isError).toBeFalsy();
    const events = second.message.result!.structuredContent!.events as { title: string }[];
    expect(events.map((e) => e.title)).toContain('Sprint planning');
  });
});
