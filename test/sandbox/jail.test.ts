import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_BASE_UID, Jail, jailConfigFromEnv } from '../../src/sandbox/jail.js';
import { makeRunDir } from '../../src/sandbox/work-folders.js';
import { killUid, pidsOfUid } from '../../src/sandbox/process-registry.js';

describe('jailConfigFromEnv', () => {
  it('defaults: auto mode, uids from 61000, 8 slots, limits', () => {
    const c = jailConfigFromEnv({});
    expect(c.mode).toBe('auto');
    expect(c.baseUid).toBe(DEFAULT_BASE_UID);
    expect(c.slots).toBe(8);
    expect(c.limits.nofile).toBe(1024);
    expect(c.limits.memoryBytes).toBeGreaterThan(0);
    expect(c.limits.memoryBytes).toBeLessThanOrEqual(2 * 1024 ** 3);
  });

  it('reads the mode, a numeric user, slots and limits from the environment', () => {
    const c = jailConfigFromEnv({ DSGRADE_SANDBOX: 'rlimits', DSGRADE_SANDBOX_USER: '62000', DSGRADE_SANDBOX_SLOTS: '3', DSGRADE_SANDBOX_MEMORY_MB: '512', DSGRADE_SANDBOX_NPROC: '64' });
    expect(c).toMatchObject({ mode: 'rlimits', baseUid: 62000, baseGid: 62000, slots: 3, limits: { memoryBytes: 512 * 1024 ** 2, nproc: 64 } });
  });

  it('a --sandbox-user override wins over the environment; a user name is looked up in /etc/passwd', () => {
    expect(jailConfigFromEnv({ DSGRADE_SANDBOX_USER: '62000' }, { user: '63000' }).baseUid).toBe(63000);
    expect(jailConfigFromEnv({}, { user: 'root' }).baseUid).toBe(0);
    expect(() => jailConfigFromEnv({}, { user: 'no-such-user-dsgrade' })).toThrow(/sandbox user not found: no-such-user-dsgrade/);
  });

  it('rejects an unknown mode with the fix', () => {
    expect(() => jailConfigFromEnv({ DSGRADE_SANDBOX: 'maybe' })).toThrow(/invalid DSGRADE_SANDBOX: maybe/);
  });
});

describe('Jail.launch', () => {
  const config = { ...jailConfigFromEnv({}), slots: 2 };

  it('rlimits mode: the jail with limits, no uid switch, the program after --', async () => {
    const sb = new Jail('rlimits', '/jail', config, true);
    const l = await sb.launch({ role: 'run', isolateNetwork: true }, { file: '/bin/x.test', args: ['-a'], timeoutMs: 10_000 });
    expect(l.file).toBe('/jail');
    expect(l.args).not.toContain('-uid');
    expect(l.args).toEqual(expect.arrayContaining(['-as', '-fsize', '-nofile', '-cpu', '-netns']));
    expect(l.args.slice(-3)).toEqual(['--', '/bin/x.test', '-a']);
    await l.finish();
  });

  it('no address-space limit for -race binaries, no netns when the machine has none', async () => {
    const sb = new Jail('rlimits', '/jail', config, false);
    const l = await sb.launch({ role: 'run', isolateNetwork: true }, { file: '/w/bin/p0partA.race.test', args: [] });
    expect(l.args).not.toContain('-as');
    expect(l.args).not.toContain('-netns');
  });

  it('uid mode: builds as the builder uid; runs lease a run uid and give it back', async () => {
    const sb = new Jail('uid', '/jail', { ...config, baseUid: 64000, baseGid: 64000 }, false);
    const b = await sb.launch({ role: 'build' }, { file: 'go', args: ['build'] });
    expect(b.args.slice(0, 4)).toEqual(['-uid', '64000', '-gid', '64000']);
    const lease = await sb.lease();
    expect(lease?.uid).toBeGreaterThan(64000);
    await sb.release(lease);
  });
});

describe('pidsOfUid / killUid', () => {
  it('finds this process under its own uid and never kills root or itself', () => {
    const uid = process.getuid!();
    expect(pidsOfUid(uid)).toContain(process.pid);
    expect(killUid(0)).toBe(0);
    expect(killUid(uid)).toBe(0);
  });
});

describe('makeRunDir', () => {
  let tmp: string;
  beforeEach(async () => {
    tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'dsgrade-rundir-'));
  });
  afterEach(async () => {
    await fs.rm(tmp, { recursive: true, force: true });
  });

  it('copies the package folder without its Go sources; testdata stays', async () => {
    const pkg = path.join(tmp, 'pkg');
    await fs.mkdir(path.join(pkg, 'testdata'), { recursive: true });
    await fs.writeFile(path.join(pkg, 'server_test.go'), 'package p');
    await fs.writeFile(path.join(pkg, 'server_impl.go'), 'package p');
    await fs.writeFile(path.join(pkg, 'testdata', 'input.txt'), 'data');
    const run = await makeRunDir(pkg, path.join(tmp, 'run'));
    expect((await fs.readdir(run)).sort()).toEqual(['testdata']);
    expect(await fs.readFile(path.join(run, 'testdata', 'input.txt'), 'utf8')).toBe('data');
  });
});

describe.runIf(process.getuid?.() === 0)('work folder parent and sealed binaries (as root)', () => {
  let tmp: string;
  beforeEach(async () => {
    tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'dsgrade-parent-'));
  });
  afterEach(async () => {
    await fs.rm(tmp, { recursive: true, force: true });
  });

  it("workFolderParent is root's and 0711, and replaces whatever a run uid put in its place", async () => {
    const { workFolderParent } = await import('../../src/sandbox/work-folders.js');
    const dir = await workFolderParent(tmp);
    expect(dir).toBe(path.join(tmp, 'dsgrade-runs'));
    let st = await fs.stat(dir);
    expect([st.uid, st.mode & 0o7777]).toEqual([0, 0o711]);
    // A squatter: a link to a folder it can list, then a folder of its own.
    await fs.rm(dir, { recursive: true });
    await fs.mkdir(path.join(tmp, 'elsewhere'));
    await fs.symlink(path.join(tmp, 'elsewhere'), dir);
    expect(await workFolderParent(tmp)).toBe(dir);
    expect((await fs.lstat(dir)).isSymbolicLink()).toBe(false);
    await fs.rm(dir, { recursive: true });
    await fs.mkdir(dir, { mode: 0o777 });
    await fs.chown(dir, 61999, 61999);
    await workFolderParent(tmp);
    st = await fs.stat(dir);
    expect([st.uid, st.mode & 0o7777]).toEqual([0, 0o711]);
  });

  it('sealExecutable: root-owned 0711, still runs as another uid, cannot be read by it', async () => {
    const { sealExecutable } = await import('../../src/sandbox/work-folders.js');
    const { execFileSync } = await import('node:child_process');
    const bin = path.join(tmp, 'tool');
    await fs.copyFile('/bin/true', bin);
    await fs.chown(bin, 61000, 61000);
    await sealExecutable(bin);
    const st = await fs.stat(bin);
    expect([st.uid, st.gid, st.mode & 0o7777]).toEqual([0, 0, 0o711]);
    await fs.chmod(tmp, 0o711);
    const as = (cmd: string[]): string => execFileSync('setpriv', ['--reuid=61999', '--regid=61999', '--clear-groups', ...cmd], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    expect(() => as([bin])).not.toThrow();
    expect(() => as(['cat', bin])).toThrow(/Permission denied/);
  });
});
