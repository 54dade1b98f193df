/**
 * End to end, as Gradescope does it, in an image built offline:
 *
 * 1. a base image FROM scratch holding the files of this machine's Debian packages that a bare
 *    Debian/Ubuntu base has (shell, coreutils, passwd, tar, …) plus gcc — no Node, no Go;
 * 2. `dsgrade package gradescope` → autograder.zip, unpacked to /autograder/source; `setup.sh`
 *    runs as root with DSGRADE_NODE_URL / DSGRADE_GO_URL pointing at local tarballs (no network
 *    here), and the container is committed as the autograder image;
 * 3. for the P0 reference and a mutant: a fresh container with the submission in
 *    /autograder/submission and submission_metadata.json, `run_autograder` copied to
 *    /autograder/run_autograder and run as root from /autograder, with Docker's default
 *    capabilities (no CAP_SYS_ADMIN, no NET_ADMIN — like Gradescope) and no network;
 * 4. results.json is checked against the schema and the expected scores.
 */
import { execa } from 'execa';
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import yauzl from 'yauzl';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packageGradescope } from '../../src/gradescope/package.js';
import { loadManifest } from '../../src/manifest/load.js';
import { withMutantSubmission } from '../../src/regress/mutant-submission.js';
import { validateGradescopeResults, type GradescopeResults } from '../../src/report/gradescope-results.js';

const REPO = path.resolve('.');
const PROJECT = path.join(REPO, 'projects/p0-kvserver');
const BASE_PACKAGES = [
  'base-files', 'base-passwd', 'bash', 'coreutils', 'dash', 'debianutils', 'diffutils', 'findutils', 'grep', 'gzip', 'hostname',
  'libc-bin', 'login', 'mawk', 'passwd', 'procps', 'sed', 'tar', 'util-linux', 'xz-utils', 'gcc', 'libc6-dev', 'binutils', 'libstdc++6',
];

async function dockerWorks(): Promise<boolean> {
  try {
    await execa('docker', ['info'], { timeout: 20_000 });
    return true;
  } catch (err) {
    if (process.env.CI === 'true') throw new Error(`CI=true but no Docker engine answers: ${(err as Error).message}`);
    console.warn('\n[gradescope e2e] SKIPPED: no Docker engine answers. Start dockerd to run it.\n');
    return false;
  }
}

const haveDocker = await dockerWorks();
let tmp: string;
let autograderImage: string;

/** Installed packages in the Depends/Pre-Depends closure of `roots`. */
async function closure(roots: string[]): Promise<string[]> {
  const seen = new Set<string>();
  let queue = [...roots];
  while (queue.length > 0) {
    const batch = [...new Set(queue)].filter((p) => !seen.has(p));
    queue = [];
    if (batch.length === 0) break;
    const { stdout } = await execa('dpkg-query', ['-W', '-f', '${Package}\t${db:Status-Status}\t${Depends},${Pre-Depends}\n', ...batch], { reject: false });
    for (const line of stdout.split('\n')) {
      const [pkg, status, deps] = line.split('\t');
      if (!pkg || status !== 'installed' || seen.has(pkg)) continue;
      seen.add(pkg);
      for (const d of (deps ?? '').split(',')) {
        const first = d.split('|')[0]!.replace(/\(.*\)/, '').split(':')[0]!.trim();
        if (first) queue.push(first);
      }
    }
  }
  return [...seen].sort();
}

