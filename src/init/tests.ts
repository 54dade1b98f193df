/**
 * The staff tests of a course tree: which test functions each test file defines (read from the
 * source, as the manifest loader reads them), checked against what the compiled package lists
 * (`go test -list`), and grouped by name prefix (TestBasic1…6 → one group) so a manifest can give
 * each group its points in one entry.
 */
import path from 'node:path';
import { scanPackage } from '../manifest/go-sources.js';

/** Test name → the test file (basename) that defines it, for the given files of one folder. */
export async function testsByFile(pkgDir: string, testFiles: readonly string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const file of [...testFiles].sort()) {
    const scanned = await scanPackage([pkgDir], (name) => name === file);
    for (const t of scanned.tests) if (!out.has(t)) out.set(t, file);
  }
  return out;
}

/** Which files define a TestMain (the loader refuses staff tests with one: dsgrade injects its own). */
export async function testMainFiles(pkgDir: string, testFiles: readonly string[]): Promise<string[]> {
  const scanned = await scanPackage([pkgDir], (name) => testFiles.includes(name));
  return scanned.testMainFiles.map((f) => path.basename(f));
}

export interface TestGroup {
  /** The name without `Test` and its numeric or `_…` suffix: "Basic" for TestBasic3, "Put" for TestPut_Overwrite. */
  stem: string;
  tests: string[];
  /**
   * A regular expression over test names that matches exactly this group's tests (and would match
   * the next one the course adds, TestBasic7); absent for a single test or a group no simple pattern fits.
   */
  pattern?: string;
}

/** stemOf returns the group key of a test name. */
export function stemOf(name: string): string {
  const rest = name.replace(/^Test/, '');
  const numbered = /^(.*?)_?[0-9]+$/.exec(rest);
  if (numbered) return numbered[1]!;
  const underscore = rest.indexOf('_');
  if (underscore > 0) return rest.slice(0, underscore);
  return rest;
}

/** groupTests groups `names` by stem, in the order the first test of each group appears. */
export function groupTests(names: readonly string[]): TestGroup[] {
  const groups = new Map<string, string[]>();
  for (const n of names) {
    const stem = stemOf(n);
    groups.set(stem, [...(groups.get(stem) ?? []), n]);
  }
  return [...groups].map(([stem, tests]) => {
    const pattern = tests.length > 1 ? patternFor(stem, tests, names) : undefined;
    return { stem, tests, ...(pattern ? { pattern } : {}) };
  });
}

function patternFor(stem: string, tests: readonly string[], all: readonly string[]): string | undefined {
  const candidates = [`^Test${stem}[0-9]+$`, `^Test${stem}_[0-9]+$`, `^Test${stem}_`];
  for (const source of candidates) {
    const re = new RegExp(source);
    const hits = all.filter((n) => re.test(n));
    if (hits.length === tests.length && tests.every((t) => hits.includes(t))) return source;
  }
  return undefined;
}
