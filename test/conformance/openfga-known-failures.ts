/**
 * OpenFGA conformance cases the embedded engine knowingly fails, keyed by
 * `<test name>|<pass>|<kind>#<assertion index>` (pass: 'tuples' or 'contextual'), each with its reason.
 * Keep this empty or tiny: a new entry needs a reason a reviewer can check.
 */
export const KNOWN_FAILURES: Readonly<Record<string, string>> = {};
