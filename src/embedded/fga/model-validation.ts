/**
 * Authorization model validation (schema 1.1, and 1.2 for modular models, whose extra module and
 * source-file metadata does not change evaluation), our own rather than the DSL transformer's validator.
 * Rules follow openfga pkg/typesystem NewAndValidate: known types and relations everywhere they are
 * referenced, type restrictions only on assignable relations, tuplesets that are direct and plain,
 * defined conditions that compile, and every relation reachable from some entry point.
 */
import { CompiledCondition } from './conditions.js';
import { FgaValidationError, InvalidAuthorizationModelError } from './errors.js';
import type { AuthorizationModelInput, Userset } from './model-types.js';
import { walkUserset } from './typesystem.js';

/** As OpenFGA's typesystem.IsSchemaVersionSupported. */
export const SUPPORTED_SCHEMA_VERSIONS: readonly string[] = ['1.1', '1.2'];

const TYPE_NAME = /^[^:#@\s]{1,254}$/;
const RELATION_NAME = /^[^:#@\s]{1,50}$/;

function invalid(message: string): never {
  throw new InvalidAuthorizationModelError(message);
}

export function validateModel(model: AuthorizationModelInput): void {
  if (!SUPPORTED_SCHEMA_VERSIONS.includes(model.schema_version)) {
    throw new FgaValidationError(`invalid schema version '${model.schema_version}': only 1.1 and 1.2 are supported`);
  }
  if (model.type_definitions.length === 0) invalid('the model must define at least one type');
  const types = new Map<string, Readonly<Record<string, Userset>>>();
  for (const td of model.type_definitions) {
    if (!TYPE_NAME.test(td.type) || td.type === 'self' || td.type === 'this') invalid(`the type name of a type definition cannot be '${td.type}'`);
    if (types.has(td.type)) invalid(`the type '${td.type}' is defined more than once`);
    types.set(td.type, td.relations ?? {});
  }
  const conditions = model.conditions ?? {};
  for (const [name, def] of Object.entries(conditions)) {
    if (def.name && def.name !== name) invalid(`condition key '${name}' does not match condition name '${def.name}'`);
    try {
      new CompiledCondition({ ...def, name });
    } catch (e) {
      invalid((e as Error).message);
    }
  }
  const relationExists = (t: string, r: string) => types.get(t)?.[r] !== undefined;

  for (const td of model.type_definitions) {
    const meta = td.metadata?.relations ?? {};
    for (const [rel, rewrite] of Object.entries(td.relations ?? {})) {
      if (!RELATION_NAME.test(rel) || rel === 'self' || rel === 'this') invalid(`the relation name '${rel}' on type '${td.type}' is not valid`);
      const refs = meta[rel]?.directly_related_user_types ?? [];
      let assignable = false;
      walkUserset(rewrite, (n) => {
        if ('this' in n) assignable = true;
        else if ('computedUserset' in n) {
          const target = n.computedUserset.relation;
          if (!relationExists(td.type, target)) invalid(`the relation '${target}' does not exist in type '${td.type}' (referenced by '${td.type}#${rel}')`);
          if (target === rel && rewrite === n) invalid(`the relation '${td.type}#${rel}' references itself`);
        } else if ('tupleToUserset' in n) {
          const ts = n.tupleToUserset.tupleset.relation;
          const computed = n.tupleToUserset.computedUserset.relation;
          const tsRewrite = td.relations?.[ts];
          if (!tsRewrite) invalid(`the tupleset relation '${ts}' does not exist in type '${td.type}'`);
          if (!('this' in tsRewrite)) invalid(`the tupleset relation '${td.type}#${ts}' must be directly assignable only`);
          const tsRefs = meta[ts]?.directly_related_user_types ?? [];
          for (const r of tsRefs) {
            if (r.relation || r.wildcard) invalid(`the tupleset relation '${td.type}#${ts}' may only allow plain types, not '${r.type}${r.relation ? `#${r.relation}` : ':*'}'`);
          }
          if (!tsRefs.some((r) => relationExists(r.type, computed))) {
            invalid(`the relation '${computed}' is not defined on any type allowed by '${td.type}#${ts}'`);
          }
        } else if (('union' in n && n.union.child.length < 1) || ('intersection' in n && n.intersection.child.length < 2)) {
          invalid(`the relation '${td.type}#${rel}' has a set operation with too few operands`);
        }
      });
      if (assignable && refs.length === 0) invalid(`the assignable relation '${rel}' in type '${td.type}' must contain at least one type restriction`);
      if (!assignable && refs.length > 0) invalid(`the non-assignable relation '${rel}' in type '${td.type}' should not contain type restrictions`);
      const seen = new Set<string>();
      for (const r of refs) {
        if (!types.has(r.type)) invalid(`type '${r.type}' in the type restrictions of '${td.type}#${rel}' is not defined`);
        if (r.relation && r.wildcard) invalid(`the type restriction '${r.type}' of '${td.type}#${rel}' cannot be both a userset and a wildcard`);
        if (r.relation && !relationExists(r.type, r.relation)) invalid(`the relation '${r.type}#${r.relation}' in the type restrictions of '${td.type}#${rel}' is not defined`);
        if (r.condition && !conditions[r.condition]) invalid(`the condition '${r.condition}' used by '${td.type}#${rel}' is not defined`);
        const k = `${r.type}#${r.relation ?? ''}${r.wildcard ? ':*' : ''} with ${r.condition ?? ''}`;
        if (seen.has(k)) invalid(`the type restriction '${k}' appears twice on '${td.type}#${rel}'`);
        seen.add(k);
      }
    }
    for (const rel of Object.keys(meta)) {
      if (!td.relations?.[rel] && (meta[rel].directly_related_user_types?.length ?? 0) > 0) {
        invalid(`type restrictions are given for the undefined relation '${td.type}#${rel}'`);
      }
    }
  }
  checkEntrypoints(model, types);
}

/** Least fixpoint: a relation has an entry point if some user could ever be put into it. */
function checkEntrypoints(model: AuthorizationModelInput, types: Map<string, Readonly<Record<string, Userset>>>): void {
  const meta = new Map(model.type_definitions.map((td) => [td.type, td.metadata?.relations ?? {}]));
  const entry = new Set<string>();
  const evalNode = (type: string, rel: string, u: Userset): boolean => {
    if ('this' in u) {
      const refs = meta.get(type)?.[rel]?.directly_related_user_types ?? [];
      return refs.some((r) => !r.relation || entry.has(`${r.type}#${r.relation}`));
    }
    if ('computedUserset' in u) return entry.has(`${type}#${u.computedUserset.relation}`);
    if ('tupleToUserset' in u) {
      const refs = meta.get(type)?.[u.tupleToUserset.tupleset.relation]?.directly_related_user_types ?? [];
      return refs.some((r) => entry.has(`${r.type}#${u.tupleToUserset.computedUserset.relation}`));
    }
    if ('union' in u) return u.union.child.some((c) => evalNode(type, rel, c));
    if ('intersection' in u) return u.intersection.child.every((c) => evalNode(type, rel, c));
    return evalNode(type, rel, u.difference.base);
  };
  let changed = true;
  while (changed) {
    changed = false;
    for (const [type, rels] of types) {
      for (const [rel, rewrite] of Object.entries(rels)) {
        const k = `${type}#${rel}`;
        if (!entry.has(k) && evalNode(type, rel, rewrite)) {
          entry.add(k);
          changed = true;
        }
      }
    }
  }
  for (const [type, rels] of types) {
    for (const rel of Object.keys(rels)) {
      if (!entry.has(`${type}#${rel}`)) invalid(`no entrypoint defined for relation '${type}#${rel}'`);
    }
  }
}
