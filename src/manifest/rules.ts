/**
 * Semantic rules, checked after the schema: things JSON Schema cannot see because they need the
 * project's files or cross-references. Every rule adds an issue with a fix; none stops the others.
 *
 * Over 300 lines on purpose: one function per semantic rule, each short; splitting them by file would scatter one checklist.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { ManifestIssue } from '../errors.js';
import { exists, isDirectory, listFiles } from '../util/fs.js';
import { globProblem, globSample, isGlob, matchesGlob } from '../util/glob.js';
import { majorMinor } from '../go/go-version.js';
import { scanPackage } from './go-sources.js';
import { checkScenarioSuite } from '../scenario/manifest-rules.js';
import { checkProjectPolicy } from '../gate/policy.js';
import { mutantPatchProblem } from '../regress/mutant-submission.js';
import { runsWarnings } from './runs-rules.js';
import type { GoTestSpec, HandinEntry, Manifest } from './types.js';

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
  const goModText = await fs.readFile(goMod, 'utf8');
  const declared = /^module\s+(\S+)/m.exec(goModText)?.[1];
  if (declared !== m.go.module) {
    add('/go/module', `go.mod declares module "${declared ?? '(none)'}" but the manifest says "${m.go.module}"`, `set "go.module" to "${declared}" or fix go.mod`);
  }
  // go.version and go.mod's `go` line both say which Go the course uses; without go.version, go.mod's counts.
  const goLine = /^go\s+(\d+\.\d+(?:\.\d+)?)\s*$/m.exec(goModText)?.[1];
  if (m.go.version === undefined) {
    if (goLine !== undefined) m.go.version = goLine;
  } else if (goLine !== undefined && majorMinor(goLine) !== majorMinor(m.go.version)) {
    warnings.push(`go.version is ${m.go.version} but ${path.relative(m.dir, goMod)} says go ${goLine}: both should name the Go the course uses`);
  }

  // Which starter files are taken from the submission (handin) and which are staff files.
  const starterFiles = await listFiles(moduleDir);
  const overlayFiles = m.staff ? ((await isDirectory(m.staff)) ? await listFiles(m.staff) : null) : [];
  if (overlayFiles === null) add('/staff', `staff folder not found: ${m.staff}`, 'create it or remove "staff"');

  const globsOk = checkGlobs(m, add);
  const projectFiles = [...starterFiles, ...(overlayFiles ?? [])];
  const handinPathList = m.handin.flatMap((h) => (h.path !== undefined ? [h.path] : []));
  m.handin.forEach((h, i) => {
    if (h.path !== undefined) {
      if (overlayFiles?.includes(h.path)) {
        add(`/handin/${i}/path`, `handin file ${h.path} is also a hidden staff file in ${path.relative(m.dir, m.staff!)}`, 'a file is either handed in or provided by staff: remove one of them');
      }
      return;
    }
    if (!globsOk) return;
    const pattern = h.pattern!;
    const takes = (f: string): boolean => matchesGlob(pattern, f) && !isExcluded(h, f);
    // Hidden staff files are always staff: the only fix is to keep the pattern off them.
    const hidden = (overlayFiles ?? []).filter(takes);
    if (hidden.length > 0) {
      add(
        `/handin/${i}/pattern`,
        `handin pattern ${pattern} also matches hidden staff file(s) ${listed(hidden)}`,
        `list them in this entry's "exclude" so the staff copies are always used (globs work: ${excludeExample(hidden, projectFiles, handinPathList)}), or narrow the pattern`,
      );
    }
    // A starter file is either a staff file or a stub the student replaces; only the author knows which.
    const starter = starterFiles.filter((f) => takes(f) && !isStub(f, m) && !(overlayFiles ?? []).includes(f));
    if (starter.length > 0) {
      add(
        `/handin/${i}/pattern`,
        `handin pattern ${pattern} also matches starter file(s) ${listed(starter)}, which are neither excluded nor handin paths`,
        `for each one: if students replace it (a stub they fill in), add {"path": "${starter[0]}"} to "handin" (with "required": false if they need not hand it in); ` +
          `if it is a staff file, list it in this entry's "exclude" (globs work: ${excludeExample(starter, projectFiles, handinPathList)})`,
      );
    }
  });

  const takenFromSubmission = (f: string): boolean => handinEntryTaking(m, f) !== undefined;
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
      // A glob is fine when it can name handin files: it equals a handin pattern, a file it names could
      // be taken (checked on a sample), or it covers a handin path or pattern (`**/*.go` over `lsp/*.go`).
      const handedIn = isGlob(f)
        ? m.handin.some((h) => h.pattern === f || matchesGlob(f, h.path ?? globSample(h.pattern!))) || takenFromSubmission(globSample(f))
        : takenFromSubmission(f);
      if (!handedIn) {
        add(`/checks/${i}/files/${j}`, `check "${c.id}" looks at ${f}, which is not a handin file`, 'checks grade what students hand in; use a path listed in "handin"');
      }
    });
  });

  // The static gate's policy: entries that are no rule are errors; lifted defaults are warnings.
  const gate = checkProjectPolicy(m.gate);
  for (const p of gate.problems) add(p.pointer, p.message, p.fix);
  warnings.push(...gate.warnings);

  // Suites.
  const numbers: { number: string; pointer: string; what: string }[] = m.checks.flatMap((c, i) => (c.number !== undefined ? [{ number: c.number, pointer: `/checks/${i}/number`, what: `check ${c.id}` }] : []));
  const suiteIds = new Set<string>();
  const testIds = new Set<string>(['build', ...m.checks.map((c) => `check/${c.id}`)]);
  for (const [i, suite] of m.suites.entries()) {
    const at = `/suites/${i}`;
    if (suiteIds.has(suite.id) || suite.id === 'check' || suite.id === 'build') {
      add(`${at}/id`, `suite id "${suite.id}" is used twice or is reserved`, 'use a unique id other than "build" and "check"');
    }
    suiteIds.add(suite.id);
    if (suite.kind === 'scenario') {
      suite.scenarios.forEach((sc, j) => {
        if (sc.number !== undefined) numbers.push({ number: sc.number, pointer: `${at}/scenarios/${j}/number`, what: `scenario ${sc.name}` });
      });
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
      // Tests in the package's test files that handin entries take: not staff tests, and the usual
      // reason why a name or pattern "matches nothing" when the package is full of tests.
      const handedInTests = await scanHandedInTests(staffTestDirs, suite.package, m, staffFiles);
      const whyNot = (matching: (name: string) => boolean): { message: string; fix: string } | undefined => explainHandedInTests(handedInTests, m, matching);
      const expanded: GoTestSpec[] = [];
      suite.tests.forEach((t, j) => {
        if (t.number !== undefined) numbers.push({ number: t.number, pointer: `${at}/tests/${j}/number`, what: `test ${t.name}` });
        if (t.pattern === undefined) {
          if (!scanned.tests.includes(t.name)) {
            const why = whyNot((name) => name === t.name);
            add(
              `${at}/tests/${j}/name`,
              `no staff test file in ${suite.package} defines ${t.name}${why ? `: ${why.message}` : ''}`,
              why?.fix ?? `define func ${t.name}(t *testing.T) in a staff _test.go file, or correct the name`,
            );
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
        if (hits.length === 0) {
          const why = whyNot((name) => re.test(name));
          const taken = scanned.tests.filter((name) => re.test(name));
          add(
            `${at}/tests/${j}/pattern`,
            `pattern ${t.pattern} matches no staff test in ${suite.package}` +
              (why
                ? `: ${why.message}`
                : taken.length > 0
                  ? `: ${taken.length === 1 ? 'the test it matches is' : `the ${taken.length} tests it matches are`} already graded by other entries (${listed(taken, 5)})`
                  : ''),
            why?.fix ?? (taken.length > 0 ? 'remove the pattern, or the entries that already grade those tests' : `check the pattern against the test names (${scanned.tests.length} staff tests: ${listed(scanned.tests, 5)})`),
          );
        }
        if (hits.length > 1 && t.number !== undefined) {
          add(`${at}/tests/${j}/number`, `pattern ${t.pattern} gives its number ${t.number} to each of the ${hits.length} tests it matches`, 'remove "number" from the pattern entry, or list the tests by name, each with its own number');
        }
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
      if (suite.leaks) {
        const names = new Set(suite.tests.map((t) => t.name));
        suite.leaks.exclude.forEach((name, j) => {
          if (!names.has(name)) add(`${at}/leaks/exclude/${j}`, `leaks.exclude names ${name}, which is not a test of suite ${suite.id}`, `use the name of a graded test, e.g. ${[...names][0] ?? 'TestX'}`);
        });
        if (suite.leaks.exclude.length > 0 && suite.tests.every((t) => suite.leaks!.exclude.includes(t.name))) {
          add(`${at}/leaks/exclude`, `leaks.exclude excludes every test of suite ${suite.id}, so nothing is judged`, 'exclude only the tests that do not close what they create');
        }
        testIds.add(`${suite.id}/leaks`);
      }
    } else {
      if (suite.correct.number !== undefined) numbers.push({ number: suite.correct.number, pointer: `${at}/correct/number`, what: `${suite.id}/correct` });
      suite.buggy.forEach((b, j) => {
        if (b.number !== undefined) numbers.push({ number: b.number, pointer: `${at}/buggy/${j}/number`, what: `${suite.id}/${b.name}` });
      });
      if (!handinPaths.has(suite.testFile)) add(`${at}/testFile`, `testFile ${suite.testFile} is not a handin path`, 'add it to "handin" or correct the path');
      if (!staffFiles.has(suite.implFile)) add(`${at}/implFile`, `implFile ${suite.implFile} is not a staff file of the starter`, 'name the staff implementation that each buggy variant replaces');
      for (const [j, b] of suite.buggy.entries()) {
        if (!(await exists(b.file))) add(`${at}/buggy/${j}/file`, `buggy implementation not found: ${path.relative(m.dir, b.file)}`, 'create the file or correct the path');
      }
      testIds.add(`${suite.id}/correct`);
      for (const b of suite.buggy) testIds.add(`${suite.id}/${b.name}`);
    }
  }

  warnings.push(...runsWarnings(m));

  // Gradescope sorts and labels tests by number: one number, one test.
  const firstWith = new Map<string, { pointer: string; what: string }>();
  for (const n of numbers) {
    const first = firstWith.get(n.number);
    if (first) add(n.pointer, `number ${n.number} of ${n.what} is already used by ${first.what} (${first.pointer})`, 'give every check and test its own number');
    else firstWith.set(n.number, n);
  }

  // Points.
  const total = totalPoints(m);
  if (m.totalPoints !== undefined && Math.abs(total - m.totalPoints) > EPSILON) {
    add('/totalPoints', `points add up to ${total}, but totalPoints is ${m.totalPoints}`, 'correct the points of the tests and checks, or totalPoints');
  }
  if (total <= 0) warnings.push('no check or test is worth any points');

  // Reference and mutants.
  // One reference named "reference" is what the shorthand "reference": "dir" stands for: its
  // problems point at /reference; those of a list at the entry.
  const shorthand = m.references.length === 1 && m.references[0]!.name === 'reference';
  const referenceNames = new Set<string>();
  for (const [i, r] of m.references.entries()) {
    const at = shorthand ? '/reference' : `/references/${i}`;
    if (referenceNames.has(r.name)) add(`${at}/name`, `duplicate reference name "${r.name}"`, 'give every reference its own name');
    referenceNames.add(r.name);
    if (!(await isDirectory(r.path))) add(shorthand ? at : `${at}/path`, `reference folder not found: ${r.path}`, `create it or correct ${shorthand ? '"reference"' : '"path"'}`);
  }
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
      add(`/mutants/${i}/base`, `mutant "${mu.name}" is laid over the reference, but the manifest names no "reference" (or "references")`, 'add "reference" (or "references": the first one is the base), or put every handin file in the mutant folder and remove "base"');
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

/** A starter file a pattern legitimately takes: a stub students replace, listed as a handin path. */
function isStub(f: string, m: Manifest): boolean {
  return m.handin.some((h) => h.path === f);
}

