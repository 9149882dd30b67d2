import type { IncomingMessage } from 'node:http';

/** The most any of this server's own routes reads of a request body. */
export const BODY_LIMIT_BYTES = 16 * 1024;

/** The request's media type, lower-cased, without parameters (`application/json; charset=utf-8` → `application/json`). */
export function mediaType(req: IncomingMessage): string {
  return (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
}

/** Reads the whole body, stopping as soon as it passes `limit` bytes: undefined then. */
export async function readBody(req: IncomingMessage, limit = BODY_LIMIT_BYTES): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}
