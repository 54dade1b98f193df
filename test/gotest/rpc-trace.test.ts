/**
 * Reading an attempt's rpc trace: it is written by the test's process (student code), so the
 * reader must survive anything there — malformed lines, wrong types, huge files, a FIFO, links —
 * and keep only records of the format.
 */
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseRpcTraceLines, readRpcTrace, RPC_TRACE_FILE } from '../../src/gotest/rpc-trace.js';

let tmp: string;
let n = 0;
beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'dsgrade-rpctrace-'));
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

const isRoot = process.getuid?.() === 0;

/** A fresh artifacts folder holding `text` as the trace (owned by a non-root uid when we are root, as a test's file is). */
async function folderWith(text: string | Buffer): Promise<string> {
  const dir = path.join(tmp, `a${n++}`);
  await fs.mkdir(dir);
  const file = path.join(dir, RPC_TRACE_FILE);
  await fs.writeFile(file, text);
  if (isRoot) await fs.chown(file, 12345, 12345);
  return dir;
}

const CALL = '{"t":1530,"link":"0->1","from":"0","to":"1","dir":"forward","seq":3,"size":118,"method":"Raft.RequestVote","action":"forward"}';

describe('parsing rpc trace lines', () => {
  it('reads the four record kinds of the format (doc.go), times in ms', () => {
    const text = [
      '{"t":0,"kind":"network","seed":42}',
      CALL,
      '{"t":1590,"link":"0->1","from":"0","to":"1","dir":"reverse","seq":3,"size":61,"method":"Raft.RequestVote","action":"delay","delayMs":12.5}',
      '{"t":2210,"kind":"state","node":"1","term":1,"leader":true}',
      '{"t":5000,"kind":"event","text":"disconnect 1"}',
    ].join('\n');
    const { records, malformedLines } = parseRpcTraceLines(text);
    expect(malformedLines).toBe(0);
    expect(records).toEqual([
      { kind: 'network', tMs: 0, seed: '42' },
      { kind: 'call', tMs: 1.53, link: '0->1', from: '0', to: '1', dir: 'forward', seq: 3, size: 118, method: 'Raft.RequestVote', action: 'forward', delayMs: 0 },
      { kind: 'call', tMs: 1.59, link: '0->1', from: '0', to: '1', dir: 'reverse', seq: 3, size: 61, method: 'Raft.RequestVote', action: 'delay', delayMs: 12.5 },
      { kind: 'state', tMs: 2.21, node: '1', term: 1, leader: true },
      { kind: 'event', tMs: 5, text: 'disconnect 1' },
    ]);
  });

  it('keeps an int64 seed exactly', () => {
    expect(parseRpcTraceLines('{"t":0,"kind":"network","seed":9223372036854775807}').records).toEqual([{ kind: 'network', tMs: 0, seed: '9223372036854775807' }]);
  });

  it('skips and counts what is not a record: bad JSON, wrong types, unknown actions and kinds, absurd times', () => {
    const bad = [
      'not json',
      '[1,2]',
      'null',
      '{"t":"1","kind":"event","text":"x"}',
      '{"t":-5,"kind":"event","text":"x"}',
      '{"t":1e30,"kind":"event","text":"x"}',
      '{"t":1,"kind":"state","node":"1","term":-1,"leader":true}',
      '{"t":1,"kind":"state","node":"1","term":1.5,"leader":true}',
      '{"t":1,"kind":"state","node":"","term":1,"leader":true}',
      '{"t":1,"kind":"state","node":"1","term":1,"leader":"yes"}',
      CALL.replace('"action":"forward"', '"action":"teleport"'),
      CALL.replace('"dir":"forward"', '"dir":"up"'),
      CALL.replace('"seq":3', '"seq":"3"'),
      CALL.replace('"link":"0->1",', ''),
      '{"t":1,"kind":"mystery"}',
      '{"t":1,"kind":"network"}',
    ];
    const { records, malformedLines } = parseRpcTraceLines([...bad, CALL].join('\n'));
    expect(malformedLines).toBe(bad.length);
    expect(records).toHaveLength(1);
  });

  it('cuts long strings and removes control characters', () => {
    const long = 'x'.repeat(10_000);
    const [e, s] = parseRpcTraceLines(`{"t":1,"kind":"event","text":"${long}\\u001b[2J"}\n{"t":1,"kind":"state","node":"a\\u0000${long}","term":1,"leader":false}`).records as unknown as [{ text: string }, { node: string }];
    expect(e.text.length).toBeLessThanOrEqual(200);
    expect(s.node.length).toBeLessThanOrEqual(40);
    expect(s.node).not.toContain('\u0000');
  });

  it('ignores negative, non-finite and absurd delays', () => {
    const r = parseRpcTraceLines(CALL.replace('}', ',"delayMs":-3}')).records[0] as { delayMs: number };
    expect(r.delayMs).toBe(0);
  });
});

