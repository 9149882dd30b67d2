/**
 * Ingest: text/markdown files become documents (stable slug id from the file name, title from the
 * first heading, chunks) and FGA tuples (`folder:<f> parent document:<id>`, optional owner), written
 * through the Authorizer. Tuples are written before the text is stored and an old parent is removed
 * when a document moves, so a failure leaves at worst a document nobody can see — never one that the
 * wrong people can. Moves can race (two ingests of one document into two folders, each reading the
 * same old folder): after its put, each ingest deletes every parent but the folder the Store now
 * records, so the loser's parent never stays (at worst, a parent deleted by the other's stale read
 * leaves the document visible to nobody until it is ingested again).
 */
import { basename, extname } from 'node:path';
import { z } from 'zod';
import type { Authorizer, TupleKey } from '../fga/authorizer.js';
import { chunkText, titleOf } from './chunker.js';
import { DOCUMENT_ID, type DocumentStore, type PutOutcome } from './document-store.js';

export const IngestTarget = z
  .object({
    folder: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'folder must be a folder id such as "engineering" (lower-case letters, digits, - and _)'),
    owner: z.string().regex(/^user:[A-Za-z0-9|@._-]{1,128}$/, 'owner must be an FGA user such as "user:alice"').optional(),
  })
  .strict();
export type IngestTarget = z.infer<typeof IngestTarget>;

export interface SourceFile {
  /** Path relative to where the ingest started (stored as the document's source; never absolute). */
  readonly relPath: string;
  readonly text: string;
}

export const INGESTIBLE = new Set(['.md', '.markdown', '.txt']);
const MAX_BYTES = 2 * 1024 * 1024;

/** The stable id of a file: its name without extension, as a lower-case slug. */
export function slugFor(relPath: string): string {
  const name = basename(relPath, extname(relPath));
  const slug = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 128);
  if (!DOCUMENT_ID.test(slug)) throw new TypeError(`cannot derive a document id from "${relPath}"`);
  return slug;
}

/** After the puts: delete each document's parent tuples that name a folder other than the one the Store records. */
async function removeStrayParents(deps: { store: DocumentStore; authorizer: Authorizer }, ids: readonly string[]): Promise<void> {
  const { readTuples } = deps.authorizer;
  if (!readTuples) throw new TypeError('ingest needs an Authorizer that can read tuples (readTuples)');
  const stray: TupleKey[] = [];
  for (const id of ids) {
    const stored = await deps.store.folderOf(id);
    const parents = await readTuples.call(deps.authorizer, { object: `document:${id}`, relation: 'parent' });
    stray.push(...parents.filter((t) => t.user !== `folder:${stored}`));
  }
  if (stray.length) await deps.authorizer.writeTuples([], stray);
}

export async function ingestFiles(
  deps: { store: DocumentStore; authorizer: Authorizer },
  target: IngestTarget,
  files: readonly SourceFile[],
): Promise<{ id: string; outcome: PutOutcome }[]> {
  const { folder, owner } = IngestTarget.parse(target);
  const docs = files.map((f) => {
    if (Buffer.byteLength(f.text) > MAX_BYTES) throw new TypeError(`${f.relPath}: larger than 2 MB`);
    const id = slugFor(f.relPath);
    const body = f.text.replace(/\r\n?/g, '\n').trim();
    return { id, folder, title: titleOf(body, id), body, chunks: chunkText(body), source: f.relPath.split('\\').join('/') };
  });
  const dup = docs.find((d, i) => docs.findIndex((e) => e.id === d.id) !== i);
  if (dup) throw new TypeError(`two files map to the document id "${dup.id}"; rename one`);

  const writes: TupleKey[] = [];
  const deletes: TupleKey[] = [];
  for (const d of docs) {
    writes.push({ user: `folder:${folder}`, relation: 'parent', object: `document:${d.id}` });
    if (owner) writes.push({ user: owner, relation: 'owner', object: `document:${d.id}` });
    const previous = await deps.store.folderOf(d.id);
    if (previous !== undefined && previous !== folder) deletes.push({ user: `folder:${previous}`, relation: 'parent', object: `document:${d.id}` });
  }
  await deps.authorizer.writeTuples(writes, deletes);
  const out: { id: string; outcome: PutOutcome }[] = [];
  for (const d of docs) out.push({ id: d.id, outcome: await deps.store.put(d) });
  await removeStrayParents(deps, docs.map((d) => d.id));
  return out;
}
