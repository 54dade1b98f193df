/**
 * Semantic rules (rules.ts): problems the schema cannot see because they need the project's files or
 * cross-references. Each case breaks one thing and expects exactly that issue, at that pointer.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { baseManifest, makeProject, MODULE_ROOT, summary, type Json, type Project } from './helpers.js';

let p: Project;
beforeEach(async () => {
  p = await makeProject();
});
afterEach(async () => {
  await p.cleanup();
});

function withSq(m: Json = baseManifest()): Json {
  m.suites.push({
    id: 'sq',
    kind: 'studenttests',
    package: 'sqpart',
    testFile: 'sqpart/squarer_test.go',
    implFile: 'sqpart/squarer_impl.go',
    correct: { points: 1 },
    buggy: [{ name: 'never-closes', file: 'buggy/never-closes.go', points: 2 }],
  });
  return m;
}

async function only(m: Json): Promise<string> {
  const issues = await p.issues(m);
  expect(summary(issues)).toHaveLength(1);
  return summary(issues)[0]!;
}

describe('graded go tests', () => {
  it('a test no staff file defines → /suites/0/tests/N/name', async () => {
    const m = baseManifest();
    m.suites[0].tests.push({ name: 'TestZeta', points: 1 }, { name: 'TestMissing', points: 1 });
    expect(await only(m)).toBe('/suites/0/tests/2/name: no staff test file in kvpart defines TestMissing');
  });

  it('a helper with a lower-case name is not a test', async () => {
    const m = baseManifest();
    m.suites[0].tests.push({ pattern: 'helper', points: 1 });
    expect(await only(m)).toBe('/suites/0/tests/1/pattern: pattern helper matches no staff test in kvpart');
  });

  it('an invalid regular expression', async () => {
    const m = baseManifest();
    m.suites[0].tests.push({ pattern: 'Test(Basic', points: 1 });
    expect(await only(m)).toMatch(/^\/suites\/0\/tests\/1\/pattern: invalid regular expression: /);
  });

  it('a pattern whose every match is already named explicitly matches nothing', async () => {
    const m = baseManifest();
    m.suites[0].tests.push({ pattern: '^TestBasic$', points: 1 });
    expect(await only(m)).toBe('/suites/0/tests/1/pattern: pattern ^TestBasic$ matches no staff test in kvpart: the test it matches is already graded by other entries (TestBasic)');
  });

  it('a test graded twice', async () => {
    const m = baseManifest();
    m.suites[0].tests.push({ name: 'TestBasic', points: 1 });
    expect(await only(m)).toBe('/suites/0/tests: test TestBasic is graded twice in suite kv');
  });

  it('a leak policy excluding a test the suite does not grade, or every test', async () => {
    const m = baseManifest();
    m.suites[0].tests.push({ pattern: 'Concurrent', points: 1 });
    m.suites[0].leaks = { points: 1, exclude: ['TestBasic', 'TestNope'] };
    expect(await only(m)).toBe('/suites/0/leaks/exclude/1: leaks.exclude names TestNope, which is not a test of suite kv');
    m.suites[0].leaks.exclude = ['TestBasic', 'TestConcurrentOne', 'TestConcurrentTwo'];
    expect(await only(m)).toBe('/suites/0/leaks/exclude: leaks.exclude excludes every test of suite kv, so nothing is judged');
    m.suites[0].leaks.exclude = ['TestBasic'];
    await expect(p.load(m)).resolves.toBeDefined();
  });

  it('staff tests that define TestMain', async () => {
    await p.put('staff/kvpart/main_test.go', 'package kvpart\n\nimport "testing"\n\nfunc TestMain(m *testing.M) { m.Run() }\n');
    const issues = await p.issues(baseManifest());
    expect(summary(issues)).toEqual(['/suites/0/package: staff tests in kvpart define TestMain (main_test.go)']);
    expect(issues[0]!.fix).toContain('TestMain');
  });

  it('a TestMain in a handed-in test stub is not a staff problem', async () => {
    await p.put(`starter/${MODULE_ROOT}/kvpart/student_test.go`, 'package kvpart\n\nimport "testing"\n\nfunc TestMain(m *testing.M) { m.Run() }\n');
    await expect(p.load(baseManifest())).resolves.toBeDefined();
  });
});

describe('handin', () => {
  it('a handin path that is also a staff overlay file', async () => {
    const m = baseManifest();
    m.handin.push({ path: 'kvpart/server_test.go' });
    expect(await only(m)).toBe('/handin/3/path: handin file kvpart/server_test.go is also a hidden staff file in staff');
  });

  it('a handin pattern that overlaps staff files: hidden ones must be excluded, starter ones are excluded or made handin paths', async () => {
    const m = baseManifest();
    m.handin.push({ pattern: 'kvpart/*.go' });
    const issues = await p.issues(m);
    expect(summary(issues)).toEqual([
      '/handin/3/pattern: handin pattern kvpart/*.go also matches hidden staff file(s) kvpart/helper.go, kvpart/server_test.go',
      '/handin/3/pattern: handin pattern kvpart/*.go also matches starter file(s) kvpart/server_api.go, which are neither excluded nor handin paths',
    ]);
    expect(issues[0]!.fix).toMatch(/^list them in this entry's "exclude"/);
    // A starter file may be a stub the students replace: the fix offers a path entry first (#15).
    expect(issues[1]!.fix).toContain('add {"path": "kvpart/server_api.go"} to "handin"');
    expect(issues[1]!.fix).toContain('"exclude"');
  });

  it('the same pattern is fine when the staff files are excluded, and they stay staff files', async () => {
    const m = baseManifest();
    m.handin.push({ pattern: 'kvpart/*.go', exclude: ['kvpart/server_api.go', 'kvpart/helper.go', 'kvpart/server_test.go'] });
    const { staffFiles } = await p.load(m);
    expect(staffFiles.has('kvpart/server_api.go')).toBe(true);
    expect(staffFiles.has('kvpart/server_test.go')).toBe(true);
    expect(staffFiles.has('kvpart/server_impl.go')).toBe(false);
  });

  it('a check naming a file that is not handed in', async () => {
    const m = baseManifest();
    m.checks = [{ id: 'fmt', kind: 'gofmt', files: ['kvpart/server_impl.go', 'kvpart/server_api.go'] }];
    expect(await only(m)).toBe('/checks/0/files/1: check "fmt" looks at kvpart/server_api.go, which is not a handin file');
  });

  it('a check naming no files', async () => {
    const m = baseManifest();
    m.checks = [{ id: 'fmt', kind: 'gofmt' }];
    expect(await only(m)).toBe('/checks/0/files: check "fmt" names no files');
  });

  it('a check naming a staff file that a handin pattern excludes', async () => {
    const m = baseManifest();
    m.handin.push({ pattern: 'kvpart/*.go', exclude: ['kvpart/server_api.go', 'kvpart/helper.go', 'kvpart/server_test.go'] });
    m.checks = [{ id: 'fmt', kind: 'gofmt', files: ['kvpart/server_impl.go', 'kvpart/server_api.go'] }];
    expect(await only(m)).toBe('/checks/0/files/1: check "fmt" looks at kvpart/server_api.go, which is not a handin file');
  });

  it('a check may name a handin pattern or a file it matches', async () => {
    const m = baseManifest();
    m.handin.push({ pattern: 'extra/*.go' });
    m.checks = [{ id: 'fmt', kind: 'gofmt', files: ['extra/*.go', 'extra/a.go'] }];
    await expect(p.load(m)).resolves.toBeDefined();
  });
});

describe('handin globs (#10 item 4, #15 item 3)', () => {
  const kvStaff = ['kvpart/server_api.go', 'kvpart/helper.go'];

  it('exclude globs count in the staff-collision check: one glob instead of every test file', async () => {
    const m = baseManifest();
    m.handin.push({ pattern: 'kvpart/*.go', exclude: [...kvStaff, 'kvpart/*_test.go'] });
    const { staffFiles } = await p.load(m);
    expect(staffFiles.has('kvpart/server_test.go')).toBe(true);
    expect(staffFiles.has('kvpart/server_api.go')).toBe(true);
  });

  it('`**` says "the whole tree", with glob excludes for the staff parts', async () => {
    const m = baseManifest();
    m.handin.push({ pattern: '**/*.go', exclude: [...kvStaff, '**/*_test.go', 'sqpart/squarer_impl.go'] });
    const { staffFiles } = await p.load(m);
    expect([...staffFiles.keys()].sort()).toEqual(['go.mod', 'kvpart/helper.go', 'kvpart/server_api.go', 'kvpart/server_test.go', 'sqpart/squarer_impl.go']);
  });

  it('a `**` pattern that also takes staff files lists them, hidden and starter apart', async () => {
    const m = baseManifest();
    m.handin.push({ pattern: '**/*.go', exclude: ['**/*_test.go'] });
    const issues = await p.issues(m);
    expect(summary(issues)).toEqual([
      '/handin/3/pattern: handin pattern **/*.go also matches hidden staff file(s) kvpart/helper.go',
      '/handin/3/pattern: handin pattern **/*.go also matches starter file(s) kvpart/server_api.go, sqpart/squarer_impl.go, which are neither excluded nor handin paths',
    ]);
    // kvpart/ also holds handin paths, so the suggestion is the file itself, never "kvpart/**".
    expect(issues[1]!.fix).toContain('(globs work: "kvpart/server_api.go")');
  });

  it('a folder that is staff through and through is suggested as one glob', async () => {
    await p.put(`starter/${MODULE_ROOT}/net/a.go`, 'package net\n');
    await p.put(`starter/${MODULE_ROOT}/net/b.go`, 'package net\n');
    const m = baseManifest();
    m.handin.push({ pattern: '**/*.go', exclude: ['kvpart/server_api.go', 'kvpart/helper.go', '**/*_test.go', 'sqpart/squarer_impl.go'] });
    const issues = await p.issues(m);
    expect(summary(issues)).toEqual(['/handin/3/pattern: handin pattern **/*.go also matches starter file(s) net/a.go, net/b.go, which are neither excluded nor handin paths']);
    expect(issues[0]!.fix).toContain('(globs work: "net/**")');
  });

  it('the fix for test files suggests one glob', async () => {
    const m = baseManifest();
    m.handin.push({ pattern: 'kvpart/*.go', exclude: kvStaff });
    await p.put('staff/kvpart/more_test.go', 'package kvpart\n');
    const issues = await p.issues(m);
    expect(summary(issues)).toEqual(['/handin/3/pattern: handin pattern kvpart/*.go also matches hidden staff file(s) kvpart/more_test.go, kvpart/server_test.go']);
    expect(issues[0]!.fix).toContain('"kvpart/*_test.go"');
  });

  it('a check glob inside a `**` handin pattern names handin files', async () => {
    const m = baseManifest();
    m.handin.push({ pattern: '**/*.go', exclude: [...kvStaff, '**/*_test.go', 'sqpart/squarer_impl.go', 'vendor/**'] });
    m.checks = [{ id: 'fmt', kind: 'gofmt', files: ['kvpart/*.go', 'extra/**/*.go'] }];
    await expect(p.load(m)).resolves.toBeDefined();
    m.checks[0].files.push('vendor/*.go');
    expect(await only(m)).toBe('/checks/0/files/2: check "fmt" looks at vendor/*.go, which is not a handin file');
  });

  it('a check glob wider than the handin list is fine when it covers handin files; one that covers none is not', async () => {
    const m = baseManifest();
    m.checks = [{ id: 'fmt', kind: 'gofmt', files: ['**/*.go', 'kvpart/*_impl.go'] }];
    await expect(p.load(m)).resolves.toBeDefined();
    m.checks[0].files.push('docs/**');
    expect(await only(m)).toBe('/checks/0/files/2: check "fmt" looks at docs/**, which is not a handin file');
  });

  it.each([
    ['kvpart/**.go', '`**` must be a whole folder name'],
    ['kvpart//*.go', 'has an empty folder name'],
    ['**/**/*.go', 'has `**/**`'],
  ])('a malformed glob %s is refused, naming the problem', async (glob, problem) => {
    const m = baseManifest();
    m.handin.push({ pattern: glob });
    const issues = await p.issues(m);
    expect(summary(issues)).toEqual([`/handin/3/pattern: handin pattern "${glob}" ${issues[0]!.message.slice(`handin pattern "${glob}" `.length)}`]);
    expect(issues[0]!.message).toContain(problem);
  });

  it('a malformed exclude glob is refused at its own pointer', async () => {
    const m = baseManifest();
    m.handin.push({ pattern: 'kvpart/*.go', exclude: [...kvStaff, 'kvpart/x**_test.go'] });
    expect(await only(m)).toMatch(/^\/handin\/3\/exclude\/2: exclude "kvpart\/x\*\*_test\.go" `\*\*` must be a whole folder name/);
  });

  it('"matches no staff test" names the real cause: the test files are taken by a handin pattern', async () => {
    await p.put(`starter/${MODULE_ROOT}/kvpart/course_test.go`, 'package kvpart\n\nimport "testing"\n\nfunc TestCourse1(t *testing.T) {}\n\nfunc TestCourse2(t *testing.T) {}\n');
    const m = baseManifest();
    m.handin.push({ pattern: 'kvpart/*.go', exclude: [...kvStaff, 'kvpart/server_test.go'] });
    m.suites[0].tests.push({ pattern: '^TestCourse', points: 1 }, { name: 'TestCourse1', points: 1 });
    const issues = await p.issues(m);
    expect(summary(issues)).toEqual([
      '/handin/3/pattern: handin pattern kvpart/*.go also matches starter file(s) kvpart/course_test.go, which are neither excluded nor handin paths',
      '/suites/0/tests/1/pattern: pattern ^TestCourse matches no staff test in kvpart: the 2 tests it means are defined in kvpart/course_test.go, which handin pattern kvpart/*.go (/handin/3) takes from submissions, so it is not a staff file',
      '/suites/0/tests/2/name: no staff test file in kvpart defines TestCourse1: the test it means is defined in kvpart/course_test.go, which handin pattern kvpart/*.go (/handin/3) takes from submissions, so it is not a staff file',
    ]);
    expect(issues[1]!.fix).toBe('keep staff tests out of the handin pattern: list the file in its "exclude" (globs work: "kvpart/*_test.go")');
    // With the exclude glob they are staff tests (today's bug: the glob was ignored, so they were not).
    m.handin[3].exclude.push('kvpart/*_test.go');
    m.suites[0].tests.pop();
    const { manifest } = await p.load(m);
    const suite = manifest.suites[0]!;
    expect(suite.kind === 'gotest' && suite.tests.map((t) => t.name)).toEqual(['TestBasic', 'TestCourse1', 'TestCourse2']);
  });

  it('"matches no staff test" with no test files taken lists the staff tests there are', async () => {
    const m = baseManifest();
    m.suites[0].tests.push({ pattern: '^TestNothing', points: 1 });
    const issues = await p.issues(m);
    expect(issues[0]!.fix).toBe('check the pattern against the test names (4 staff tests: TestZeta, TestBasic, TestConcurrentTwo, TestConcurrentOne)');
  });
});

