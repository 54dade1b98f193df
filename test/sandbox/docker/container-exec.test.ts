import { describe, expect, it } from 'vitest';
import { decodeExit } from '../../../src/sandbox/docker/container-exec.js';

describe('decodeExit', () => {
  it('reads 128+n as signal n, like a shell', () => {
    expect(decodeExit(137)).toEqual({ code: null, signal: 'SIGKILL' });
    expect(decodeExit(143)).toEqual({ code: null, signal: 'SIGTERM' });
  });
  it('keeps ordinary exit codes', () => {
    expect(decodeExit(0)).toEqual({ code: 0, signal: null });
    expect(decodeExit(1)).toEqual({ code: 1, signal: null });
    expect(decodeExit(127)).toEqual({ code: 127, signal: null });
    expect(decodeExit(null)).toEqual({ code: null, signal: null });
  });
});
