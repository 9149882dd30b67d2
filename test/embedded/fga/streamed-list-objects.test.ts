/**
 * StreamedListObjects through @openfga/sdk, and the ListObjects deadline: the stream is OpenFGA's
 * newline-delimited `{"result":{"object":...}}` and uncapped where ListObjects stops at its cap; both
 * stop at the deadline with what they have found (every object returned still allowed), and the
 * non-streamed answer is then flagged as incomplete.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FgaApiValidationError, type OpenFgaClient } from '@openfga/sdk';
import { dslToModel } from '../../../src/embedded/fga/dsl.js';
import { FgaEngine } from '../../../src/embedded/fga/engine.js';
import { DEFAULT_LIMITS } from '../../../src/embedded/fga/limits.js';
import { startTestServer, type FgaTestServer } from './helpers.js';

const MODEL = `model
  schema 1.1
type user
type folder
  relations
    define viewer: [user]
type doc
  relations
    define parent: [folder]
    define blocked: [user]
    define viewer: ([user] or viewer from parent) but not blocked`;

/** Enough that a query polls its deadline (every 32 steps) several times. */
const DOCS = 300;
const expected = Array.from({ length: DOCS }, (_, i) => `doc:${i}`).sort();

async function seeded(opts: Parameters<typeof startTestServer>[0]): Promise<{ fga: FgaTestServer; client: OpenFgaClient; storeId: string }> {
  const fga = await startTestServer(opts);
  const storeId = (await fga.client().createStore({ name: 'streamed' })).id;
  const { authorization_model_id } = await fga.client(storeId).writeAuthorizationModel(dslToModel(MODEL) as never);
  const client = fga.client(storeId, authorization_model_id);
  const writes = [
    { user: 'user:ann', relation: 'viewer', object: 'folder:f' },
    ...Array.from({ length: DOCS }, (_, i) =>
      i % 2 ? { user: 'user:ann', relation: 'viewer', object: `doc:${i}` } : { user: 'folder:f', relation: 'parent', object: `doc:${i}` },
    ),
  ];
  for (let i = 0; i < writes.length; i += 100) await client.write({ writes: writes.slice(i, i + 100) });
  return { fga, client, storeId };
}

async function streamed(client: OpenFgaClient, user = 'user:ann'): Promise<string[]> {
  const out: string[] = [];
  for await (const r of client.streamedListObjects({ user, relation: 'viewer', type: 'doc' })) out.push(r.object);
  return out.sort();
}

describe('StreamedListObjects', () => {
  let s: Awaited<ReturnType<typeof seeded>>;
  beforeAll(async () => {
    s = await seeded({ limits: { listObjectsMaxResults: 5 } });
  });
  afterAll(() => s?.fga.close());

  it('streams every allowed object, past the non-streamed cap', async () => {
    expect(await streamed(s.client)).toEqual(expected);
    const capped = await s.client.listObjects({ user: 'user:ann', relation: 'viewer', type: 'doc' });
    expect(capped.objects).toHaveLength(5);
    expect((capped as unknown as { truncated?: boolean }).truncated).toBe(true);
  });

  it('speaks newline-delimited {"result":{"object"}} chunks on the wire', async () => {
    const res = await fetch(`${s.fga.server.url}/stores/${s.storeId}/streamed-list-objects`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...s.fga.authorization },
      body: JSON.stringify({ user: 'user:ann', relation: 'viewer', type: 'doc' }),
    });
    expect(res.status).toBe(200);
    const lines = (await res.text()).split('\n');
    expect(lines.pop()).toBe('');
    expect(lines.map((l) => JSON.parse(l) as unknown).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)))).toEqual(
      expected.map((object) => ({ result: { object } })),
    );
  });

  it('answers bad input with an error response before any result', async () => {
    const err = await streamed(s.client, 'nobody').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FgaApiValidationError);
    const res = await fetch(`${s.fga.server.url}/stores/${s.storeId}/streamed-list-objects`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...s.fga.authorization },
      body: JSON.stringify({ user: 'user:ann', relation: 'nope', type: 'doc' }),
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ code: 'relation_not_found', message: "relation 'doc#nope' not found" });
  });
});

