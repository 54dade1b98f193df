/**
 * From the facts init gathered about a course tree to a proposed manifest: handin entries for the
 * files students edit, one `gotest` suite per package with staff tests (tests grouped by name
 * prefix, one point each), `-race` and `seedEnv` where the tree says so. Pure: facts in, a plan, the
 * manifest JSON and the explanations out — every guess with the reason it rests on, and a list of
 * what init could not know.
 *
 * Over 300 lines on purpose: facts → plan → manifest is one pure transformation whose explanations must match its choices line by line.
 */
import path from 'node:path';
import type { GoPackage } from '../go/go-tool.js';
import { DsgradeError } from '../errors.js';
import type { Layout } from './layout.js';
import { raceFor, type RaceCommand } from './race.js';
import type { FileGuess } from './stubs.js';
import { groupTests } from './tests.js';

/** What init learned about one package's tests. */
export interface PackageTests {
  /** Module-relative folder of the package. */
  dir: string;
  /** Tests the compiled package lists (`go test -list`); undefined when it did not compile. */
  listed?: string[];
  /** Why listing failed (compiler output), when it did. */
  listError?: string;
  /** Test name → defining test file (basename), from the sources. */
  definedIn: Map<string, string>;
  /** Test files defining a TestMain. */
  testMains: string[];
}

export interface CourseFacts {
  layout: Layout;
  /** Absolute path of the staff overlay (module-relative inside), when the course keeps one apart. */
  staffDir?: string;
  /** Module-relative files of the course tree's module root. */
  starterFiles: string[];
  /** Module-relative files of the staff overlay. */
  staffFiles: string[];
  /** Packages of the merged tree (starter + staff), from `go list`. */
  packages: GoPackage[];
  /** Role of every Go file of the starter (staff overlay files are always staff). */
  guesses: FileGuess[];
  tests: PackageTests[];
  raceCommands: RaceCommand[];
  /** Package folder → seed variables (`*SEED*`) its Go files read from the environment. */
  seedReads: Map<string, string[]>;
}

export interface ProposeOptions {
  /** Absolute path the manifest will be written to (relative paths are computed from its folder). */
  outFile: string;
  name: string;
  title: string;
  /** Absolute path of a reference submission, when given. */
  reference?: string;
  /** Absolute path of dsgrade's manifest schema, for "$schema". */
  schemaFile: string;
  /** Write "$schema" relative to the manifest (true) or absolute. */
  schemaRelative?: boolean;
}

/** One entry of a suite's `tests`: a group by pattern, or one test by name. */
export interface PlannedEntry {
  tests: string[];
  pattern?: string;
  points: number;
  race: boolean;
  /** Seconds; undefined: the suite default (60 s). */
  timeoutSec?: number;
}

export interface PlannedSuite {
  id: string;
  name: string;
  package: string;
  seedEnv?: string;
  entries: PlannedEntry[];
}

export interface Plan {
  handin: Record<string, unknown>[];
  suites: PlannedSuite[];
}

/** A section of the report: a heading and its lines ("what init guessed and why"). */
export interface ReportSection {
  title: string;
  lines: string[];
}

export interface Proposal {
  plan: Plan;
  sections: ReportSection[];
  /** What to check by hand: things init could not infer. */
  todo: string[];
}

export const POINTS_PER_TEST = 1;

const posix = (p: string): string => p.split(path.sep).join('/');
const inDir = (file: string, dir: string): boolean => (dir === '' ? !file.includes('/') : file.startsWith(`${dir}/`) && !file.slice(dir.length + 1).includes('/'));
const dirOf = (file: string): string => (file.includes('/') ? file.slice(0, file.lastIndexOf('/')) : '');
const pkgLabel = (dir: string): string => (dir === '' ? '(module root)' : dir);

