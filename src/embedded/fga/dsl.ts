/**
 * OpenFGA DSL -> model JSON through @openfga/syntax-transformer (CommonJS): a single model, or a
 * modular model (schema 1.2: an `fga.mod` naming .fga module files, each `module x` with its types
 * and `extend type` additions), as the fga CLI reads them. Syntax errors become validation errors;
 * semantic validation is ours (model-validation.ts).
 */
import { createRequire } from 'node:module';
import { FgaValidationError } from './errors.js';
import type { AuthorizationModelInput } from './model-types.js';

const require = createRequire(import.meta.url);
const { transformer } = require('@openfga/syntax-transformer') as {
  transformer: {
    transformDSLToJSONObject(dsl: string): unknown;
    transformModFileToJSON(modFile: string): { schema: { value: string }; contents: { value: { value: string }[] } };
    transformModuleFilesToModel(files: { name: string; contents: string }[], schemaVersion: string): unknown;
  };
};

function firstLine(e: unknown): string {
  return (e as Error).message.split('\n')[0];
}

function withoutNullMetadata(json: AuthorizationModelInput): AuthorizationModelInput {
  return { ...json, type_definitions: json.type_definitions.map((td) => ({ ...td, metadata: td.metadata ?? undefined })) };
}

/** The module files an `fga.mod` lists, in order, and its schema version. */
export function readModFile(modFile: string): { schemaVersion: string; files: string[] } {
  try {
    const mod = transformer.transformModFileToJSON(modFile);
    return { schemaVersion: mod.schema.value, files: mod.contents.value.map((f) => f.value) };
  } catch (e) {
    throw new FgaValidationError(`the fga.mod file could not be parsed: ${firstLine(e)}`, { cause: e });
  }
}

/** A modular model from its module files (name = the path as listed in fga.mod, contents = its DSL). */
export function modulesToModel(files: { name: string; contents: string }[], schemaVersion: string): AuthorizationModelInput {
  try {
    return withoutNullMetadata(transformer.transformModuleFilesToModel(files, schemaVersion) as AuthorizationModelInput);
  } catch (e) {
    throw new FgaValidationError(`the modular model could not be built: ${firstLine(e)}`, { cause: e });
  }
}

export function dslToModel(dsl: string): AuthorizationModelInput {
  try {
    return withoutNullMetadata(transformer.transformDSLToJSONObject(dsl) as AuthorizationModelInput);
  } catch (e) {
    throw new FgaValidationError(`the model DSL could not be parsed: ${firstLine(e)}`, { cause: e });
  }
}
