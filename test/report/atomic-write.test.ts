/**
 * probeWritable: the check run before grading for --out/--junit. It must fail exactly where
 * writeFileAtomic would, and leave nothing behind when it succeeds.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { probeWritable, writeFileAtomic } from '../../src/report/atomic-write.js';
import { checkOutputFile, checkOutputFolder } from '../../src/commands/output-paths.js';

let tmp: string;
beforeEach(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'dsgrade-probe-'));
});
afterEach(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

describe('probeWritable', () => {
  it('accepts a new file in a folder it may create, and leaves only that folder behind', async () => {
    const file = path.join(tmp, 'deep', 'er', 'results.json');
    await probeWritable(file);
    expect(await fs.readdir(path.dirname(file))).toEqual([]);
    await writeFileAtomic(file, '{}');
  });

  it('refuses a folder, a file in the way and a folder without a writable parent', async () => {
    await expect(probeWritable(tmp)).rejects.toMatchObject({ code: 'EISDIR' });
    await fs.writeFile(path.join(tmp, 'afile'), '');
    await expect(probeWritable(path.join(tmp, 'afile', 'results.json'))).rejects.toMatchObject({ code: expect.stringMatching(/^(EEXIST|ENOTDIR)$/) });
    await expect(probeWritable('/proc/dsgrade-results.json')).rejects.toThrow();
  });
});

describe('checkOutputFile / checkOutputFolder', () => {
  it('turn a failed probe into a usage error that names the option, the path and the reason', async () => {
    await fs.writeFile(path.join(tmp, 'afile'), '');
    await expect(checkOutputFile('--out', path.join(tmp, 'afile', 'r.json'))).rejects.toMatchObject({
      code: 'USAGE',
      message: `cannot write --out ${path.join(tmp, 'afile', 'r.json')}: a file is in the way (${path.join(tmp, 'afile')})`,
    });
    await expect(checkOutputFile('--junit', tmp)).rejects.toMatchObject({ message: `cannot write --junit ${tmp}: it is a folder`, fix: expect.stringContaining(path.join(tmp, 'results.json')) });
    await expect(checkOutputFolder('--out', path.join(tmp, 'afile'))).rejects.toMatchObject({ code: 'USAGE', message: expect.stringContaining('a file is in the way') });
    await checkOutputFolder('--out', path.join(tmp, 'grades'));
    expect(await fs.readdir(path.join(tmp, 'grades'))).toEqual([]);
  });
});