describe('numbers (#10 item 9)', () => {
  it('two tests with one number are refused, naming both', async () => {
    const m = withSq();
    m.checks = [{ id: 'fmt', kind: 'gofmt', files: ['kvpart/server_impl.go'], number: '1.1' }];
    m.suites[0].tests[0].number = '1.2';
    m.suites[0].tests.push({ name: 'TestZeta', points: 1, number: '1.2' });
    m.suites[1].correct.number = '1.1';
    m.suites[1].buggy[0].number = '2.1';
    expect(summary(await p.issues(m))).toEqual([
      '/suites/0/tests/1/number: number 1.2 of test TestZeta is already used by test TestBasic (/suites/0/tests/0/number)',
      '/suites/1/correct/number: number 1.1 of sq/correct is already used by check fmt (/checks/0/number)',
    ]);
  });

  it('a scenario and a go test with one number are refused (P0 gave scenarios 3.1–3.4 that part A used)', async () => {
    await p.put('staff/srv/main.go', 'package main\n\nfunc main() {}\n');
    const m = baseManifest();
    m.suites[0].tests[0].number = '3.1';
    m.suites.push({
      id: 'sc',
      kind: 'scenario',
      programs: { srv: { package: 'srv' } },
      scenarios: [{ name: 'one', points: 1, number: '3.1', nodes: [{ name: 'a', program: 'srv' }], steps: [{ start: ['a'] }] }],
    });
    expect(summary(await p.issues(m))).toEqual(['/suites/1/scenarios/0/number: number 3.1 of scenario one is already used by test TestBasic (/suites/0/tests/0/number)']);
  });

  it('a numbered pattern that expands to several tests gives them all one number', async () => {
    const m = baseManifest();
    m.suites[0].tests.push({ pattern: '^TestConcurrent', points: 1, number: '2.1' });
    expect(await only(m)).toBe('/suites/0/tests/1/number: pattern ^TestConcurrent gives its number 2.1 to each of the 2 tests it matches');
  });
});

