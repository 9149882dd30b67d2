import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestCertificates {
  /** PEM of the test CA: what the server under test is told to trust. */
  readonly caPem: string;
  /** Key and certificate of a server for localhost, 127.0.0.1 and ::1, issued by the test CA. */
  readonly keyPem: string;
  readonly certPem: string;
}

let cached: TestCertificates | undefined;

/**
 * A throwaway certificate authority and one server certificate, made at test time with the system's
 * openssl (P-256, valid one day), so nothing is downloaded and no key is checked in.
 */
export function testCertificates(): TestCertificates {
  if (cached) return cached;
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-test-ca-'));
  const at = (name: string) => join(dir, name);
  const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'pipe' });
  try {
    openssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', at('ca.key'), '-out', at('ca.pem'), '-days', '1',
      '-subj', '/CN=Gatehouse test CA', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
    openssl('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', at('leaf.key'), '-out', at('leaf.csr'), '-subj', '/CN=localhost');
    writeFileSync(at('leaf.ext'), 'subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n');
    openssl('x509', '-req', '-in', at('leaf.csr'), '-CA', at('ca.pem'), '-CAkey', at('ca.key'), '-CAcreateserial', '-out', at('leaf.pem'), '-days', '1', '-extfile', at('leaf.ext'));
    cached = { caPem: readFileSync(at('ca.pem'), 'utf8'), keyPem: readFileSync(at('leaf.key'), 'utf8'), certPem: readFileSync(at('leaf.pem'), 'utf8') };
    return cached;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Writes the test CA to a file (for GATEHOUSE_EMBEDDED_CIMD_CA_FILE); returns its path. */
export function writeTestCaFile(dir: string): string {
  const path = join(dir, 'test-ca.pem');
  writeFileSync(path, testCertificates().caPem);
  return path;
}
