/**
 * Ctrl-C in the middle of a --backend docker run: dsgrade exits 130 and leaves no container,
 * network or volume behind (the interrupt handler waits for the run's cleanup).
 */
import { spawn } from 'node:child_process';
import os from 'node:os';
import { describe, expect, it } from 'vitest';
import { DockerodeRuntime } from '../../src/sandbox/docker/dockerode-runtime.js';
import { OWNER_LABEL, managedFilter } from '../../src/sandbox/docker/labels.js';
import { dockerAvailable } from './engine.js';

const available = await dockerAvailable();

describe.skipIf(!available)('docker backend interrupt', () => {
  it('SIGINT mid-run removes every container of the run', async () => {
    const runtime = new DockerodeRuntime();
    const child = spawn(process.execPath, ['bin/dsgrade.js', 'grade', 'projects/p0-kvserver/reference', '--project', 'projects/p0-kvserver', '--backend', 'docker', '--only', 'partA'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.stdout.resume();
    const owner = `${os.hostname()}:${child.pid}`;
    const ours = async (): Promise<string[]> => (await runtime.list(managedFilter())).filter((r) => r.labels[OWNER_LABEL] === owner).map((r) => `${r.kind} ${r.name}`);
    // Wait until the sandbox container runs tests (its containers exist), then interrupt.
    const deadline = Date.now() + 120_000;
    let seen: string[] = [];
    while (Date.now() < deadline) {
      seen = await ours();
      if (seen.length > 0 && /PASS|FAIL/.test(stderr)) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(seen.length, `no container appeared; stderr:\n${stderr}`).toBeGreaterThan(0);
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    expect(await ours()).toEqual([]);
  });
});
