/**
 * `dsgrade merge`: the output folders of several shards → one output folder with every
 * submission's results and one class summary, the same as a single-machine run would write.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { DsgradeError } from '../errors.js';
import type { BatchManifest } from './batch.js';
import { writeSummary } from './batch.js';
import { outPaths, readAllErrors, readAllReports, type StoredReport } from './out-dir.js';
import type { ClassSummary } from './summary.js';

export interface MergeResult {
  summary: ClassSummary;
  submissions: number;
  warnings: string[];
}

export async function mergeShards(shardDirs: readonly string[], outDir: string): Promise<MergeResult> {
  const out = path.resolve(outDir);
  const warnings: string[] = [];
  const reports = new Map<string, StoredReport & { from: string }>();
  const errors = new Map<string, { id: string; message: string }>();
  const projects = new Set<string>();
  const shardsSeen = new Map<number, Set<number>>();
  for (const dir of shardDirs.map((d) => path.resolve(d))) {
    let manifest: BatchManifest | undefined;
    try {
      manifest = JSON.parse(await fs.readFile(outPaths(dir).batch, 'utf8')) as BatchManifest;
    } catch {
      throw new DsgradeError('USAGE', `not a batch output folder: ${dir} (no readable batch.json)`, { fix: 'pass the --out folders of `dsgrade batch` runs' });
    }
    projects.add(manifest.project);
    if (manifest.shard) {
      const set = shardsSeen.get(manifest.shard.count) ?? new Set<number>();
      if (set.has(manifest.shard.index)) warnings.push(`shard ${manifest.shard.index}/${manifest.shard.count} appears twice (${dir})`);
      set.add(manifest.shard.index);
      shardsSeen.set(manifest.shard.count, set);
    }
    const wanted = new Set(manifest.submissions);
    for (const r of await readAllReports(dir)) {
      if (!wanted.has(r.id)) continue;
      const prev = reports.get(r.id);
      if (prev && prev.report.startedAt >= r.report.startedAt) {
        warnings.push(`${r.id} was graded in ${prev.from} and ${dir}; keeping the newer one (${prev.from})`);
        continue;
      }
      if (prev) warnings.push(`${r.id} was graded in ${prev.from} and ${dir}; keeping the newer one (${dir})`);
      reports.set(r.id, { ...r, from: dir });
    }
    for (const e of await readAllErrors(dir)) if (wanted.has(e.id)) errors.set(e.id, e);
    const graded = new Set((await readAllReports(dir)).map((r) => r.id));
    const missing = manifest.submissions.filter((id) => !graded.has(id) && !errors.has(id));
    if (missing.length) warnings.push(`${dir}: ${missing.length} submission(s) of this shard are not graded yet (rerun its batch command to resume): ${missing.slice(0, 5).join(', ')}`);
  }
  if (projects.size > 1) throw new DsgradeError('USAGE', `cannot merge shards of different projects: ${[...projects].join(', ')}`);
  for (const [count, set] of shardsSeen) {
    const absent = Array.from({ length: count }, (_, i) => i + 1).filter((i) => !set.has(i));
    if (absent.length) warnings.push(`shard(s) ${absent.map((i) => `${i}/${count}`).join(', ')} missing: the summary covers only the shards given`);
  }
  for (const id of reports.keys()) errors.delete(id);

  const p = outPaths(out);
  await fs.mkdir(p.submissions, { recursive: true });
  for (const r of reports.values()) {
    const from = outPaths(r.from).submission(r.id);
    const to = p.submission(r.id);
    if (path.resolve(from) === path.resolve(to)) continue;
    await fs.rm(to, { recursive: true, force: true });
    await fs.cp(from, to, { recursive: true });
  }
  for (const e of errors.values()) {
    await fs.mkdir(p.submission(e.id), { recursive: true });
    await fs.writeFile(p.error(e.id), `${e.message}\n`);
  }
  const list = [...reports.values()].map(({ from: _from, ...r }) => r);
  const summary = await writeSummary(out, list, [...errors.values()]);
  const merged = { merged: shardDirs.map((d) => path.resolve(d)), project: [...projects][0] ?? '', submissions: [...reports.keys(), ...errors.keys()].sort(), shard: null };
  await fs.writeFile(p.batch, `${JSON.stringify(merged, null, 2)}\n`);
  return { summary, submissions: reports.size + errors.size, warnings };
}
