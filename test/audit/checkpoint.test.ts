import { generateKeyPairSync, sign } from 'node:crypto';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compactVerify, importSPKI } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import { CHECKPOINT_TYP, openCheckpoint, signCheckpoint } from '../../src/audit/checkpoint.js';
import { loadCheckpointKey, parsePublicKey } from '../../src/audit/checkpoint-key.js';
import { readCheckpointFile, writeCheckpointFile } from '../../src/audit/checkpoint-file.js';
import { memoryKey } from './tamper.js';

const c = { seq: 42, hash: 'ab'.repeat(32), at: '2026-11-30T10:00:00.000Z' };
let dir: string | undefined;
const tmp = () => (dir = mkdtempSync(join(tmpdir(), 'gatehouse-checkpoint-')));
afterEach(() => dir && rmSync(dir, { recursive: true, force: true }));

describe('signed checkpoints (JWS, EdDSA)', () => {
  it('is a standard JWS any JOSE library verifies with the public key', async () => {
    const key = memoryKey();
    const jws = signCheckpoint(key.privateKey, key.publicKey, c);
    const spki = key.publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const { payload, protectedHeader } = await compactVerify(jws, await importSPKI(spki, 'EdDSA'));
    expect(protectedHeader).toEqual({ alg: 'EdDSA', kid: key.kid, typ: CHECKPOINT_TYP });
    expect(JSON.parse(new TextDecoder().decode(payload))).toEqual(c);
    expect(openCheckpoint(key.publicKey, jws)).toEqual(c);
  });

  it('opens nothing signed by another key, edited, truncated, or typed as something else', () => {
    const key = memoryKey();
    const other = memoryKey();
    const jws = signCheckpoint(key.privateKey, key.publicKey, c);
    expect(openCheckpoint(other.publicKey, jws)).toBeUndefined();
    const [h, p, s] = jws.split('.') as [string, string, string];
    const edited = Buffer.from(JSON.stringify({ ...c, seq: 43 })).toString('base64url');
    expect(openCheckpoint(key.publicKey, `${h}.${edited}.${s}`)).toBeUndefined();
    expect(openCheckpoint(key.publicKey, `${h}.${p}`)).toBeUndefined();
    expect(openCheckpoint(key.publicKey, '')).toBeUndefined();
    // A signature by the right key over a header of another type is not a checkpoint.
    const jwtHeader = Buffer.from(JSON.stringify({ alg: 'EdDSA', typ: 'JWT' })).toString('base64url');
    const sig = sign(null, Buffer.from(`${jwtHeader}.${p}`), key.privateKey).toString('base64url');
    expect(openCheckpoint(key.publicKey, `${jwtHeader}.${p}.${sig}`)).toBeUndefined();
  });

  it('the key file is generated once, 0600, and reloaded; another key type is refused naming the file', () => {
    const d = tmp();
    const file = join(d, 'keys', 'audit-checkpoint.key');
    expect(loadCheckpointKey(file, { create: false })).toBeUndefined();
    const first = loadCheckpointKey(file, { create: true })!;
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(loadCheckpointKey(file, { create: false })!.kid).toBe(first.kid);
    const rsa = join(d, 'rsa.pem');
    writeFileSync(rsa, generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs8', format: 'pem' }));
    expect(() => loadCheckpointKey(rsa, { create: false })).toThrow(`${rsa}: the audit checkpoint key must be Ed25519, not rsa`);
    writeFileSync(join(d, 'junk'), 'not a key');
    expect(() => loadCheckpointKey(join(d, 'junk'), { create: false })).toThrow(`${join(d, 'junk')}: not a private key in PEM (expected an Ed25519 PKCS#8 key)`);
  });

  it('a pinned public key is read as PEM or JWK', () => {
    const key = memoryKey();
    const jws = signCheckpoint(key.privateKey, key.publicKey, c);
    const pem = parsePublicKey(key.publicKey.export({ type: 'spki', format: 'pem' }).toString(), 'pem');
    const jwk = parsePublicKey(JSON.stringify(key.publicKey.export({ format: 'jwk' })), 'jwk');
    expect(openCheckpoint(pem, jws)).toEqual(c);
    expect(openCheckpoint(jwk, jws)).toEqual(c);
    expect(() => parsePublicKey('nonsense', 'pin.pem')).toThrow('pin.pem: not a public key');
  });

  it('an exported checkpoint file is written atomically, 0600, and replaced whole', () => {
    const d = tmp();
    const file = join(d, 'checkpoint.jws');
    writeCheckpointFile(file, 'a.b.c');
    writeCheckpointFile(file, 'd.e.f');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readCheckpointFile(file)).toBe('d.e.f');
  });
});

