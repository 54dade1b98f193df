/**
 * Compiling a package's tests once per variant (`go test -c`, and a `-race` build when any graded
 * test needs it) so that each graded test then runs as its own process without recompiling.
 *
 * Before that, dsgrade's harness goes into the work tree: the TestMain file beside the staff tests
 * (harness/gotest/testmain.go.tmpl) and the packages it uses (harness/gotest/{attempt,fdguard,
 * leakcheck}), copied as a module `dsgrade.dev/harness` that the work tree's go.mod requires and
 * replaces with the copy. A module of its own, not a folder of the course's module: fdguard must
 * be initialised before any package of the submission, and Go initialises packages in import-path
 * order (fdguard.go says why that is enough).
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { HARNESS_DIR } from '../core/install-paths.js';
import { scanPackage } from '../manifest/go-sources.js';
import { runGo, type GoCommandOptions } from '../go/go-command.js';
import type { Backend } from '../sandbox/backend.js';
import type { ProcessOutcome } from '../sandbox/process.js';

export const TESTMAIN_FILE = 'zz_dsgrade_main_test.go';
const GOTEST_DIR = path.join(HARNESS_DIR, 'gotest');
const TEMPLATE = path.join(GOTEST_DIR, 'testmain.go.tmpl');
/** The harness packages the injected TestMain imports, and the module they are copied as. */
const HARNESS_PACKAGES = ['attempt', 'fdguard', 'leakcheck'];
export const HARNESS_MODULE = 'dsgrade.dev/harness';
/** Where the copy goes in the work tree (a dot folder: `./...` patterns never see it). */
export const HARNESS_COPY_DIR = '.dsgrade-harness';

export interface CompiledTests {
  ok: boolean;
  binary: string;
  /** The compiler's output when !ok. */
  outcome: ProcessOutcome;
}

export interface TestMainSettings {
  moduleDir: string;
  /** The package folder relative to the module root ("p0partA"). */
  pkg: string;
  /** Handed-in files relative to the module root: goroutines started in them count as the submission's. */
  studentFiles: readonly string[];
}

/** Writes dsgrade's TestMain into the package folder, in the package of its existing test files, and the harness module it imports. */
export async function injectTestMain(s: TestMainSettings): Promise<void> {
  const pkgDir = path.join(s.moduleDir, ...s.pkg.split('/').filter((p) => p !== '' && p !== '.'));
  const scanned = await scanPackage([pkgDir]);
  const pkgName = scanned.testPackage ?? scanned.package;
  if (!pkgName) throw new Error(`no Go package found in ${pkgDir}`);
  await injectHarnessModule(s.moduleDir);
  const template = await fs.readFile(TEMPLATE, 'utf8');
  const values: Record<string, string> = {
    PACKAGE: pkgName,
    PACKAGE_DIR: goString(s.pkg === '.' ? '' : s.pkg),
    STUDENT_FILES: goString(s.studentFiles.join('\n')),
  };
  const source = template.replace(/\{\{([A-Z_]+)\}\}/g, (all, name: string) => values[name] ?? all);
  await fs.writeFile(path.join(pkgDir, TESTMAIN_FILE), source);
  await fs.chmod(path.join(pkgDir, TESTMAIN_FILE), 0o644);
}

/**
 * Copies the harness packages into the work tree as module dsgrade.dev/harness and makes the
 * work tree's go.mod require it from there. Idempotent (several suites share a module).
 */
export async function injectHarnessModule(moduleDir: string): Promise<void> {
  const copy = path.join(moduleDir, HARNESS_COPY_DIR);
  // Readable by the builder uid whatever the modes of dsgrade's own files (Gradescope's setup.sh
  // closes /autograder/source to everyone but root): written, not copied, with explicit modes.
  const write = async (file: string, data: string | Buffer): Promise<void> => {
    await fs.writeFile(file, data);
    await fs.chmod(file, 0o644);
  };
  for (const pkg of HARNESS_PACKAGES) {
    const to = path.join(copy, 'gotest', pkg);
    await fs.mkdir(to, { recursive: true });
    for (const dir of [copy, path.join(copy, 'gotest'), to]) await fs.chmod(dir, 0o755);
    for (const name of await fs.readdir(path.join(GOTEST_DIR, pkg))) {
      if (name.endsWith('.go') && !name.endsWith('_test.go')) await write(path.join(to, name), await fs.readFile(path.join(GOTEST_DIR, pkg, name)));
    }
  }
  // go 1.18: the oldest language version the harness code needs, so it builds in any course's module.
  await write(path.join(copy, 'go.mod'), `module ${HARNESS_MODULE}\n\ngo 1.18\n`);
  const goMod = path.join(moduleDir, 'go.mod');
  const text = await fs.readFile(goMod, 'utf8');
  if (text.includes(`replace ${HARNESS_MODULE} =>`)) return;
  await fs.writeFile(
    goMod,
    `${text.endsWith('\n') ? text : `${text}\n`}\n// Added by dsgrade for grading: its test harness (see ${HARNESS_COPY_DIR}/).\nrequire ${HARNESS_MODULE} v0.0.0\n\nreplace ${HARNESS_MODULE} => ./${HARNESS_COPY_DIR}\n`,
  );
}

/** A Go interpreted string literal (JSON's escapes are a subset of Go's). */
function goString(s: string): string {
  return JSON.stringify(s);
}

export async function compileTests(backend: Backend, pkg: string, race: boolean, outFile: string, opts: Omit<GoCommandOptions, 'cgo'>): Promise<CompiledTests> {
  await fs.mkdir(path.dirname(outFile), { recursive: true });
  const args = ['test', '-c', '-o', outFile, ...(race ? ['-race'] : []), `./${pkg}`];
  const outcome = await runGo(backend, args, { ...opts, cgo: race, outputDirs: [path.dirname(outFile)] });
  const ok = !outcome.spawnError && !outcome.timedOut && outcome.exitCode === 0;
  return { ok, binary: outFile, outcome };
}
