import { describe, expect, it } from 'vitest';
import { OutputCapture } from '../../src/sandbox/output-capture.js';

const OMITTED = /\n… \[dsgrade: ([\d,]+) bytes of output omitted here\] …\n/;

describe('OutputCapture', () => {
  it('keeps everything, unmarked, while within the budget', () => {
    const c = new OutputCapture(100);
    c.push(Buffer.from('hello '));
    c.push(Buffer.from('world\n'));
    expect(c.text()).toBe('hello world\n');
    expect(c.total).toBe(12);
    expect(c.truncated).toBe(false);
  });

  it('keeps exactly the budget without a marker', () => {
    const c = new OutputCapture(10);
    c.push(Buffer.from('0123456789'));
    expect(c.text()).toBe('0123456789');
    expect(c.truncated).toBe(false);
  });

  it('keeps the head and the tail of long output and marks what was omitted', () => {
    const c = new OutputCapture(20);
    for (let i = 0; i < 1000; i++) c.push(Buffer.from(`line ${String(i).padStart(4, '0')}\n`));
    const text = c.text();
    expect(c.total).toBe(10_000);
    expect(c.truncated).toBe(true);
    const [head, tail] = text.split(OMITTED.exec(text)![0]);
    expect(head).toBe('line 0000\n');
    expect(tail).toBe('line 0999\n');
    expect(OMITTED.exec(text)![1]).toBe('9,980');
  });

  it('counts omitted bytes so that head + tail + omitted = total', () => {
    const c = new OutputCapture(64);
    let total = 0;
    for (let i = 1; i < 200; i++) {
      const chunk = Buffer.alloc(i % 17 || 1, 97 + (i % 26));
      total += chunk.length;
      c.push(chunk);
    }
    const text = c.text();
    const m = OMITTED.exec(text)!;
    const kept = Buffer.byteLength(text) - Buffer.byteLength(m[0]);
    expect(kept).toBe(64);
    expect(kept + Number(m[1]!.replace(/,/g, ''))).toBe(total);
    expect(c.total).toBe(total);
  });

  it('handles a single chunk bigger than the whole budget', () => {
    const c = new OutputCapture(10);
    const big = Buffer.from(`HEAD!${'x'.repeat(1_000_000)}!TAIL`);
    c.push(big);
    expect(c.total).toBe(big.length);
    const text = c.text();
    expect(text.startsWith('HEAD!')).toBe(true);
    expect(text.endsWith('\n!TAIL')).toBe(true);
    expect(OMITTED.exec(text)![1]).toBe((big.length - 10).toLocaleString('en-US'));
  });

  it('keeps the newest bytes when big chunks keep arriving after the head is full', () => {
    const c = new OutputCapture(8);
    c.push(Buffer.from('abcd'));
    c.push(Buffer.alloc(100_000, 'y'));
    c.push(Buffer.from('1234'));
    c.push(Buffer.alloc(50_000, 'z'));
    c.push(Buffer.from('WXYZ'));
    const text = c.text();
    expect(text).toBe(`abcd\n… [dsgrade: ${(100_000 + 4 + 50_000).toLocaleString('en-US')} bytes of output omitted here] …\nWXYZ`);
  });

  it('keeps nothing with a zero budget but still counts', () => {
    const c = new OutputCapture(0);
    c.push(Buffer.from('abc'));
    expect(c.total).toBe(3);
    expect(c.text()).toMatch(/^\n… \[dsgrade: 3 bytes of output omitted here\] …\n$/);
  });
});
