import { describe, expect, it } from 'vitest';
import { coresOf, machineResources, parseCpuMax, parseMemoryLimit } from '../../src/sandbox/machine-resources.js';
import { pressureFile, totalStallUs } from '../../src/sandbox/load-probe.js';

const machine = { cores: 8, memoryBytes: 16 * 1024 ** 3 };
const files = (f: Record<string, string>) => (file: string) => f[file];

describe('machineResources', () => {
  it('takes the smallest cgroup v2 quota on the way up from this cgroup', () => {
    const r = machineResources(
      files({
        '/proc/self/cgroup': '0::/grader/job\n',
        '/sys/fs/cgroup/cgroup.controllers': 'cpu memory\n',
        '/sys/fs/cgroup/grader/job/cpu.max': 'max 100000\n',
        '/sys/fs/cgroup/grader/cpu.max': '150000 100000\n',
        '/sys/fs/cgroup/grader/memory.max': '805306368\n',
        '/sys/fs/cgroup/grader/job/memory.max': 'max\n',
      }),
      machine,
    );
    expect(r).toEqual({ cores: 1.5, memoryBytes: 805306368, source: 'cgroup: CPU quota 1.5 cores, memory limit 768 MiB' });
  });

  it("reads a v1 container's own quota at the mount's root (Docker --cpus 0.5, Gradescope)", () => {
    const id = '/docker/0a5feab2ed9d';
    const r = machineResources(
      files({
        '/proc/self/cgroup': `4:memory:${id}\n2:cpuacct:${id}\n1:cpu:${id}\n0::${id}\n`,
        '/sys/fs/cgroup/cpu/cpu.cfs_quota_us': '50000\n',
        '/sys/fs/cgroup/cpu/cpu.cfs_period_us': '100000\n',
        '/sys/fs/cgroup/memory/memory.limit_in_bytes': '805306368\n',
      }),
      machine,
    );
    expect(r.cores).toBe(0.5);
    expect(r.memoryBytes).toBe(805306368);
  });

  it("is the machine's figures without limits, and never more than the machine has", () => {
    expect(machineResources(files({ '/proc/self/cgroup': '0::/\n', '/sys/fs/cgroup/cgroup.controllers': '', '/sys/fs/cgroup/cpu.max': '1600000 100000' }), machine)).toEqual({
      ...machine,
      source: 'the machine: 8 cores, 16384 MiB',
    });
    expect(machineResources(files({}), machine).cores).toBe(8);
  });

  it('parses the limit files, with "no limit" in both spellings', () => {
    expect(parseCpuMax('max 100000')).toBeUndefined();
    expect(parseCpuMax('25000 50000')).toBe(0.5);
    expect(coresOf(-1, 100000)).toBeUndefined();
    expect(parseMemoryLimit('max')).toBeUndefined();
    expect(parseMemoryLimit('9223372036854771712')).toBeUndefined();
    expect(parseMemoryLimit('1073741824\n')).toBe(1073741824);
  });
});

describe('pressureFile', () => {
  const psi = 'some avg10=1.00 avg60=2.00 avg300=3.00 total=123456\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=0\n';
  it("prefers the cgroup's own cpu.pressure, else the machine's", () => {
    expect(pressureFile(files({ '/proc/self/cgroup': '0::/a\n', '/sys/fs/cgroup/a/cpu.pressure': psi, '/proc/pressure/cpu': psi }))).toEqual({ file: '/sys/fs/cgroup/a/cpu.pressure', source: 'cgroup' });
    expect(pressureFile(files({ '/proc/self/cgroup': '0::/\n', '/proc/pressure/cpu': psi }))).toEqual({ file: '/proc/pressure/cpu', source: 'system' });
    expect(pressureFile(files({ '/proc/self/cgroup': '1:cpu:/\n' }))).toBeUndefined();
    expect(totalStallUs(psi)).toBe(123456);
  });
});
