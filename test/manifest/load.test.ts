/**
 * loadManifest end to end on the tiny fixture: defaults, absolute paths, pattern expansion, locating
 * the file, JSON syntax errors, and how a ManifestError describes itself.
 */
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DsgradeError, ManifestError } from '../../src/errors.js';
import { jsonErrorOffset, loadManifest } from '../../src/manifest/load.js';
import type { GoTestSuite, StudentTestSuite } from '../../src/manifest/types.js';
import { baseManifest, makeProject, MODULE_ROOT, summary, type Project } from './helpers.js';

let p: Project;
beforeEach(async () => {
  p = await makeProject();
});
afterEach(async () => {
  await p.cleanup();
});

async function thrown(promise: Promise<unknown>): Promise<DsgradeError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(DsgradeError);
  return err as DsgradeError;
}

function gotest(suite: unknown): GoTestSuite {
  expect((suite as GoTestSuite).kind).toBe('gotest');
  return suite as GoTestSuite;
}

describe('a valid minimal manifest', () => {
  it('loads with every default applied and project paths absolute', async () => {
    const { manifest: m, warnings, staffFiles } = await p.load();
    expect(warnings).toEqual([]);
    expect(m.file).toBe(p.file);
    expect(m.dir).toBe(p.dir);
    expect(m.name).toBe('tiny');
    expect(m.totalPoints).toBeUndefined();
    expect(m.starter).toBe(path.join(p.dir, 'starter'));
    expect(m.staff).toBe(path.join(p.dir, 'staff'));
    expect(path.isAbsolute(m.starter)).toBe(true);
    expect(m.reference).toBeUndefined();
    // Without go.version, the `go` line of go.mod names the course's Go.
    expect(m.go).toEqual({ moduleRoot: MODULE_ROOT, module: 'example.com/kv', version: '1.21', allowDownloads: false, buildTimeoutSec: 180 });
    expect(m.limits).toEqual({ testOutputBytes: 65_536, processOutputBytes: 8 * 1024 * 1024 });
    expect(m.handin[0]).toEqual({ path: 'kvpart/server_impl.go', pattern: undefined, exclude: [], required: true, maxBytes: 1024 * 1024 });
    expect(m.checks).toEqual([]);
    expect(m.mutants).toEqual([]);
    const suite = gotest(m.suites[0]);
    expect(suite.name).toBe('kv');
    expect(suite.package).toBe('kvpart');
    expect(suite.tests).toEqual([
      {
        name: 'TestBasic',
        displayName: 'TestBasic',
        points: 10,
        number: undefined,
        visibility: 'visible',
        tags: [],
        timeoutSec: 60,
        race: false,
        runs: 1,
        passRule: { rule: 'all' },
        exclusive: false,
        description: undefined,
      },
    ]);
    // Staff files: starter minus handin, plus the overlay; absolute paths.
    expect([...staffFiles.keys()].sort()).toEqual([
      'go.mod',
      'kvpart/helper.go',
      'kvpart/server_api.go',
      'kvpart/server_test.go',
      'sqpart/squarer_impl.go',
    ]);
    expect(staffFiles.get('kvpart/server_test.go')).toBe(path.join(p.dir, 'staff', 'kvpart', 'server_test.go'));
    expect(staffFiles.get('kvpart/server_api.go')).toBe(path.join(p.dir, 'starter', MODULE_ROOT, 'kvpart', 'server_api.go'));
  });

  it('defaults a pattern handin entry to not required, and trims ./ and slashes from tree paths', async () => {
    const raw = baseManifest();
    raw.go.moduleRoot = `./${MODULE_ROOT}/`;
    raw.handin.push({ pattern: 'sqpart/*_test.go' }, { path: '/sqpart/notes.txt/', required: false });
    raw.suites[0].package = './kvpart/';
    const { manifest: m } = await p.load(raw);
    expect(m.go.moduleRoot).toBe(MODULE_ROOT);
    expect(m.handin[3]).toEqual({ path: undefined, pattern: 'sqpart/*_test.go', exclude: [], required: false, maxBytes: 1024 * 1024 });
    expect(m.handin[4]).toMatchObject({ path: 'sqpart/notes.txt', required: false });
    expect(gotest(m.suites[0]).package).toBe('kvpart');
  });

  it('inherits suite timeout, race, visibility and tags into tests that do not set them', async () => {
    const raw = baseManifest();
    Object.assign(raw.suites[0], { timeoutSec: 5, race: true, visibility: 'hidden', tags: ['kv'] });
    raw.suites[0].tests.push({ name: 'TestZeta', points: 1, timeoutSec: 9, race: false, visibility: 'after_due_date', tags: ['slow'] });
    const { manifest: m } = await p.load(raw);
    const [inherits, own] = gotest(m.suites[0]).tests;
    expect(inherits).toMatchObject({ timeoutSec: 5, race: true, visibility: 'hidden', tags: ['kv'] });
    expect(own).toMatchObject({ timeoutSec: 9, race: false, visibility: 'after_due_date', tags: ['kv', 'slow'] });
  });

  it('defaults a studenttests suite (timeout 30, one run, requireCorrectPass, absolute buggy files)', async () => {
    const raw = baseManifest();
    raw.suites.push({
      id: 'sq',
      kind: 'studenttests',
      package: 'sqpart',
      testFile: 'sqpart/squarer_test.go',
      implFile: 'sqpart/squarer_impl.go',
      correct: { points: 1 },
      buggy: [{ name: 'never-closes', file: 'buggy/never-closes.go', points: 2 }],
    });
    const { manifest: m } = await p.load(raw);
    const s = m.suites[1] as StudentTestSuite;
    expect(s).toMatchObject({ kind: 'studenttests', name: 'sq', timeoutSec: 30, repeat: 1, race: false, visibility: 'visible', tags: [], requireCorrectPass: true });
    expect(s.buggy).toEqual([{ name: 'never-closes', file: path.join(p.dir, 'buggy', 'never-closes.go'), points: 2 }]);
  });
});

