/**
 * Tuple keys and the string forms OpenFGA uses for objects (`type:id`), usersets (`type:id#relation`)
 * and typed wildcards (`type:*`). The validity rules are ported from openfga/openfga pkg/tuple.
 */
export interface RelationshipCondition {
  readonly name: string;
  readonly context?: Record<string, unknown>;
}

export interface TupleKey {
  readonly user: string;
  readonly relation: string;
  readonly object: string;
  readonly condition?: RelationshipCondition;
}

export const WILDCARD = '*';

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

export function splitObject(object: string): [type: string, id: string] {
  const i = object.indexOf(':');
  return i === -1 ? ['', object] : [object.slice(0, i), object.slice(i + 1)];
}

export function splitObjectRelation(value: string): [object: string, relation: string] {
  const i = value.lastIndexOf('#');
  if (i === -1) return [value, ''];
  return [value.slice(0, i), value.slice(i + 1)];
}

export function typeOf(objectOrUser: string): string {
  return splitObject(splitObjectRelation(objectOrUser)[0])[0];
}

export function isTypedWildcard(s: string): boolean {
  const [t, id] = splitObject(s);
  return t !== '' && id === WILDCARD;
}

export function wildcardOf(type: string): string {
  return `${type}:${WILDCARD}`;
}

export function isValidObject(s: string): boolean {
  if (CONTROL.test(s)) return false;
  let state = 0;
  let idLen = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '#' || c === ' ') return false;
    if (c === ':') {
      if (state > 0 || i === 0) return false;
      state = 1;
    } else idLen += state;
  }
  return idLen > 0;
}

export function isValidRelation(s: string): boolean {
  return s.length > 0 && !CONTROL.test(s) && !/[#:@ ]/.test(s);
}

function isValidUserId(s: string): boolean {
  return s.length > 0 && !CONTROL.test(s) && !/[#: ]/.test(s);
}

export function isValidUserset(s: string): boolean {
  if (CONTROL.test(s)) return false;
  let state = 0;
  let idLen = 0;
  let relLen = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === ':') {
      if (state > 0 || i === 0) return false;
      state = 1;
    } else if (c === '#') {
      if (state > 1 || idLen === 0) return false;
      state = 2;
    } else if (c === ' ') return false;
    else if (c === '*') {
      if (state > 0) return false;
    } else if (state === 1) idLen++;
    else if (state === 2) relLen++;
  }
  return relLen > 0;
}

export function isValidUser(user: string): boolean {
  return user === WILDCARD || isValidUserId(user) || isValidObject(user) || isValidUserset(user);
}

export function isUserset(user: string): boolean {
  return isValidUserset(user);
}

export function tupleKeyToString(t: { object: string; relation: string; user: string }): string {
  return `${t.object}#${t.relation}@${t.user}`;
}

/** Identity of a stored tuple: the condition is not part of it (OpenFGA allows one tuple per key). */
export function tupleId(t: { object: string; relation: string; user: string }): string {
  return `${t.object}#${t.relation}@${t.user}`;
}
