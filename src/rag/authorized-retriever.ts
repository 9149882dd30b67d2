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
import { parseQuery, RankedDocuments, type FtsIndex, type FtsQuery, type RankedChunk } from './fts-index.js';
import { afterBatch, DEFAULT_PLANNER, firstBatchSize, firstStep, followUpSize, nextBatchSize, smoothedDensity, withList, type PlannerOptions, type Strategy } from './retrieval-planner.js';

export const VIEWER = 'viewer';
export const DOCUMENT_TYPE = 'document';

export interface RetrieverOptions {
  readonly now?: () => Date;
  /** Cut ListObjects answers to this many objects and treat them as capped (tests force post-filter this way). */
  readonly listObjectsCap?: number;
  /** Always use this strategy (tests, benchmarks); a forced pre-filter needs a complete ListObjects answer. */
  readonly force?: Strategy;
  readonly planner?: Partial<PlannerOptions>;
  /** Stop a post-filter after this many checks (returning the authorized hits found so far). */
  readonly maxChecks?: number;
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
  /** ListObjects asked (with its size and completeness), or not needed. */
  listObjects: { listed: number; complete: boolean } | null;
  probed: boolean;
  hinted: boolean;
  examined: number;
  ftsQueries: number;
  stoppedAtCheckBudget?: boolean;
}

export interface SearchOptions {
  readonly force?: Strategy;
}

const CHECK_CHUNK = 50;
const HINT_TTL_MS = 5 * 60_000;
const MAX_HINTS = 10_000;

type Base = Omit<CheckQuery, 'object'>;

export class AuthorizedRetriever {
  private readonly now: () => Date;
  private readonly planner: PlannerOptions;
  /** Per-user share of the corpus seen last time: steers the next plan only (never what is shown). */
  private readonly hints = new Map<string, { density: number; at: number }>();

  constructor(
    private readonly store: DocumentStore,
    private readonly index: FtsIndex,
    private readonly authorizer: Authorizer,
    private readonly opts: RetrieverOptions = {},
  ) {
    this.now = opts.now ?? (() => new Date());
    this.planner = { ...DEFAULT_PLANNER, ...opts.planner };
  }

  async search(caller: Caller, text: string, k: number, so: SearchOptions = {}): Promise<{ hits: SearchHit[]; trace: SearchTrace }> {
    const query = parseQuery(text);
    if (!query) throw new InvalidRequestError('The query has no searchable words.');
    const base = this.base(caller);
    const force = so.force ?? this.opts.force;
    const hintKey = `${base.user}|${caller.orgId ?? ''}`;
    const hint = this.hint(hintKey);
    const trace: SearchTrace = { strategy: 'post-filter', fgaChecks: 0, listObjects: null, probed: false, hinted: hint !== undefined, examined: 0, ftsQueries: 0 };
    // one FTS query costs about the same for a window of 16 or 1000 (bm25 runs over every match), so
    // size the window for the whole expected post-filter, not only the probe
    const stream = new RankedDocuments(this.index, query, Math.min(Math.max(hint ? (k / Math.max(hint, 1e-3)) * 2.5 : 256, 64), 4096));
    const state = { k, picked: 0, examined: 0, authorized: 0 };
    let picked: RankedChunk[] = [];
    let known: ReadonlySet<string> = new Set();
    let exhausted = false;

    const postFilterBatch = async (size: number): Promise<void> => {
      const batch = await stream.next(size);
      if (batch.length < size) exhausted = true;
      const unknown = batch.filter((c) => !known.has(c.documentId));
      if (trace.fgaChecks + unknown.length > (this.opts.maxChecks ?? Infinity)) {
        trace.stoppedAtCheckBudget = exhausted = true;
        return;
      }
      const answers = await this.checkAll(base, unknown.map((c) => c.documentId));
      trace.fgaChecks += unknown.length;
      const allowed = new Set(unknown.filter((_, i) => answers[i]).map((c) => c.documentId));
      // in rank order: the first k authorized candidates are exactly the restricted top-k
      for (const c of batch) {
        if (!known.has(c.documentId) && !allowed.has(c.documentId)) continue;
        state.authorized++;
        if (picked.length < k) picked.push(c);
      }
      state.examined += batch.length;
      state.picked = picked.length;
    };

    let step: 'probe' | 'continue' | 'list' = force ? 'list' : firstStep(k, hint, this.planner);
    if (step === 'probe') {
      trace.probed = true;
      // with a density hint, check as many as should yield k in one round trip
      await postFilterBatch(hint ? firstBatchSize(k, hint, this.planner) : k * this.planner.probeFactor);
      step = afterBatch(state, this.planner);
    }
    while (step === 'continue' && picked.length < k && !exhausted) {
      await postFilterBatch(followUpSize(state, stream.buffered));
      step = afterBatch(state, this.planner);
    }
    let density = state.examined ? state.authorized / state.examined : undefined;
    if (picked.length < k && !exhausted) {
      const list = await this.listViewable(base);
      trace.listObjects = { listed: list.objects.length, complete: list.complete };
      const strategy = force ?? withList({ complete: list.complete, listed: list.objects.length }, this.planner);
      if (strategy === 'pre-filter') {
        if (!list.complete) throw new TypeError('a pre-filter needs a complete ListObjects answer');
        trace.strategy = 'pre-filter';
        picked = await this.preFilter(query, k, new Set(list.objects), trace);
        density = list.objects.length / Math.max(await this.store.count(), 1);
      } else {
        known = new Set(list.objects);
        while (picked.length < k && !exhausted) await postFilterBatch(nextBatchSize(state));
        density = state.examined ? state.authorized / state.examined : undefined;
      }
    }
    trace.examined += state.examined;
    trace.ftsQueries += stream.queries;
    if (density !== undefined) this.remember(hintKey, smoothedDensity(hint, density));
    return { hits: await this.present(query, picked), trace };
  }

