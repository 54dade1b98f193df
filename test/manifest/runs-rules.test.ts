/** `runs` and `passRule` in the manifest: aliases, suite defaults, refused pairs, warnings. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GoTestSuite } from '../../src/manifest/types.js';
import { baseManifest, makeProject, type Json, type Project } from './helpers.js';

let p: Project;
beforeAll(async () => {
  p = await makeProject();
});
afterAll(async () => {
  await p.cleanup();
});

const withTest = (test: Json, suite: Json = {}): Json => {
  const m = baseManifest();
  Object.assign(m.suites[0], suite);
  m.suites[0].tests = [{ name: 'TestBasic', points: 10, ...test }];
  return m;
};
const testOf = async (test: Json, suite: Json = {}) => {
  const loaded = await p.load(withTest(test, suite));
  return { test: (loaded.manifest.suites[0] as GoTestSuite).tests[0]!, warnings: loaded.warnings };
};

describe('runs and passRule', () => {
  it('default to one run under "all"; repeat and partialCredit are their older names', async () => {
    expect((await testOf({})).test).toMatchObject({ runs: 1, passRule: { rule: 'all' } });
    expect((await testOf({ repeat: 3 })).test).toMatchObject({ runs: 3, passRule: { rule: 'all' } });
    expect((await testOf({ repeat: 3, partialCredit: true })).test).toMatchObject({ runs: 3, passRule: { rule: 'rate' } });
    expect((await testOf({ runs: 8, passRule: { minRate: 0.75 } })).test).toMatchObject({ runs: 8, passRule: { rule: 'threshold', minRate: 0.75 } });
  });

  it('a suite sets the defaults; a test setting either name wins', async () => {
    const suite = { runs: 4, passRule: 'rate', seedReplays: 'the same network faults' };
    expect((await testOf({}, suite)).test).toMatchObject({ runs: 4, passRule: { rule: 'rate' } });
    expect((await testOf({ repeat: 2, partialCredit: false }, suite)).test).toMatchObject({ runs: 2, passRule: { rule: 'all' } });
    const loaded = await p.load(withTest({}, suite));
    expect((loaded.manifest.suites[0] as GoTestSuite).seedReplays).toBe('the same network faults');
  });

  it('refuses a setting together with its alias on one test, naming the file, the place and the fix', async () => {
    const issues = await p.issues(withTest({ runs: 8, repeat: 3, passRule: 'rate', partialCredit: true }));
    expect(issues.map((i) => [i.file, i.pointer])).toEqual([
      [p.file, '/suites/0/tests/0/repeat'],
      [p.file, '/suites/0/tests/0/partialCredit'],
    ]);
    expect(issues[0]!.message).toBe('test TestBasic sets both "runs" (8) and "repeat" (3), which are one setting under two names');
    expect(issues[0]!.fix).toMatch(/keep "runs".*remove "repeat"/);
    expect(issues[1]!.fix).toMatch(/true is "passRule": "rate"/);
  });

  it('the schema refuses rates outside (0, 1] and unknown rules', async () => {
    expect((await p.issues(withTest({ runs: 4, passRule: { minRate: 0 } }))).length).toBeGreaterThan(0);
    expect((await p.issues(withTest({ runs: 4, passRule: { minRate: 1.5 } }))).length).toBeGreaterThan(0);
    expect((await p.issues(withTest({ runs: 4, passRule: 'majority' }))).length).toBeGreaterThan(0);
  });

  it('warns about a rule that cannot do what it says with the runs it has', async () => {
    expect((await testOf({ passRule: 'rate' })).warnings).toContain('kv/TestBasic: passRule "rate" with a single run scores all or nothing: set "runs" to 2 or more');
    expect((await testOf({ runs: 3, passRule: { minRate: 0.75 } })).warnings).toContain(
      'kv/TestBasic: minRate 0.75 of 3 runs needs all 3 to pass, the same as "all": set "runs" to 4 or more, or use "passRule": "all"',
    );
    expect((await testOf({ runs: 4, passRule: { minRate: 1 } })).warnings).toContain('kv/TestBasic: {"minRate": 1} is the rule "all": write "passRule": "all"');
    expect((await testOf({ runs: 4, passRule: { minRate: 0.75 } })).warnings.filter((w) => w.startsWith('kv/'))).toEqual([]);
  });
});
