import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readOrCreatePrivateFile } from '../lib/private-file.js';
import { keyId } from './checkpoint.js';

/** The key pair that signs audit checkpoints. It is kept in a 0600 file, never in the database. */
export interface CheckpointKey {
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  /** RFC 7638 thumbprint of the public key (the JWS `kid`). */
  readonly kid: string;
}

/** The default key file: `audit-checkpoint.key` in the deployment's key directory (beside the database). */
export function defaultCheckpointKeyFile(keyDir: string): string {
  return join(keyDir, 'audit-checkpoint.key');
}

/**
 * Loads the checkpoint signing key (PKCS#8 PEM, Ed25519). `create`: generate it (0600, atomically) when
 * the file is absent — the server does, for its default file; a configured file and the CLI never do.
 * Returns undefined when the file is absent and may not be created. A file that is not an Ed25519
 * private key throws a TypeError naming the file.
 */
export function loadCheckpointKey(file: string, opts: { create: boolean }): CheckpointKey | undefined {
  if (!opts.create && !existsSync(file)) return undefined;
  const pem = opts.create
    ? readOrCreatePrivateFile(file, () => generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString())
    : readFileSync(file, 'utf8');
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(pem);
  } catch {
    throw new TypeError(`${file}: not a private key in PEM (expected an Ed25519 PKCS#8 key)`);
  }
  if (privateKey.asymmetricKeyType !== 'ed25519') throw new TypeError(`${file}: the audit checkpoint key must be Ed25519, not ${String(privateKey.asymmetricKeyType)}`);
  const publicKey = createPublicKey(privateKey);
  return { privateKey, publicKey, kid: keyId(publicKey) };
}

/** A pinned public key as `gatehouse audit key` prints it (SPKI PEM) or as a JWK (JSON). */
export function parsePublicKey(text: string, source: string): KeyObject {
  let key: KeyObject;
  try {
    const trimmed = text.trim();
    key = trimmed.startsWith('{') ? createPublicKey({ key: JSON.parse(trimmed) as import('node:crypto').JsonWebKey, format: 'jwk' }) : createPublicKey(trimmed);
  } catch {
    throw new TypeError(`${source}: not a public key (expected the PEM or JWK that \`gatehouse audit key\` prints)`);
  }
  if (key.asymmetricKeyType !== 'ed25519') throw new TypeError(`${source}: the audit checkpoint key must be Ed25519`);
  return key;
}
