/**
 * The embedded default's demo corpus: demo/corpus/<folder>/*.md, filed as `document:<slug>` under
 * `folder:<folder>` of the demo model (authz/store.fga.yaml). Loaded on first start (no documents yet)
 * through the core's own ingest, so the demo documents and their FGA tuples are exactly what an
 * operator's ingest would write. Seeding is composition: only the root imports this file.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Authorizer } from '../../fga/authorizer.js';
import type { DocumentStore } from '../../rag/document-store.js';
import { INGESTIBLE, ingestFiles } from '../../rag/ingest.js';

export const DEMO_CORPUS_DIR = fileURLToPath(new URL('../../../demo/corpus', import.meta.url));

export async function loadDemoCorpus(deps: { store: DocumentStore; authorizer: Authorizer }, dir = DEMO_CORPUS_DIR): Promise<number> {
  if ((await deps.store.count()) > 0) return 0;
  let loaded = 0;
  for (const folder of readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name).sort()) {
    const files = readdirSync(join(dir, folder))
      .filter((f) => INGESTIBLE.has(extname(f)))
      .sort()
      .map((f) => ({ relPath: `${folder}/${f}`, text: readFileSync(join(dir, folder, f), 'utf8') }));
    loaded += (await ingestFiles(deps, { folder }, files)).length;
  }
  return loaded;
}