describe('go.version', () => {
  it('defaults to the `go` line of go.mod, and a disagreement is a warning', async () => {
    const m = baseManifest();
    expect((await p.load(m)).manifest.go.version).toBe('1.21');
    m.go.version = '1.21.5';
    expect((await p.load(m)).warnings).toEqual([]);
    m.go.version = '1.22';
    expect((await p.load(m)).warnings).toEqual([`go.version is 1.22 but starter/${MODULE_ROOT}/go.mod says go 1.21: both should name the Go the course uses`]);
  });
});

describe('ids', () => {
  it('duplicate check ids', async () => {
    const m = baseManifest();
    m.checks = [
      { id: 'fmt', kind: 'gofmt', files: ['kvpart/server_impl.go'] },
      { id: 'fmt', kind: 'gofmt', files: ['kvpart/server_impl.go'] },
    ];
    expect(await only(m)).toBe('/checks/1/id: duplicate check id "fmt"');
  });

  it('duplicate suite ids', async () => {
    const m = baseManifest();
    m.suites.push({ ...m.suites[0], tests: [{ name: 'TestZeta', points: 1 }] });
    expect(await only(m)).toBe('/suites/1/id: suite id "kv" is used twice or is reserved');
  });

  it.each(['build', 'check'])('reserved suite id %s', async (id) => {
    const m = baseManifest();
    m.suites[0].id = id;
    expect(await only(m)).toBe(`/suites/0/id: suite id "${id}" is used twice or is reserved`);
  });
});

