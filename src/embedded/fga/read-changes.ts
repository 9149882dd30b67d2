/**
 * ReadChanges: the store's tuple writes and deletes in the order they happened, optionally for one
 * object type and from a start time, paged like OpenFGA: the continuation token names the last change
 * returned (and the type it was read for); a page with no newer changes returns the caller's token
 * unchanged, so a poller can keep asking with it. A token given with `start_time` takes precedence.
 */
import { FgaValidationError, InvalidContinuationTokenError } from './errors.js';
import type { FgaStorage, StoredChange } from './storage.js';
import type { TupleKey } from './tuple-key.js';

export interface ReadChangesRequest {
  readonly type?: string;
  readonly pageSize: number;
  readonly continuationToken?: string;
  /** RFC 3339 / ISO 8601 time. */
  readonly startTime?: string;
}

export interface TupleChange {
  readonly tuple_key: TupleKey;
  readonly operation: 'TUPLE_OPERATION_WRITE' | 'TUPLE_OPERATION_DELETE';
  readonly timestamp: string;
}

export interface ReadChangesResult {
  readonly changes: TupleChange[];
  readonly continuationToken: string;
}

function encode(seq: number, type: string): string {
  return Buffer.from(JSON.stringify({ seq, type })).toString('base64url');
}

function decode(token: string): { seq: number; type: string } {
  try {
    const v = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { seq?: unknown; type?: unknown };
    if (typeof v.seq === 'number' && Number.isInteger(v.seq) && v.seq >= 0 && typeof v.type === 'string') return { seq: v.seq, type: v.type };
  } catch {
    // fall through
  }
  throw new InvalidContinuationTokenError();
}

export function readChanges(storage: FgaStorage, storeId: string, req: ReadChangesRequest): ReadChangesResult {
  const type = req.type ?? '';
  let afterSeq: number | undefined;
  let since: string | undefined;
  if (req.continuationToken) {
    const token = decode(req.continuationToken);
    if (token.type !== type) throw new FgaValidationError('the type in the continuation token does not match the type in the request');
    afterSeq = token.seq;
  } else if (req.startTime !== undefined) {
    const t = Date.parse(req.startTime);
    if (!/^\d{4}-\d{2}-\d{2}T/.test(req.startTime) || Number.isNaN(t)) {
      throw new FgaValidationError(`invalid start_time: '${req.startTime}' is not an RFC 3339 timestamp`);
    }
    since = new Date(t).toISOString();
  }
  const rows: StoredChange[] = storage.readChanges(storeId, { type: type || undefined, afterSeq, since, limit: req.pageSize });
  if (rows.length === 0) return { changes: [], continuationToken: req.continuationToken ?? '' };
  return {
    changes: rows.map((r) => ({
      tuple_key: r.key,
      operation: r.operation === 'write' ? 'TUPLE_OPERATION_WRITE' : 'TUPLE_OPERATION_DELETE',
      timestamp: r.timestamp,
    })),
    continuationToken: encode(rows[rows.length - 1].seq, type),
  };
}
