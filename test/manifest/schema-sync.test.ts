/**
 * The committed schema and the TypeScript side stay in step: a manifest that sets every property the
 * schema names (with non-default values) must load, and each value must appear in the Manifest.
 * Adding a property to the schema fails this test until FULL sets it and defaults.ts carries it.
 */
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULTS } from '../../src/manifest/defaults.js';
import type { LoadedManifest } from '../../src/manifest/load.js';
import { loadSchema } from '../../src/manifest/schema.js';
import type { GoTestSuite, StudentTestSuite } from '../../src/manifest/types.js';
import { makeProject, MODULE_ROOT, type Json, type Project } from './helpers.js';

type Schema = { properties?: Record<string, Schema>; items?: Schema; definitions?: Record<string, Schema>; allOf?: { then?: Schema }[] };
const schema = loadSchema('manifest.schema.json') as Schema;
const defs = schema.definitions!;
const gotestThen = defs.suite!.allOf![0]!.then!;
const studentThen = defs.suite!.allOf![1]!.then!;

/** Every property of the schema, each set to something other than its default. */
const FULL: Json = {
  $schema: '../../schemas/manifest.schema.json',
  name: 'tiny-full',
  title: 'Tiny, every field',
  totalPoints: 29,
  go: { moduleRoot: MODULE_ROOT, module: 'example.com/kv', version: '1.21', allowDownloads: true, buildTimeoutSec: 99 },
  starter: 'starter',
  staff: 'staff',
  handin: [
    { path: 'kvpart/server_impl.go', required: false, maxBytes: 1234 },
    { path: 'kvpart/student_test.go' },
    { path: 'sqpart/squarer_test.go' },
    { pattern: 'extra/*.go', exclude: ['extra/keep.go'], required: true, maxBytes: 4321 },
  ],
  limits: { testOutputBytes: 2048, processOutputBytes: 8192 },
  checks: [
    {
      id: 'imp',
      name: 'Imports',
      kind: 'imports',
      points: 0.5,
      visibility: 'hidden',
      tags: ['style'],
      number: '0.1',
      files: ['kvpart/server_impl.go'],
      allow: ['fmt'],
      deny: ['unsafe'],
      maxLines: 500,
      maxBytes: 20000,
      maxBuffer: 1,
    },
  ],
  suites: [
    {
      id: 'kv',
      name: 'Key-value server',
      kind: 'gotest',
      package: 'kvpart',
      seedEnv: 'KV_SEED',
      seedReplays: 'the same key faults',
      timeoutSec: 11,
      race: true,
      visibility: 'after_published',
      tags: ['suite'],
      runs: 2,
      passRule: 'rate',
      retry: { count: 3, policy: 'majority' },
      tests: [
        {
          name: 'TestBasic',
          displayName: 'Basic',
          points: 10,
          number: '1.1',
          visibility: 'after_due_date',
          tags: ['test'],
          timeoutSec: 12,
          race: false,
          repeat: 3,
          partialCredit: true,
          exclusive: true,
          retry: { count: 2, policy: 'any' },
          description: 'basic operations',
        },
        { pattern: '^TestConcurrent', points: 4, runs: 5, passRule: { minRate: 0.6 } },
      ],
      leaks: {
        name: 'Nothing left running',
        points: 1.5,
        number: '1.9',
        visibility: 'hidden',
        tags: ['leak'],
        description: 'Close stops every goroutine',
        settleMs: 500,
        cpuWindowMs: 100,
        maxCpuPercent: 25,
        allowIdleGoroutines: true,
        exclude: ['TestBasic'],
      },
    },
    {
      id: 'sq',
      name: 'Squarer tests',
      kind: 'studenttests',
      package: 'sqpart',
      testFile: 'sqpart/squarer_test.go',
      implFile: 'sqpart/squarer_impl.go',
      timeoutSec: 13,
      repeat: 3,
      race: true,
      visibility: 'hidden',
      tags: ['sq'],
      requireCorrectPass: false,
      correct: { points: 1, number: '2.0' },
      buggy: [{ name: 'never-closes', file: 'buggy/never-closes.go', points: 8, number: '2.1', hint: 'close the channel' }],
    },
  ],
  gate: { deny: ['reflect'], allow: ['syscall.Kill'] },
  references: [{ name: 'main', path: 'reference', description: 'the one correct solution' }],
  mutants: [
    { name: 'returns-nil', path: 'mutants/returns-nil', expectedScore: 3, description: 'New returns nil', catchers: ['kv/TestBasic'], base: 'reference', scoreRange: [2, 3.5] },
    { name: 'no-comment', patch: 'mutants/no-comment/mutant.patch', expectedScore: 10 },
  ],
};

