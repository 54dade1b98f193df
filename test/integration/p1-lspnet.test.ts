/**
 * P1's staff network package against the course's behaviour: socket errors (a refused connection)
 * reach the caller (starter lspnet/conn_test.go, real sockets on loopback). A package that
 * swallowed them made a client that gives up on such an error wait forever.
 */
import { execa } from 'execa';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const MODULE = path.resolve('projects/p1-lsp/starter/src/github.com/cmu440');

describe('P1 lspnet', () => {
  it('passes socket errors up: a refused connection reaches Read and Write', async () => {
    const run = await execa('go', ['test', '-count=1', '-v', './lspnet/'], {
      cwd: MODULE,
      reject: false,
      env: { ...process.env, GOFLAGS: '-mod=readonly', GOTOOLCHAIN: 'local', CGO_ENABLED: '0' },
    });
    const output = `${run.stdout}\n${run.stderr}`;
    expect(run.exitCode, output).toBe(0);
    for (const name of ['TestReadReturnsRefused', 'TestWriteReturnsRefused', 'TestReadAfterCloseReturnsError']) {
      expect(output).toContain(`--- PASS: ${name}`);
    }
  });
});
