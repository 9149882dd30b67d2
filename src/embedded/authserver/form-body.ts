import type { IncomingMessage } from 'node:http';
import { mediaType, readBody } from './read-body.js';

export class FormBodyError extends Error {}

/** Reads an application/x-www-form-urlencoded body of at most 16 KiB. */
export async function readFormBody(req: IncomingMessage): Promise<URLSearchParams> {
  if (mediaType(req) !== 'application/x-www-form-urlencoded') throw new FormBodyError('unsupported content type');
  const body = await readBody(req);
  if (!body) throw new FormBodyError('body too large');
  return new URLSearchParams(body.toString('utf8'));
}
