/**
 * Read: stored tuples matching an optional partial key, in write order, paged with an opaque
 * continuation token (the last tuple's sequence number).
 */
import { FgaValidationError, InvalidContinuationTokenError } from './errors.js';
import type { StoreState } from './store-registry.js';
import type { StoredTuple } from './tuple-index.js';
import { splitObject } from './tuple-key.js';

export interface ReadRequest {
  readonly tupleKey?: { readonly object?: string; readonly relation?: string; readonly user?: string };
  readonly pageSize: number;
  readonly continuationToken?: string;
}

export interface ReadResult {
  readonly tuples: StoredTuple[];
  readonly continuationToken: string;
}

export function encodeToken(seq: number): string {
  return Buffer.from(JSON.stringify({ seq })).toString('base64url');
}

function decodeToken(token: string): number {
  try {
    const v = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { seq?: unknown };
    if (typeof v.seq === 'number' && Number.isInteger(v.seq)) return v.seq;
  } catch {
    // fall through
  }
  throw new InvalidContinuationTokenError();
}

export function readTuples(state: StoreState, req: ReadRequest): ReadResult {
  const after = req.continuationToken ? decodeToken(req.continuationToken) : -Infinity;
  const { object = '', relation = '', user = '' } = req.tupleKey ?? {};
  const [objectType, objectId] = object ? splitObject(object) : ['', ''];
  if (!object && (relation || user)) {
    throw new FgaValidationError("the 'object' field must be specified (a type, or type:id) to filter by relation or user");
  }
  if (object && !objectType) throw new FgaValidationError("invalid 'object' field format");
  if (object && !objectId && !user) {
    throw new FgaValidationError("the 'user' field must be specified when 'object' is only a type");
  }
  const out: StoredTuple[] = [];
  let more = false;
  for (const t of state.index.values()) {
    if (t.seq <= after) continue;
    const k = t.key;
    if (object && (objectId ? k.object !== object : splitObject(k.object)[0] !== objectType)) continue;
    if (relation && k.relation !== relation) continue;
    if (user && k.user !== user) continue;
    if (out.length === req.pageSize) {
      more = true;
      break;
    }
    out.push(t);
  }
  return { tuples: out, continuationToken: more ? encodeToken(out[out.length - 1].seq) : '' };
}
