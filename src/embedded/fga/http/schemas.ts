/**
 * zod schemas for the OpenFGA HTTP API bodies the embedded server accepts (openfga-api.swagger.json).
 * Past this boundary the engine sees only typed values.
 */
import { z } from 'zod';
import type { Userset } from '../model-types.js';

const id = z.string().min(1).max(256);
const context = z.record(z.string(), z.unknown());

export const tupleKeySchema = z.object({
  user: z.string().min(1).max(512),
  relation: z.string().min(1).max(50),
  object: z.string().min(1).max(256),
  condition: z.object({ name: z.string().min(1).max(256), context: context.optional() }).optional(),
});
const tupleKeyWithoutCondition = tupleKeySchema.omit({ condition: true });
const contextualTuples = z.object({ tuple_keys: z.array(tupleKeySchema) });

export const storeIdSchema = z.string().regex(/^[ABCDEFGHJKMNPQRSTVWXYZ0-9]{26}$/, 'must be a ULID');

export const createStoreSchema = z.object({ name: z.string().min(1).max(64) });

const objectRelation = z.object({ object: z.string().optional(), relation: z.string() });
const usersetSchema: z.ZodType<Userset> = z.lazy(() =>
  z.union([
    z.object({ this: z.object({}).strict() }),
    z.object({ computedUserset: objectRelation }),
    z.object({ tupleToUserset: z.object({ tupleset: objectRelation, computedUserset: objectRelation }) }),
    z.object({ union: z.object({ child: z.array(usersetSchema) }) }),
    z.object({ intersection: z.object({ child: z.array(usersetSchema) }) }),
    z.object({ difference: z.object({ base: usersetSchema, subtract: usersetSchema }) }),
  ]),
) as z.ZodType<Userset>;

const relationReference = z.object({
  type: z.string().min(1),
  relation: z.string().min(1).optional(),
  wildcard: z.object({}).optional(),
  condition: z.string().optional(),
});

const typeNames = [
  'TYPE_NAME_UNSPECIFIED', 'TYPE_NAME_ANY', 'TYPE_NAME_BOOL', 'TYPE_NAME_STRING', 'TYPE_NAME_INT', 'TYPE_NAME_UINT',
  'TYPE_NAME_DOUBLE', 'TYPE_NAME_DURATION', 'TYPE_NAME_TIMESTAMP', 'TYPE_NAME_MAP', 'TYPE_NAME_LIST', 'TYPE_NAME_IPADDRESS',
] as const;
type ParamType = { type_name: (typeof typeNames)[number]; generic_types?: ParamType[] };
const paramType: z.ZodType<ParamType> = z.lazy(() =>
  z.object({ type_name: z.enum(typeNames), generic_types: z.array(paramType).optional() }),
) as z.ZodType<ParamType>;

export const writeModelSchema = z.object({
  schema_version: z.string(),
  type_definitions: z
    .array(
      z.object({
        type: z.string().min(1).max(254),
        relations: z.record(z.string(), usersetSchema).optional(),
        metadata: z
          .object({
            relations: z
              .record(z.string(), z.object({ directly_related_user_types: z.array(relationReference).optional() }).passthrough())
              .nullish(),
          })
          .passthrough()
          .nullish(),
      }),
    )
    .min(1),
  conditions: z
    .record(
      z.string(),
      z.object({ name: z.string(), expression: z.string().min(1), parameters: z.record(z.string(), paramType).optional() }).passthrough(),
    )
    .optional(),
});

const onDuplicate = z.enum(['error', 'ignore']).default('error');
export const writeSchema = z.object({
  writes: z.object({ tuple_keys: z.array(tupleKeySchema), on_duplicate: onDuplicate }).optional(),
  deletes: z.object({ tuple_keys: z.array(tupleKeyWithoutCondition), on_missing: onDuplicate }).optional(),
  authorization_model_id: id.optional(),
});

export const readSchema = z.object({
  tuple_key: z.object({ user: z.string().optional(), relation: z.string().optional(), object: z.string().optional() }).optional(),
  page_size: z.number().int().min(1).max(100).optional(),
  continuation_token: z.string().optional(),
  consistency: z.unknown().optional(),
});

const checkItem = {
  tuple_key: tupleKeyWithoutCondition,
  contextual_tuples: contextualTuples.optional(),
  context: context.optional(),
};
export const checkSchema = z.object({
  ...checkItem,
  authorization_model_id: id.optional(),
  trace: z.boolean().optional(),
  consistency: z.unknown().optional(),
});

export const batchCheckSchema = z.object({
  checks: z.array(z.object({ ...checkItem, correlation_id: z.string().min(1).max(36) })).min(1),
  authorization_model_id: id.optional(),
  consistency: z.unknown().optional(),
});

export const listObjectsSchema = z.object({
  authorization_model_id: id.optional(),
  type: z.string().min(1),
  relation: z.string().min(1),
  user: z.string().min(1).max(512),
  contextual_tuples: contextualTuples.optional(),
  context: context.optional(),
  consistency: z.unknown().optional(),
});

export const listUsersSchema = z.object({
  authorization_model_id: id.optional(),
  object: z.object({ type: z.string().min(1), id: z.string().min(1) }),
  relation: z.string().min(1),
  user_filters: z.array(z.object({ type: z.string().min(1), relation: z.string().optional() })),
  contextual_tuples: z.array(tupleKeySchema).optional(),
  context: context.optional(),
  consistency: z.unknown().optional(),
});

export const pageQuerySchema = z.object({
  page_size: z.coerce.number().int().min(1).max(100).optional(),
  continuation_token: z.string().optional(),
});

export const expandSchema = z.object({
  tuple_key: z.object({ object: z.string().min(1).max(256), relation: z.string().min(1).max(50) }),
  authorization_model_id: id.optional(),
  contextual_tuples: contextualTuples.optional(),
  consistency: z.unknown().optional(),
});

export const readChangesQuerySchema = z.object({
  type: z.string().max(254).optional(),
  page_size: z.coerce.number().int().min(1).max(100).optional(),
  continuation_token: z.string().optional(),
  start_time: z.string().optional(),
});

export const writeAssertionsSchema = z.object({
  assertions: z.array(
    z.object({
      tuple_key: tupleKeyWithoutCondition,
      expectation: z.boolean(),
      contextual_tuples: z.array(tupleKeySchema).optional(),
      context: context.optional(),
    }),
  ),
});