let p: Project;
let loaded: LoadedManifest;
beforeAll(async () => {
  p = await makeProject();
  loaded = await p.load(FULL);
});
afterAll(async () => {
  await p.cleanup();
});

/** Asserts that every property `props` lists is set in `raw` and shows up in `out` as expected. */
function expectCarried(where: string, props: Record<string, Schema> | undefined, raw: Json, out: Json, expected: Record<string, unknown> = {}): void {
  const names = Object.keys(props ?? {});
  expect(names.length, `${where}: schema lists no properties`).toBeGreaterThan(0);
  for (const name of names) {
    if (expected[name] === EXCLUSIVE) continue;
    expect(raw, `${where}.${name} is in the schema but FULL does not set it`).toHaveProperty([name]);
    const want = name in expected ? expected[name] : raw[name];
    if (want === SKIP) continue;
    expect(out?.[name], `${where}.${name} is not carried into the loaded manifest`).toEqual(want);
  }
}
const SKIP = Symbol('checked separately');
/** A property the schema forbids together with another one FULL sets: checked by its own test. */
const EXCLUSIVE = Symbol('excluded by another property');

describe('every schema property reaches the loaded manifest', () => {
  it('top level', () => {
    const abs = (rel: string): string => path.join(p.dir, rel);
    expectCarried('manifest', schema.properties, FULL, loaded.manifest, {
      $schema: SKIP,
      starter: abs('starter'),
      staff: abs('staff'),
      reference: EXCLUSIVE,
      references: SKIP,
      go: SKIP,
      handin: SKIP,
      limits: SKIP,
      checks: SKIP,
      suites: SKIP,
      mutants: SKIP,
    });
  });

  it('go, limits and gate', () => {
    expectCarried('go', schema.properties!.go!.properties, FULL.go, loaded.manifest.go);
    expectCarried('gate', schema.properties!.gate!.properties, FULL.gate, loaded.manifest.gate);
    expectCarried('limits', schema.properties!.limits!.properties, FULL.limits, loaded.manifest.limits);
  });

  it('handin entries', () => {
    const props = schema.properties!.handin!.items!.properties;
    // A path entry and a pattern entry together set every property.
    expectCarried('handin[path]', pick(props, ['path', 'required', 'maxBytes']), FULL.handin[0], loaded.manifest.handin[0]);
    expectCarried('handin[pattern]', pick(props, ['pattern', 'exclude', 'required', 'maxBytes']), FULL.handin[3], loaded.manifest.handin[3]);
    expect(Object.keys(props!).sort()).toEqual(['exclude', 'maxBytes', 'path', 'pattern', 'required']);
  });

  it('checks', () => {
    expectCarried('check', defs.check!.properties, FULL.checks[0], loaded.manifest.checks[0]);
  });

  it('gotest suites and their tests', () => {
    const suite = loaded.manifest.suites[0] as GoTestSuite;
    const rawSuite = FULL.suites[0];
    // Suite-level settings are not kept on the suite; they are inherited by its tests.
    expectCarried('suite[gotest]', gotestThen.properties, rawSuite, suite, { timeoutSec: SKIP, race: SKIP, visibility: SKIP, tags: SKIP, runs: SKIP, passRule: SKIP, retry: SKIP, tests: SKIP, leaks: SKIP });
    // The leak item's tags add to the suite's.
    expectCarried('leakPolicy', defs.leakPolicy!.properties, rawSuite.leaks, suite.leaks, { tags: ['suite', 'leak'] });
    const rawTest = rawSuite.tests[0];
    const { pattern, ...exact } = defs.goTest!.properties!;
    expect(pattern).toBeDefined();
    // repeat and partialCredit are the older names of runs and passRule (a test sets one of each pair).
    expectCarried('goTest', exact, rawTest, suite.tests[0], { tags: ['suite', 'test'], repeat: SKIP, partialCredit: SKIP, runs: EXCLUSIVE, passRule: EXCLUSIVE });
    expect(suite.tests[0]).toMatchObject({ runs: 3, passRule: { rule: 'rate' } });
    expect(suite.tests[0]).not.toHaveProperty('repeat');
    expect(suite.tests[0]).not.toHaveProperty('partialCredit');
    // The pattern entry expands and inherits the suite-level settings.
    expect(suite.tests.slice(1)).toEqual(
      ['TestConcurrentTwo', 'TestConcurrentOne'].map((name) => ({
        name,
        displayName: name,
        points: 4,
        number: undefined,
        visibility: rawSuite.visibility,
        tags: rawSuite.tags,
        timeoutSec: rawSuite.timeoutSec,
        race: rawSuite.race,
        runs: 5,
        passRule: { rule: 'threshold', minRate: 0.6 },
        exclusive: false,
        retry: rawSuite.retry,
        description: undefined,
      })),
    );
  });

  it('studenttests suites', () => {
    const suite = loaded.manifest.suites[1] as StudentTestSuite;
    const rawSuite = FULL.suites[1];
    expectCarried('suite[studenttests]', studentThen.properties, rawSuite, suite, { buggy: SKIP });
    expectCarried('correct', studentThen.properties!.correct!.properties, rawSuite.correct, suite.correct);
    expectCarried('buggy', studentThen.properties!.buggy!.items!.properties, rawSuite.buggy[0], suite.buggy[0], {
      file: path.join(p.dir, 'buggy', 'never-closes.go'),
    });
  });

  it('references, the primary also as "reference"', () => {
    expectCarried('reference entry', schema.properties!.references!.items!.properties, FULL.references[0], loaded.manifest.references[0], {
      path: path.join(p.dir, 'reference'),
    });
    expect(loaded.manifest.reference).toBe(path.join(p.dir, 'reference'));
  });

  it('the "reference" shorthand is one reference named "reference"', async () => {
    const { references, ...rest } = FULL;
    expect(references).toBeDefined();
    const shorthand = await p.load({ ...rest, reference: 'reference' });
    expect(shorthand.manifest.references).toEqual([{ name: 'reference', path: path.join(p.dir, 'reference') }]);
    expect(shorthand.manifest.reference).toBe(path.join(p.dir, 'reference'));
  });

  it('mutants', () => {
    // A folder mutant and a patch mutant together set every property.
    const props = schema.properties!.mutants!.items!.properties;
    const { patch, ...folderProps } = props!;
    expectCarried('mutant[path]', folderProps, FULL.mutants[0], loaded.manifest.mutants[0], {
      path: path.join(p.dir, 'mutants', 'returns-nil'),
    });
    expectCarried('mutant[patch]', { patch: patch! }, FULL.mutants[1], loaded.manifest.mutants[1], {
      patch: path.join(p.dir, 'mutants', 'no-comment', 'mutant.patch'),
    });
    expect(loaded.manifest.mutants[1]).not.toHaveProperty('path');
  });
});

