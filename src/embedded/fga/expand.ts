/**
 * Expand: the userset tree of `object#relation`, one level deep, after openfga pkg/server/commands
 * expand.go. `this` becomes a leaf with the distinct users of the stored (and contextual) tuples valid
 * for the model, sorted; a computed userset a `computed` leaf; a tuple-to-userset a leaf naming the
 * tupleset and the parents' computed relation; union, intersection and exclusion intermediate nodes.
 * Field names are the wire's (UsersetTree in openfga-api.swagger.json).
 */
import { FgaValidationError, RelationNotFoundError, TypeNotFoundError } from './errors.js';
import type { Userset } from './model-types.js';
import type { TupleReader } from './tuple-index.js';
import { isValidObject, splitObject, splitObjectRelation } from './tuple-key.js';
import { isValidForRead } from './tuple-validation.js';
import type { Typesystem } from './typesystem.js';

export type UsersetTreeLeaf =
  | { readonly users: { readonly users: string[] } }
  | { readonly computed: { readonly userset: string } }
  | { readonly tupleToUserset: { readonly tupleset: string; readonly computed: { readonly userset: string }[] } };

export type UsersetTreeNode = { readonly name: string } & (
  | { readonly leaf: UsersetTreeLeaf }
  | { readonly union: { readonly nodes: UsersetTreeNode[] } }
  | { readonly intersection: { readonly nodes: UsersetTreeNode[] } }
  | { readonly difference: { readonly base: UsersetTreeNode; readonly subtract: UsersetTreeNode } }
);

export function expand(ts: Typesystem, reader: TupleReader, object: string, relation: string): UsersetTreeNode {
  // OpenFGA validates the object and relation as a request (validation_error), not as a lookup.
  if (!isValidObject(object)) throw new FgaValidationError(`invalid 'object' field format`);
  const [type] = splitObject(object);
  if (!ts.hasType(type)) throw new FgaValidationError(new TypeNotFoundError(type).message);
  const rewrite = ts.getRelation(type, relation);
  if (!rewrite) throw new FgaValidationError(new RelationNotFoundError(type, relation).message);
  return node(ts, reader, object, relation, rewrite);
}

function node(ts: Typesystem, reader: TupleReader, object: string, relation: string, u: Userset): UsersetTreeNode {
  const name = `${object}#${relation}`;
  if ('this' in u) {
    const users = new Set<string>();
    for (const t of reader.byObjectRelation(object, relation)) if (isValidForRead(ts, t)) users.add(t.user);
    return { name, leaf: { users: { users: [...users].sort() } } };
  }
  if ('computedUserset' in u) {
    const target = `${u.computedUserset.object || object}#${u.computedUserset.relation || relation}`;
    return { name, leaf: { computed: { userset: target } } };
  }
  if ('tupleToUserset' in u) {
    const tupleset = u.tupleToUserset.tupleset.relation || relation;
    const computedRelation = u.tupleToUserset.computedUserset.relation;
    const computed: { userset: string }[] = [];
    const seen = new Set<string>();
    for (const t of reader.byObjectRelation(object, tupleset)) {
      if (!isValidForRead(ts, t)) continue;
      const [parent, rel] = splitObjectRelation(t.user);
      const userset = `${parent}#${rel || computedRelation}`;
      if (seen.has(userset)) continue;
      seen.add(userset);
      computed.push({ userset });
    }
    return { name, leaf: { tupleToUserset: { tupleset: `${object}#${tupleset}`, computed } } };
  }
  if ('union' in u) return { name, union: { nodes: u.union.child.map((c) => node(ts, reader, object, relation, c)) } };
  if ('intersection' in u) return { name, intersection: { nodes: u.intersection.child.map((c) => node(ts, reader, object, relation, c)) } };
  return {
    name,
    difference: {
      base: node(ts, reader, object, relation, u.difference.base),
      subtract: node(ts, reader, object, relation, u.difference.subtract),
    },
  };
}
