/**
 * A failed go test's artifacts folder → the lines for its output and the run report: only when
 * the folder holds an rpc trace; a page only where someone can open it; never a throw.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { traceReport } from '../../src/pipeline/gotest-run-report.js';

let tmp: string;
let n = 0;
beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'dsgrade-gtrr-'));
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

const TRACE = [
  '{"t":0,"kind":"network","seed":99}',
  '{"t":1000,"link":"0->1","from":"0","to":"1","dir":"forward","seq":0,"size":50,"method":"Raft.RequestVote","action":"forward"}',
  '{"t":2000,"kind":"state","node":"0","term":4,"leader":true}',
  '{"t":3000,"kind":"state","node":"1","term":4,"leader":true}',
  '{"t":4000,"kind":"event","text":"disconnect 1"}',
].join('\n');

const input = { suite: '2A', test: 'TestX', result: { id: '2A/TestX', verdict: 'failed' as const, rerun: 'dsgrade grade s --only 2A/TestX --seed 5' }, reason: 'boom', seed: '99', seedEnv: 'RPC_SEED' };

async function folder(text?: string): Promise<string> {
  const dir = path.join(tmp, `a${n++}`);
  await fs.mkdir(dir);
  if (text !== undefined) {
    await fs.writeFile(path.join(dir, 'rpc-trace.jsonl'), text);
    if (process.getuid?.() === 0) await fs.chown(path.join(dir, 'rpc-trace.jsonl'), 23456, 23456);
  }
  return dir;
}

describe('the trace report of a failed go test', () => {
  it('on a grading host (no results or artifacts folder): the summary lines, no page and no mention of one', async () => {
    const r = (await traceReport({}, input, await folder(TRACE)))!;
    expect(r.link).toBeUndefined();
    const text = r.lines.join('\n');
    expect(text).toContain('TWO LEADERS in term 4: peers 0 and 1');
    expect(text).toContain('rpc seed 99');
    expect(text).toContain('last test events: 0.00 s disconnect 1');
    expect(text).not.toMatch(/html|Run report/);
  });

  it('with a results folder: the page, linked, with the rerun line and the rpc seed', async () => {
    const results = path.join(tmp, 'results');
    const r = (await traceReport({ resultsDir: results }, input, await folder(TRACE)))!;
    expect(r.link).toBe('run-reports/2A/TestX.html');
    expect(r.lines[r.lines.length - 1]).toContain('run-reports/2A/TestX.html (in the results folder)');
    const html = await fs.readFile(path.join(results, r.link!), 'utf8');
    expect(html).toContain('--only 2A/TestX --seed 5');
    expect(html).toContain('RPC_SEED=99');
  });

  it('with kept artifacts: a copy of the trace beside the page', async () => {
    const artifacts = path.join(tmp, 'art');
    await traceReport({ artifactsDir: artifacts }, input, await folder(TRACE));
    expect(await fs.readFile(path.join(artifacts, '2A', 'TestX', 'rpc-trace.jsonl'), 'utf8')).toBe(TRACE);
  });

  it('nothing at all without a trace, or with one that holds no record', async () => {
    expect(await traceReport({ resultsDir: tmp }, input, await folder())).toBeUndefined();
    expect(await traceReport({ resultsDir: tmp }, input, await folder('garbage\n\u0000\u0001{{{'))).toBeUndefined();
    expect(await traceReport({ resultsDir: tmp }, input, path.join(tmp, 'missing'))).toBeUndefined();
  });
});