export function proposeManifest(facts: CourseFacts): Proposal {
  const sections: ReportSection[] = [];
  const todo: string[] = [];
  const { layout } = facts;

  sections.push({
    title: 'Layout',
    lines: [
      `module ${layout.module} in ${layout.moduleRoot || '.'}${layout.kind === 'gopath' ? ' (a GOPATH-style tree: src/<module path>)' : ''}: ${layout.why}`,
      layout.goVersion ? `Go ${layout.goVersion}, from the go line of go.mod` : 'go.mod has no go line: the course\'s Go version is unknown',
      facts.staffDir ? `staff files: ${facts.staffFiles.length} in ${facts.staffDir} (laid over the module root when grading)` : 'staff files: none kept apart (no --staff): the staff tests are part of the course tree',
    ],
  });
  if (!layout.goVersion) todo.push('set "go.version" to the Go the course uses (go.mod has no go line)');
  if (layout.requires?.length) {
    todo.push(
      `go.mod requires ${layout.requires.join(', ')}: grading builds offline (GOPROXY=off), so vendor them into the starter (go mod vendor) or set "go.allowDownloads": true (docs/manifest.md)`,
    );
  }

  // Files students edit.
  const staffSet = new Set(facts.staffFiles);
  const students = facts.guesses.filter((g) => g.role === 'student' && !staffSet.has(g.file));
  const studentTests = facts.guesses.filter((g) => g.role === 'student-test' && !staffSet.has(g.file));
  const studentLines = [...students, ...studentTests].map((g) => `${g.file}${g.role === 'student-test' ? ' (the student\'s own tests)' : ''}: ${g.reasons.join('; ')}`);
  const staffWithMarkers = facts.guesses.filter((g) => g.role === 'staff' && g.reasons.length > 0);
  if (staffWithMarkers.length) {
    const labels = [...new Set(staffWithMarkers.map((g) => g.reasons[0]!.replace(/ on line .*/, '')))].join(' or ');
    studentLines.push(`staff files, as they say so (${labels}): ${staffWithMarkers.map((g) => g.file).join(', ')}`);
  }
  sections.push({ title: 'Files students edit', lines: studentLines.length ? studentLines : ['none found (no TODO, "your code here", "not implemented" or *_impl.go)'] });
  if (students.length === 0 && studentTests.length === 0) {
    todo.push('name the files students hand in: add {"path": "<module-relative path>"} entries to "handin" (init found no stub)');
  }

  // Handin: each student file, plus the other Go files students may add beside it.
  const handin: Record<string, unknown>[] = [];
  const handinLines: string[] = [];
  const studentDirs = [...new Set(students.map((g) => dirOf(g.file)))];
  for (const dir of studentDirs) {
    for (const g of students.filter((s) => dirOf(s.file) === dir)) {
      handin.push({ path: g.file });
      handinLines.push(`{"path": "${g.file}"}: a file students edit (required)`);
    }
    const glob = dir ? `${dir}/*.go` : '*.go';
    const staffHere = [...facts.starterFiles, ...facts.staffFiles].filter(
      (f) => inDir(f, dir) && f.endsWith('.go') && !f.endsWith('_test.go') && !students.some((s) => s.file === f),
    );
    const exclude = [...new Set(staffHere)].sort();
    exclude.push(dir ? `${dir}/*_test.go` : '*_test.go');
    handin.push({ pattern: glob, exclude });
    handinLines.push(
      `{"pattern": "${glob}"}: Go files students add beside it (helpers), optional; excludes ${exclude.length - 1 ? `the staff files of ${pkgLabel(dir)} (${exclude.slice(0, -1).join(', ')}) and ` : ''}test files`,
    );
  }
  for (const g of studentTests) {
    handin.push({ path: g.file });
    handinLines.push(`{"path": "${g.file}"}: the student's own tests (required); its tests are not graded as staff tests`);
    todo.push(
      `${g.file} holds the student's own tests: to grade them against buggy implementations, add a "studenttests" suite (docs/manifest.md) — init cannot know the buggy versions`,
    );
  }
  sections.push({ title: 'Handin entries', lines: handinLines.length ? handinLines : ['none'] });

  // Suites: one per package with staff tests.
  const studentTestFiles = new Set(studentTests.map((g) => g.file));
  const suites: PlannedSuite[] = [];
  const suiteLines: string[] = [];
  const raceLines: string[] = [];
  const usedIds = new Set<string>(['build', 'check']);
  const pkgByDir = new Map(facts.packages.map((p) => [p.dir, p]));
  for (const t of facts.tests) {
    const staffTestOf = (name: string): boolean => {
      const file = t.definedIn.get(name);
      return file !== undefined && !studentTestFiles.has(t.dir ? `${t.dir}/${file}` : file);
    };
    if (t.testMains.length > 0) {
      throw new DsgradeError('INIT_TESTMAIN', `staff tests of ${pkgLabel(t.dir)} define TestMain (${t.testMains.join(', ')})`, {
        file: t.dir || '.',
        fix: 'dsgrade injects its own TestMain so that verdicts cannot be forged: move the set-up into a helper the tests call, or into init(), then run dsgrade init again',
      });
    }
    const defined = [...t.definedIn.keys()].filter(staffTestOf);
    let names: string[];
    if (t.listed) {
      names = t.listed.filter(staffTestOf);
      const unread = t.listed.filter((n) => !t.definedIn.has(n));
      if (unread.length) todo.push(`${pkgLabel(t.dir)}: go test -list names ${unread.join(', ')}, but init could not find where; add them by hand if they are staff tests`);
      const constrained = defined.filter((n) => !t.listed!.includes(n));
      if (constrained.length) suiteLines.push(`${pkgLabel(t.dir)}: not graded: ${constrained.join(', ')} (defined, but not in the compiled package: build constraints)`);
    } else {
      names = defined;
      todo.push(`${pkgLabel(t.dir)}: the tests do not compile with the starter, so they were read from the sources instead of listed: ${firstLines(t.listError ?? '', 3)}`);
    }
    if (names.length === 0) continue;
    const id = uniqueId(suiteId(t.dir), usedIds);
    const files = [...new Set(names.map((n) => t.definedIn.get(n)!))].sort();
    const seedEnv = pickSeedEnv(t.dir, pkgByDir, facts, layout.module);
    const entries: PlannedEntry[] = [];
    const groupLines: string[] = [];
    for (const g of groupTests(names)) {
      const races = g.tests.map((n) => raceFor(t.dir, n, facts.raceCommands));
      for (const [i, r] of races.entries()) if (r.race) raceLines.push(`${id}/${g.tests[i]}: -race — ${r.why}`);
      const sameRace = races.every((r) => r.race === races[0]!.race);
      if (g.pattern && sameRace) {
        entries.push({ tests: g.tests, pattern: g.pattern, points: POINTS_PER_TEST, race: races[0]!.race });
        groupLines.push(`  ${g.tests.length} × ${g.stem || '(numbered)'}: ${g.tests[0]}…${g.tests[g.tests.length - 1]} as pattern ${g.pattern}, ${POINTS_PER_TEST} point each`);
      } else {
        g.tests.forEach((n, i) => entries.push({ tests: [n], points: POINTS_PER_TEST, race: races[i]!.race }));
        groupLines.push(`  ${g.tests.length === 1 ? g.tests[0] : `${g.tests.length} × ${g.stem}: ${g.tests.join(', ')}`}${g.tests.length > 1 ? ' (listed by name: no single pattern fits, or -race differs)' : ''}, ${POINTS_PER_TEST} point${g.tests.length > 1 ? ' each' : ''}`);
      }
    }
    suites.push({ id, name: `go test ./${t.dir || '.'}`, package: t.dir, ...(seedEnv ? { seedEnv: seedEnv.name } : {}), entries });
    suiteLines.push(
      `suite ${id}: package ${pkgLabel(t.dir)}, ${names.length} staff test${names.length === 1 ? '' : 's'} from ${files.join(', ')} (${t.listed ? 'as go test -list lists them' : 'read from the sources'}), in ${entries.length} entr${entries.length === 1 ? 'y' : 'ies'} by name prefix:`,
      ...groupLines,
    );
    if (seedEnv) suiteLines.push(`  seedEnv ${seedEnv.name}: ${seedEnv.why}`);
  }
  if (suites.length === 0) {
    return { plan: { handin, suites }, sections, todo };
  }
  sections.push({ title: 'Suites (one per package with staff tests)', lines: suiteLines });
  sections.push({
    title: 'Race detector',
    lines: raceLines.length ? raceLines : ['no test runs with -race: no `go test -race` in the tree\'s scripts (Makefile, *.sh, CI, README) and no test named after races'],
  });
  if (raceLines.length === 0) todo.push('the race detector: init found no `go test -race` in the tree; if the course runs tests with -race, set "race": true on those entries (or on the suite)');

  // Programs no go test covers.
  const covered = coveredPackages(facts.packages, suites.map((s) => s.package), layout.module);
  const mains = facts.packages.filter((p) => p.name === 'main' && !covered.has(p.dir));
  const studentMains = mains.filter((p) => students.some((s) => dirOf(s.file) === p.dir));
  const staffMains = mains.filter((p) => !studentMains.includes(p));
  if (studentMains.length) {
    todo.push(
      `programs students write that no go test runs: ${studentMains.map((p) => p.dir).join(', ')} — grade them as processes with a "scenario" suite (docs/scenarios.md); init cannot write scenarios`,
    );
  }
  if (staffMains.length) {
    todo.push(`staff programs (package main) no go test runs: ${staffMains.map((p) => p.dir).join(', ')} — drivers, clients or checkers for multi-process scenarios? (docs/scenarios.md)`);
  }
  const studentTestDirs = new Set(studentTests.map((g) => dirOf(g.file)));
  const uncovered = facts.packages.filter((p) => p.name !== 'main' && !covered.has(p.dir) && !studentTestDirs.has(p.dir) && p.goFiles.length > 0);
  if (uncovered.length) {
    sections.push({
      title: 'Packages no staff test uses',
      lines: uncovered.map((p) => `${pkgLabel(p.dir)}: kept as staff code${students.some((s) => dirOf(s.file) === p.dir) ? ' except the files above' : ''} (not referenced by any test, so no test tells whether students edit it)`),
    });
  }
  todo.push(
    `points: every test is worth ${POINTS_PER_TEST} (${suites.reduce((n, s) => n + s.entries.reduce((k, e) => k + e.tests.length, 0), 0)} in all); set each entry's "points" (a pattern entry gives them to each test it matches)`,
    'visibility: every test is "visible"; mark hidden or after_due_date tests (docs/manifest.md)',
    'static checks (gofmt, imports, channel buffers): none proposed (docs/manifest.md#checks)',
    'timing-sensitive tests: consider "exclusive": true (run alone) for tests that measure time or throughput',
  );
  if (!facts.staffDir) {
    todo.push('the staff tests are inside the course tree ("starter"): if some are hidden from students, move them to a folder of their own (same paths) and run init with --staff <folder>');
  }
  return { plan: { handin, suites }, sections, todo };
}