/** isExcluded reports whether an entry's `exclude` (paths or globs) names a tree path. */
export function isExcluded(h: HandinEntry, treePath: string): boolean {
  return h.exclude.some((x) => x === treePath || (isGlob(x) && matchesGlob(x, treePath)));
}

/** The index of the first handin entry that takes a tree path from submissions, if any. */
export function handinEntryTaking(m: Manifest, treePath: string): number | undefined {
  const i = m.handin.findIndex((h) => (h.path !== undefined ? h.path === treePath : matchesGlob(h.pattern!, treePath) && !isExcluded(h, treePath)));
  return i < 0 ? undefined : i;
}

/** Every glob of the handin list and the checks must be well formed; returns false when one is not. */
function checkGlobs(m: Manifest, add: (pointer: string, message: string, fix: string) => void): boolean {
  let ok = true;
  const check = (pointer: string, glob: string, what: string): void => {
    const problem = globProblem(glob);
    if (problem === undefined) return;
    ok = false;
    add(pointer, `${what} ${JSON.stringify(glob)} ${problem}`, '`*` and `?` match within one folder, a whole `**` folder matches any number of folders: e.g. "lsp/*.go", "bitcoin/**/*.go", "**/*_test.go"');
  };
  m.handin.forEach((h, i) => {
    if (h.pattern !== undefined) check(`/handin/${i}/pattern`, h.pattern, 'handin pattern');
    h.exclude.forEach((x, j) => check(`/handin/${i}/exclude/${j}`, x, 'exclude'));
  });
  m.checks.forEach((c, i) => c.files.forEach((f, j) => check(`/checks/${i}/files/${j}`, f, 'check file')));
  return ok;
}

