/**
 * The CPU and memory student processes may use on this machine (docs/scheduling.md): the cgroup
 * limits of this process — which every process it starts inherits — when there are any (a
 * Gradescope container, `docker run --cpus`), else the machine's. cgroup v2: `cpu.max` and
 * `memory.max` of this process's cgroup and of every cgroup above it (the smallest wins); v1:
 * `cpu.cfs_quota_us` / `cpu.cfs_period_us` and `memory.limit_in_bytes` likewise.
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface MachineResources {
  /** Cores available (fractions: a quota of 0.5 CPU is 0.5). */
  cores: number;
  memoryBytes: number;
  /** Where the figures came from, for the run's notices and `dsgrade profile`. */
  source: string;
}

type Read = (file: string) => string | undefined;

const readOrUndefined: Read = (file) => {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
};

/** `cpu.max` ("max 100000" or "50000 100000") → cores, or undefined for no limit. */
export function parseCpuMax(text: string | undefined): number | undefined {
  const [quota, period] = (text ?? '').trim().split(/\s+/);
  if (!quota || quota === 'max') return undefined;
  return coresOf(Number(quota), Number(period ?? 100000));
}

/** v1's quota (-1: none) and period, in µs → cores. */
export function coresOf(quotaUs: number, periodUs: number): number | undefined {
  if (!Number.isFinite(quotaUs) || !Number.isFinite(periodUs) || quotaUs <= 0 || periodUs <= 0) return undefined;
  return quotaUs / periodUs;
}

/** A memory limit file ("max", or bytes; v1's "no limit" is a huge number) → bytes, or undefined. */
export function parseMemoryLimit(text: string | undefined): number | undefined {
  const t = (text ?? '').trim();
  if (!t || t === 'max') return undefined;
  const n = Number(t);
  return Number.isFinite(n) && n > 0 && n < 2 ** 60 ? n : undefined;
}

/** Folders from `dir` up to `root`, both included. */
function upFrom(root: string, rel: string): string[] {
  const out: string[] = [];
  for (let d = path.join(root, rel); ; d = path.dirname(d)) {
    out.push(d);
    if (d === root || !d.startsWith(root)) break;
  }
  return out;
}

/** The smallest limit along the cgroup path (a container sees its own cgroup at the mount's root, so the root counts too). */
function smallest(dirs: string[], value: (dir: string) => number | undefined): number | undefined {
  let best: number | undefined;
  for (const d of dirs) {
    const v = value(d);
    if (v !== undefined && (best === undefined || v < best)) best = v;
  }
  return best;
}

/** Reads the limits; `read` and the machine's figures are injectable for tests. */
export function machineResources(read: Read = readOrUndefined, machine = { cores: os.availableParallelism(), memoryBytes: os.totalmem() }): MachineResources {
  const cgroups = (read('/proc/self/cgroup') ?? '').split('\n').filter(Boolean);
  let cores: number | undefined;
  let memory: number | undefined;
  const v2 = cgroups.find((l) => l.startsWith('0::'));
  if (v2 !== undefined && read('/sys/fs/cgroup/cgroup.controllers') !== undefined) {
    const dirs = upFrom('/sys/fs/cgroup', v2.slice(3).trim());
    cores = smallest(dirs, (d) => parseCpuMax(read(path.join(d, 'cpu.max'))));
    memory = smallest(dirs, (d) => parseMemoryLimit(read(path.join(d, 'memory.max'))));
  } else {
    const pathOf = (controller: string): string | undefined => cgroups.map((l) => l.split(':')).find((p) => p[1]?.split(',').includes(controller))?.[2];
    const cpuRel = pathOf('cpu');
    if (cpuRel !== undefined) {
      for (const mount of ['/sys/fs/cgroup/cpu,cpuacct', '/sys/fs/cgroup/cpu']) {
        cores ??= smallest([...upFrom(mount, cpuRel), mount], (d) => coresOf(Number(read(path.join(d, 'cpu.cfs_quota_us'))), Number(read(path.join(d, 'cpu.cfs_period_us')))));
      }
    }
    const memRel = pathOf('memory');
    if (memRel !== undefined) memory = smallest([...upFrom('/sys/fs/cgroup/memory', memRel), '/sys/fs/cgroup/memory'], (d) => parseMemoryLimit(read(path.join(d, 'memory.limit_in_bytes'))));
  }
  const sources: string[] = [];
  if (cores !== undefined && cores < machine.cores) sources.push(`CPU quota ${round(cores)} cores`);
  if (memory !== undefined && memory < machine.memoryBytes) sources.push(`memory limit ${Math.round(memory / 1024 ** 2)} MiB`);
  return {
    cores: Math.min(machine.cores, cores ?? Infinity),
    memoryBytes: Math.min(machine.memoryBytes, memory ?? Infinity),
    source: sources.length > 0 ? `cgroup: ${sources.join(', ')}` : `the machine: ${machine.cores} cores, ${Math.round(machine.memoryBytes / 1024 ** 2)} MiB`,
  };
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}
