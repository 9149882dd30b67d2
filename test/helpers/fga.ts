import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';

/** The embedded FGA API key a Gatehouse generated into its data directory (what an operator would read). */
export function fgaApiKey(dataDir: string): string {
  return readFileSync(join(dataDir, 'keys', 'fga-api.key'), 'utf8').trim();
}

/**
 * A raw HTTP request with full control of the headers, Host included (fetch cannot forge Host), for
 * asserting exact statuses and bodies.
 */
export function rawRequest(
  url: string,
  opts: { method?: string; headers?: Record<string, string>; body?: string | Buffer } = {},
): Promise<{ status: number; body: string; json: () => unknown }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: opts.method ?? 'GET', headers: opts.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, body, json: () => JSON.parse(body) });
      });
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}