/** A Gradescope-like base image (Debian files of this machine, no Node, no Go), built once per package set. */
async function baseImage(): Promise<string> {
  const pkgs = await closure(BASE_PACKAGES);
  const { stdout: versions } = await execa('dpkg-query', ['-W', '-f', '${Package}=${Version}\n', ...pkgs]);
  const tag = `dsgrade-gradescope-base:${createHash('sha256').update(versions).digest('hex').slice(0, 16)}`;
  if ((await execa('docker', ['image', 'inspect', tag], { reject: false })).exitCode === 0) return tag;
  const stage = path.join(tmp, 'rootfs');
  await fs.mkdir(stage, { recursive: true });
  for (const l of ['bin', 'sbin', 'lib', 'lib64']) await fs.symlink(`usr/${l}`, path.join(stage, l));
  for (const d of ['usr/bin', 'usr/sbin', 'usr/lib', 'usr/lib64', 'etc', 'tmp', 'root', 'var/tmp', 'dev', 'proc', 'sys', 'run']) await fs.mkdir(path.join(stage, d), { recursive: true });
  await fs.chmod(path.join(stage, 'tmp'), 0o1777);
  await fs.chmod(path.join(stage, 'var/tmp'), 0o1777);
  const { stdout: listed } = await execa('dpkg', ['-L', ...pkgs]);
  const files: string[] = [];
  for (const p of new Set(listed.split('\n'))) {
    if (!p.startsWith('/') || /^\/usr\/share\/(doc|man|info|locale|lintian)\//.test(p)) continue;
    const st = await fs.lstat(p).catch(() => undefined);
    if (st && !st.isDirectory()) files.push(p.slice(1));
  }
  await fs.writeFile(path.join(tmp, 'files.txt'), files.join('\n'));
  await execa('bash', ['-c', `tar -C / -cf - --no-recursion -T "${tmp}/files.txt" | tar -C "${stage}" -xf - --keep-directory-symlink`]);
  await fs.writeFile(path.join(stage, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/bash\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n');
  await fs.writeFile(path.join(stage, 'etc/group'), 'root:x:0:\nnogroup:x:65534:\n');
  await fs.writeFile(path.join(stage, 'etc/shadow'), 'root:*:19000:0:99999:7:::\nnobody:*:19000:0:99999:7:::\n', { mode: 0o640 });
  await fs.writeFile(path.join(stage, 'etc/gshadow'), 'root:*::\nnogroup:*::\n', { mode: 0o640 });
  await execa('bash', ['-c', `tar -C "${stage}" -cf - . | docker import - ${tag}`]);
  await fs.rm(stage, { recursive: true, force: true });
  return tag;
}

/** Unpacks a zip keeping the executable bits (as Gradescope does with the autograder zip). */
async function unzip(zip: string, dest: string): Promise<void> {
  const zf = await new Promise<yauzl.ZipFile>((resolve, reject) => yauzl.open(zip, { lazyEntries: true }, (err, z) => (err ? reject(err) : resolve(z!))));
  await new Promise<void>((resolve, reject) => {
    zf.on('entry', (entry: yauzl.Entry) => {
      const target = path.join(dest, entry.fileName);
      if (/\/$/.test(entry.fileName)) return void fs.mkdir(target, { recursive: true }).then(() => zf.readEntry(), reject);
      zf.openReadStream(entry, (err, stream) => {
        if (err) return reject(err);
        const mode = (entry.externalFileAttributes >>> 16) & 0o777;
        void fs
          .mkdir(path.dirname(target), { recursive: true })
          .then(async () => {
            const chunks: Buffer[] = [];
            for await (const c of stream!) chunks.push(c as Buffer);
            await fs.writeFile(target, Buffer.concat(chunks), { mode: mode || 0o644 });
            zf.readEntry();
          })
          .catch(reject);
      });
    });
    zf.on('end', resolve);
    zf.on('error', reject);
    zf.readEntry();
  });
}

beforeAll(async () => {
  if (!haveDocker) return;
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'dsgrade-gs-e2e-'));
  const base = await baseImage();

  // The autograder zip, unpacked as Gradescope unpacks it.
  const zip = path.join(tmp, 'autograder.zip');
  // Uids are machine-wide (a container's processes are in the host's /proc too): a range no
  // dsgrade on this host uses, so the host's own grading runs never kill this container's tests.
  const pkg = await packageGradescope({ project: PROJECT, out: zip, baseUid: 63000 });
  const source = path.join(tmp, 'source');
  await unzip(zip, source);

  // Local stand-ins for the official Node and Go tarballs (same layouts).
  const dist = path.join(tmp, 'dist');
  const nodeDir = path.join(dist, `node-v${pkg.nodeVersion}-linux-x64`);
  await fs.mkdir(path.join(nodeDir, 'bin'), { recursive: true });
  await fs.copyFile(process.execPath, path.join(nodeDir, 'bin', 'node'));
  await execa('tar', ['-C', dist, '-cf', path.join(dist, 'node.tar'), path.basename(nodeDir)]);
  const { stdout: goroot } = await execa('go', ['env', 'GOROOT']);
  await execa('tar', ['-C', path.dirname(goroot), '-cf', path.join(dist, 'go.tar'), '--transform', `s,^${path.basename(goroot)},go,`, path.basename(goroot)]);

  // Gradescope's image build: the zip in /autograder/source, setup.sh as root, then a snapshot.
  const name = `dsgrade-gs-setup-${process.pid}`;
  const setup = await execa(
    'docker',
    [
      'run', '--name', name, '--network', 'none',
      '-v', `${source}:/zip:ro`, '-v', `${dist}:/dist:ro`,
      '-e', 'DSGRADE_NODE_URL=file:///dist/node.tar', '-e', 'DSGRADE_GO_URL=/dist/go.tar', '-e', 'DSGRADE_SETUP_WARM=0',
      base, 'bash', '-c', 'mkdir -p /autograder/source && cp -a /zip/. /autograder/source/ && cd /autograder/source && bash ./setup.sh',
    ],
    { reject: false, all: true },
  );
  try {
    expect(setup.exitCode, setup.all).toBe(0);
    autograderImage = `dsgrade-gs-autograder:${process.pid}`;
    await execa('docker', ['commit', name, autograderImage]);
  } finally {
    await execa('docker', ['rm', '-f', name], { reject: false });
  }
}, 1_200_000);

afterAll(async () => {
  // E2E_KEEP=1 keeps the autograder image for `docker run -it <image> bash`.
  if (autograderImage && !process.env.E2E_KEEP) await execa('docker', ['rmi', '-f', autograderImage], { reject: false });
  else if (autograderImage) console.log(`gradescope e2e: kept ${autograderImage}`);
  if (tmp) await fs.rm(tmp, { recursive: true, force: true });
});

/** One Gradescope grading run in a fresh container; returns results.json and run_autograder's output. */
async function gradescopeRun(submissionDir: string): Promise<{ results: GradescopeResults; log: string }> {
  const io = await fs.mkdtemp(path.join(tmp, 'run-'));
  await fs.mkdir(path.join(io, 'submission'));
  for (const f of ['server_impl.go', 'squarer_test.go']) await fs.copyFile(path.join(submissionDir, f), path.join(io, 'submission', f));
  await fs.writeFile(
    path.join(io, 'submission_metadata.json'),
    JSON.stringify({ id: 123, created_at: new Date().toISOString(), assignment: { id: 1, title: 'P0', total_points: 24 }, submission_method: 'upload', users: [{ email: 's@example.edu', id: 7, name: 'S' }], previous_submissions: [] }),
  );
  await fs.mkdir(path.join(io, 'out'));
  const run = await execa(
    'docker',
    [
      'run', '--rm', '--network', 'none', '--memory', '4g', '--cpus', '2',
      '-v', `${io}:/in`,
      autograderImage, 'bash', '-c',
      'mkdir -p /autograder/submission /autograder/results && cp -a /in/submission/. /autograder/submission/ && cp /in/submission_metadata.json /autograder/ && ' +
        'cp /autograder/source/run_autograder /autograder/run_autograder && cd /autograder && ./run_autograder > /autograder/results/stdout 2>&1; ' +
        'cp /autograder/results/results.json /autograder/results/stdout /in/out/',
    ],
    { reject: false, all: true, timeout: 900_000 },
  );
  const log = await fs.readFile(path.join(io, 'out', 'stdout'), 'utf8').catch(() => run.all ?? '');
  expect(run.exitCode, `${run.all}\n${log}`).toBe(0);
  const results = JSON.parse(await fs.readFile(path.join(io, 'out', 'results.json'), 'utf8')) as GradescopeResults;
  expect(validateGradescopeResults(results)).toEqual([]);
  return { results, log };
}

describe.runIf(haveDocker)('Gradescope end to end (offline image, setup.sh, run_autograder)', () => {
  it('the reference gets full marks, with every test visible and the run sandboxed', async () => {
    const { results, log } = await gradescopeRun(path.join(PROJECT, 'reference'));
    expect(results.score, log).toBe(25);
    expect(results.tests!.filter((t) => t.status !== 'passed').map((t) => t.name), log).toEqual([]);
    expect(log).not.toMatch(/sandbox: /); // root in the container: the uid sandbox, no degraded-mode warning
    expect(results.extra_data?.nonce).toMatch(/^[0-9a-f]{32}$/);
  });

  it('a mutant (update-appends) gets exactly its expected score', async () => {
    const manifest = (await loadManifest(PROJECT)).manifest;
    const mutant = manifest.mutants.find((m) => m.name === 'update-appends')!;
    const { results, log } = await withMutantSubmission(manifest, mutant, gradescopeRun);
    expect(results.score, log).toBe(mutant.expectedScore);
  });
});
