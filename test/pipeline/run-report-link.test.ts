import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publishRunReport } from '../../src/pipeline/run-report-link.js';
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
