import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ManifestError } from '../../src/errors.js';
import { loadTimings, staleTimings } from '../../src/manifest/timings.js';

async function dirWith(text: string | undefined): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'dsgrade-timings-'));
  if (text !== undefined) await fs.writeFile(path.join(dir, 'timings.json'), text);
  return dir;
}

describe('loadTimings', () => {
  it('is undefined for a project without timings (every test then counts as one core)', async () => {
    expect(await loadTimings(await dirWith(undefined))).toBeUndefined();
  });

  it('reads a valid file', async () => {
    const t = await loadTimings(await dirWith(JSON.stringify({ version: 1, recorded: { runs: 2, jobs: 1 }, tests: { 'partA/TestBasic1': { wallMs: 41, cpuRate: 0.16, peakRssBytes: 5_000_000 } } })));
    expect(t?.tests['partA/TestBasic1']).toEqual({ wallMs: 41, cpuRate: 0.16, peakRssBytes: 5_000_000 });
  });

  it('names the file, the entry and the problem when the figures are not figures', async () => {
    const dir = await dirWith(JSON.stringify({ version: 1, tests: { 'partA/TestBasic1': { wallMs: -1, cpuRate: 'fast' }, nosuite: { wallMs: 1, cpuRate: 0 } } }));
    const err = await loadTimings(dir).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ManifestError);
    const issues = (err as ManifestError).issues.map((i) => `${i.pointer} ${i.message}`).join('\n');
    expect((err as ManifestError).file).toBe(path.join(dir, 'timings.json'));
    expect(issues).toMatch(/\/tests\/partA~1TestBasic1\/wallMs/);
    expect(issues).toMatch(/\/tests\/partA~1TestBasic1\/cpuRate/);
    expect(issues).toMatch(/nosuite/);
  });

  it('says how to regenerate a file that is not JSON', async () => {
    await expect(loadTimings(await dirWith('{ "version": 1, '))).rejects.toMatchObject({ code: 'MANIFEST_PARSE', fix: expect.stringContaining('dsgrade profile') });
  });

  it('finds entries for items the manifest no longer has', () => {
    expect(staleTimings({ version: 1, tests: { 'a/T1': { wallMs: 1, cpuRate: 0 }, 'a/Gone': { wallMs: 1, cpuRate: 0 } } }, ['a/T1', 'a/T2'])).toEqual(['a/Gone']);
  });
});
