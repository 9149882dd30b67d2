/**
 * ListObjects: every object of a type on which the user has the relation. Reverse expansion from the
 * user over the index (direct tuples, wildcards, usersets, computed relations, tuple-to-userset) yields
 * candidates, ignoring set operations and conditions; each candidate is then confirmed with Check, so
 * the answer is exactly the set of objects Check allows. Stops at `maxResults` and says so.
 */
import { CheckResolver, type EvalContext } from './check-resolver.js';
import { isTypedWildcard, isUserset, splitObject, splitObjectRelation } from './tuple-key.js';

export interface ListObjectsResult {
  readonly objects: string[];
  /** True when more objects would have matched than `maxResults`. */
  readonly capped: boolean;
}

export function reverseExpandCandidates(ctx: EvalContext, user: string, type: string, relation: string): string[] {
  const { ts, reader } = ctx;
  const candidates = new Set<string>();
  const seenNodes = new Set<string>();
  const seenSubjects = new Set<string>();
  const nodes: Array<[string, string]> = [];
  const subjects: string[] = [user];
  if (isUserset(user)) nodes.push(splitObjectRelation(user));
  else if (!isTypedWildcard(user)) subjects.push(`${splitObject(user)[0]}:*`);

  const pushNode = (object: string, rel: string) => {
    const k = `${object}#${rel}`;
    if (!seenNodes.has(k)) {
      seenNodes.add(k);
      nodes.push([object, rel]);
    }
  };

  while (subjects.length || nodes.length) {
    const subject = subjects.pop();
    if (subject !== undefined) {
      if (seenSubjects.has(subject)) continue;
      seenSubjects.add(subject);
      for (const t of reader.byUser(subject)) pushNode(t.object, t.relation);
      continue;
    }
    const [object, rel] = nodes.pop()!;
    const [objectType] = splitObject(object);
    if (objectType === type && rel === relation) candidates.add(object);
    subjects.push(`${object}#${rel}`);
    for (const r of ts.relationsComputedFrom(objectType, rel)) pushNode(object, r);
    const edges = ts.ttuEdgesTo(objectType, rel);
    if (edges.length) {
      for (const t of reader.byUser(object)) {
        const [parentType] = splitObject(t.object);
        for (const e of edges) if (e.tupleset === t.relation && e.type === parentType) pushNode(t.object, e.relation);
      }
    }
  }
  return [...candidates];
}

export function listObjects(
  ctx: EvalContext,
  user: string,
  type: string,
  relation: string,
  maxResults: number,
): ListObjectsResult {
  const resolver = new CheckResolver(ctx);
  const objects: string[] = [];
  for (const candidate of reverseExpandCandidates(ctx, user, type, relation)) {
    if (!resolver.check(candidate, relation, user)) continue;
    if (objects.length >= maxResults) return { objects, capped: true };
    objects.push(candidate);
  }
  return { objects, capped: false };
}
