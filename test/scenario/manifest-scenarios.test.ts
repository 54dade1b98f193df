/**
 * Scenario suites through the manifest loader: the committed fixture loads, and each mistake a TA
 * can make is one issue with the JSON pointer of what they wrote and a fix.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManifestError, type ManifestIssue } from '../../src/errors.js';
import { loadManifest } from '../../src/manifest/load.js';

const FIXTURE = path.resolve('test/fixtures/scenario/echo');
let tmp: string;
let base: Record<string, unknown>;

beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'dsgrade-scenario-manifest-'));
  base = JSON.parse(await fs.readFile(path.join(FIXTURE, 'dsgrade.json'), 'utf8')) as Record<string, unknown>;
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

/** The fixture's manifest with its first suite's scenarios replaced, loaded from a temp folder. */
async function issuesOf(scenarios: unknown[], programs?: unknown): Promise<ManifestIssue[]> {
  const m = structuredClone(base) as { starter: string; suites: Record<string, unknown>[]; $schema?: string };
  m.starter = path.join(FIXTURE, 'starter');
  delete m.$schema;
  m.suites[0]!.scenarios = scenarios;
  if (programs) m.suites[0]!.programs = programs;
  const dir = await fs.mkdtemp(path.join(tmp, 'p-'));
  await fs.writeFile(path.join(dir, 'dsgrade.json'), JSON.stringify(m));
  try {
    await loadManifest(dir);
    return [];
  } catch (err) {
    if (err instanceof ManifestError) return err.issues;
    throw err;
  }
}

const server = { name: 'server', program: 'server', args: ['-port', '{{port:server}}'], ready: { port: true } };
const client = { name: 'c', count: 2, program: 'client', args: ['-addr', '{{addr:self->server}}'] };
const ok = { name: 'ok', points: 1, nodes: [server, client], links: [{ from: 'c', to: 'server' }], steps: [{ start: ['server', 'c'] }] };

