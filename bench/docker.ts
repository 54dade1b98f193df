/**
 * The Docker backend's cost (docs/docker.md):
 * - start-up: creating, starting and removing a sandbox container; one `docker exec` of a trivial
 *   process (what each test attempt, node and proxy pays) against the same process started locally;
 *   one build container (`go version`) against the same command locally;
 * - a full P0 grade of the reference, local vs docker, both warm (images built, build caches full).
 * Target: docker/local wall-time ratio ≤ 1.3.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runGo } from '../src/go/go-command.js';
import { defaultCacheDir, findGo } from '../src/go/go-env.js';
import { harnessTool } from '../src/go/harness-tool.js';
import { loadManifest } from '../src/manifest/load.js';
import { gradeSubmission } from '../src/pipeline/grade.js';
import type { Backend } from '../src/sandbox/backend.js';
import { openDockerRun } from '../src/sandbox/docker/docker-run.js';
import { unjailedBackend } from '../src/sandbox/local-backend.js';

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export async function benchDocker(): Promise<Record<string, unknown>> {
  const go = await findGo();
  const cacheDir = defaultCacheDir();
  const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'dsgrade-bench-docker-'));
  const helper = await harnessTool('dsgrade-exec', go, cacheDir);
  // The trivial process: the supervisor binary with no arguments (prints usage, exits 125).
  const trivial = { file: helper, args: [], cwd: path.dirname(helper), env: { PATH: '/usr/bin:/bin', HOME: path.join(tmp, 'scratch'), TMPDIR: path.join(tmp, 'scratch') }, timeoutMs: 10_000, outputBudgetBytes: 4096, floodLimitBytes: 1 << 20 };
  const here = unjailedBackend(go, cacheDir);
  const goVersion = (backend: Backend): ReturnType<typeof runGo> =>
    runGo(backend, ['version'], { moduleDir: tmp, scratchDir: path.join(tmp, 'scratch', 'go'), allowDownloads: false, cgo: false, timeoutMs: 60_000 });
  const N = 15;
  try {
    await fs.mkdir(path.join(tmp, 'scratch'), { recursive: true });
    const localExec: number[] = [];
    const localGo: number[] = [];
    for (let i = 0; i < N; i++) localExec.push((await here.runProcess(trivial)).durationMs);
    for (let i = 0; i < 3; i++) localGo.push((await goVersion(here)).durationMs);

    const t0 = performance.now();
    const run = await openDockerRun({ hostGo: go, helper: async () => helper, cacheDir });
    const openMs = performance.now() - t0;
    const dockerExec: number[] = [];
    const dockerGo: number[] = [];
    let sandboxStartMs = 0;
    let closeMs = 0;
    try {
      const docker = run.backend;
      await docker.prepareWorkDir(tmp);
      const s = performance.now();
      await docker.runProcess(trivial); // starts the run container
      sandboxStartMs = performance.now() - s;
      for (let i = 0; i < N; i++) dockerExec.push((await docker.runProcess(trivial)).durationMs);
      for (let i = 0; i < 3; i++) dockerGo.push((await goVersion(docker)).durationMs);
    } finally {
      const c = performance.now();
      await run.close();
      closeMs = performance.now() - c;
    }

    // Full P0 grade, warm: one untimed docker grade first (images, Docker build cache).
    const project = await loadManifest('projects/p0-kvserver');
    const grade = (backend: 'local' | 'docker') => gradeSubmission({ project, submission: project.manifest.reference!, seed: 1, jobs: 1, backend });
    await grade('docker');
    const l0 = performance.now();
    const local = await grade('local');
    const localMs = performance.now() - l0;
    const d0 = performance.now();
    const docker = await grade('docker');
    const dockerMs = performance.now() - d0;
    const ratio = dockerMs / localMs;
    return {
      name: 'docker',
      openRunMs: Math.round(openMs),
      sandboxStartMs: Math.round(sandboxStartMs),
      sandboxRemoveMs: Math.round(closeMs),
      execMedianMs: median(dockerExec),
      localExecMedianMs: median(localExec),
      perProcessOverheadMs: median(dockerExec) - median(localExec),
      buildContainerMedianMs: median(dockerGo),
      localGoMedianMs: median(localGo),
      p0LocalMs: Math.round(localMs),
      p0DockerMs: Math.round(dockerMs),
      p0Scores: `${local.score}/${local.maxScore} local, ${docker.score}/${docker.maxScore} docker`,
      ratio: Number(ratio.toFixed(3)),
      target: 'ratio ≤ 1.3',
      met: ratio <= 1.3 && local.score === docker.score,
    };
  } finally {
    await fs.rm(tmp, { recursive: true, force: true });
  }
}
