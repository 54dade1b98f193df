/**
 * Schema errors: every problem reported at once, one issue per problem (no echoes from oneOf/anyOf/if
 * wrappers), each with the file, a JSON pointer to the offending value and a fix.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { editDistance, nearest, schemaIssues } from '../../src/manifest/schema-errors.js';
import { baseManifest, makeProject, summary, type Json, type Project } from './helpers.js';

let p: Project;
beforeEach(async () => {
  p = await makeProject();
});
afterEach(async () => {
  await p.cleanup();
});

function broken(change: (m: Json) => void): Json {
  const m = baseManifest();
  change(m);
  return m;
}

describe('one schema problem → exactly one issue', () => {
  it.each<[string, (m: Json) => void, string, RegExp]>([
    ['unknown test property', (m) => (m.suites[0].tests[0].pionts = 1), '/suites/0/tests/0/pionts: unknown property "pionts"', /did you mean "points"\?/],
    ['unknown suite property (behind if/then)', (m) => (m.suites[0].pakage = 'kvpart'), '/suites/0/pakage: unknown property "pakage"', /did you mean "package"\?/],
    ['unknown handin property', (m) => (m.handin[0].requierd = true), '/handin/0/requierd: unknown property "requierd"', /did you mean "required"\?/],
    ['unknown check property', (m) => (m.checks = [{ id: 'fmt', kind: 'gofmt', fils: ['kvpart/server_impl.go'] }]), '/checks/0/fils: unknown property "fils"', /did you mean "files"\?/],
    ['unknown go property', (m) => (m.go.modul = 'x'), '/go/modul: unknown property "modul"', /did you mean "module"\?/],
    ['unknown top-level property', (m) => (m.titel = 'x'), '/titel: unknown property "titel"', /did you mean "title"\?/],
    ['unrelated unknown property', (m) => (m.suites[0].tests[0].zzzzzzzz = 1), '/suites/0/tests/0/zzzzzzzz: unknown property "zzzzzzzz"', /^remove it; known properties here: name, pattern, displayName, points/],
    ['missing required top-level field', (m) => delete m.title, '/: missing required property "title"', /add "title"/],
    ['missing required suite field', (m) => delete m.suites[0].package, '/suites/0: missing required property "package"', /add "package"/],
    ['missing test points', (m) => delete m.suites[0].tests[0].points, '/suites/0/tests/0: missing required property "points"', /add "points"/],
    ['wrong type', (m) => (m.suites[0].tests[0].points = '10'), '/suites/0/tests/0/points: must be number', /number/],
    ['wrong type of an array', (m) => (m.handin = { path: 'x' }), '/handin: must be array', /array/],
    ['bad visibility', (m) => (m.suites[0].tests[0].visibility = 'secret'), '/suites/0/tests/0/visibility: must be one of "hidden", "after_due_date", "after_published", "visible"', /listed values/],
    ['bad test name', (m) => (m.suites[0].tests[0].name = 'testBasic'), '/suites/0/tests/0/name: must match the pattern ^Test[A-Za-z0-9_]*$', /TestXxx; use "pattern"/],
    ['bad project name', (m) => (m.name = 'Tiny Project'), '/name: must match the pattern ^[a-z0-9][a-z0-9-]*$', /lower-case letters/],
    ['test with name and pattern', (m) => (m.suites[0].tests[0].pattern = 'Basic'), '/suites/0/tests/0: must have only one of "name" or "pattern"', /keep only one of "name" or "pattern"/],
    ['test with neither name nor pattern', (m) => delete m.suites[0].tests[0].name, '/suites/0/tests/0: must have exactly one of "name" or "pattern"', /add "name" or "pattern"/],
    ['handin entry with path and pattern', (m) => (m.handin[0].pattern = 'kvpart/*.go'), '/handin/0: must have only one of "path" or "pattern"', /keep only one of "path" or "pattern"/],
    ['handin entry with neither', (m) => (m.handin[0] = { required: true }), '/handin/0: must have exactly one of "path" or "pattern"', /add "path" or "pattern"/],
    ['imports check with neither allow nor deny', (m) => (m.checks = [{ id: 'imp', kind: 'imports', files: ['kvpart/server_impl.go'] }]), '/checks/0: must have at least one of "allow" or "deny"', /add "allow" or "deny"/],
    ['chanbuf check without maxBuffer', (m) => (m.checks = [{ id: 'cb', kind: 'chanbuf', files: ['kvpart/server_impl.go'] }]), '/checks/0: missing required property "maxBuffer"', /add "maxBuffer"/],
    ['repeat above the maximum', (m) => (m.suites[0].tests[0].repeat = 1000), '/suites/0/tests/0/repeat: must be <= 100', /change the number/],
    ['zero timeout', (m) => (m.suites[0].tests[0].timeoutSec = 0), '/suites/0/tests/0/timeoutSec: must be > 0', /change the number/],
    // Node's timers overflow past 2^31 ms: 3000000 s would fire after a few ms and fail every test.
    ['a test timeout beyond a day', (m) => (m.suites[0].tests[0].timeoutSec = 3_000_000), '/suites/0/tests/0/timeoutSec: must be <= 86400 (seconds: one day)', /give it in seconds, e\.g\. 60/],
    ['a suite timeout beyond a day', (m) => (m.suites[0].timeoutSec = 90_000), '/suites/0/timeoutSec: must be <= 86400 (seconds: one day)', /seconds/],
    ['a build timeout beyond a day', (m) => (m.go.buildTimeoutSec = 1e9), '/go/buildTimeoutSec: must be <= 86400 (seconds: one day)', /timers overflow/],
    ['empty suites', (m) => (m.suites = []), '/suites: must have at least 1 item(s)', /add/],
    ['both "reference" and "references"', (m) => ((m.reference = 'reference'), (m.references = [{ name: 'main', path: 'reference' }])), '/: "reference" and "references" cannot both be given', /keep only one of "reference" and "references": "reference": "dir" is shorthand/],
    ['a reference entry without a path', (m) => (m.references = [{ name: 'main' }]), '/references/0: missing required property "path"', /add "path"/],
    ['a reference name with capitals', (m) => (m.references = [{ name: 'Main', path: 'reference' }]), '/references/0/name: must match the pattern ^[a-z0-9][a-z0-9-]*$', /lower-case letters/],
    ['an empty references list', (m) => (m.references = []), '/references: must have at least 1 item(s)', /add/],
    ['studenttests without buggy', (m) => m.suites.push({ id: 'sq', kind: 'studenttests', package: 'sqpart', testFile: 'sqpart/squarer_test.go', implFile: 'sqpart/squarer_impl.go', correct: { points: 1 } }), '/suites/1: missing required property "buggy"', /add "buggy"/],
  ])('%s', async (_what, change, expected, fix) => {
    const issues = await p.issues(broken(change));
    expect(summary(issues)).toEqual([expected]);
    expect(issues[0]!.fix).toMatch(fix);
  });
});

it('reports a bad suite kind once, listing the kinds', async () => {
  const issues = await p.issues(broken((m) => (m.suites[0].kind = 'gotests')));
  expect(issues).toHaveLength(1);
  expect(issues[0]!.pointer).toBe('/suites/0/kind');
  expect(issues[0]!.message).toMatch(/^must be one of "gotest", "studenttests"/);
});

it('names only the alternatives that are present when there are too many', async () => {
  const issues = await p.issues(broken((m) => (m.handin[0] = { path: 'a.go', pattern: '*.go', required: true })));
  expect(summary(issues)).toEqual(['/handin/0: must have only one of "path" or "pattern"']);
});

it('merges the type errors of alternatives into one issue', () => {
  const at = '/suites/0/x';
  const errors = ['string', 'array'].map((type, i) => ({ keyword: 'type', instancePath: at, schemaPath: `#/oneOf/${i}/type`, params: { type } }));
  errors.push({ keyword: 'oneOf', instancePath: at, schemaPath: '#/oneOf', params: { passingSchemas: null } } as never);
  expect(summary(schemaIssues('f', errors, {}))).toEqual([`${at}: must be string or array`]);
});

it('reports every schema problem at once, each with its own pointer', async () => {
  const issues = await p.issues(
    broken((m) => {
      m.pionts = 1;
      delete m.title;
      m.handin[1].pattern = 'kvpart/*_test.go';
      m.suites[0].tests[0].points = 'ten';
      m.suites[0].tests.push({ name: 'TestZeta', pattern: 'Zeta', points: 1 });
      m.suites[0].tests.push({ points: 1 });
      m.suites[0].tests.push({ name: 'TestBasic', points: 1, visibility: 'public' });
      m.suites.push({ id: 'x', kind: 'gotest', package: 'kvpart', tests: [{ name: 'Basic', points: 1 }], timeout: 3 });
    }),
  );
  expect(summary(issues).sort()).toEqual(
    [
      '/: missing required property "title"',
      '/pionts: unknown property "pionts"',
      '/handin/1: must have only one of "path" or "pattern"',
      '/suites/0/tests/0/points: must be number',
      '/suites/0/tests/1: must have only one of "name" or "pattern"',
      '/suites/0/tests/2: must have exactly one of "name" or "pattern"',
      '/suites/0/tests/3/visibility: must be one of "hidden", "after_due_date", "after_published", "visible"',
      '/suites/1/timeout: unknown property "timeout"',
      '/suites/1/tests/0/name: must match the pattern ^Test[A-Za-z0-9_]*$',
    ].sort(),
  );
  expect(issues.find((i) => i.pointer === '/suites/1/timeout')!.fix).toContain('did you mean "timeoutSec"?');
});

it('does not run semantic rules when the schema fails', async () => {
  // TestNope is not defined by any staff test, but only the schema problem is reported.
  const issues = await p.issues(broken((m) => (m.suites[0].tests = [{ name: 'TestNope', points: 1, race: 'yes' }])));
  expect(summary(issues)).toEqual(['/suites/0/tests/0/race: must be boolean']);
});

describe('typo suggestions', () => {
  it('nearest picks the closest key only when it is plausibly a typo', () => {
    expect(nearest('pionts', ['name', 'points', 'pattern'])).toBe('points');
    expect(nearest('Points', ['points'])).toBe('points');
    expect(nearest('timeout', ['timeoutSec', 'race'])).toBe('timeoutSec');
    expect(nearest('zzzzzzzz', ['points', 'name'])).toBeUndefined();
    expect(nearest('x', [])).toBeUndefined();
  });

  it('editDistance is the Levenshtein distance', () => {
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('', 'abc')).toBe(3);
    expect(editDistance('same', 'same')).toBe(0);
  });
});

it('suggests the key a typo is a prefix of only when exactly one key extends it', () => {
  expect(nearest('buildTimeout', ['moduleRoot', 'module', 'buildTimeoutSec'])).toBe('buildTimeoutSec');
  expect(nearest('max', ['maxLines', 'maxBytes', 'maxBuffer'])).toBeUndefined();
  expect(nearest('maxB', ['maxLines', 'maxBytes', 'maxBuffer'])).toBeUndefined();
});
