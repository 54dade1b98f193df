/**
 * dsgrade's two images, built with no registry from docker/<name>/Dockerfile and a context staged
 * from this machine:
 *
 * - `dsgrade-toolchain:<hash>`: the host's Go installation at its own GOROOT path, plus the files
 *   of the host's Debian packages that cgo/-race builds need (gcc, binutils, libc6-dev and their
 *   Depends closure). Same compiler, same paths as a local build, so diagnostics match.
 * - `dsgrade-run:<hash>`: the host's libc only (what -race binaries load; everything else dsgrade
 *   runs is static), /etc/passwd, /etc/nsswitch.conf. No shell.
 *
 * The tag is a hash of every input (Dockerfile, Go version and GOROOT, package versions), so an
 * image is built once and rebuilt when an input changes. `--base-image <ref>` replaces both with a
 * local or pulled image that has Go (e.g. golang:1.23); then nothing is built.
 */
import { createHash } from 'node:crypto';
import { execa } from 'execa';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DsgradeError } from '../../errors.js';
import type { GoToolchain } from '../../core/toolchain.js';
import { REPO_ROOT } from '../../core/install-paths.js';
import { debug } from '../../util/debug.js';
import type { ContainerRuntime } from './container-runtime.js';
import { INPUTS_LABEL, MANAGED_LABEL } from './labels.js';

export type ImageKind = 'toolchain' | 'run';

/** The Debian packages (and their Depends closure) copied into the toolchain image. */
const TOOLCHAIN_PACKAGES = ['gcc', 'libc6-dev', 'binutils'];
const RUN_PACKAGES = ['libc6'];
/** Never copied: documentation and the like. */
const SKIP = /^\/usr\/share\/(doc|man|info|locale|lintian|bug|bash-completion)\//;

export interface ImagePlan {
  kind: ImageKind;
  tag: string;
  hash: string;
  dockerfile: string;
  packages: string[];
  /** Folders copied whole (the GOROOT). */
  trees: string[];
}

export interface ResolvedImages {
  toolchain: string;
  run: string;
  /** The Go toolchain inside the toolchain image (paths as seen in the container). */
  go: GoToolchain;
  /** True when the images came from --base-image. */
  base: boolean;
}

async function dpkgAvailable(): Promise<boolean> {
  try {
    await execa('dpkg-query', ['--version']);
    return true;
  } catch {
    return false;
  }
}

/** The installed packages in the Depends/Pre-Depends closure of `roots`, with their versions. */
export async function packageClosure(roots: readonly string[]): Promise<Map<string, string>> {
  const seen = new Map<string, string>();
  const queue = [...roots];
  while (queue.length > 0) {
    const batch = [...new Set(queue.splice(0).map((p) => p.split(':')[0]!.trim()).filter((p) => p && !seen.has(p)))];
    if (batch.length === 0) break;
    const { stdout } = await execa('dpkg-query', ['-W', '-f', '${Package}\t${Version}\t${db:Status-Status}\t${Depends},${Pre-Depends}\n', ...batch], { reject: false });
    for (const line of stdout.split('\n')) {
      const [pkg, version, status, deps] = line.split('\t');
      if (!pkg || status !== 'installed' || seen.has(pkg)) continue;
      seen.set(pkg, version ?? '');
      for (const d of (deps ?? '').split(',')) {
        const first = d.split('|')[0]!.replace(/\(.*\)/, '').trim();
        if (first) queue.push(first);
      }
    }
  }
  return seen;
}

