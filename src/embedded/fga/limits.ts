/** The caps of a default OpenFGA server, which the embedded engine enforces the same way. */
export interface FgaLimits {
  /** Writes plus deletes in one Write request. */
  readonly maxTuplesPerWrite: number;
  readonly maxContextualTuples: number;
  readonly maxChecksPerBatch: number;
  readonly listObjectsMaxResults: number;
  readonly listUsersMaxResults: number;
  readonly resolveDepth: number;
  readonly maxReadPageSize: number;
  /** ListObjects and StreamedListObjects stop after this long and answer with what they found. */
  readonly listObjectsDeadlineMs: number;
}

export const DEFAULT_LIMITS: FgaLimits = {
  maxTuplesPerWrite: 100,
  maxContextualTuples: 100,
  maxChecksPerBatch: 50,
  listObjectsMaxResults: 1000,
  listUsersMaxResults: 1000,
  resolveDepth: 25,
  maxReadPageSize: 100,
  listObjectsDeadlineMs: 3000,
};
