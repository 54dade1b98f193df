/**
 * Compiling a package's tests once per variant (`go test -c`, and a `-race` build when any graded
 * test needs it) so that each graded test then runs as its own process without recompiling.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '../manifest/schema.js';
import { scanPackage } from '../manifest/go-sources.js';
import { runGo, type GoCommandOptions } from '../build/go-command.js';
import type { ProcessOutcome } from '../sandbox/process.js';

export const TESTMAIN_FILE = 'zz_dsgrade_main_test.go';
const TEMPLATE = path.join(REPO_ROOT, 'harness', 'gotest', 'testmain.go.tmpl');

export interface CompiledTests {
  ok: boolean;
  binary: string;
  /** The compiler's output when !ok. */
  outcome: ProcessOutcome;
}

/** Writes dsgrade's TestMain into the package folder, in the package of its existing test files. */
export async function injectTestMain(pkgDir: string): Promise<void> {
  const scanned = await scanPackage([pkgDir]);
  const pkgName = scanned.testPackage ?? scanned.package;
  if (!pkgName) throw new Error(`no Go package found in ${pkgDir}`);
  const template = await fs.readFile(TEMPLATE, 'utf8');
  await fs.writeFile(path.join(pkgDir, TESTMAIN_FILE), template.replace('{{PACKAGE}}', pkgName));
}

export async function compileTests(pkg: string, race: boolean, outFile: string, opts: Omit<GoCommandOptions, 'cgo'>): Promise<CompiledTests> {
  await fs.mkdir(path.dirname(outFile), { recursive: true });
  const args = ['test', '-c', '-o', outFile, ...(race ? ['-race'] : []), `./${pkg}`];
  const outcome = await runGo(args, { ...opts, cgo: race, outputDirs: [path.dirname(outFile)] });
  const ok = !outcome.spawnError && !outcome.timedOut && outcome.exitCode === 0;
  return { ok, binary: outFile, outcome };
}
