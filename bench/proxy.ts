/**
 * The fault proxy's own benchmark (harness/cmd/faultnet-bench): added round-trip latency over
 * direct loopback for UDP and TCP, and 512-byte datagrams per second with no faults. The program
 * prints progress and then one JSON object on its last line, which is reported as is.
 */
import { execa } from 'execa';
import path from 'node:path';
import { HARNESS_DIR } from '../src/core/install-paths.js';

export async function benchProxy(): Promise<Record<string, unknown>> {
  const { stdout, stderr } = await execa('go', ['run', './cmd/faultnet-bench'], {
    cwd: HARNESS_DIR,
    env: { GOTOOLCHAIN: 'local', GOFLAGS: '-mod=readonly', GOPROXY: 'off' },
    all: false,
  });
  const last = `${stdout}\n${stderr}`
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.startsWith('{') && l.endsWith('}'))
    .at(-1);
  if (!last) throw new Error(`faultnet-bench printed no JSON line (in ${path.relative(process.cwd(), HARNESS_DIR)})`);
  return { name: 'proxy', ...(JSON.parse(last) as Record<string, unknown>) };
}
