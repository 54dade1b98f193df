/** Folders made writable for the Docker container user: a link planted in their place changes nothing on the host. */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeWritable } from '../../../src/sandbox/docker/container-user.js';

describe.skipIf(process.getuid?.() !== 0)('makeWritable (as root)', () => {
  it('gives a folder to the container user', async () => {
    const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'dsgrade-mw-'));
    try {
      await makeWritable({ uid: 54321, gid: 54321 }, path.join(tmp, 'scratch', 'a'));
      expect((await fs.stat(path.join(tmp, 'scratch', 'a'))).uid).toBe(54321);
    } finally {
      await fs.rm(tmp, { recursive: true, force: true });
    }
  });

  it('never chowns what a link at its path points to', async () => {
    const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'dsgrade-mw-'));
    try {
      const hostFolder = path.join(tmp, 'host-only');
      await fs.mkdir(hostFolder);
      await fs.symlink(hostFolder, path.join(tmp, 'planted'));
      await makeWritable({ uid: 54321, gid: 54321 }, path.join(tmp, 'planted'));
      expect((await fs.stat(hostFolder)).uid).toBe(0);
    } finally {
      await fs.rm(tmp, { recursive: true, force: true });
    }
  });
});