/** The manifest JSON for a plan, with paths relative to the manifest's folder. */
export function toManifestJson(plan: Plan, facts: CourseFacts, opts: ProposeOptions): Record<string, unknown> {
  const outDir = path.dirname(opts.outFile);
  const rel = (p: string): string => posix(path.relative(outDir, p)) || '.';
  return {
    $schema: opts.schemaRelative === false ? posix(opts.schemaFile) : rel(opts.schemaFile),
    name: opts.name,
    title: opts.title,
    go: {
      moduleRoot: facts.layout.moduleRoot || '.',
      module: facts.layout.module,
      ...(facts.layout.goVersion ? { version: facts.layout.goVersion } : {}),
    },
    starter: rel(facts.layout.treeDir),
    ...(facts.staffDir ? { staff: rel(facts.staffDir) } : {}),
    handin: plan.handin,
    suites: plan.suites.map((s) => ({
      id: s.id,
      name: s.name,
      kind: 'gotest',
      package: s.package || '.',
      ...(s.seedEnv ? { seedEnv: s.seedEnv } : {}),
      tests: s.entries.map((e) => ({
        ...(e.pattern ? { pattern: e.pattern } : { name: e.tests[0] }),
        points: e.points,
        ...(e.timeoutSec !== undefined ? { timeoutSec: e.timeoutSec } : {}),
        ...(e.race ? { race: true } : {}),
      })),
    })),
    ...(opts.reference ? { reference: rel(opts.reference) } : {}),
  };
}

