import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { validateCommand } from '../../src/commands/validate.js';
import { baseManifest, makeProject, type Project } from '../manifest/helpers.js';

let p: Project;
beforeEach(async () => {
  p = await makeProject();
});
afterEach(async () => {
  await p.cleanup();
});

async function run(goVersion: string): Promise<{ code: number; out: string }> {
  const stdout = new PassThrough();
  let out = '';
  stdout.on('data', (c: Buffer) => (out += c.toString()));
  const code = await validateCommand({ project: p.dir, goVersion, io: { stdout, stderr: new PassThrough() } });
  return { code, out };
}

describe('dsgrade validate: the Go that would grade (#10 item 8)', () => {
  it('notes a different major.minor, with both versions and how to grade with the course\'s Go', async () => {
    const m = baseManifest();
    m.go.version = '1.21';
    await p.write(m);
    const { code, out } = await run('go1.26.8');
    expect(code).toBe(0);
    expect(out).toContain('note: local grading builds with go1.26.8, this course uses Go 1.21 (go.version); a newer Go builds older code, so this is informational.');
    expect(out).toContain('--backend docker --base-image golang:1.21');
  });

  it('says nothing for a patch difference, and warns of an older Go', async () => {
    const m = baseManifest();
    m.go.version = '1.21.0';
    await p.write(m);
    expect((await run('go1.21.13')).out).not.toContain('note:');
    m.go.version = '1.22';
    await p.write(m);
    expect((await run('go1.21.13')).out).toContain("an older Go may not build the course's code");
  });
});
