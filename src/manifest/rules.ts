/**
 * Semantic rules, checked after the schema: things JSON Schema cannot see because they need the
 * project's files or cross-references. Every rule adds an issue with a fix; none stops the others.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { ManifestIssue } from '../errors.js';
import { exists, isDirectory, listFiles } from '../util/fs.js';
import { matchesGlob } from '../util/glob.js';
import { scanPackage } from './go-sources.js';
import { checkScenarioSuite } from '../scenario/manifest-rules.js';
import { mutantPatchProblem } from '../regress/mutant-submission.js';
import type { GoTestSpec, Manifest } from './types.js';

const EPSILON = 1e-9;

/** Runs every rule; expands test patterns in place; returns the staff file map. */
export async function checkRules(m: Manifest, issues: ManifestIssue[], warnings: string[]): Promise<Map<string, string>> {
  const add = (pointer: string, message: string, fix: string): void => {
    issues.push({ file: m.file, pointer, message, fix });
  };
  const moduleDir = path.join(m.starter, m.go.moduleRoot);
  const staffFiles = new Map<string, string>();

  if (!(await isDirectory(m.starter))) {
    add('/starter', `starter folder not found: ${m.starter}`, 'create it or correct "starter"');
    return staffFiles;
  }
  const goMod = path.join(moduleDir, 'go.mod');
  if (!(await exists(goMod))) {
    add('/go/moduleRoot', `no go.mod at ${path.relative(m.dir, goMod)}`, 'point "go.moduleRoot" at the starter folder that holds go.mod');
    return staffFiles;
  }
  const declared = /^module\s+(\S+)/m.exec(await fs.readFile(goMod, 'utf8'))?.[1];
  if (declared !== m.go.module) {
    add('/go/module', `go.mod declares module "${declared ?? '(none)'}" but the manifest says "${m.go.module}"`, `set "go.module" to "${declared}" or fix go.mod`);
  }

  // Which starter files are taken from the submission (handin) and which are staff files.
  const starterFiles = await listFiles(moduleDir);
  const overlayFiles = m.staff ? ((await isDirectory(m.staff)) ? await listFiles(m.staff) : null) : [];
  if (overlayFiles === null) add('/staff', `staff folder not found: ${m.staff}`, 'create it or remove "staff"');

  m.handin.forEach((h, i) => {
    if (h.path !== undefined) {
      if (overlayFiles?.includes(h.path)) {
        add(`/handin/${i}/path`, `handin file ${h.path} is also a hidden staff file in ${path.relative(m.dir, m.staff!)}`, 'a file is either handed in or provided by staff: remove one of them');
      }
      return;
    }
    const pattern = h.pattern!;
    const overlapping = [...starterFiles, ...(overlayFiles ?? [])].filter(
      (f) => matchesGlob(pattern, f) && !h.exclude.includes(f) && !isStub(f, starterFiles, m),
    );
    if (overlapping.length > 0) {
      add(
        `/handin/${i}/pattern`,
        `handin pattern ${pattern} also matches staff file(s) ${overlapping.join(', ')}`,
        `narrow the pattern, or list those files in "exclude" so the staff copies are always used`,
      );
    }
  });

  const takenFromSubmission = (f: string): boolean =>
    m.handin.some((h) => (h.path !== undefined ? h.path === f : matchesGlob(h.pattern!, f) && !h.exclude.includes(f)));
  for (const f of starterFiles) if (!takenFromSubmission(f)) staffFiles.set(f, path.join(moduleDir, f));
  for (const f of overlayFiles ?? []) staffFiles.set(f, path.join(m.staff!, f));

  const handinPaths = new Set(m.handin.flatMap((h) => (h.path ? [h.path] : [])));

  // Checks look at handin files only.
  const checkIds = new Set<string>();
  m.checks.forEach((c, i) => {
    if (checkIds.has(c.id)) add(`/checks/${i}/id`, `duplicate check id "${c.id}"`, 'give every check its own id');
    checkIds.add(c.id);
    if (c.files.length === 0) add(`/checks/${i}/files`, `check "${c.id}" names no files`, 'list the handin files it should look at in "files"');
    c.files.forEach((f, j) => {
      if (!takenFromSubmission(f) && !m.handin.some((h) => h.pattern === f)) {
        add(`/checks/${i}/files/${j}`, `check "${c.id}" looks at ${f}, which is not a handin file`, 'checks grade what students hand in; use a path listed in "handin"');
      }
    });
  });

  // Suites.
  const suiteIds = new Set<string>();
  const testIds = new Set<string>(['build', ...m.checks.map((c) => `check/${c.id}`)]);
  for (const [i, suite] of m.suites.entries()) {
    const at = `/suites/${i}`;
    if (suiteIds.has(suite.id) || suite.id === 'check' || suite.id === 'build') {
      add(`${at}/id`, `suite id "${suite.id}" is used twice or is reserved`, 'use a unique id other than "build" and "check"');
    }
    suiteIds.add(suite.id);
    if (suite.kind === 'scenario') {
      await checkScenarioSuite(suite, { at, moduleDir, staffDir: m.staff, add, testIds });
      continue;
    }
    const pkgStarter = path.join(moduleDir, suite.package);
    const pkgStaff = m.staff ? path.join(m.staff, suite.package) : undefined;
    if (!(await isDirectory(pkgStarter)) && !(pkgStaff && (await isDirectory(pkgStaff)))) {
      add(`${at}/package`, `package folder ${suite.package} exists in neither the starter nor the staff folder`, 'use a folder path relative to the module root, e.g. "p0partA"');
      continue;
    }
    if (suite.kind === 'gotest') {
      const staffTestDirs = [pkgStarter, ...(pkgStaff ? [pkgStaff] : [])];
      const scanned = await scanStaffTests(staffTestDirs, suite.package, staffFiles);
      if (scanned.testMainFiles.length > 0) {
        add(
          `${at}/package`,
          `staff tests in ${suite.package} define TestMain (${scanned.testMainFiles.join(', ')})`,
          'dsgrade injects its own TestMain so that verdicts cannot be forged; move set-up into a helper or init()',
        );
      }
      const expanded: GoTestSpec[] = [];
      suite.tests.forEach((t, j) => {
        if (t.pattern === undefined) {
          if (!scanned.tests.includes(t.name)) {
            add(`${at}/tests/${j}/name`, `no staff test file in ${suite.package} defines ${t.name}`, `define func ${t.name}(t *testing.T) in a staff _test.go file, or correct the name`);
          }
          expanded.push(t);
          return;
        }
        let re: RegExp;
        try {
          re = new RegExp(t.pattern);
        } catch (err) {
          add(`${at}/tests/${j}/pattern`, `invalid regular expression: ${(err as Error).message}`, 'fix the pattern');
          return;
        }
        const named = new Set(suite.tests.filter((x) => x.pattern === undefined).map((x) => x.name));
        const hits = scanned.tests.filter((name) => re.test(name) && !named.has(name) && !expanded.some((e) => e.name === name));
        if (hits.length === 0) add(`${at}/tests/${j}/pattern`, `pattern ${t.pattern} matches no staff test in ${suite.package}`, 'check the pattern against the test names');
        for (const name of hits) {
          const { pattern: _pattern, ...rest } = t;
          expanded.push({ ...rest, name, displayName: name });
        }
      });
      suite.tests = expanded;
      for (const t of suite.tests) {
        const id = `${suite.id}/${t.name}`;
        if (testIds.has(id)) add(`${at}/tests`, `test ${t.name} is graded twice in suite ${suite.id}`, 'list each test once');
        testIds.add(id);
      }
    } else {
      if (!handinPaths.has(suite.testFile)) add(`${at}/testFile`, `testFile ${suite.testFile} is not a handin path`, 'add it to "handin" or correct the path');
      if (!staffFiles.has(suite.implFile)) add(`${at}/implFile`, `implFile ${suite.implFile} is not a staff file of the starter`, 'name the staff implementation that each buggy variant replaces');
      for (const [j, b] of suite.buggy.entries()) {
        if (!(await exists(b.file))) add(`${at}/buggy/${j}/file`, `buggy implementation not found: ${path.relative(m.dir, b.file)}`, 'create the file or correct the path');
      }
      testIds.add(`${suite.id}/correct`);
      for (const b of suite.buggy) testIds.add(`${suite.id}/${b.name}`);
    }
  }

  // Points.
  const total = totalPoints(m);
  if (m.totalPoints !== undefined && Math.abs(total - m.totalPoints) > EPSILON) {
    add('/totalPoints', `points add up to ${total}, but totalPoints is ${m.totalPoints}`, 'correct the points of the tests and checks, or totalPoints');
  }
  if (total <= 0) warnings.push('no check or test is worth any points');

  // Reference and mutants.
  if (m.reference !== undefined && !(await isDirectory(m.reference))) add('/reference', `reference folder not found: ${m.reference}`, 'create it or correct "reference"');
  const mutantNames = new Set<string>();
  for (const [i, mu] of m.mutants.entries()) {
    if (mutantNames.has(mu.name)) add(`/mutants/${i}/name`, `duplicate mutant name "${mu.name}"`, 'give every mutant its own name');
    mutantNames.add(mu.name);
    if (mu.path !== undefined && !(await exists(mu.path))) add(`/mutants/${i}/path`, `mutant not found: ${path.relative(m.dir, mu.path)}`, 'create it or correct "path"');
    if (mu.patch !== undefined) {
      if (!(await exists(mu.patch))) add(`/mutants/${i}/patch`, `mutant patch not found: ${path.relative(m.dir, mu.patch)}`, 'create it (docs/manifest.md, "Mutant patches") or correct "patch"');
      else if (m.reference === undefined) add(`/mutants/${i}/patch`, `mutant "${mu.name}" is a patch of the reference, but the manifest names no "reference"`, 'add "reference", or make the mutant a complete submission ("path")');
      else if (await isDirectory(m.reference)) {
        const problem = await mutantPatchProblem(mu.name, mu.patch, m.reference);
        if (problem) add(`/mutants/${i}/patch`, problem, 'regenerate the patch against the current reference (docs/manifest.md, "Mutant patches"), or mend the hunk by hand');
      }
    }
    if (mu.base === 'reference' && m.reference === undefined) {
      add(`/mutants/${i}/base`, `mutant "${mu.name}" is laid over the reference, but the manifest names no "reference"`, 'add "reference", or put every handin file in the mutant folder and remove "base"');
    }
    if (mu.scoreRange) {
      const [lo, hi] = mu.scoreRange;
      if (!(lo <= mu.expectedScore + EPSILON && mu.expectedScore <= hi + EPSILON)) {
        add(`/mutants/${i}/scoreRange`, `score range [${lo}, ${hi}] does not contain the expected score ${mu.expectedScore}`, 'make the range contain expectedScore (the score the mutant usually gets)');
      } else if (hi > total + EPSILON) {
        add(`/mutants/${i}/scoreRange`, `score range [${lo}, ${hi}] goes above the maximum ${total}`, 'lower the top of the range');
      }
    }
    if (mu.expectedScore > total + EPSILON) add(`/mutants/${i}/expectedScore`, `expected score ${mu.expectedScore} is above the maximum ${total}`, 'correct the expected score');
    mu.catchers.forEach((c, j) => {
      if (!testIds.has(c)) add(`/mutants/${i}/catchers/${j}`, `unknown test id "${c}"`, `use an id like "<suite>/<test>"; known: ${[...testIds].slice(0, 8).join(', ')}…`);
    });
  }
  return staffFiles;
}

/** A starter file a pattern legitimately takes: a stub students replace (it is not in the overlay). */
function isStub(f: string, starterFiles: string[], m: Manifest): boolean {
  return starterFiles.includes(f) && m.handin.some((h) => h.path === f);
}

async function scanStaffTests(dirs: string[], pkg: string, staffFiles: Map<string, string>) {
  // Handin test files in the starter (stubs) are not staff tests.
  return scanPackage(dirs, (name) => !name.endsWith('_test.go') || staffFiles.has(path.posix.join(pkg, name)));
}

export function totalPoints(m: Manifest): number {
  let sum = 0;
  for (const c of m.checks) sum += c.points;
  for (const s of m.suites) {
    if (s.kind === 'gotest') for (const t of s.tests) sum += t.points;
    else if (s.kind === 'scenario') for (const sc of s.scenarios) sum += sc.points;
    else sum += s.correct.points + s.buggy.reduce((a, b) => a + b.points, 0);
  }
  return Math.round(sum * 1e6) / 1e6;
}
