/**
 * Authorized retrieval: every document that reaches a caller — a search hit, its snippet, a listed or
 * read document — has passed FGA (`viewer`) for that caller, at the injected clock, with the caller's
 * org as a contextual tuple. Nothing is counted, ranked into view or described before that: snippets
 * and titles are read only for authorized hits, and an FGA failure fails the whole request closed.
 */
import { ForbiddenError, InvalidRequestError, NotFoundError } from '../errors.js';
import type { Authorizer, CheckQuery } from '../fga/authorizer.js';
import { fgaRequestContext, fgaUser } from '../fga/caller-context.js';
import type { Caller } from '../identity/caller.js';
import type { DocumentStore, DocumentSummary, StoredDocument } from './document-store.js';
import { MAX_RESTRICT_KEYS, parseQuery, RankedDocuments, type FtsIndex, type FtsQuery, type RankedChunk } from './fts-index.js';
import { planRetrieval, type Strategy } from './retrieval-planner.js';

export const VIEWER = 'viewer';
export const DOCUMENT_TYPE = 'document';

export interface RetrieverOptions {
  readonly now?: () => Date;
  /** Cut ListObjects answers to this many objects and treat them as capped (tests force post-filter this way). */
  readonly listObjectsCap?: number;
  /** A complete list longer than this is not used as a pre-filter. */
  readonly maxPrefilterIds?: number;
  /** Stop a post-filter after this many checks (returning the authorized hits found so far). */
  readonly maxChecks?: number;
  /** Largest set pushed into the FTS5 query as a restriction (default MAX_RESTRICT_KEYS); larger sets filter the ranked stream. */
  readonly maxRestrictKeys?: number;
  /** Parallel BatchCheck requests of up to 50 checks each. */
  readonly checkConcurrency?: number;
}

export interface SearchHit {
  readonly id: string;
  readonly title: string;
  readonly snippet: string;
  /** -bm25 of the best chunk: higher is better. */
  readonly score: number;
}

/** How a search was served: for the audit log, never for the caller. */
export interface SearchTrace {
  strategy: Strategy;
  fgaChecks: number;
  listed: number;
  listComplete: boolean;
  examined: number;
  ftsQueries: number;
  stoppedAtCheckBudget?: boolean;
}

export interface SearchOptions {
  readonly force?: Strategy;
}

const CHECK_CHUNK = 50;

export class AuthorizedRetriever {
  private readonly now: () => Date;

  constructor(
    private readonly store: DocumentStore,
    private readonly index: FtsIndex,
    private readonly authorizer: Authorizer,
    private readonly opts: RetrieverOptions = {},
  ) {
    this.now = opts.now ?? (() => new Date());
  }

  async search(caller: Caller, text: string, k: number, so: SearchOptions = {}): Promise<{ hits: SearchHit[]; trace: SearchTrace }> {
    const query = parseQuery(text);
    if (!query) throw new InvalidRequestError('The query has no searchable words.');
    const base = this.base(caller);
    const list = await this.listViewable(base);
    const plan = planRetrieval(
      { listComplete: list.complete, listed: list.objects.length, corpusSize: this.store.count(), k, maxPrefilterIds: this.opts.maxPrefilterIds, force: so.force },
      Math.min(this.opts.maxRestrictKeys ?? MAX_RESTRICT_KEYS, MAX_RESTRICT_KEYS),
    );
    const trace: SearchTrace = { strategy: plan.strategy, fgaChecks: 0, listed: list.objects.length, listComplete: list.complete, examined: 0, ftsQueries: 0 };
    const listed = new Set(list.objects);
    let picked: RankedChunk[];
    if (plan.strategy === 'pre-filter') {
      const stream = new RankedDocuments(this.index, query, plan.restrictInIndex ? k : plan.firstWindow, plan.restrictInIndex ? this.store.keys([...listed]) : undefined);
      picked = [];
      while (picked.length < k) {
        const batch = stream.next(Math.max(plan.firstBatch, k));
        if (!batch.length) break;
        trace.examined += batch.length;
        // the set is complete: membership is the authorization (also re-asserted for the in-index restriction)
        for (const c of batch) if (listed.has(c.documentId) && picked.length < k) picked.push(c);
      }
      trace.ftsQueries = stream.queries;
    } else {
      picked = await this.postFilter(base, query, k, listed, plan.firstWindow, plan.firstBatch, trace);
    }
    return { hits: this.present(query, picked), trace };
  }

  /** One FGA check (fails closed). */
  async canView(caller: Caller, id: string): Promise<boolean> {
    return this.authorizer.check({ ...this.base(caller), object: `${DOCUMENT_TYPE}:${id}` });
  }

  /** The full document, if the caller may view it; unknown and forbidden are the same NotFoundError. */
  async read(caller: Caller, id: string): Promise<StoredDocument> {
    const allowed = await this.canView(caller, id);
    const doc = allowed ? this.store.get(id) : undefined;
    if (!doc) throw new NotFoundError('No such document is available to you.');
    return doc;
  }

