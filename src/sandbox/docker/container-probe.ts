/**
 * The load probe of the Docker backend (src/sandbox/load-probe.ts): `dsgrade-exec probe` runs in
 * the run container, so its sleeps and CPU pressure figures are those of the container's cgroup
 * (its `--cpus` quota), and its lines fill the same ring the local probe's worker fills. The
 * container's CLOCK_MONOTONIC is this machine's with a local engine; with a remote one, the
 * offset seen on arrival is taken off.
 */
import { monotonicMs, ProbeRing, type LoadProbe } from '../load-probe.js';
import type { RunContainer } from './run-container.js';

/** Offsets below this are one clock seen through the pipe's delay. */
const SAME_CLOCK_MS = 1000;

export async function startContainerProbe(run: RunContainer): Promise<LoadProbe> {
  const ring = new ProbeRing();
  let text = '';
  let offset: number | undefined;
  const onLine = (line: string): void => {
    const f = line.split(' ');
    const atMs = Number(f[1]) / 1000;
    if (!Number.isFinite(atMs)) return;
    if (offset === undefined) {
      const seen = monotonicMs() - atMs;
      offset = Math.abs(seen) < SAME_CLOCK_MS ? 0 : seen;
    }
    if (f[0] === 'L' && f.length === 3) ring.addLate(atMs + offset, Number(f[2]) / 1000);
    else if (f[0] === 'S' && f.length === 4 && (f[3] === 'cgroup' || f[3] === 'system')) ring.addStall(atMs + offset, Number(f[2]), f[3]);
  };
  const exec = await run.exec({
    file: run.helper,
    args: ['probe'],
    cwd: '/tmp',
    env: {},
    stdin: true,
    onOutput: (stream, chunk) => {
      if (stream !== 'stdout') return;
      text += chunk.toString('latin1');
      const lines = text.split('\n');
      text = lines.pop() ?? '';
      for (const l of lines) onLine(l);
    },
  });
  let stopped: Promise<void> | undefined;
  return {
    window: (from, to) => ring.window(from, to),
    stop: () => {
      stopped ??= (async () => {
        exec.closeStdin();
        await Promise.race([exec.exited, new Promise((r) => setTimeout(r, 2000))]);
        if (exec.running) await exec.kill();
      })();
      return stopped;
    },
  };
}
