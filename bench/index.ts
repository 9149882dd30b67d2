import { readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

export interface BenchResult {
  readonly name: string;
  readonly value: number;
  readonly unit: string;
  /** The result this one is compared with, measured in the same run. */
  readonly baseline?: string;
  readonly ratio?: number;
}

/** Runs each bench file's `run()` in turn, prints one table, and writes JSON when asked. */
export async function runBenchmarks(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { json: { type: 'string' }, only: { type: 'string' } }, strict: true });
  const here = dirname(fileURLToPath(import.meta.url));
  const files = readdirSync(here)
    .filter((f) => f.endsWith('.bench.ts'))
    .filter((f) => !values.only || f.startsWith(values.only))
    .sort();
  const results: BenchResult[] = [];
  for (const f of files) {
    process.stderr.write(`running ${f}...\n`);
    const mod = (await import(pathToFileURL(join(here, f)).href)) as { run(): Promise<BenchResult[]> };
    results.push(...(await mod.run()));
  }
  const rows = results.map((r) => [r.name, fmt(r.value), r.unit, r.baseline ?? '', r.ratio === undefined ? '' : r.ratio.toFixed(2)]);
  const head = ['benchmark', 'value', 'unit', 'baseline', 'ratio'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((c, i) => (i === 1 || i === 4 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ');
  process.stdout.write(`${line(head)}\n${widths.map((w) => '-'.repeat(w)).join('  ')}\n${rows.map(line).join('\n')}\n`);
  if (values.json) writeFileSync(values.json, JSON.stringify({ results }, null, 2));
  return 0;
}

function fmt(v: number): string {
  return v >= 100 ? v.toFixed(0) : v >= 1 ? v.toFixed(2) : v.toFixed(4);
}

/** Percentile of a sorted array (nearest rank). */
export function percentile(sorted: readonly number[], p: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}
