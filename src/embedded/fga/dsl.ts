/**
 * OpenFGA DSL -> model JSON through @openfga/syntax-transformer (CommonJS). Syntax errors become
 * validation errors; semantic validation is ours (model-validation.ts).
 */
import { createRequire } from 'node:module';
import { FgaValidationError } from './errors.js';
import type { AuthorizationModelInput } from './model-types.js';

const require = createRequire(import.meta.url);
const { transformer } = require('@openfga/syntax-transformer') as {
  transformer: { transformDSLToJSONObject(dsl: string): unknown };
};

export function dslToModel(dsl: string): AuthorizationModelInput {
  try {
    const json = transformer.transformDSLToJSONObject(dsl) as AuthorizationModelInput;
    return { ...json, type_definitions: json.type_definitions.map((td) => ({ ...td, metadata: td.metadata ?? undefined })) };
  } catch (e) {
    throw new FgaValidationError(`the model DSL could not be parsed: ${(e as Error).message.split('\n')[0]}`, { cause: e });
  }
}
