import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as record from '../../src/gotest/record.js';
import { newAttemptSecret, readResultFile, verifyRecord } from '../../src/gotest/record.js';

const KEY = Buffer.from('00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff', 'hex');
// The same vector as harness/gotest/attempt TestSealGolden: what the Go side writes is what this side accepts.
const GOLDEN = '{"v":1,"code":0}\nf1b9d3ebad29a2c92065b99db0f740947522258e4e79a1e99b23421adf0af58b\n';

describe('attempt secrets and records', () => {
  it('agrees with the Go harness on the variable, the exit statuses and the messages', async () => {
    const attempt = await fs.readFile('harness/gotest/attempt/attempt.go', 'utf8');
    const fdguard = await fs.readFile('harness/gotest/fdguard/fdguard.go', 'utf8');
    expect(fdguard).toContain(`const SecretFDVariable = "${record.SECRET_FD_VARIABLE}"`);
    expect(attempt).toContain(`const ExitNoSecret = ${record.EXIT_NO_SECRET}\n`);
    expect(attempt).toContain(`const MissingSecretMessage = "${record.MISSING_SECRET_MESSAGE}"`);
    expect(attempt).toContain(`const ExitNoRecord = ${record.EXIT_NO_RECORD}\n`);
    expect(attempt).toContain(`const NoRecordMessage = "${record.NO_RECORD_MESSAGE}"`);
  });

  it('gives every attempt its own key, on one line with the leak settings and the result file', () => {
    const a = newAttemptSecret('/w/scratch/partA-TestX-0/dsgrade-result', { settleMs: 1000, cpuWindowMs: 250 });
    const b = newAttemptSecret('/w/scratch/partA-TestX-1/dsgrade-result');
    expect(a.key).toHaveLength(32);
    expect(a.key.equals(b.key)).toBe(false);
    expect(a.payload.toString()).toBe(`dsgrade-secret 1 ${a.key.toString('hex')} 1000 250 /w/scratch/partA-TestX-0/dsgrade-result\n`);
    expect(b.payload.toString()).toBe(`dsgrade-secret 1 ${b.key.toString('hex')} 0 0 /w/scratch/partA-TestX-1/dsgrade-result\n`);
    expect(() => newAttemptSecret('/w/a\nb')).toThrow(/newline/);
  });

  it("accepts the Go harness's sealed record and nothing else", () => {
    expect(verifyRecord(GOLDEN, KEY)).toEqual({ kind: 'valid', record: { code: 0 } });
    expect(verifyRecord(GOLDEN, Buffer.alloc(32))).toEqual({ kind: 'forged' });
    expect(verifyRecord(GOLDEN.replace('"code":0', '"code":1'), KEY)).toEqual({ kind: 'forged' });
    expect(verifyRecord(GOLDEN + GOLDEN, KEY)).toEqual({ kind: 'forged' });
    expect(verifyRecord(GOLDEN.toUpperCase(), KEY)).toEqual({ kind: 'forged' });
    expect(verifyRecord(undefined, KEY)).toEqual({ kind: 'absent' });
    expect(verifyRecord('', KEY)).toEqual({ kind: 'absent' });
  });
});

describe('readResultFile: the attempt uid owns the folder, so the file is not trusted', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'dsgrade-record-'));
  });
  afterAll(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('reads a regular file; a missing one is undefined', async () => {
    await fs.writeFile(path.join(dir, 'ok'), GOLDEN);
    expect(await readResultFile(path.join(dir, 'ok'))).toBe(GOLDEN);
    expect(await readResultFile(path.join(dir, 'missing'))).toBeUndefined();
  });

  it('does not follow a link, block on a FIFO or read a huge file', async () => {
    await fs.symlink('/etc/passwd', path.join(dir, 'link'));
    expect(await readResultFile(path.join(dir, 'link'))).toBe('not a regular file');
    execFileSync('mkfifo', [path.join(dir, 'fifo')]);
    expect(await readResultFile(path.join(dir, 'fifo'))).toBe('not a regular file');
    await fs.writeFile(path.join(dir, 'huge'), Buffer.alloc(1024 * 1024));
    expect(await readResultFile(path.join(dir, 'huge'))).toBe('too large');
    for (const f of ['link', 'fifo', 'huge']) expect(verifyRecord(await readResultFile(path.join(dir, f)), KEY)).toEqual({ kind: 'forged' });
  });
});
