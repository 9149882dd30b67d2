import type { AuditStore, StoredAuditEntry } from '../store/ports/audit-store.js';

/**
 * One entry as a JSON line for a SIEM: `{seq, at, event, data, prevHash, hash}`. `data` is the canonical
 * JSON text that was hashed, copied byte for byte, so a consumer can recompute the chain.
 */
export function entryLine(e: StoredAuditEntry): string {
  return `{"seq":${e.seq},"at":${JSON.stringify(e.at)},"event":${JSON.stringify(e.event)},"data":${e.dataJson},"prevHash":"${e.prevHash}","hash":"${e.hash}"}\n`;
}

/** The entries at or after `since`, oldest first, one line each; read from the Store page by page. */
export async function* exportLines(store: AuditStore, since: Date): AsyncGenerator<string> {
  for await (const e of store.entries({ since: since.toISOString() })) yield entryLine(e);
}
