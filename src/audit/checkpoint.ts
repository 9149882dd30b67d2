import { createHash, sign, verify, type KeyObject } from 'node:crypto';
import { z } from 'zod';
import { canonicalJson } from '../lib/canonical-json.js';

/**
 * A checkpoint of the audit chain: "entry `seq` has hash `hash`", stated at `at` and signed with an
 * Ed25519 key that does not live in the database. Written as a JWS in compact serialisation (RFC 7515,
 * `alg: EdDSA` per RFC 8037) over the canonical JSON of `{at, hash, seq}`, so any JOSE library can check
 * it against the public key `gatehouse audit key` prints.
 */
export interface Checkpoint {
  readonly seq: number;
  readonly hash: string;
  readonly at: string;
}

/** The JWS `typ` of a checkpoint: a signature made for anything else is never taken for one. */
export const CHECKPOINT_TYP = 'gatehouse-audit-checkpoint+jws';

const Header = z.object({ alg: z.literal('EdDSA'), typ: z.literal(CHECKPOINT_TYP), kid: z.string().optional() }).strict();
const Payload = z
  .object({
    seq: z.number().int().min(1),
    hash: z.string().regex(/^[0-9a-f]{64}$/),
    at: z.iso.datetime(),
  })
  .strict();

const b64 = (s: string) => Buffer.from(s).toString('base64url');

/** The RFC 7638 thumbprint of an Ed25519 public key: the `kid` of its checkpoints. */
export function keyId(publicKey: KeyObject): string {
  const jwk = publicKey.export({ format: 'jwk' });
  return createHash('sha256').update(`{"crv":"Ed25519","kty":"OKP","x":"${String(jwk.x)}"}`).digest('base64url');
}

/** Signs a checkpoint with the Ed25519 private key; returns the JWS compact string. */
export function signCheckpoint(privateKey: KeyObject, publicKey: KeyObject, c: Checkpoint): string {
  const input = `${b64(canonicalJson({ alg: 'EdDSA', kid: keyId(publicKey), typ: CHECKPOINT_TYP }))}.${b64(canonicalJson({ at: c.at, hash: c.hash, seq: c.seq }))}`;
  return `${input}.${sign(null, Buffer.from(input), privateKey).toString('base64url')}`;
}

/** The checkpoint a JWS states, when it is well formed and its signature verifies with `publicKey`; else undefined. */
export function openCheckpoint(publicKey: KeyObject, jws: string): Checkpoint | undefined {
  const parts = jws.split('.');
  if (parts.length !== 3 || parts.some((p) => !/^[A-Za-z0-9_-]+$/.test(p))) return undefined;
  const [h, p, s] = parts as [string, string, string];
  let ok: boolean;
  try {
    ok = verify(null, Buffer.from(`${h}.${p}`), publicKey, Buffer.from(s, 'base64url'));
  } catch {
    return undefined;
  }
  if (!ok) return undefined;
  const header = Header.safeParse(parseJson(h));
  const payload = Payload.safeParse(parseJson(p));
  return header.success && payload.success ? payload.data : undefined;
}

function parseJson(part: string): unknown {
  try {
    return JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
}
