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
    expect(await only(m)).toBe('/suites/0/tests/1/pattern: pattern ^TestBasic$ matches no staff test in kvpart');
  });

  it('a test graded twice', async () => {
    const m = baseManifest();
    m.suites[0].tests.push({ name: 'TestBasic', points: 1 });
    expect(await only(m)).toBe('/suites/0/tests: test TestBasic is graded twice in suite kv');
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

  it('a handin pattern that overlaps staff files, listing them', async () => {
    const m = baseManifest();
    m.handin.push({ pattern: 'kvpart/*.go' });
    expect(await only(m)).toBe('/handin/3/pattern: handin pattern kvpart/*.go also matches staff file(s) kvpart/server_api.go, kvpart/helper.go, kvpart/server_test.go');
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
        catchers: ['kv/TestBasic', 'kv/TestConcurrentOne', 'check/fmt', 'build', 'sq/correct', 'sq/never-closes', 'kv/TestNope', 'TestBasic'],
      },
    ];
    expect(summary(await p.issues(m))).toEqual(['/mutants/0/catchers/6: unknown test id "kv/TestNope"', '/mutants/0/catchers/7: unknown test id "TestBasic"']);
  });

  it('a mutant laid over the reference when there is no reference', async () => {
    const m = baseManifest();
    delete m.reference;
    m.mutants = [{ name: 'returns-nil', path: 'mutants/returns-nil', expectedScore: 0, base: 'reference' }];
    const issues = await p.issues(m);
    expect(summary(issues)).toEqual(['/mutants/0/base: mutant "returns-nil" is laid over the reference, but the manifest names no "reference"']);
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