describe('points and mutants', () => {
  it('totalPoints that does not match the sum', async () => {
    const m = withSq();
    m.checks = [{ id: 'fmt', kind: 'gofmt', points: 0.5, files: ['kvpart/server_impl.go'] }];
    m.totalPoints = 13;
    expect(await only(m)).toBe('/totalPoints: points add up to 13.5, but totalPoints is 13');
    m.totalPoints = 13.5;
    await expect(p.load(m)).resolves.toBeDefined();
    // A suite's leak item counts too.
    m.suites[0].leaks = { points: 1 };
    expect(await only(m)).toBe('/totalPoints: points add up to 14.5, but totalPoints is 13.5');
  });

  it('no points at all is a warning, not an error', async () => {
    const m = baseManifest();
    m.suites[0].tests[0].points = 0;
    const { warnings } = await p.load(m);
    expect(warnings).toEqual(['no check or test is worth any points']);
  });

  it('a mutant expected to score above the maximum', async () => {
    const m = baseManifest();
    m.mutants = [{ name: 'returns-nil', path: 'mutants/returns-nil', expectedScore: 10.5 }];
    expect(await only(m)).toBe('/mutants/0/expectedScore: expected score 10.5 is above the maximum 10');
    m.mutants[0].expectedScore = 10;
    await expect(p.load(m)).resolves.toBeDefined();
  });

  it('unknown catcher ids; suite tests, checks, build and studenttests variants are known', async () => {
    const m = withSq();
    m.checks = [{ id: 'fmt', kind: 'gofmt', files: ['kvpart/server_impl.go'] }];
    m.suites[0].tests.push({ pattern: 'Concurrent', points: 1 });
    m.mutants = [
      {
        name: 'returns-nil',
        path: 'mutants/returns-nil',
        expectedScore: 0,
        catchers: ['kv/TestBasic', 'kv/TestConcurrentOne', 'check/fmt', 'build', 'sq/correct', 'sq/never-closes', 'kv/TestNope', 'TestBasic', 'kv/leaks'],
      },
    ];
    expect(summary(await p.issues(m))).toEqual([
      '/mutants/0/catchers/6: unknown test id "kv/TestNope"',
      '/mutants/0/catchers/7: unknown test id "TestBasic"',
      '/mutants/0/catchers/8: unknown test id "kv/leaks"',
    ]);
    // A suite with a leak policy has the item <suite>/leaks.
    m.suites[0].leaks = { points: 0 };
    expect(summary(await p.issues(m))).toHaveLength(2);
  });

  it('a mutant laid over the reference when there is no reference', async () => {
    const m = baseManifest();
    delete m.reference;
    m.mutants = [{ name: 'returns-nil', path: 'mutants/returns-nil', expectedScore: 0, base: 'reference' }];
    const issues = await p.issues(m);
    expect(summary(issues)).toEqual(['/mutants/0/base: mutant "returns-nil" is laid over the reference, but the manifest names no "reference" (or "references")']);
    expect(issues[0]!.fix).toContain('add "reference"');
  });

  it('a score range that does not contain the expected score, or goes above the maximum', async () => {
    const m = baseManifest();
    m.mutants = [{ name: 'returns-nil', path: 'mutants/returns-nil', expectedScore: 5, scoreRange: [6, 8] }];
    expect(await only(m)).toBe('/mutants/0/scoreRange: score range [6, 8] does not contain the expected score 5');
    m.mutants[0].scoreRange = [4, 11];
    expect(await only(m)).toBe('/mutants/0/scoreRange: score range [4, 11] goes above the maximum 10');
    m.mutants[0].scoreRange = [4, 6];
    await expect(p.load(m)).resolves.toBeDefined();
  });

  it('a patch mutant: the patch must exist, and apply to the reference', async () => {
    const m = baseManifest();
    m.reference = 'reference';
    m.mutants = [{ name: 'no-comment', patch: 'mutants/no-comment/mutant.patch', expectedScore: 0 }];
    await expect(p.load(m)).resolves.toBeDefined();
    m.mutants[0].patch = 'mutants/nope.patch';
    expect(await only(m)).toBe('/mutants/0/patch: mutant patch not found: mutants/nope.patch');
    m.mutants[0].patch = 'mutants/no-comment/mutant.patch';
    await p.put('reference/server_impl.go', 'package kvpart\n\n// New was edited since the patch was made.\nfunc New() Server { return nil }\n');
    expect(await only(m)).toBe(
      '/mutants/0/patch: mutant "no-comment": its patch no longer applies to the reference: server_impl.go: hunk 1 (@@ -1,4 +1,3 @@) does not apply: its context and removed lines are not in the file; at line 3 the hunk expects "// New returns a new server. TODO: implement." but the file has "// New was edited since the patch was made."',
    );
    delete m.reference;
    expect(await only(m)).toBe('/mutants/0/patch: mutant "no-comment" is a patch of the reference, but the manifest names no "reference"');
  });

  it('a mutant has a path or a patch, not both and not neither', async () => {
    const m = baseManifest();
    m.reference = 'reference';
    m.mutants = [{ name: 'both', path: 'mutants/returns-nil', patch: 'mutants/no-comment/mutant.patch', expectedScore: 0 }];
    expect(await only(m)).toMatch(/^\/mutants\/0: must have only one of "path" or "patch"/);
    m.mutants = [{ name: 'neither', expectedScore: 0 }];
    expect(await only(m)).toMatch(/^\/mutants\/0: must have exactly one of "path" or "patch"/);
  });

  it('duplicate mutant names', async () => {
    const m = baseManifest();
    m.mutants = [
      { name: 'returns-nil', path: 'mutants/returns-nil', expectedScore: 0 },
      { name: 'returns-nil', path: 'mutants/returns-nil', expectedScore: 0 },
    ];
    expect(await only(m)).toBe('/mutants/1/name: duplicate mutant name "returns-nil"');
  });
});

