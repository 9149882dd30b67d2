/**
 * The embedded OpenFGA-compatible engine: one object per process over a SQLite database. Answers from
 * the in-memory index; every mutation goes through to SQLite first. The HTTP routes and the store-file
 * test runner are thin callers of this facade.
 */
import type { SqliteDatabase } from '../../store/sqlite/database.js';
import { DEFAULT_LIMITS, type FgaLimits } from './limits.js';
import type { ListObjectsResult } from './list-objects.js';
import type { AuthorizationModel, AuthorizationModelInput } from './model-types.js';
import { validateAssertions, type Assertion } from './assertions.js';
import type { UsersetTreeNode } from './expand.js';
import {
  batchCheck,
  check,
  expandQuery,
  listObjectsQuery,
  listUsersQuery,
  streamListObjectsQuery,
  type BatchItemResult,
  type CheckQuery,
  type Clock,
  type ExpandQuery,
  type ListObjectsQuery,
  type ListUsersQuery,
} from './queries.js';
import { readChanges, type ReadChangesRequest, type ReadChangesResult } from './read-changes.js';
import { readTuples, type ReadRequest, type ReadResult } from './read-tuples.js';
import { FgaStorage, type StoreRecord } from './storage.js';
import { StoreRegistry } from './store-registry.js';
import { writeTuples, type WriteRequest } from './write-tuples.js';

export interface ModelSelector {
  readonly authorizationModelId?: string;
}

export class FgaEngine {
  private readonly storage: FgaStorage;
  private readonly registry: StoreRegistry;
  readonly limits: FgaLimits;
  private readonly now: Clock;

  /** `opts.now` is the clock ListObjects deadlines are measured with (milliseconds). */
  constructor(db: SqliteDatabase, limits: Partial<FgaLimits> = {}, opts: { now?: Clock } = {}) {
    this.storage = new FgaStorage(db);
    this.registry = new StoreRegistry(this.storage);
    this.limits = { ...DEFAULT_LIMITS, ...limits };
    this.now = opts.now ?? (() => performance.now());
  }

  createStore(name: string): StoreRecord {
    return this.registry.create(name);
  }
  getStore(id: string): StoreRecord {
    return this.registry.get(id).record;
  }
  listStores(): StoreRecord[] {
    return this.registry.list();
  }
  deleteStore(id: string): void {
    this.registry.delete(id);
  }

  writeAuthorizationModel(storeId: string, model: AuthorizationModelInput): string {
    return this.registry.writeModel(storeId, model);
  }
  readAuthorizationModels(storeId: string): AuthorizationModel[] {
    return this.registry.models(storeId);
  }
  readAuthorizationModel(storeId: string, modelId: string): AuthorizationModel {
    return this.registry.model(storeId, modelId);
  }

  write(storeId: string, req: WriteRequest & ModelSelector): void {
    const ts = this.registry.typesystem(storeId, req.authorizationModelId);
    writeTuples(this.registry.get(storeId), ts, this.storage, this.limits, req);
  }

  read(storeId: string, req: ReadRequest): ReadResult {
    return readTuples(this.registry.get(storeId), req);
  }

  readChanges(storeId: string, req: ReadChangesRequest): ReadChangesResult {
    this.registry.get(storeId);
    return readChanges(this.storage, storeId, req);
  }

  /** Replaces the assertions of one model of the store. */
  writeAssertions(storeId: string, modelId: string, assertions: readonly Assertion[]): void {
    const body = validateAssertions(this.registry.typesystem(storeId, modelId), assertions);
    this.storage.saveAssertions(storeId, modelId, body);
  }

  readAssertions(storeId: string, modelId: string): Assertion[] {
    this.registry.model(storeId, modelId);
    const body = this.storage.loadAssertions(storeId, modelId);
    return body ? (JSON.parse(body) as Assertion[]) : [];
  }

  expand(storeId: string, q: ExpandQuery & ModelSelector): UsersetTreeNode {
    return expandQuery(this.registry.get(storeId), this.registry.typesystem(storeId, q.authorizationModelId), this.limits, q);
  }

  check(storeId: string, q: CheckQuery & ModelSelector): boolean {
    return check(this.registry.get(storeId), this.registry.typesystem(storeId, q.authorizationModelId), this.limits, q);
  }

  batchCheck(storeId: string, qs: readonly CheckQuery[], sel: ModelSelector = {}): BatchItemResult[] {
    return batchCheck(this.registry.get(storeId), this.registry.typesystem(storeId, sel.authorizationModelId), this.limits, qs);
  }

  listObjects(storeId: string, q: ListObjectsQuery & ModelSelector): ListObjectsResult {
    return listObjectsQuery(this.registry.get(storeId), this.registry.typesystem(storeId, q.authorizationModelId), this.limits, q, this.now);
  }

  /** Every allowed object, uncapped, until the deadline; validation errors are thrown before the first. */
  streamListObjects(storeId: string, q: ListObjectsQuery & ModelSelector): Generator<string, boolean> {
    return streamListObjectsQuery(this.registry.get(storeId), this.registry.typesystem(storeId, q.authorizationModelId), this.limits, q, this.now);
  }

  listUsers(storeId: string, q: ListUsersQuery & ModelSelector): { users: string[]; capped: boolean } {
    return listUsersQuery(this.registry.get(storeId), this.registry.typesystem(storeId, q.authorizationModelId), this.limits, q);
  }
}
