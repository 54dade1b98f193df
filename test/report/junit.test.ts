import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { renderJUnit, writeJUnit } from '../../src/report/junit.js';
import { makeReport, makeTest } from './fixtures.js';
import { findAll, parseXml, textOf, type XmlElement } from './xml.js';

const child = (el: XmlElement, name: string) => el.children.find((c): c is XmlElement => typeof c !== 'string' && c.name === name);

describe('renderJUnit', () => {
  const report = makeReport();
  const xml = renderJUnit(report);
  const root = parseXml(xml);

  it('has one testsuite per suite with the right counts', () => {
    expect(root.name).toBe('testsuites');
    expect(root.attrs).toMatchObject({ name: 'p0-kvserver', tests: '5', failures: '1', errors: '1' });
    const suites = findAll(root, 'testsuite');
    expect(suites.map((s) => s.attrs.name)).toEqual(['checkpoint', 'final']);
    expect(suites.map((s) => [s.attrs.tests, s.attrs.failures, s.attrs.errors])).toEqual([
      ['2', '1', '0'],
      ['3', '0', '1'],
    ]);
    expect(findAll(root, 'testcase')).toHaveLength(5);
    expect(findAll(root, 'failure')).toHaveLength(1);
    expect(findAll(root, 'error')).toHaveLength(1);
  });

  it('names test cases <project>.<suite> / <name> with the time in seconds', () => {
    const cases = findAll(root, 'testcase');
    expect(cases[1]!.attrs).toMatchObject({ classname: 'p0-kvserver.checkpoint', name: 'TestBasic2', time: '2.01' });
    expect(cases[3]!.attrs).toMatchObject({ classname: 'p0-kvserver.final', name: 'TestCrashRecovery', time: '12.3' });
  });

  it('puts the summary in the failure message and the output in its body and system-out', () => {
    const failure = findAll(root, 'failure')[0]!;
    expect(failure.attrs.message).toBe('expected 100 keys after Put, got 97');
    expect(textOf(failure)).toContain('--- FAIL: TestBasic2 (2.01s)');
    expect(textOf(failure)).toContain('Rerun locally: dsgrade run projects/p0');
    const out = child(findAll(root, 'testcase')[1]!, 'system-out')!;
    expect(textOf(out)).toContain('kv_test.go:91: expected 100 keys after Put, got 97');
  });

  it('marks a harness error as an error element, not a failure', () => {
    const error = findAll(root, 'error')[0]!;
    expect(error.attrs.message).toMatch(/^dsgrade could not decide this test \(harness error\): go test exited/);
    expect(textOf(error)).toContain('runner killed by signal SIGKILL');
  });

  it('records the seed but never the nonce', () => {
    const props = findAll(root, 'property').map((p) => [p.attrs.name, p.attrs.value]);
    expect(props).toContainEqual(['seed', '4242']);
    expect(props).toContainEqual(['dsgrade.version', '0.1.0']);
    expect(xml).not.toContain(report.nonce);
    expect(xml).not.toMatch(/nonce/i);
  });

  it('escapes <&" and drops control characters from names, messages and output', () => {
    const nasty = makeTest({
      suite: 'a<b',
      name: 'Test"&<x>',
      verdict: 'failed',
      summary: 'got <nil> & "quoted"\u0000 value',
      output: 'line <1> & "two"\u0000\u0001\u0007\u001b[31m red\u001b[0m\nend]]>middle]]>tail ]]]> x',
      rerun: 'go test -run "TestX$"',
    });
    const doc = parseXml(renderJUnit(makeReport({ tests: [nasty] })));
    const tc = findAll(doc, 'testcase')[0]!;
    expect(tc.attrs).toMatchObject({ name: 'Test"&<x>', classname: 'p0-kvserver.a<b' });
    expect(findAll(doc, 'testsuite')[0]!.attrs.name).toBe('a<b');
    const failure = child(tc, 'failure')!;
    expect(failure.attrs.message).toBe('got <nil> & "quoted" value');
    const expected = 'line <1> & "two" red\nend]]>middle]]>tail ]]]> x';
    expect(textOf(child(tc, 'system-out')!)).toBe(expected);
    expect(textOf(failure)).toBe(`${expected}\n\nRerun locally: go test -run "TestX$"`);
  });

  it('truncates long output', () => {
    const big = makeTest({ suite: 's', name: 'T', verdict: 'failed', output: 'y\n'.repeat(100_000) });
    const doc = parseXml(renderJUnit(makeReport({ tests: [big] }), { outputBytes: 2000 }));
    const out = textOf(child(findAll(doc, 'testcase')[0]!, 'system-out')!);
    expect(Buffer.byteLength(out, 'utf8')).toBeLessThanOrEqual(2000);
    expect(out).toContain('bytes omitted from the middle of this output');
  });

  it('uses a fresh builder per call', () => {
    const one = renderJUnit(makeReport({ tests: [makeTest({ suite: 's', name: 'Only' })] }));
    const two = renderJUnit(makeReport({ tests: [makeTest({ suite: 's', name: 'Only' })] }));
    expect(two).toBe(one);
    expect(findAll(parseXml(two), 'testcase')).toHaveLength(1);
  });
});

describe('writeJUnit', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dsgrade-junit-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes the XML atomically into a folder it creates', async () => {
    const path = join(dir, 'out', 'junit.xml');
    await writeJUnit(path, makeReport());
    const doc = parseXml(await readFile(path, 'utf8'));
    expect(findAll(doc, 'testcase')).toHaveLength(5);
    expect(await readdir(join(dir, 'out'))).toEqual(['junit.xml']);
  });
});

describe('parseXml (the test helper) rejects malformed XML', () => {
  it.each([
    ['<a><b></a>'],
    ['<a>x & y</a>'],
    ['<a>\u0001</a>'],
    ['<a><![CDATA[x]]>]]></a>'],
    ['<a x="1" x="2"/>'],
  ])('%j', (xml) => {
    expect(() => parseXml(xml)).toThrow();
  });
});