describe('pattern tests', () => {
  it('expand to one spec per matching staff test, in source order, skipping tests named explicitly', async () => {
    const raw = baseManifest();
    raw.suites[0].tests = [
      { pattern: '^TestConcurrent', points: 2, timeoutSec: 7, tags: ['conc'], number: '2.1' },
      { name: 'TestConcurrentOne', points: 5 },
      { pattern: 'Test', points: 1 },
    ];
    const { manifest: m } = await p.load(raw);
    const tests = gotest(m.suites[0]).tests;
    // staff/kvpart/server_test.go defines TestZeta, TestBasic, TestConcurrentTwo, TestConcurrentOne.
    expect(tests.map((t) => `${t.name}=${t.points}`)).toEqual(['TestConcurrentTwo=2', 'TestConcurrentOne=5', 'TestZeta=1', 'TestBasic=1']);
    expect(tests[0]).toMatchObject({ displayName: 'TestConcurrentTwo', timeoutSec: 7, tags: ['conc'], number: '2.1' });
    for (const t of tests) expect(t).not.toHaveProperty('pattern');
  });

  it('count toward totalPoints once per expanded test', async () => {
    const raw = baseManifest();
    raw.totalPoints = 15;
    raw.suites[0].tests.push({ pattern: '^TestConcurrent', points: 2.5 });
    await expect(p.load(raw)).resolves.toBeDefined();
  });

  it('do not see tests defined in handin test files of the starter (stubs)', async () => {
    // kvpart/student_test.go in the starter defines TestStubOnly but is handed in.
    const raw = baseManifest();
    raw.suites[0].tests.push({ pattern: 'Stub', points: 1 });
    raw.suites[0].tests.push({ name: 'TestStubOnly', points: 1 });
    const issues = await p.issues(raw);
    expect(summary(issues)).toEqual([
      '/suites/0/tests/1/pattern: pattern Stub matches no staff test in kvpart: the test it means is defined in kvpart/student_test.go, which handin path /handin/1 takes from submissions, so it is not a staff file',
      '/suites/0/tests/2/name: no staff test file in kvpart defines TestStubOnly: the test it means is defined in kvpart/student_test.go, which handin path /handin/1 takes from submissions, so it is not a staff file',
    ]);
    expect(issues[0]!.fix).toMatch(/^a handin file holds the student's own tests/);
    // The same file is a staff test once it is no longer handed in.
    raw.handin.splice(1, 1);
    raw.suites[0].tests.pop();
    const { manifest: m } = await p.load(raw);
    expect(gotest(m.suites[0]).tests.map((t) => t.name)).toEqual(['TestBasic', 'TestStubOnly']);
  });

  it('work for a package at the module root', async () => {
    await p.put(`starter/${MODULE_ROOT}/root.go`, 'package kv\n');
    await p.put('staff/root_test.go', 'package kv\n\nimport "testing"\n\nfunc TestRoot(t *testing.T) {}\n');
    const raw = baseManifest();
    raw.suites.push({ id: 'root', kind: 'gotest', package: '.', tests: [{ name: 'TestRoot', points: 1 }] });
    const { manifest: m } = await p.load(raw);
    expect(gotest(m.suites[1]).tests.map((t) => t.name)).toEqual(['TestRoot']);
  });
});

describe('locating the manifest', () => {
  it('accepts the project folder or the dsgrade.json file itself', async () => {
    await p.write(baseManifest());
    expect((await loadManifest(p.dir)).manifest.file).toBe(p.file);
    expect((await loadManifest(p.file)).manifest.file).toBe(p.file);
  });

  it('reports a missing project folder as MANIFEST_NOT_FOUND with a fix', async () => {
    const err = await thrown(loadManifest(path.join(p.dir, 'nope')));
    expect(err.code).toBe('MANIFEST_NOT_FOUND');
    expect(err.message).toContain('nope');
    expect(err.fix).toBeTruthy();
    expect(err.describe()).toContain('fix:');
  });

  it('reports a folder without dsgrade.json as MANIFEST_NOT_FOUND naming the file', async () => {
    const err = await thrown(loadManifest(p.dir));
    expect(err.code).toBe('MANIFEST_NOT_FOUND');
    expect(err.file).toBe(p.file);
    expect(err.fix).toContain('dsgrade.json');
  });
});

describe('JSON syntax errors', () => {
  it.each([
    ['a trailing comma', '{\n  "name": "tiny",\n}', 3, 1],
    ['a missing comma', '{\n  "name": "tiny"\n  "title": "t"\n}', 3, 3],
    ['a missing value', '{\n  "name": }', 2, 11],
    ['a bad literal', '{\n  "name": tru\n}', 2, 11],
    ['an unterminated object', '{\n  "name": "tiny"', 2, 17],
    ['an empty file', '', 1, 1],
    ['a comment', '{\n  // hi\n  "name": "tiny"\n}', 2, 3],
  ])('%s → MANIFEST_PARSE with line and column', async (_what, text, line, column) => {
    await p.write(text);
    const err = await thrown(loadManifest(p.dir));
    expect(err.code).toBe('MANIFEST_PARSE');
    expect(err.message).toContain(`at line ${line}, column ${column}`);
    expect(err.message).toContain(p.file);
    expect(err.file).toBe(p.file);
    expect(err.fix).toMatch(/JSON syntax/);
    expect(err.cause).toBeInstanceOf(SyntaxError);
  });

  it('jsonErrorOffset returns the length of valid JSON and the offset of the first bad character', () => {
    const valid = '{"a": [1, -2.5e3, {"b": null}], "c": "\\u00e9\\n", "d": true}';
    expect(() => JSON.parse(valid)).not.toThrow();
    expect(jsonErrorOffset(valid)).toBe(valid.length);
    expect(jsonErrorOffset('[1, 2,]')).toBe(6);
    expect(jsonErrorOffset('{"a": "x\ny"}')).toBe(8);
    expect(jsonErrorOffset('[01]')).toBe(2);
    expect(jsonErrorOffset('{} {}')).toBe(3);
  });
});

describe('ManifestError', () => {
  it('lists every issue with its pointer, message and fix in describe()', async () => {
    const raw = baseManifest();
    raw.suites[0].tests[0].pionts = 1;
    raw.handin[0].pattern = '*.go';
    const err = await thrown(p.load(raw));
    expect(err).toBeInstanceOf(ManifestError);
    const me = err as ManifestError;
    expect(me.issues).toHaveLength(2);
    const text = me.describe();
    expect(text.split('\n')[0]).toBe(`invalid project manifest: ${p.file} (2 problems)`);
    for (const issue of me.issues) {
      expect(text).toContain(`${p.file} ${issue.pointer}: ${issue.message}`);
      expect(text).toContain(`fix: ${issue.fix}`);
    }
    expect(text).toContain('/suites/0/tests/0/pionts: unknown property "pionts"');
    expect(text).toContain('did you mean "points"?');
    expect(text).toContain('/handin/0: ');
  });
});