export async function planImage(kind: ImageKind, go: GoToolchain): Promise<ImagePlan> {
  const dockerfile = await fs.readFile(path.join(REPO_ROOT, 'docker', kind, 'Dockerfile'), 'utf8');
  if (!(await dpkgAvailable())) {
    throw new DsgradeError('DOCKER_FAILED', `cannot assemble the ${kind} image from this machine: dpkg-query not found`, {
      fix: 'dsgrade assembles its images from a Debian or Ubuntu host; elsewhere name an image that has Go: --base-image golang:1.23 (pull it once, or load it with docker load)',
    });
  }
  const closure = await packageClosure(kind === 'toolchain' ? TOOLCHAIN_PACKAGES : RUN_PACKAGES);
  if (kind === 'toolchain' && !closure.has('gcc')) {
    throw new DsgradeError('DOCKER_FAILED', 'cannot assemble the toolchain image: gcc is not installed on this machine', {
      fix: 'install it (apt-get install gcc): -race builds need a C compiler; or use --base-image golang:1.23',
    });
  }
  const packages = [...closure].sort(([a], [b]) => a.localeCompare(b)).map(([p, v]) => `${p}=${v}`);
  const trees = kind === 'toolchain' ? [go.goroot] : [];
  const hash = createHash('sha256')
    .update(`${kind}\n${dockerfile}\n${packages.join('\n')}\n${kind === 'toolchain' ? `${go.goroot}\n${go.version}` : ''}\n${PASSWD}\n${NSSWITCH}`)
    .digest('hex')
    .slice(0, 16);
  return { kind, tag: `dsgrade-${kind}:${hash}`, hash, dockerfile, packages: [...closure.keys()], trees };
}

const PASSWD = 'root:x:0:0:root:/root:/sbin/nologin\ndsgrade:x:10001:10001:dsgrade sandbox:/tmp:/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\n';
const GROUP = 'root:x:0:\ndsgrade:x:10001:\nnogroup:x:65534:\n';
const NSSWITCH = 'hosts: files dns\n';

/** Every file of `packages` (symlinks kept as links), with the parent folders resolved (merged /usr). */
async function packageFiles(packages: readonly string[]): Promise<string[]> {
  const { stdout } = await execa('dpkg-query', ['-L', ...packages], { reject: false });
  const files = new Set<string>();
  const realDirs = new Map<string, string>();
  for (const f of stdout.split('\n')) {
    if (!f.startsWith('/') || SKIP.test(f)) continue;
    let st;
    try {
      st = await fs.lstat(f);
    } catch {
      continue;
    }
    if (st.isDirectory()) continue;
    const dir = path.dirname(f);
    let real = realDirs.get(dir);
    if (real === undefined) {
      real = await fs.realpath(dir).catch(() => dir);
      realDirs.set(dir, real);
    }
    files.add(path.join(real, path.basename(f)));
  }
  return [...files];
}

async function treeFiles(root: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const e of await fs.readdir(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) await walk(p);
      else out.push(p);
    }
  };
  await walk(await fs.realpath(root));
  return out;
}

/** Builds the image of `plan` from a staged context (a tar stream made by GNU tar). */
export async function buildImage(runtime: ContainerRuntime, plan: ImagePlan, onLog?: (line: string) => void): Promise<void> {
  const staging = await fs.mkdtemp(path.join(os.tmpdir(), `dsgrade-image-${plan.kind}-`));
  try {
    await fs.writeFile(path.join(staging, 'Dockerfile'), plan.dockerfile);
    await fs.writeFile(path.join(staging, '.dockerignore'), 'Dockerfile\n.dockerignore\n');
    await fs.mkdir(path.join(staging, 'etc'));
    await fs.mkdir(path.join(staging, 'tmp'), { mode: 0o1777 });
    await fs.chmod(path.join(staging, 'tmp'), 0o1777);
    await fs.writeFile(path.join(staging, 'etc', 'passwd'), PASSWD);
    await fs.writeFile(path.join(staging, 'etc', 'group'), GROUP);
    await fs.writeFile(path.join(staging, 'etc', 'nsswitch.conf'), NSSWITCH);
    const files = [...(await packageFiles(plan.packages))];
    for (const t of plan.trees) files.push(...(await treeFiles(t)));
    // merged-/usr hosts: /bin, /lib, /lib64, /sbin are links into /usr.
    for (const top of ['/bin', '/lib', '/lib64', '/sbin']) {
      const st = await fs.lstat(top).catch(() => undefined);
      if (st?.isSymbolicLink()) files.push(top);
    }
    const list = path.join(staging, 'files.list');
    await fs.writeFile(list, `${[...new Set(files)].map((f) => f.slice(1)).join('\n')}\n`);
    debug('images', `building ${plan.tag} from ${files.length} files`);
    const tar = execa('tar', ['-cf', '-', '--no-recursion', '-C', staging, 'Dockerfile', '.dockerignore', 'etc', 'etc/passwd', 'etc/group', 'etc/nsswitch.conf', 'tmp', '-C', '/', '-T', list], {
      buffer: { stdout: false, stderr: true },
    });
    const labels = { [MANAGED_LABEL]: 'true', [INPUTS_LABEL]: plan.hash, 'dsgrade.packages': String(plan.packages.length) };
    await Promise.all([runtime.buildImage(tar.stdout!, plan.tag, labels, onLog), tar]);
  } finally {
    await fs.rm(staging, { recursive: true, force: true });
  }
}

