import { describe, expect, it } from 'vitest';
import { UsageTrailer } from '../../../src/sandbox/docker/usage-trailer.js';

const TRAILER = '\0dsgrade-exec usage {"userUs":1500000,"sysUs":250000,"maxRssKiB":2048,"complete":true}\n';

/** Feeds `text` in chunks of `size` bytes; returns what passed through and the usage. */
function feed(text: string, size: number): { out: string; usage: ReturnType<UsageTrailer['end']>['usage'] } {
  const t = new UsageTrailer();
  const bytes = Buffer.from(text, 'latin1');
  let out = '';
  for (let i = 0; i < bytes.length; i += size) out += t.push(bytes.subarray(i, i + size)).toString('latin1');
  const end = t.end();
  return { out: out + end.rest.toString('latin1'), usage: end.usage };
}

describe('UsageTrailer', () => {
  it('takes the last line off, however the stream is chunked', () => {
    for (const size of [1, 3, 7, 64, 4096]) {
      const { out, usage } = feed(`hello\nworld\n${TRAILER}`, size);
      expect(out).toBe('hello\nworld\n');
      expect(usage).toEqual({ cpuMs: 1750, userMs: 1500, sysMs: 250, peakRssBytes: 2048 * 1024, complete: true });
    }
  });

  it('finds it after output that did not end its line', () => {
    expect(feed(`no newline${TRAILER}`, 5)).toMatchObject({ out: 'no newline', usage: { cpuMs: 1750 } });
  });

  it('passes a look-alike the program printed and keeps the real one, which comes last', () => {
    const forged = '\0dsgrade-exec usage {"userUs":1,"sysUs":0,"maxRssKiB":1,"complete":true}\n';
    const { out, usage } = feed(`${forged}more output\n${TRAILER}`, 4);
    expect(out).toBe(`${forged}more output\n`);
    expect(usage?.cpuMs).toBe(1750);
  });

  it('gives back NUL bytes and partial markers that were output after all', () => {
    expect(feed('binary\0\0data\0dsgrade-ex', 3)).toEqual({ out: 'binary\0\0data\0dsgrade-ex', usage: undefined });
    expect(feed('\0dsgrade-exec usage not json\n', 2)).toEqual({ out: '\0dsgrade-exec usage not json\n', usage: undefined });
  });

  it('has no usage when the supervisor died before writing it', () => {
    expect(feed('output\n', 3)).toEqual({ out: 'output\n', usage: undefined });
  });
});