describe('schema defaults agree with defaults.ts', () => {
  it.each([
    ['go.buildTimeoutSec', schema.properties!.go!.properties!.buildTimeoutSec, DEFAULTS.buildTimeoutSec],
    ['go.allowDownloads', schema.properties!.go!.properties!.allowDownloads, false],
    ['handin.maxBytes', schema.properties!.handin!.items!.properties!.maxBytes, DEFAULTS.handinMaxBytes],
    ['limits.testOutputBytes', schema.properties!.limits!.properties!.testOutputBytes, DEFAULTS.testOutputBytes],
    ['limits.processOutputBytes', schema.properties!.limits!.properties!.processOutputBytes, DEFAULTS.processOutputBytes],
    ['check.points', defs.check!.properties!.points, 0],
    ['gotest.timeoutSec', gotestThen.properties!.timeoutSec, DEFAULTS.goTestTimeoutSec],
    ['gotest.race', gotestThen.properties!.race, false],
    ['studenttests.timeoutSec', studentThen.properties!.timeoutSec, DEFAULTS.studentTestTimeoutSec],
    ['studenttests.race', studentThen.properties!.race, false],
    ['studenttests.requireCorrectPass', studentThen.properties!.requireCorrectPass, true],
    ['leaks.settleMs', defs.leakPolicy!.properties!.settleMs, DEFAULTS.leakSettleMs],
    ['leaks.cpuWindowMs', defs.leakPolicy!.properties!.cpuWindowMs, DEFAULTS.leakCpuWindowMs],
    ['leaks.maxCpuPercent', defs.leakPolicy!.properties!.maxCpuPercent, DEFAULTS.leakMaxCpuPercent],
    ['leaks.allowIdleGoroutines', defs.leakPolicy!.properties!.allowIdleGoroutines, false],
  ])('%s', (_name, prop, value) => {
    expect((prop as { default?: unknown }).default).toBe(value);
  });
});

function pick(props: Record<string, Schema> | undefined, names: string[]): Record<string, Schema> {
  return Object.fromEntries(names.map((n) => [n, props![n]!]));
}
