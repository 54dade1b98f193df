import { describe, expect, it } from 'vitest';
import { sanitizeText, truncateMiddle } from '../../src/report/truncate.js';

const bytes = (s: string) => Buffer.byteLength(s, 'utf8');

describe('truncateMiddle', () => {
  it('leaves text under the limit alone', () => {
    const text = 'line one\nline two\n';
    expect(truncateMiddle(text, 1000)).toEqual({ text, truncated: false, omittedBytes: 0 });
    expect(truncateMiddle(text, bytes(text))).toEqual({ text, truncated: false, omittedBytes: 0 });
  });

  it('keeps the head and the tail, with a marker in between', () => {
    const lines = Array.from({ length: 2000 }, (_, i) => `line ${i} of the output`);
    const text = lines.join('\n');
    const out = truncateMiddle(text, 4000);
    expect(out.truncated).toBe(true);
    expect(bytes(out.text)).toBeLessThanOrEqual(4000);
    expect(out.text.startsWith('line 0 of the output\nline 1 of the output\n')).toBe(true);
    expect(out.text.endsWith('line 1999 of the output')).toBe(true);
    expect(out.text).toMatch(/\n… \[dsgrade: [\d,]+ bytes omitted from the middle of this output\] …\n/);
    const n = Number(/dsgrade: ([\d,]+) bytes/.exec(out.text)![1]!.replace(/,/g, ''));
    expect(n).toBe(out.omittedBytes);
    // What is kept plus what is omitted accounts for the whole input.
    // Both cuts fall on line boundaries here, so the marker line is the only thing added.
    const [head, tail] = out.text.split(/… \[dsgrade[^\n]*…\n/) as [string, string];
    expect(head.endsWith('\n')).toBe(true);
    expect(text.startsWith(head)).toBe(true);
    expect(text.endsWith(tail)).toBe(true);
    expect(bytes(head) + out.omittedBytes + bytes(tail)).toBe(bytes(text));
  });

  it('cuts at line boundaries when one is near', () => {
    const text = Array.from({ length: 500 }, (_, i) => `entry ${String(i).padStart(4, '0')}`).join('\n');
    const out = truncateMiddle(text, 1500);
    const [head, tail] = out.text.split(/\n?… \[dsgrade[^\n]*…\n/);
    for (const line of [...head!.split('\n'), ...tail!.split('\n')].filter(Boolean)) {
      expect(line).toMatch(/^entry \d{4}$/);
    }
  });

  it('respects the byte budget with multi-byte characters and never splits one', () => {
    const text = 'é€😀'.repeat(5000); // 2 + 3 + 4 bytes, no newlines
    for (const limit of [150, 151, 152, 153, 999, 1000, 1001, 4096]) {
      const out = truncateMiddle(text, limit);
      expect(bytes(out.text)).toBeLessThanOrEqual(limit);
      expect(out.text).not.toContain('\ufffd');
      expect(out.text).toContain('bytes omitted from the middle');
      expect(out.text.startsWith('é€😀')).toBe(true);
      // Round-trips through UTF-8 unchanged: no half characters.
      expect(Buffer.from(out.text, 'utf8').toString('utf8')).toBe(out.text);
    }
  });

  it('keeps only the head when the marker itself does not fit', () => {
    const out = truncateMiddle('x'.repeat(1000), 30);
    expect(out).toEqual({ text: 'x'.repeat(30), truncated: true, omittedBytes: 970 });
    expect(truncateMiddle('abc', 0)).toEqual({ text: '', truncated: true, omittedBytes: 3 });
  });

  it('cleans its input first', () => {
    const out = truncateMiddle(Uint8Array.from([0x61, 0x00, 0xff, 0x62, 0x0d, 0x0a, 0x63]), 100);
    expect(out).toEqual({ text: 'a\ufffdb\nc', truncated: false, omittedBytes: 0 });
  });
});

describe('sanitizeText', () => {
  it('strips NUL and control characters but keeps \\n and \\t', () => {
    expect(sanitizeText('a\u0000b\u0007c\td\ne\u007f\u0085f')).toBe('abc\td\nef');
  });

  it('removes ANSI escape sequences whole', () => {
    expect(sanitizeText('\u001b[31mFAIL\u001b[0m \u001b]0;title\u0007done\u001b[2K')).toBe('FAIL done');
  });

  it('normalises line endings', () => {
    expect(sanitizeText('a\r\nb\rc\n')).toBe('a\nb\nc\n');
  });

  it('replaces invalid UTF-8 and lone surrogates with U+FFFD', () => {
    expect(sanitizeText(Uint8Array.from([0x6f, 0x6b, 0xc3, 0x28, 0xe2, 0x82]))).toBe('ok\ufffd(\ufffd');
    expect(sanitizeText('x\ud800y\udc00z😀')).toBe('x\ufffdy\ufffdz😀');
  });
});
