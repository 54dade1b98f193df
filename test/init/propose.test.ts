import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { GoPackage } from '../../src/go/go-tool.js';
import { findLayout } from '../../src/init/layout.js';
import { proposeManifest, toManifestJson, type CourseFacts } from '../../src/init/propose.js';
import { findRaceCommands } from '../../src/init/race.js';
import { classifyFile } from '../../src/init/stubs.js';
import { testsByFile } from '../../src/init/tests.js';
import { checkManifestObject } from '../../src/manifest/load.js';
import { SCHEMA_DIR } from '../../src/core/install-paths.js';
import { listFiles } from '../../src/util/fs.js';

const COUNTER = path.resolve(import.meta.dirname, '..', 'fixtures', 'init', 'counter');

function pkg(p: Partial<GoPackage> & Pick<GoPackage, 'dir' | 'name'>, module: string): GoPackage {
  return { importPath: p.dir ? `${module}/${p.dir}` : module, goFiles: [], testGoFiles: [], xTestGoFiles: [], imports: [], testImports: [], ...p };
}

/** The facts `gatherFacts` collects for the counter fixture, with the go command's answers written out. */
async function counterFacts(): Promise<CourseFacts> {
  const course = path.join(COUNTER, 'course');
  const layout = await findLayout(course);
  const starterFiles = await listFiles(course);
  const guesses = await Promise.all(starterFiles.filter((f) => f.endsWith('.go')).map(async (f) => classifyFile(f, await fs.readFile(path.join(course, f), 'utf8'))));
  const m = layout.module;
  return {
    layout,
    staffDir: path.join(COUNTER, 'staff'),
    starterFiles,
    staffFiles: ['counter/counter_test.go'],
    packages: [
      pkg({ dir: 'cmd/counterd', name: 'main', goFiles: ['main.go'], imports: ['bufio', `${m}/counter`] }, m),
      pkg({ dir: 'counter', name: 'counter', goFiles: ['counter.go', 'counter_api.go'], xTestGoFiles: ['counter_test.go'], testImports: [`${m}/counter`, 'sync', 'testing'] }, m),
    ],
    guesses,
    tests: [
      {
        dir: 'counter',
        listed: ['TestGet1', 'TestGet2', 'TestReset', 'TestConcurrentAdd1', 'TestConcurrentAdd2'],
        definedIn: await testsByFile(path.join(COUNTER, 'staff', 'counter'), ['counter_test.go']),
        testMains: [],
      },
    ],
    raceCommands: findRaceCommands('Makefile', await fs.readFile(path.join(course, 'Makefile'), 'utf8'), m, ''),
    seedReads: new Map(),
  };
}