/**
 * excludeExample suggests one exclude for `files`: `dir/*_test.go` for test files of one folder,
 * `**` + `/*_test.go` for test files anywhere, `dir/**` for a folder that holds nothing else of the
 * project and no handin path (`lspnet/**`), else the first file.
 */
function excludeExample(files: readonly string[], projectFiles: readonly string[] = files, handinPaths: readonly string[] = []): string {
  const [first] = files;
  if (!first) return '"dir/*_test.go"';
  const dirOf = (f: string): string => (f.includes('/') ? f.slice(0, f.lastIndexOf('/')) : '');
  const dir = dirOf(first);
  if (files.every((f) => f.endsWith('_test.go'))) return dir && files.every((f) => dirOf(f) === dir) ? `"${dir}/*_test.go"` : '"**/*_test.go"';
  const listedSet = new Set(files);
  const wholeFolder = (d: string): boolean =>
    d !== '' && projectFiles.every((f) => !f.startsWith(`${d}/`) || listedSet.has(f)) && !handinPaths.some((h) => h.startsWith(`${d}/`));
  // The shallowest folder of the first file that is staff through and through.
  const segments = dir.split('/');
  for (let n = 1; n <= segments.length && dir !== ''; n++) {
    const d = segments.slice(0, n).join('/');
    if (wholeFolder(d)) return `"${d}/**"`;
  }
  const folder = [...new Set(files.map(dirOf))].find(wholeFolder);
  return folder ? `"${folder}/**"` : `"${first}"`;
}

