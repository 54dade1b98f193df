import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toRpcRunRecord, type RpcRunRecord } from '../../src/gotest/rpc-run-record.js';
import { publishRpcRunReport, publishRunReport } from '../../src/pipeline/run-report-link.js';
import type { RunRecord } from '../../src/scenario/run-record.js';

let tmp: string;
let record: RunRecord;
beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'dsgrade-rr-link-'));
  record = JSON.parse(await fs.readFile(path.resolve('test/fixtures/run-report/udp/run-record.json'), 'utf8')) as RunRecord;
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

describe('publishing a run report', () => {
  it('writes report.html beside the artifacts and copies it next to results.json', async () => {
    const file = path.join(tmp, 'report.html');
    const results = path.join(tmp, 'results');
    const r = await publishRunReport({ resultsDir: results }, record, file, 'ring', 'lossy');
    expect(r).toEqual({ line: expect.stringContaining(': run-reports/ring/lossy.html (in the results folder)'), link: 'run-reports/ring/lossy.html' });
    const html = await fs.readFile(file, 'utf8');
    expect(html).toMatch(/^<!DOCTYPE html>/);
    expect(html).toContain('Run report — ring/lossy');
    expect(await fs.readFile(path.join(results, 'run-reports', 'ring', 'lossy.html'), 'utf8')).toBe(html);
  });

  it('links the artifacts copy when only artifacts are kept, and says how to get one otherwise', async () => {
    const file = path.join(tmp, 'kept.html');
    expect(await publishRunReport({ artifactsDir: tmp }, record, file, 'ring', 'lossy')).toMatchObject({ link: file });
    expect((await publishRunReport({}, record, path.join(tmp, 'gone.html'), 'ring', 'lossy'))?.line).toMatch(/rerun with --artifacts/);
  });

  it('a page that cannot be written is a line in the output, not a crash', async () => {
    const r = await publishRunReport({}, record, path.join(tmp, 'no-such-dir', 'report.html'), 'ring', 'lossy');
    expect(r).toEqual({ line: expect.stringMatching(/^\(dsgrade could not write the run report: ENOENT/) });
  });
});

describe('publishing a go test run report (rpc trace)', () => {
  const rpc = (): RpcRunRecord =>
    toRpcRunRecord(
      { records: [{ kind: 'call', tMs: 1, link: '0->1', from: '0', to: '1', dir: 'forward', seq: 0, size: 9, method: 'Raft.RequestVote', action: 'drop', delayMs: 0 }], fileBytes: 100, skippedBytes: 0, malformedLines: 0 },
      { testId: '2A/TestX', seed: '3', rerun: 'r', verdict: 'failed', reason: 'x' },
    );

  it('writes run-reports/<suite>/<test>.html in the results folder, and report.html + run-record.json with kept artifacts', async () => {
    const results = path.join(tmp, 'rpc-results');
    const artifacts = path.join(tmp, 'rpc-artifacts');
    const r = await publishRpcRunReport({ resultsDir: results, artifactsDir: artifacts }, rpc(), '2A', 'TestX');
    expect(r).toEqual({ line: expect.stringContaining(': run-reports/2A/TestX.html (in the results folder)'), link: 'run-reports/2A/TestX.html' });
    const html = await fs.readFile(path.join(results, 'run-reports', '2A', 'TestX.html'), 'utf8');
    expect(html).toContain('Run report — 2A/TestX');
    expect(await fs.readFile(path.join(artifacts, '2A', 'TestX', 'report.html'), 'utf8')).toBe(html);
    expect(JSON.parse(await fs.readFile(path.join(artifacts, '2A', 'TestX', 'run-record.json'), 'utf8'))).toMatchObject({ kind: 'rpc', testId: '2A/TestX' });
    expect(await publishRpcRunReport({ artifactsDir: artifacts }, rpc(), '2A', 'TestX')).toMatchObject({ link: path.join(artifacts, '2A', 'TestX', 'report.html') });
  });

  it('writes and mentions nothing when nobody can open the page (a grading host)', async () => {
    expect(await publishRpcRunReport({}, rpc(), '2A', 'TestX')).toBeUndefined();
  });

  it('a page that cannot be written is a line, not a crash', async () => {
    const file = path.join(tmp, 'a-file');
    await fs.writeFile(file, '');
    expect(await publishRpcRunReport({ resultsDir: file }, rpc(), '2A', 'TestX')).toEqual({ line: expect.stringMatching(/^\(dsgrade could not write the run report: /) });
  });
});