const ensured = new Map<string, Promise<ResolvedImages>>();

export interface EnsureImagesOptions {
  runtime: ContainerRuntime;
  hostGo: GoToolchain;
  baseImage?: string;
  /** Build even when an image with the same input hash exists. */
  rebuild?: boolean;
  onLog?: (line: string) => void;
}

/** The images a docker run uses, built when missing (once per process). */
export function ensureImages(opts: EnsureImagesOptions): Promise<ResolvedImages> {
  const key = `${opts.baseImage ?? ''}|${opts.rebuild ? 'rebuild' : ''}`;
  let p = ensured.get(key);
  if (!p) {
    p = resolve(opts);
    ensured.set(key, p);
    p.catch(() => ensured.delete(key));
  }
  return p;
}

async function resolve(opts: EnsureImagesOptions): Promise<ResolvedImages> {
  const { runtime } = opts;
  if (opts.baseImage) {
    const info = await runtime.inspectImage(opts.baseImage);
    if (!info) {
      throw new DsgradeError('DOCKER_FAILED', `base image not found: ${opts.baseImage}`, {
        fix: `pull or load it first (docker pull ${opts.baseImage}, or docker load -i image.tar); dsgrade never pulls by itself`,
      });
    }
    return { toolchain: opts.baseImage, run: opts.baseImage, go: await goInImage(opts.baseImage, info.env), base: true };
  }
  const tags: Partial<Record<ImageKind, string>> = {};
  for (const kind of ['toolchain', 'run'] as const) {
    const plan = await planImage(kind, opts.hostGo);
    if (opts.rebuild || !(await runtime.inspectImage(plan.tag))) {
      opts.onLog?.(`building image ${plan.tag} (once; inputs changed or image missing)`);
      await buildImage(runtime, plan, opts.onLog);
    }
    tags[kind] = plan.tag;
  }
  return { toolchain: tags.toolchain!, run: tags.run!, go: opts.hostGo, base: false };
}

/** GOROOT of a base image, from its environment (the official golang images set PATH and GOLANG_VERSION). */
async function goInImage(image: string, env: string[]): Promise<GoToolchain> {
  const vars = new Map(env.map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)]));
  const goroot = vars.get('GOROOT') ?? '/usr/local/go';
  const version = vars.get('GOLANG_VERSION') ? `go${vars.get('GOLANG_VERSION')}` : `unknown (${image})`;
  return { go: path.posix.join(goroot, 'bin', 'go'), goroot, version };
}

/** The tags the current inputs would produce, and whether each exists (for doctor). */
export async function imageStatus(runtime: ContainerRuntime, hostGo: GoToolchain): Promise<{ kind: ImageKind; tag: string; present: boolean }[]> {
  const out = [];
  for (const kind of ['toolchain', 'run'] as const) {
    const plan = await planImage(kind, hostGo);
    out.push({ kind, tag: plan.tag, present: Boolean(await runtime.inspectImage(plan.tag)) });
  }
  return out;
}
