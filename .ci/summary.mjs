// Reads vitest's JSON report and prints the closing line "N passed, N failed, N skipped".
// Usage: node .ci/summary.mjs <report.json> <vitest exit status> [<typecheck exit status>]
// Exits 1 whenever anything failed, 0 otherwise.
//
// A file that fails to import has no tests in the report, and tests under a failed beforeAll are
// reported as skipped: both are failures here, never passes or skips. A report that cannot be read, a
// non-zero vitest exit with no failure in the report (an unhandled error) and a failed typecheck each
// count as one failure.
import { readFileSync } from 'node:fs';

const [reportPath, vitestStatus = '1', typecheckStatus = '0'] = process.argv.slice(2);

let report;
try {
  report = JSON.parse(readFileSync(reportPath, 'utf8'));
} catch {
  report = undefined;
}

let passed = 0;
let failed = 0;
let skipped = 0;

if (!report || !Array.isArray(report.testResults)) {
  failed += 1;
} else {
  for (const file of report.testResults) {
    const tests = Array.isArray(file.assertionResults) ? file.assertionResults : [];
    const fileFailed = file.status !== 'passed';
    const failedTests = tests.filter((t) => t.status === 'failed').length;
    const notRun = tests.filter((t) => t.status !== 'passed' && t.status !== 'failed').length;
    passed += tests.filter((t) => t.status === 'passed').length;
    failed += failedTests;
    if (fileFailed && failedTests === 0) {
      // The file failed outside any test: at import (no tests) or in a hook (its tests never ran).
      failed += Math.max(1, notRun);
    } else {
      skipped += notRun;
    }
  }
}

if (vitestStatus !== '0' && failed === 0) failed += 1;
if (typecheckStatus !== '0') failed += 1;

console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed === 0 ? 0 : 1);