describe('reading the trace file of an artifacts folder', () => {
  it('reads a small trace whole', async () => {
    const dir = await folderWith(`{"t":0,"kind":"network","seed":7}\n${CALL}\nnot json\n`);
    const t = await readRpcTrace(dir);
    expect(t).toMatchObject({ skippedBytes: 0, malformedLines: 1 });
    expect(t!.records.map((r) => r.kind)).toEqual(['network', 'call']);
  });

  it('an absent file or folder is no trace', async () => {
    const dir = path.join(tmp, `empty${n++}`);
    await fs.mkdir(dir);
    expect(await readRpcTrace(dir)).toBeUndefined();
    expect(await readRpcTrace(path.join(tmp, 'no-such-folder'))).toBeUndefined();
  });

  it('reads only the head and the tail of a long trace, dropping the lines the cuts go through', async () => {
    const lines = Array.from({ length: 5000 }, (_, i) => `{"t":${i * 1000},"kind":"event","text":"e${i}"}`);
    const dir = await folderWith(`${lines.join('\n')}\n`);
    const t = (await readRpcTrace(dir, { headBytes: 2000, tailBytes: 4000 }))!;
    expect(t.skippedBytes).toBe(t.fileBytes - 6000);
    expect(t.malformedLines).toBe(0);
    const texts = t.records.map((r) => (r as { text: string }).text);
    expect(texts[0]).toBe('e0');
    expect(texts[texts.length - 1]).toBe('e4999');
    expect(texts.length).toBeLessThan(200);
  });

  it('does not follow a link in place of the file, or of the folder', async () => {
    const secret = path.join(tmp, 'secret.jsonl');
    await fs.writeFile(secret, `${CALL}\n`);
    if (isRoot) await fs.chown(secret, 12345, 12345);
    const dir = path.join(tmp, `l${n++}`);
    await fs.mkdir(dir);
    await fs.symlink(secret, path.join(dir, RPC_TRACE_FILE));
    expect(await readRpcTrace(dir)).toBeUndefined();
    const real = await folderWith(`${CALL}\n`);
    const linked = path.join(tmp, `lf${n++}`);
    await fs.symlink(real, linked);
    expect(await readRpcTrace(linked)).toBeUndefined();
    expect(await readRpcTrace(real)).toBeDefined();
  });

  it('refuses a hard link (a file with two names) and a FIFO, without hanging', async () => {
    const dir = await folderWith(`${CALL}\n`);
    await fs.link(path.join(dir, RPC_TRACE_FILE), path.join(tmp, `hard${n++}`));
    expect(await readRpcTrace(dir)).toBeUndefined();
    const fifoDir = path.join(tmp, `f${n++}`);
    await fs.mkdir(fifoDir);
    execFileSync('mkfifo', [path.join(fifoDir, RPC_TRACE_FILE)]);
    expect(await readRpcTrace(fifoDir)).toBeUndefined();
  });
});