function suiteId(dir: string): string {
  if (dir === '') return 'root';
  return dir.replace(/[^A-Za-z0-9_.-]+/g, '-');
}

function uniqueId(base: string, used: Set<string>): string {
  let id = base;
  for (let i = 2; used.has(id); i++) id = `${base}-${i}`;
  used.add(id);
  return id;
}

/** In-module packages a test binary of each of `dirs` links: the package, its test imports, and everything they import. */
export function coveredPackages(packages: readonly GoPackage[], dirs: readonly string[], module: string): Set<string> {
  const byImport = new Map(packages.map((p) => [p.importPath, p]));
  const seen = new Set<string>();
  const visit = (imp: string): void => {
    const p = byImport.get(imp);
    if (!p || seen.has(p.dir)) return;
    seen.add(p.dir);
    for (const i of p.imports) if (i === module || i.startsWith(`${module}/`)) visit(i);
  };
  for (const d of dirs) {
    const p = packages.find((x) => x.dir === d);
    if (!p) continue;
    visit(p.importPath);
    for (const i of p.testImports) if (i === module || i.startsWith(`${module}/`)) visit(i);
  }
  return seen;
}

/** The seed variable a suite's tests should receive: one read by a package its test binary links. */
function pickSeedEnv(dir: string, pkgByDir: Map<string, GoPackage>, facts: CourseFacts, module: string): { name: string; why: string } | undefined {
  if (!pkgByDir.has(dir)) return undefined;
  const linked = coveredPackages(facts.packages, [dir], module);
  for (const d of [dir, ...[...linked].filter((x) => x !== dir).sort()]) {
    const names = facts.seedReads.get(d);
    if (names?.length) return { name: names[0]!, why: `read from the environment in ${pkgLabel(d)}${d === dir ? '' : `, which the tests of ${pkgLabel(dir)} link`}: each test gets its own seed there, replayable from the printed run seed` };
  }
  return undefined;
}

function firstLines(text: string, n: number): string {
  return text.split('\n').filter((l) => l.trim()).slice(0, n).join(' | ');
}