describe('project files', () => {
  it('go.mod declaring another module', async () => {
    const m = baseManifest();
    m.go.module = 'example.com/other';
    const issues = await p.issues(m);
    expect(summary(issues)).toEqual(['/go/module: go.mod declares module "example.com/kv" but the manifest says "example.com/other"']);
    expect(issues[0]!.fix).toContain('"example.com/kv"');
  });

  it('a missing starter folder (nothing else can be checked)', async () => {
    const m = baseManifest();
    m.starter = 'startr';
    expect(await only(m)).toMatch(/^\/starter: starter folder not found: .*startr$/);
  });

  it('no go.mod at the module root', async () => {
    const m = baseManifest();
    m.go.moduleRoot = 'src/example.com';
    expect(await only(m)).toBe('/go/moduleRoot: no go.mod at starter/src/example.com/go.mod');
  });

  it('a missing staff folder', async () => {
    const m = baseManifest();
    m.staff = 'hidden';
    // Without the overlay, TestBasic is not defined either.
    expect(summary(await p.issues(m))).toEqual([
      `/staff: staff folder not found: ${p.dir}/hidden`,
      '/suites/0/tests/0/name: no staff test file in kvpart defines TestBasic',
    ]);
  });

  it('a package folder in neither the starter nor the staff folder', async () => {
    const m = baseManifest();
    m.suites[0].package = 'kvpartt';
    expect(await only(m)).toBe('/suites/0/package: package folder kvpartt exists in neither the starter nor the staff folder');
  });

  it('a package that exists only in the staff overlay is fine', async () => {
    await p.put('staff/hiddenpkg/x_test.go', 'package hiddenpkg\n\nimport "testing"\n\nfunc TestHidden(t *testing.T) {}\n');
    const m = baseManifest();
    m.suites.push({ id: 'h', kind: 'gotest', package: 'hiddenpkg', tests: [{ name: 'TestHidden', points: 1 }] });
    await expect(p.load(m)).resolves.toBeDefined();
  });

  it('a missing reference folder', async () => {
    const m = baseManifest();
    m.reference = 'ref';
    expect(await only(m)).toBe(`/reference: reference folder not found: ${p.dir}/ref`);
  });

  it('a missing folder in "references" points at that entry', async () => {
    const m = baseManifest();
    m.references = [
      { name: 'main', path: 'reference' },
      { name: 'other', path: 'reference-other' },
    ];
    expect(await only(m)).toBe(`/references/1/path: reference folder not found: ${p.dir}/reference-other`);
  });

  it('two references with one name', async () => {
    await p.put('reference-b/server_impl.go', 'package kvpart\n');
    const m = baseManifest();
    m.references = [
      { name: 'main', path: 'reference' },
      { name: 'main', path: 'reference-b' },
    ];
    const issues = await p.issues(m);
    expect(summary(issues)).toEqual(['/references/1/name: duplicate reference name "main"']);
    expect(issues[0]!.fix).toContain('its own name');
  });

  it('several references load, the first is the primary', async () => {
    await p.put('reference-b/server_impl.go', 'package kvpart\n');
    const m = baseManifest();
    m.references = [
      { name: 'main', path: 'reference' },
      { name: 'b', path: 'reference-b', description: 'takes other liberties' },
    ];
    m.mutants = [{ name: 'returns-nil', path: 'mutants/returns-nil', expectedScore: 0, base: 'reference' }];
    const { manifest } = await p.load(m);
    expect(manifest.references.map((r) => [r.name, r.path])).toEqual([
      ['main', `${p.dir}/reference`],
      ['b', `${p.dir}/reference-b`],
    ]);
    expect(manifest.reference).toBe(`${p.dir}/reference`);
  });

  it('a missing primary reference is one issue, also when mutants are laid over it', async () => {
    const m = baseManifest();
    m.references = [{ name: 'main', path: 'nowhere' }];
    m.mutants = [{ name: 'returns-nil', path: 'mutants/returns-nil', expectedScore: 0, base: 'reference' }];
    expect(await only(m)).toBe(`/references/0/path: reference folder not found: ${p.dir}/nowhere`);
  });

  it('a missing mutant', async () => {
    const m = baseManifest();
    m.mutants = [{ name: 'gone', path: 'mutants/gone', expectedScore: 0 }];
    expect(await only(m)).toBe('/mutants/0/path: mutant not found: mutants/gone');
  });

  it('a missing buggy implementation', async () => {
    const m = withSq();
    m.suites[1].buggy.push({ name: 'gone', file: 'buggy/gone.go', points: 1 });
    expect(await only(m)).toBe('/suites/1/buggy/1/file: buggy implementation not found: buggy/gone.go');
  });

  it('a studenttests testFile that is not a handin path', async () => {
    const m = withSq();
    m.suites[1].testFile = 'sqpart/other_test.go';
    expect(await only(m)).toBe('/suites/1/testFile: testFile sqpart/other_test.go is not a handin path');
  });

  it('a studenttests implFile that is not a staff file', async () => {
    const m = withSq();
    m.suites[1].implFile = 'sqpart/squarer_test.go';
    expect(await only(m)).toBe('/suites/1/implFile: implFile sqpart/squarer_test.go is not a staff file of the starter');
  });
});