  /**
   * One page of the documents the caller can view, in id order after `after`. Uses a complete
   * ListObjects answer directly; otherwise walks the store and checks (ListObjects hits need none).
   * `more` is true when a further page may exist.
   */
  async page(caller: Caller, after: string, size: number): Promise<{ docs: DocumentSummary[]; more: boolean }> {
    const base = this.base(caller);
    const list = await this.listViewable(base);
    if (list.complete) {
      const docs = this.store.page(after, size + 1, list.objects);
      return { docs: docs.slice(0, size), more: docs.length > size };
    }
    const known = new Set(list.objects);
    const out: DocumentSummary[] = [];
    let cursor = after;
    for (;;) {
      const batch = this.store.page(cursor, Math.max(size * 2, CHECK_CHUNK));
      if (!batch.length) return { docs: out, more: false };
      const unknown = batch.filter((d) => !known.has(d.id));
      const answers = await this.checkAll(base, unknown.map((d) => d.id));
      const allowed = new Set(unknown.filter((_, i) => answers[i]).map((d) => d.id));
      for (const d of batch) {
        if (!known.has(d.id) && !allowed.has(d.id)) continue;
        if (out.length === size) return { docs: out, more: true };
        out.push(d);
      }
      cursor = batch[batch.length - 1]!.id;
    }
  }

  private base(caller: Caller): Omit<CheckQuery, 'object'> {
    const user = fgaUser(caller);
    if (!user) throw new ForbiddenError('Documents are read on behalf of a signed-in user; a machine client cannot read them.');
    return { user, relation: VIEWER, ...fgaRequestContext(caller, this.now()) };
  }

  private async listViewable(base: Omit<CheckQuery, 'object'>): Promise<{ objects: string[]; complete: boolean }> {
    const r = await this.authorizer.listObjects({ ...base, type: DOCUMENT_TYPE });
    const prefix = `${DOCUMENT_TYPE}:`;
    let objects = r.objects.filter((o) => o.startsWith(prefix)).map((o) => o.slice(prefix.length));
    let complete = r.complete;
    const cap = this.opts.listObjectsCap;
    if (cap !== undefined && objects.length >= cap) {
      objects = objects.slice(0, cap);
      complete = false;
    }
    return { objects, complete };
  }

  private async postFilter(
    base: Omit<CheckQuery, 'object'>,
    query: FtsQuery,
    k: number,
    known: ReadonlySet<string>,
    firstWindow: number,
    firstBatch: number,
    trace: SearchTrace,
  ): Promise<RankedChunk[]> {
    const stream = new RankedDocuments(this.index, query, firstWindow);
    const maxChecks = this.opts.maxChecks ?? Infinity;
    const picked: RankedChunk[] = [];
    let batchSize = firstBatch;
    while (picked.length < k) {
      const batch = stream.next(batchSize);
      if (!batch.length) break;
      trace.examined += batch.length;
      const unknown = batch.filter((c) => !known.has(c.documentId));
      if (trace.fgaChecks + unknown.length > maxChecks) {
        trace.stoppedAtCheckBudget = true;
        break;
      }
      const answers = await this.checkAll(base, unknown.map((c) => c.documentId));
      trace.fgaChecks += unknown.length;
      const allowed = new Set(unknown.filter((_, i) => answers[i]).map((c) => c.documentId));
      // in rank order: the first k authorized candidates are exactly the restricted top-k
      for (const c of batch) if ((known.has(c.documentId) || allowed.has(c.documentId)) && picked.length < k) picked.push(c);
      const seenAllowed = trace.examined ? Math.max(picked.length, 1) / trace.examined : 1;
      batchSize = Math.min(Math.max(Math.ceil(((k - picked.length) / seenAllowed) * 1.5), CHECK_CHUNK), 400);
    }
    trace.ftsQueries = stream.queries;
    return picked;
  }

  private async checkAll(base: Omit<CheckQuery, 'object'>, ids: readonly string[]): Promise<boolean[]> {
    if (!ids.length) return [];
    const qs = ids.map((id) => ({ ...base, object: `${DOCUMENT_TYPE}:${id}` }));
    const lanes = Math.max(1, this.opts.checkConcurrency ?? 4);
    const chunks: CheckQuery[][] = [];
    for (let i = 0; i < qs.length; i += CHECK_CHUNK) chunks.push(qs.slice(i, i + CHECK_CHUNK));
    const out: boolean[][] = new Array(chunks.length);
    let next = 0;
    await Promise.all(
      Array.from({ length: Math.min(lanes, chunks.length) }, async () => {
        while (next < chunks.length) {
          const i = next++;
          out[i] = await this.authorizer.batchCheck(chunks[i]!);
        }
      }),
    );
    const flat = out.flat();
    if (flat.length !== ids.length) throw new Error('batch check answered a different number of checks');
    return flat;
  }

  /** Titles, snippets and scores, read only now that every hit is authorized. */
  private present(query: FtsQuery, picked: readonly RankedChunk[]): SearchHit[] {
    const titles = this.store.titles(picked.map((c) => c.documentId));
    return picked.flatMap((c) => {
      const title = titles.get(c.documentId);
      if (title === undefined) return []; // removed meanwhile
      return [{ id: c.documentId, title, snippet: this.index.snippet(query, c.chunk), score: Math.round(-c.bm25 * 1e4) / 1e4 }];
    });
  }
}