function listed(items: readonly string[], max = 10): string {
  return items.length > max ? `${items.slice(0, max).join(', ')} and ${items.length - max} more` : items.join(', ');
}

interface HandedInTests {
  /** Test name → the test file defining it, for test files that handin entries take. */
  files: Map<string, { treePath: string; entry: number }>;
}

/** Tests defined by test files of the package that a handin entry takes from submissions. */
async function scanHandedInTests(dirs: string[], pkg: string, m: Manifest, staffFiles: ReadonlyMap<string, string>): Promise<HandedInTests> {
  const files = new Map<string, { treePath: string; entry: number }>();
  for (const dir of dirs) {
    let names: string[];
    try {
      names = await fs.readdir(dir);
    } catch {
      continue;
    }
    for (const name of names.filter((n) => n.endsWith('_test.go')).sort()) {
      const treePath = path.posix.join(pkg, name);
      const entry = handinEntryTaking(m, treePath);
      if (entry === undefined || staffFiles.has(treePath)) continue;
      const scanned = await scanPackage([dir], (n) => n === name);
      for (const test of scanned.tests) if (!files.has(test)) files.set(test, { treePath, entry });
    }
  }
  return { files };
}

function explainHandedInTests(h: HandedInTests, m: Manifest, matching: (name: string) => boolean): { message: string; fix: string } | undefined {
  const hits = [...h.files].filter(([name]) => matching(name));
  if (hits.length === 0) return undefined;
  const files = [...new Set(hits.map(([, f]) => f.treePath))];
  const entries = [...new Set(hits.map(([, f]) => f.entry))];
  const byPattern = entries.every((e) => m.handin[e]?.pattern !== undefined);
  const takers = entries.map((e) => (m.handin[e]?.pattern !== undefined ? `handin pattern ${m.handin[e]?.pattern} (/handin/${e})` : `handin path /handin/${e}`));
  return {
    message:
      `${hits.length === 1 ? 'the test it means is' : `the ${hits.length} tests it means are`} defined in ${listed(files, 5)}, ` +
      `which ${takers.join(' and ')} ${entries.length === 1 ? 'takes' : 'take'} from submissions, so ${files.length === 1 ? 'it is not a staff file' : 'they are not staff files'}`,
    fix: byPattern
      ? `keep staff tests out of the handin pattern: list ${files.length === 1 ? 'the file' : 'those files'} in its "exclude" (globs work: ${excludeExample(files)})`
      : 'a handin file holds the student\'s own tests, which are never graded as staff tests: define the test in a staff _test.go file, or correct the name',
  };
}

async function scanStaffTests(dirs: string[], pkg: string, staffFiles: Map<string, string>) {
  // Handin test files in the starter (stubs) are not staff tests.
  return scanPackage(dirs, (name) => !name.endsWith('_test.go') || staffFiles.has(path.posix.join(pkg, name)));
}

export function totalPoints(m: Manifest): number {
  let sum = 0;
  for (const c of m.checks) sum += c.points;
  for (const s of m.suites) {
    if (s.kind === 'gotest') sum += s.tests.reduce((a, t) => a + t.points, 0) + (s.leaks?.points ?? 0);
    else if (s.kind === 'scenario') for (const sc of s.scenarios) sum += sc.points;
    else sum += s.correct.points + s.buggy.reduce((a, b) => a + b.points, 0);
  }
  return Math.round(sum * 1e6) / 1e6;
}