  /** The ranking restricted (inside the Store) to a complete set of viewable ids; membership re-asserted per hit. */
  private async preFilter(query: FtsQuery, k: number, listed: ReadonlySet<string>, trace: SearchTrace): Promise<RankedChunk[]> {
    const stream = new RankedDocuments(this.index, query, k * 2, new Set(await this.store.keys([...listed])));
    const picked: RankedChunk[] = [];
    while (picked.length < k) {
      const batch = await stream.next(k - picked.length);
      if (!batch.length) break;
      trace.examined += batch.length;
      for (const c of batch) if (listed.has(c.documentId)) picked.push(c);
    }
    trace.ftsQueries += stream.queries;
    return picked;
  }

  private hint(key: string): number | undefined {
    const h = this.hints.get(key);
    return h && Date.now() - h.at < HINT_TTL_MS ? h.density : undefined;
  }

  private remember(key: string, density: number): void {
    this.hints.delete(key);
    if (this.hints.size >= MAX_HINTS) this.hints.delete(this.hints.keys().next().value!);
    this.hints.set(key, { density, at: Date.now() });
  }

  /** One FGA check (fails closed). */
  async canView(caller: Caller, id: string): Promise<boolean> {
    return this.authorizer.check({ ...this.base(caller), object: `${DOCUMENT_TYPE}:${id}` });
  }

  /** The full document, if the caller may view it; unknown and forbidden are the same NotFoundError. */
  async read(caller: Caller, id: string): Promise<StoredDocument> {
    const allowed = await this.canView(caller, id);
    const doc = allowed ? await this.store.get(id) : undefined;
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
      const docs = await this.store.page(after, size + 1, list.objects);
      return { docs: docs.slice(0, size), more: docs.length > size };
    }
    const known = new Set(list.objects);
    const out: DocumentSummary[] = [];
    let cursor = after;
    for (;;) {
      const batch = await this.store.page(cursor, Math.max(size * 2, CHECK_CHUNK));
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

  private base(caller: Caller): Base {
    const user = fgaUser(caller);
    if (!user) throw new ForbiddenError('Documents are read on behalf of a signed-in user; a machine client cannot read them.');
    return { user, relation: VIEWER, ...fgaRequestContext(caller, this.now()) };
  }

  private async listViewable(base: Base): Promise<{ objects: string[]; complete: boolean }> {
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

  private async checkAll(base: Base, ids: readonly string[]): Promise<boolean[]> {
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
  private async present(query: FtsQuery, picked: readonly RankedChunk[]): Promise<SearchHit[]> {
    const titles = await this.store.titles(picked.map((c) => c.documentId));
    const shown = picked.flatMap((c) => {
      const title = titles.get(c.documentId);
      return title === undefined ? [] : [{ c, title }]; // removed meanwhile
    });
    const snippets = await Promise.all(shown.map(({ c }) => this.index.snippet(query, c.chunk)));
    return shown.map(({ c, title }, i) => ({ id: c.documentId, title, snippet: snippets[i]!, score: Math.round(-c.bm25 * 1e4) / 1e4 }));
  }
}
