/**
 * Stores and their authorization models, held in memory and written through to SQLite. Each store has
 * its own tuple index; models are immutable and identified by monotonic ULIDs (the latest is the max).
 */
import { monotonicFactory } from 'ulid';
import {
  AuthorizationModelNotFoundError,
  LatestModelNotFoundError,
  StoreNotFoundError,
} from './errors.js';
import type { AuthorizationModel, AuthorizationModelInput } from './model-types.js';
import { validateModel } from './model-validation.js';
import type { FgaStorage, StoreRecord } from './storage.js';
import { TupleIndex } from './tuple-index.js';
import { Typesystem } from './typesystem.js';

export interface StoreState {
  record: StoreRecord;
  readonly models: Map<string, AuthorizationModel>;
  readonly typesystems: Map<string, Typesystem>;
  readonly index: TupleIndex;
}

export const newId = monotonicFactory();

export class StoreRegistry {
  private readonly stores = new Map<string, StoreState>();

  constructor(private readonly storage: FgaStorage) {
    for (const record of storage.loadStores()) {
      const state = emptyState(record);
      for (const m of storage.loadModels(record.id)) state.models.set(m.id, m);
      for (const t of storage.loadTuples(record.id)) state.index.put(t);
      this.stores.set(record.id, state);
    }
  }

  create(name: string): StoreRecord {
    const now = new Date().toISOString();
    const record: StoreRecord = { id: newId(), name, created_at: now, updated_at: now };
    this.storage.createStore(record);
    this.stores.set(record.id, emptyState(record));
    return record;
  }

  get(id: string): StoreState {
    const s = this.stores.get(id);
    if (!s) throw new StoreNotFoundError();
    return s;
  }

  list(): StoreRecord[] {
    return [...this.stores.values()].map((s) => s.record).sort((a, b) => (a.id < b.id ? -1 : 1));
  }

  delete(id: string): void {
    this.get(id);
    this.storage.deleteStore(id, new Date().toISOString());
    this.stores.delete(id);
  }

  writeModel(storeId: string, input: AuthorizationModelInput): string {
    const state = this.get(storeId);
    validateModel(input);
    const model: AuthorizationModel = {
      id: newId(),
      schema_version: input.schema_version,
      type_definitions: input.type_definitions,
      ...(input.conditions ? { conditions: input.conditions } : {}),
    };
    this.storage.saveModel(storeId, model, new Date().toISOString());
    state.models.set(model.id, model);
    return model.id;
  }

  /** Models newest first. */
  models(storeId: string): AuthorizationModel[] {
    return [...this.get(storeId).models.values()].sort((a, b) => (a.id < b.id ? 1 : -1));
  }

  model(storeId: string, modelId: string): AuthorizationModel {
    const m = this.get(storeId).models.get(modelId);
    if (!m) throw new AuthorizationModelNotFoundError(`Authorization Model '${modelId}' not found`);
    return m;
  }

  /** The typesystem for `modelId`, or for the latest model when none is given. */
  typesystem(storeId: string, modelId?: string): Typesystem {
    const state = this.get(storeId);
    let id = modelId;
    if (!id) {
      for (const k of state.models.keys()) if (!id || k > id) id = k;
      if (!id) throw new LatestModelNotFoundError(`No authorization models found for store '${storeId}'`);
    }
    let ts = state.typesystems.get(id);
    if (!ts) {
      ts = new Typesystem(this.model(storeId, id));
      state.typesystems.set(id, ts);
    }
    return ts;
  }
}

function emptyState(record: StoreRecord): StoreState {
  return { record, models: new Map(), typesystems: new Map(), index: new TupleIndex() };
}