it('reports every semantic problem at once', async () => {
  const m = withSq();
  m.go.module = 'example.com/other';
  m.handin.push({ path: 'kvpart/server_test.go' });
  m.checks = [
    { id: 'fmt', kind: 'gofmt', files: ['kvpart/server_api.go'] },
    { id: 'fmt', kind: 'gofmt', files: ['kvpart/server_impl.go'] },
  ];
  m.suites[0].tests.push({ name: 'TestMissing', points: 1 }, { pattern: '(', points: 1 });
  m.suites[1].testFile = 'sqpart/other_test.go';
  m.suites.push({ id: 'build', kind: 'gotest', package: 'nope', tests: [{ name: 'TestX', points: 1 }] });
  m.totalPoints = 1;
  m.reference = 'ref';
  m.mutants = [{ name: 'gone', path: 'mutants/gone', expectedScore: 99, catchers: ['kv/TestNope'] }];
  const pointers = (await p.issues(m)).map((i) => i.pointer);
  expect(pointers).toEqual([
    '/go/module',
    '/handin/3/path',
    '/checks/0/files/0',
    '/checks/1/id',
    '/suites/0/tests/1/name',
    '/suites/0/tests/2/pattern',
    '/suites/1/testFile',
    '/suites/2/id',
    '/suites/2/package',
    '/totalPoints',
    '/reference',
    '/mutants/0/path',
    '/mutants/0/expectedScore',
    '/mutants/0/catchers/0',
  ]);
});

describe('gate policy', () => {
  it('an entry that is no rule → /gate/deny/N, with the forms in the fix', async () => {
    const m = baseManifest();
    m.gate = { deny: ['reflect', 'not a rule'] };
    expect(await only(m)).toBe('/gate/deny/1: rule "not a rule" contains a space or a quote');
  });

  it('an allowance that lifts a default rule loads, with a warning naming the risk', async () => {
    const m = baseManifest();
    m.gate = { allow: ['os/exec'] };
    const { manifest, warnings } = await p.load(m);
    expect(manifest.gate).toEqual({ deny: [], allow: ['os/exec'] });
    expect(warnings).toEqual([expect.stringMatching(/^gate\.allow "os\/exec" lifts the default rule "os\/exec": a program started from your code inherits/)]);
  });
});