describe('scenario suites in the manifest', () => {
  it('loads the fixture with defaults filled in', async () => {
    const { manifest } = await loadManifest(FIXTURE);
    const suite = manifest.suites[0]!;
    expect(suite.kind).toBe('scenario');
    if (suite.kind !== 'scenario') return;
    expect(suite.programs.server).toEqual({ package: 'echoserver', race: false });
    const basic = suite.scenarios.find((s) => s.name === 'basic')!;
    expect(basic.timeoutSec).toBe(30);
    expect(basic.visibility).toBe('visible');
    expect(basic.nodes[1]!.ready!.withinSec).toBe(10);
    expect(basic.links[0]!.proto).toBe('tcp');
  });

  it('accepts a correct scenario', async () => {
    expect(await issuesOf([ok])).toEqual([]);
  });

  it('schema: unknown step action and misspelt fault, with pointers', async () => {
    const issues = await issuesOf([{ ...ok, steps: [{ strat: 'server' }], links: [{ from: 'c', to: 'server', faults: { dorp: 0.1 } }] }]);
    const pointers = issues.map((i) => i.pointer);
    expect(pointers).toContain('/suites/0/scenarios/0/steps/0/strat');
    expect(pointers).toContain('/suites/0/scenarios/0/links/0/faults/dorp');
    expect(issues.find((i) => i.pointer.endsWith('/dorp'))!.fix).toMatch(/did you mean "drop"/);
  });

  it('schema: probabilities are in [0, 1] and a step has one action', async () => {
    const issues = await issuesOf([{ ...ok, steps: [{ start: 'server', kill: 'c1' }], links: [{ from: 'c', to: 'server', faults: { drop: 2 } }] }]);
    expect(issues.map((i) => i.pointer)).toEqual(expect.arrayContaining(['/suites/0/scenarios/0/links/0/faults/drop', '/suites/0/scenarios/0/steps/0']));
  });

  it('rules: unknown nodes, programs, links and placeholders', async () => {
    const issues = await issuesOf([
      {
        ...ok,
        nodes: [server, { ...client, program: 'nope', args: ['-addr', '{{addr:self->db}}', '{{prot:server}}', '{{addr:c1->c2}}'] }],
        steps: [{ start: ['server', 'c3'] }, { setFaults: { link: 'server->c1', faults: {} } }, { wait: { output: { node: 'c1', match: '(' }, withinSec: 1 } }],
        expect: [{ node: 'ghost', never: 'x' }, { node: 'c1', value: { match: 'dropped=\\d+' } }],
        checker: { program: 'missing', args: ['{{self}}'] },
      },
    ]);
    const at = (p: string): ManifestIssue | undefined => issues.find((i) => i.pointer === `/suites/0/scenarios/0${p}`);
    expect(at('/nodes/1/program')?.message).toMatch(/unknown program "nope"/);
    expect(at('/nodes/1/args/1')?.message).toMatch(/unknown node "db"/);
    expect(at('/nodes/1/args/2')?.message).toMatch(/unknown placeholder/);
    expect(at('/nodes/1/args/3')?.message).toMatch(/no link c1->c2 is declared/);
    expect(at('/nodes/1/args/3')?.fix).toMatch(/"from": "c1", "to": "c2"/);
    expect(at('/steps/0/start/1')?.message).toMatch(/unknown node "c3"/);
    expect(at('/steps/1/setFaults/link')?.message).toMatch(/no link server->c1/);
    expect(at('/steps/2/wait/output/match')?.message).toMatch(/invalid regular expression/);
    expect(at('/expect/0/node')?.message).toMatch(/unknown node "ghost"/);
    expect(at('/expect/1/value/match')?.message).toMatch(/no capture group/);
    expect(at('/checker/program')?.message).toMatch(/unknown checker program/);
    expect(at('/checker/args/0')?.message).toMatch(/has no node here/);
  });

  it('latest waits: the pattern must compile, stableMs needs latest, time fields are capped', async () => {
    const wait = (output: object, withinSec = 5): object => ({ wait: { output: { node: 'server', match: '^counts a=1$', ...output }, withinSec } });
    expect(await issuesOf([{ ...ok, steps: [{ start: 'server' }, wait({ latest: '^counts ', stableMs: 200, since: 'previous' })] }])).toEqual([]);
    const rules = await issuesOf([{ ...ok, steps: [{ start: 'server' }, wait({ latest: '(' }), wait({ stableMs: 200 })] }]);
    const rule = (p: string): ManifestIssue | undefined => rules.find((i) => i.pointer === `/suites/0/scenarios/0${p}`);
    expect(rule('/steps/1/wait/output/latest')?.message).toMatch(/invalid regular expression/);
    expect(rule('/steps/2/wait/output/stableMs')?.message).toMatch(/means nothing without "latest"/);
    // Schema problems come before the rules: Node's timers overflow past 24.8 days, so a day is the cap.
    const schema = await issuesOf([{ ...ok, steps: [{ start: 'server' }, wait({}, 100_000), { sleepMs: { min: 1, max: 1e12 } }] }]);
    const at = (p: string): ManifestIssue | undefined => schema.find((i) => i.pointer === `/suites/0/scenarios/0${p}`);
    expect(at('/steps/1/wait/withinSec')?.message).toBe('must be <= 86400 (seconds: one day)');
    expect(at('/steps/2/sleepMs/max')?.fix).toMatch(/milliseconds/);
  });

  it('rules: duplicate names and programs that are not commands', async () => {
    const issues = await issuesOf([ok, { ...ok, nodes: [server, client, { name: 'c1', program: 'client' }] }, ok], {
      server: { package: 'echoserver' },
      client: { package: 'echoclient' },
      check: { package: 'echo' },
      gone: { package: 'nowhere' },
    });
    const msgs = issues.map((i) => `${i.pointer}: ${i.message}`);
    expect(msgs).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^\/suites\/0\/programs\/check\/package: .*no "package main"/),
        expect.stringMatching(/^\/suites\/0\/programs\/gone\/package: .*exists in neither/),
        expect.stringMatching(/^\/suites\/0\/scenarios\/1\/nodes\/2\/name: node name "c1" is used twice/),
        expect.stringMatching(/^\/suites\/0\/scenarios\/2\/name: scenario name "ok" is used twice/),
      ]),
    );
  });

  it('a wait on deliveries: valid, unknown nodes, no link carrying the messages, and schema errors', async () => {
    let n = 0;
    const wait = (delivered: unknown): unknown => ({
      ...ok,
      name: `w${n++}`,
      steps: [{ start: ['server', 'c'] }, { partition: { shape: 'isolate', node: 'server' } }, { wait: { delivered, withinSec: 1 } }],
    });
    expect(await issuesOf([wait({ from: 'server', to: 'c', since: 'previous' }), wait({ from: 'c1', to: 'server' })])).toEqual([]);
    // Rules (run once the schema holds).
    const issues = await issuesOf([wait({ from: 'ghost', to: 'c1' }), wait({ from: 'c1', to: 'c2' })]);
    const at = (p: string): ManifestIssue | undefined => issues.find((i) => i.pointer === p);
    expect(at('/suites/0/scenarios/0/steps/2/wait/delivered/from')?.message).toMatch(/unknown node "ghost"/);
    expect(at('/suites/0/scenarios/1/steps/2/wait/delivered')?.message).toMatch(/no declared link carries messages from c1 to c2/);
    expect(at('/suites/0/scenarios/1/steps/2/wait/delivered')?.fix).toMatch(/add \{"from": "c1", "to": "c2"\}/);
    expect(issues).toHaveLength(2);
    // A count is of all messages since the start.
    expect(await issuesOf([wait({ from: 'server', to: 'c', count: 2 })])).toEqual([]);
    const counted = await issuesOf([wait({ from: 'server', to: 'c', count: 2, since: 'previous' })]);
    expect(counted.map((i) => [i.pointer, i.message])).toEqual([['/suites/0/scenarios/0/steps/2/wait/delivered/count', '"count" counts from the scenario\'s start, so it cannot be combined with "since": "previous"']]);
    // Schema.
    const schema = await issuesOf([
      wait({ from: 'server', to: 'c1', since: 'later' }),
      wait({ from: 'server' }),
      { ...ok, name: 'both', steps: [{ wait: { delivered: { from: 'server', to: 'c1' }, output: { node: 'c1', match: 'x' }, withinSec: 1 } }] },
    ]);
    const pointers = schema.map((i) => i.pointer);
    expect(pointers).toEqual(expect.arrayContaining(['/suites/0/scenarios/0/steps/2/wait/delivered/since', '/suites/0/scenarios/2/steps/0/wait']));
    expect(pointers.some((p) => p.startsWith('/suites/0/scenarios/1/steps/2/wait/delivered'))).toBe(true);
  });
});
