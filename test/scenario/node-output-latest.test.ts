/**
 * NodeOutput.latest: the most recent line matching a pattern, with its time — what a `latest` wait
 * compares, so a node that prints many candidate values is judged by the last one only.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NodeOutput } from '../../src/scenario/node-output.js';

let tmp: string;
let clock = 0;
let out: NodeOutput;
beforeEach(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'dsgrade-node-output-'));
  clock = 0;
  out = new NodeOutput('server', { stdout: path.join(tmp, 'o'), stderr: path.join(tmp, 'e') }, 1 << 20, () => clock);
});
afterEach(async () => {
  await out.close();
  await fs.rm(tmp, { recursive: true, force: true });
});

describe('NodeOutput.latest', () => {
  it('is the last matching line, across chunks and streams, and only if printed since the given time', () => {
    const key = out.watch('^counts ');
    expect(out.latest(key)).toBeUndefined();
    clock = 10;
    out.push('stdout', Buffer.from('counts active=1 dropped=0\nnoise\ncou'));
    clock = 20;
    out.push('stdout', Buffer.from('nts active=2 dropped=0\n'));
    expect(out.latest(key)).toEqual({ text: 'counts active=2 dropped=0', tMs: 20 });
    clock = 30;
    out.push('stderr', Buffer.from('counts active=9 dropped=9\n'));
    expect(out.latest(key)).toEqual({ text: 'counts active=9 dropped=9', tMs: 30 });
    expect(out.latest(key, 31)).toBeUndefined();
    expect(out.latest(key, 30)?.text).toBe('counts active=9 dropped=9');
  });

  it('follows the stream a pattern was registered for', () => {
    const key = out.watch('^v=', 'stdout');
    out.push('stdout', Buffer.from('v=1\n'));
    out.push('stderr', Buffer.from('v=2\n'));
    expect(out.latest(key)?.text).toBe('v=1');
  });
});
