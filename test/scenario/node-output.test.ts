/**
 * "Since" in node output follows the order dsgrade saw things in: a line read before a step began
 * never counts as printed after it, however close together the two are (issue #16: on a clock
 * rounded to whole milliseconds they shared a time, and `since: "previous"` counted the line that
 * had ended the step before).
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ScenarioClock } from '../../src/scenario/clock.js';
import { NodeOutput } from '../../src/scenario/node-output.js';

let tmp: string;
beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'dsgrade-node-output-'));
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

const output = (clock: ScenarioClock): NodeOutput =>
  new NodeOutput('c1', { stdout: path.join(tmp, `${Math.random()}.out`), stderr: path.join(tmp, `${Math.random()}.err`) }, 1024, () => clock.now());

describe('the scenario clock and node output', () => {
  it('never gives the same time twice, even within one microsecond', () => {
    const clock = new ScenarioClock();
    const times = Array.from({ length: 10_000 }, () => clock.now());
    for (let i = 1; i < times.length; i++) expect(times[i]!).toBeGreaterThan(times[i - 1]!);
  });

  it('a line read before a step began is not "since" that step; one read after it is', async () => {
    const clock = new ScenarioClock();
    const out = output(clock);
    const key = out.watch('^reply');
    // Many rounds, each within far less than a millisecond: what a rounded clock got wrong.
    for (let i = 0; i < 200; i++) {
      out.push('stdout', Buffer.from(`reply: ping ${i}\n`));
      const stepBegan = clock.now();
      expect(out.seen(key, stepBegan)).toBe(false);
      expect(await out.waitFor(key, stepBegan, 0)).toBe(false);
      out.push('stdout', Buffer.from(`reply: pong ${i}\n`));
      expect(out.seen(key, stepBegan)).toBe(true);
      expect(out.firstAt(key, stepBegan)).toBeGreaterThan(stepBegan);
    }
    await out.close();
  });

  it('lines of one chunk keep their order in time', async () => {
    const clock = new ScenarioClock();
    const out = output(clock);
    out.push('stdout', Buffer.from('a\nb\nc\n'));
    const t = out.tail().map((l) => l.tMs);
    expect(t[0]!).toBeLessThan(t[1]!);
    expect(t[1]!).toBeLessThan(t[2]!);
    await out.close();
  });
});
