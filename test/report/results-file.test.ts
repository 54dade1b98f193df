import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkAgainstSchema, writeCheckedJson } from '../../src/report/results-file.js';

describe('writeCheckedJson: the one results-writer path', () => {
  it('writes a valid object atomically and refuses an invalid or oversized one, writing nothing', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'dsgrade-rf-'));
    try {
      const ok = path.join(dir, 'ok.json');
      await writeCheckedJson(ok, { scores: { a: 1 } }, { schema: 'autolab-result.schema.json', what: 'Autolab score line' });
      expect(JSON.parse(await fs.readFile(ok, 'utf8'))).toEqual({ scores: { a: 1 } });
      await expect(writeCheckedJson(path.join(dir, 'bad.json'), { scores: 3 }, { schema: 'autolab-result.schema.json', what: 'Autolab score line' })).rejects.toMatchObject({ code: 'INTERNAL' });
      await expect(writeCheckedJson(path.join(dir, 'big.json'), { scores: { a: 1 } }, { schema: 'autolab-result.schema.json', what: 'x', maxBytes: 5 })).rejects.toThrow(/over the host's limit of 5/);
      expect((await fs.readdir(dir)).sort()).toEqual(['ok.json']);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });

  it('compiles each schema once and checks against the right one', () => {
    expect(checkAgainstSchema('gradescope-results.schema.json', { score: 1 })).toEqual([]);
    expect(checkAgainstSchema('prairielearn-results.schema.json', { score: 1 })).toContainEqual({ pointer: '/', message: "must have required property 'gradable'" });
  });
});
