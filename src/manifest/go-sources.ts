/**
 * Reads staff Go sources without compiling them: which test functions a package's test files
 * define, and the package clause. A regular expression is enough because staff tests are ours
 * and gofmt-formatted; student files are never scanned this way.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';

const TEST_FUNC = /^func (Test[A-Za-z0-9_]*)\(\s*\w+\s+\*testing\.T\s*\)/gm;
const TEST_MAIN = /^func TestMain\(\s*\w+\s+\*testing\.M\s*\)/m;
const PACKAGE = /^package\s+([A-Za-z_][A-Za-z0-9_]*)/m;

export interface PackageTests {
  /** Test function names in definition order. */
  tests: string[];
  /** Files (basenames) that define a TestMain. */
  testMainFiles: string[];
  /** Package clause of the first test file, e.g. "p0partA" or "p0partA_test". */
  testPackage?: string;
  /** Package clause of the first non-test file. */
  package?: string;
}

/** Scans the `*.go` files directly in each of `dirs` that `include` accepts (later dirs overlay earlier ones by name). */
export async function scanPackage(dirs: readonly string[], include: (basename: string) => boolean = () => true): Promise<PackageTests> {
  const files = new Map<string, string>();
  for (const dir of dirs) {
    let names: string[];
    try {
      names = await fs.readdir(dir);
    } catch {
      continue;
    }
    for (const name of names) if (name.endsWith('.go') && include(name)) files.set(name, path.join(dir, name));
  }
  const result: PackageTests = { tests: [], testMainFiles: [] };
  for (const [name, file] of [...files].sort(([a], [b]) => a.localeCompare(b))) {
    const src = await fs.readFile(file, 'utf8');
    const pkg = PACKAGE.exec(src)?.[1];
    if (!name.endsWith('_test.go')) {
      result.package ??= pkg;
      continue;
    }
    result.testPackage ??= pkg;
    for (const m of src.matchAll(TEST_FUNC)) if (m[1] !== 'TestMain') result.tests.push(m[1]!);
    if (TEST_MAIN.test(src)) result.testMainFiles.push(name);
  }
  return result;
}