describe('proposeManifest on a plain-module tree (test/fixtures/init/counter)', () => {
  it('proposes the stub and its helpers, one suite grouped by prefix with -race from the Makefile, and a manifest that loads', async () => {
    const facts = await counterFacts();
    const p = proposeManifest(facts);
    expect(p.plan.handin).toEqual([{ path: 'counter/counter.go' }, { pattern: 'counter/*.go', exclude: ['counter/counter_api.go', 'counter/*_test.go'] }]);
    expect(p.plan.suites).toEqual([
      {
        id: 'counter',
        name: 'go test ./counter',
        package: 'counter',
        entries: [
          { tests: ['TestGet1', 'TestGet2'], pattern: '^TestGet[0-9]+$', points: 1, race: false },
          { tests: ['TestReset'], points: 1, race: false },
          { tests: ['TestConcurrentAdd1', 'TestConcurrentAdd2'], pattern: '^TestConcurrentAdd[0-9]+$', points: 1, race: true },
        ],
      },
    ]);
    const race = p.sections.find((s) => s.title === 'Race detector')!;
    expect(race.lines[0]).toBe("counter/TestConcurrentAdd1: -race — Makefile:6: go test -race -run 'Concurrent' ./counter/...");
    expect(p.todo.some((t) => t.includes('staff programs (package main) no go test runs: cmd/counterd'))).toBe(true);

    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'dsgrade-propose-'));
    try {
      const outFile = path.join(dir, 'dsgrade.json');
      const json = toManifestJson(p.plan, facts, { outFile, name: 'counter', title: 'Counter', reference: path.join(COUNTER, 'reference'), schemaFile: path.join(SCHEMA_DIR, 'manifest.schema.json') });
      expect(json.starter).toBe(path.relative(dir, path.join(COUNTER, 'course')));
      expect(json.go).toEqual({ moduleRoot: '.', module: 'example.edu/counter', version: '1.21' });
      const loaded = await checkManifestObject(json, outFile);
      const suite = loaded.manifest.suites[0]!;
      expect(suite.kind === 'gotest' && suite.tests.map((t) => `${t.name}${t.race ? ' -race' : ''}`)).toEqual(['TestGet1', 'TestGet2', 'TestReset', 'TestConcurrentAdd1 -race', 'TestConcurrentAdd2 -race']);
      expect([...loaded.staffFiles.keys()].sort()).toEqual(['Makefile', 'README.md', 'cmd/counterd/main.go', 'counter/counter_api.go', 'counter/counter_test.go', 'go.mod']);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});

describe('proposeManifest on a P1/P0-shaped tree', () => {
  const M = 'github.com/cmu440';
  const facts = (): CourseFacts => ({
    layout: { treeDir: '/course', moduleRoot: 'src/github.com/cmu440', module: M, goVersion: '1.21', kind: 'gopath', why: 'the only go.mod' },
    starterFiles: ['go.mod', 'lsp/client_impl.go', 'lsp/message.go', 'lsp/lsp_test.go', 'lsp/mine_test.go', 'lspnet/conn.go', 'bitcoin/client/client.go'],
    staffFiles: [],
    packages: [
      pkg({ dir: 'lsp', name: 'lsp', goFiles: ['client_impl.go', 'message.go'], testGoFiles: ['lsp_test.go', 'mine_test.go'], imports: [`${M}/lspnet`] }, M),
      pkg({ dir: 'lspnet', name: 'lspnet', goFiles: ['conn.go'] }, M),
      pkg({ dir: 'bitcoin/client', name: 'main', goFiles: ['client.go'], imports: [`${M}/lsp`] }, M),
    ],
    guesses: [
      { file: 'lsp/client_impl.go', role: 'student', reasons: ['named *_impl.go'] },
      { file: 'lsp/message.go', role: 'staff', reasons: ['"DO NOT MODIFY" on line 1: // DO NOT MODIFY'] },
      { file: 'lsp/lsp_test.go', role: 'staff', reasons: [] },
      { file: 'lsp/mine_test.go', role: 'student-test', reasons: ['"TODO" on line 3: // TODO: your tests'] },
      { file: 'lspnet/conn.go', role: 'staff', reasons: [] },
      { file: 'bitcoin/client/client.go', role: 'student', reasons: ['"not implemented" on line 9'] },
    ],
    tests: [
      {
        dir: 'lsp',
        listed: ['TestBasic1', 'TestBasic2', 'TestBasic3', 'TestMine'],
        definedIn: new Map([
          ['TestBasic1', 'lsp_test.go'],
          ['TestBasic2', 'lsp_test.go'],
          ['TestBasic3', 'lsp_test.go'],
          ['TestMine', 'mine_test.go'],
        ]),
        testMains: [],
      },
    ],
    raceCommands: findRaceCommands('Makefile', 'go test -race -run TestBasic2 ./lsp\n', M, undefined),
    seedReads: new Map([['lspnet', ['LSPNET_SEED']]]),
  });

  it("keeps the student's own tests out of the suites and proposes a studenttests suite by hand", () => {
    const p = proposeManifest(facts());
    expect(p.plan.handin).toContainEqual({ path: 'lsp/mine_test.go' });
    expect(p.plan.suites[0]!.entries.flatMap((e) => e.tests)).toEqual(['TestBasic1', 'TestBasic2', 'TestBasic3']);
    expect(p.todo.some((t) => t.startsWith('lsp/mine_test.go holds the student\'s own tests') && t.includes('"studenttests"'))).toBe(true);
  });

  it('lists a group by name when -race differs inside it; seedEnv comes from a package the tests link', () => {
    const p = proposeManifest(facts());
    const suite = p.plan.suites[0]!;
    expect(suite.entries.map((e) => [e.tests.join(','), e.pattern, e.race])).toEqual([
      ['TestBasic1', undefined, false],
      ['TestBasic2', undefined, true],
      ['TestBasic3', undefined, false],
    ]);
    expect(suite.seedEnv).toBe('LSPNET_SEED');
    expect(p.sections.flatMap((s) => s.lines).some((l) => l.includes('seedEnv LSPNET_SEED: read from the environment in lspnet, which the tests of lsp link'))).toBe(true);
  });

  it('names the student program no test runs, and the staff tests that sit in the starter', () => {
    const p = proposeManifest(facts());
    expect(p.todo.some((t) => t.includes('programs students write that no go test runs: bitcoin/client') && t.includes('scenario'))).toBe(true);
    expect(p.todo.some((t) => t.includes('--staff <folder>'))).toBe(true);
    expect(p.plan.handin).toContainEqual({ pattern: 'bitcoin/client/*.go', exclude: ['bitcoin/client/*_test.go'] });
    expect(p.plan.handin).toContainEqual({ pattern: 'lsp/*.go', exclude: ['lsp/message.go', 'lsp/*_test.go'] });
  });

  it('refuses staff tests with a TestMain, saying why and how to fix it', () => {
    const f = facts();
    f.tests[0]!.testMains = ['lsp_test.go'];
    expect(() => proposeManifest(f)).toThrow(/staff tests of lsp define TestMain \(lsp_test.go\)/);
  });
});
