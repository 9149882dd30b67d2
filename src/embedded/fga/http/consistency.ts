/**
 * The `consistency` field of the read-shaped requests (Check, BatchCheck, Expand, Read, ListObjects,
 * StreamedListObjects, ListUsers): OpenFGA's ConsistencyPreference enum, by name or number as protojson
 * reads it, with `defined_only` validation. The embedded engine always answers from its latest state,
 * so every defined preference is honoured; anything else is refused as OpenFGA refuses it.
 */
import { FgaValidationError } from '../errors.js';

export const CONSISTENCY_PREFERENCES = ['UNSPECIFIED', 'MINIMIZE_LATENCY', 'HIGHER_CONSISTENCY'] as const;
export type ConsistencyPreference = (typeof CONSISTENCY_PREFERENCES)[number];

export function parseConsistency(value: unknown, request: string): ConsistencyPreference {
  if (value === undefined || value === null) return 'UNSPECIFIED';
  if (typeof value === 'string') {
    const named = CONSISTENCY_PREFERENCES.find((p) => p === value);
    if (named) return named;
    if (!/^-?\d+$/.test(value)) throw new FgaValidationError(`invalid value for enum field consistency: ${JSON.stringify(value)}`);
    value = Number(value);
  }
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw new FgaValidationError(`invalid value for enum field consistency: ${JSON.stringify(value)}`);
  }
  const byNumber = CONSISTENCY_PREFERENCES[value];
  if (byNumber === undefined) throw new FgaValidationError(`invalid ${request}.Consistency: value must be one of the defined enum values`);
  return byNumber;
}
