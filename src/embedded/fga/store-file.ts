/**
 * OpenFGA store files (`.fga.yaml`, the format of `fga model test` / `fga store import`): a model
 * (inline or `model_file`), tuples (inline or `tuple_file`/`tuple_files`) and tests.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
import { dslToModel } from './dsl.js';
import type { AuthorizationModelInput } from './model-types.js';

const condition = z.object({ name: z.string(), context: z.record(z.string(), z.unknown()).optional() });
const tuple = z.object({ user: z.string(), relation: z.string(), object: z.string(), condition: condition.optional() });
export type StoreFileTuple = z.infer<typeof tuple>;

const testSchema = z.object({
  name: z.string(),
  description: z.string().optional(),
  tuples: z.array(tuple).optional(),
  tuple_file: z.string().optional(),
  check: z
    .array(
      z.object({
        user: z.string(),
        object: z.string(),
        context: z.record(z.string(), z.unknown()).optional(),
        assertions: z.record(z.string(), z.boolean()),
      }),
    )
    .optional(),
  list_objects: z
    .array(
      z.object({
        user: z.string(),
        type: z.string(),
        context: z.record(z.string(), z.unknown()).optional(),
        assertions: z.record(z.string(), z.array(z.string()).nullable()),
      }),
    )
    .optional(),
  list_users: z
    .array(
      z.object({
        object: z.string(),
        user_filter: z.array(z.object({ type: z.string(), relation: z.string().optional() })),
        context: z.record(z.string(), z.unknown()).optional(),
        assertions: z.record(z.string(), z.object({ users: z.array(z.string()).nullable() })),
      }),
    )
    .optional(),
});
export type StoreFileTest = z.infer<typeof testSchema>;

const fileSchema = z.object({
  name: z.string().optional(),
  model: z.string().optional(),
  model_file: z.string().optional(),
  tuples: z.array(tuple).optional(),
  tuple_file: z.string().optional(),
  tuple_files: z.array(z.string()).optional(),
  tests: z.array(testSchema).optional(),
});

export interface StoreFile {
  readonly name: string;
  readonly model: AuthorizationModelInput;
  readonly tuples: StoreFileTuple[];
  readonly tests: Array<StoreFileTest & { tuples: StoreFileTuple[] }>;
}

function loadTuples(dir: string, file: string): StoreFileTuple[] {
  const parsed = parse(readFileSync(resolve(dir, file), 'utf8')) as unknown;
  return z.array(tuple).parse(parsed ?? []);
}

export function loadStoreFile(path: string): StoreFile {
  const dir = dirname(path);
  const raw = fileSchema.parse(parse(readFileSync(path, 'utf8')));
  const dsl = raw.model ?? (raw.model_file ? readFileSync(resolve(dir, raw.model_file), 'utf8') : undefined);
  if (!dsl) throw new TypeError(`${path}: the store file has neither 'model' nor 'model_file'`);
  const tuples = [
    ...(raw.tuples ?? []),
    ...(raw.tuple_file ? loadTuples(dir, raw.tuple_file) : []),
    ...(raw.tuple_files ?? []).flatMap((f) => loadTuples(dir, f)),
  ];
  return {
    name: raw.name ?? 'gatehouse',
    model: dslToModel(dsl),
    tuples,
    tests: (raw.tests ?? []).map((t) => ({
      ...t,
      tuples: [...(t.tuples ?? []), ...(t.tuple_file ? loadTuples(dir, t.tuple_file) : [])],
    })),
  };
}