describe('StreamedListObjects errors mid-stream', () => {
  it('ends the stream with an {"error":{code,message}} line after the objects already sent', async () => {
    const fga = await startTestServer();
    try {
      const storeId = (await fga.client().createStore({ name: 'mid-stream' })).id;
      const model = `model
  schema 1.1
type user
type doc
  relations
    define blocked: [user]
    define viewer: [user, user with office] but not blocked
condition office(ip: ipaddress) {
  ip.in_cidr("10.0.0.0/8")
}`;
      const { authorization_model_id } = await fga.client(storeId).writeAuthorizationModel(dslToModel(model) as never);
      const client = fga.client(storeId, authorization_model_id);
      await client.write({ writes: [{ user: 'user:ann', relation: 'viewer', object: 'doc:1' }] });
      await client.write({ writes: [{ user: 'user:ann', relation: 'viewer', object: 'doc:2', condition: { name: 'office' } }] });
      const res = await fetch(`${fga.server.url}/stores/${storeId}/streamed-list-objects`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...fga.authorization },
        body: JSON.stringify({ user: 'user:ann', relation: 'viewer', type: 'doc' }),
      });
      expect(res.status).toBe(200);
      const lines = (await res.text()).trim().split('\n').map((l) => JSON.parse(l) as unknown);
      expect(lines).toEqual([
        { result: { object: 'doc:1' } },
        { error: { code: 2000, message: "failed to evaluate relationship condition 'office': context is missing parameters 'ip'" } },
      ]);
      const seen: string[] = [];
      const err = await (async () => {
        for await (const r of client.streamedListObjects({ user: 'user:ann', relation: 'viewer', type: 'doc' })) seen.push(r.object);
      })().catch((e: unknown) => e);
      expect(seen).toEqual(['doc:1']);
      expect((err as Error).message).toMatch(/StreamedListObjects stream returned an error \(code: 2000\)/);
    } finally {
      await fga.close();
    }
  });
});

describe('the ListObjects deadline', () => {
  it('is 3 s by default, as on OpenFGA', () => {
    expect(DEFAULT_LIMITS.listObjectsDeadlineMs).toBe(3000);
  });

  it('returns what was found by the deadline, all of it allowed, more as the deadline grows', async () => {
    const s = await seeded({});
    try {
      // A clock that advances one millisecond each time it is read, so the deadline passes mid-query.
      let t = 0;
      const at = (deadline: number) => new FgaEngine(s.fga.db, { listObjectsDeadlineMs: deadline }, { now: () => t++ });
      const q = { user: 'user:ann', relation: 'viewer', type: 'doc' };
      let previous = 0;
      let partialSeen = false;
      let deadline = 1;
      for (; ; deadline++) {
        t = 0;
        const r = at(deadline).listObjects(s.storeId, q);
        for (const object of r.objects) expect(expected).toContain(object);
        expect(r.objects.length).toBeGreaterThanOrEqual(previous);
        if (r.objects.length < DOCS) expect(r.deadlineExceeded).toBe(true);
        t = 0;
        expect([...at(deadline).streamListObjects(s.storeId, q)].sort()).toEqual([...r.objects].sort());
        if (r.objects.length > 0 && r.objects.length < DOCS) partialSeen = true;
        previous = r.objects.length;
        if (!r.deadlineExceeded) break;
      }
      expect(partialSeen).toBe(true);
      expect(previous).toBe(DOCS);
    } finally {
      await s.fga.close();
    }
  });

  it('flags a list cut short by the deadline as incomplete on the wire', async () => {
    let t = 0;
    const s = await seeded({ limits: { listObjectsDeadlineMs: 1 }, now: () => t++ });
    try {
      const r = await s.client.listObjects({ user: 'user:ann', relation: 'viewer', type: 'doc' });
      expect(r.objects.length).toBeLessThan(DOCS);
      expect((r as unknown as { truncated?: boolean }).truncated).toBe(true);
      expect(r.$response.headers['x-gatehouse-truncated']).toBe('true');
    } finally {
      await s.fga.close();
    }
  });

  it('a list completed before the deadline is not flagged', async () => {
    const s = await seeded({});
    try {
      const r = await s.client.listObjects({ user: 'user:ann', relation: 'viewer', type: 'doc' });
      expect([...r.objects].sort()).toEqual(expected);
      expect((r as unknown as { truncated?: boolean }).truncated).toBeUndefined();
    } finally {
      await s.fga.close();
    }
  });
});
