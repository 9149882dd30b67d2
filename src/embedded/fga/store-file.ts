/**
 * OpenFGA store files (`.fga.yaml`, the format of `fga model test` / `fga store import`): a model
 * (inline, or a `model_file` that is a .fga DSL file or, as the fga CLI allows, an `fga.mod` naming the
 * module files of a modular model), tuples (inline or `tuple_file`/`tuple_files`) and tests (a test's
 * `name` is optional, as in the fga CLI).
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
import { dslToModel, modulesToModel, readModFile } from './dsl.js';
import type { AuthorizationModelInput } from './model-types.js';

const condition = z.object({ name: z.string(), context: z.record(z.string(), z.unknown()).optional() });
const tuple = z.object({ user: z.string(), relation: z.string(), object: z.string(), condition: condition.optional() });
export type StoreFileTuple = z.infer<typeof tuple>;

const testSchema = z.object({
  name: z.string().optional(),
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
  /** Unnamed tests get a name from their position ("test 2") for reporting. */
  readonly tests: Array<StoreFileTest & { name: string; tuples: StoreFileTuple[] }>;
}

function loadTuples(dir: string, file: string): StoreFileTuple[] {
  const parsed = parse(readFileSync(resolve(dir, file), 'utf8')) as unknown;
  return z.array(tuple).parse(parsed ?? []);
}

/** A modular model: the `fga.mod` at `path` and the module files it lists, relative to it. */
function loadModularModel(path: string): AuthorizationModelInput {
  const dir = dirname(path);
  const { schemaVersion, files } = readModFile(readFileSync(path, 'utf8'));
  return modulesToModel(
    files.map((name) => ({ name, contents: readFileSync(resolve(dir, name), 'utf8') })),
    schemaVersion,
  );
}

function loadModel(path: string, dir: string, raw: z.infer<typeof fileSchema>): AuthorizationModelInput {
  if (raw.model !== undefined) return dslToModel(raw.model);
  if (!raw.model_file) throw new TypeError(`${path}: the store file has neither 'model' nor 'model_file'`);
  const modelPath = resolve(dir, raw.model_file);
  return modelPath.endsWith('.mod') ? loadModularModel(modelPath) : dslToModel(readFileSync(modelPath, 'utf8'));
}

export function loadStoreFile(path: string): StoreFile {
  const dir = dirname(path);
  const raw = fileSchema.parse(parse(readFileSync(path, 'utf8')));
  const tuples = [
    ...(raw.tuples ?? []),
    ...(raw.tuple_file ? loadTuples(dir, raw.tuple_file) : []),
    ...(raw.tuple_files ?? []).flatMap((f) => loadTuples(dir, f)),
  ];
  return {
    name: raw.name ?? 'gatehouse',
    model: loadModel(path, dir, raw),
    tuples,
    tests: (raw.tests ?? []).map((t, i) => ({
      ...t,
      name: t.name ?? `test ${i + 1}`,
      tuples: [...(t.tuples ?? []), ...(t.tuple_file ? loadTuples(dir, t.tuple_file) : [])],
    })),
  };
}
