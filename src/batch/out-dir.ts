/**
 * The layout of a batch output folder (docs/batch.md). Per submission, `report.json` (the full
 * GradeReport plus who handed it in) is written last and atomically: its presence means "graded",
 * which is what resuming and `dsgrade merge` rely on.
 *
 *   <out>/summary.csv  summary.html  summary.json  batch.json
 *   <out>/submissions/<id>/results.json  junit.xml  report.json  run-reports/<suite>/<scenario>.html
 *   <out>/submissions/<id>/error.txt     (dsgrade could not grade it; no report.json)
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { GradeReport } from '../model.js';
import type { Submitter } from './gradescope-export.js';

export interface StoredReport {
  id: string;
  submitters: Submitter[];
  report: GradeReport;
}

export const outPaths = (out: string) => ({
  out,
  submissions: path.join(out, 'submissions'),
  submission: (id: string) => path.join(out, 'submissions', id),
  report: (id: string) => path.join(out, 'submissions', id, 'report.json'),
  results: (id: string) => path.join(out, 'submissions', id, 'results.json'),
  junit: (id: string) => path.join(out, 'submissions', id, 'junit.xml'),
  error: (id: string) => path.join(out, 'submissions', id, 'error.txt'),
  csv: path.join(out, 'summary.csv'),
  html: path.join(out, 'summary.html'),
  json: path.join(out, 'summary.json'),
  batch: path.join(out, 'batch.json'),
});

export async function readStoredReport(file: string): Promise<StoredReport | undefined> {
  try {
    const parsed = JSON.parse(await fs.readFile(file, 'utf8')) as StoredReport;
    return parsed && typeof parsed.id === 'string' && parsed.report && Array.isArray(parsed.report.tests) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/** Every graded submission in an output folder (report.json present), sorted by id. */
export async function readAllReports(out: string): Promise<StoredReport[]> {
  const p = outPaths(out);
  let ids: string[] = [];
  try {
    ids = (await fs.readdir(p.submissions, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name);
  } catch {
    return [];
  }
  const reports: StoredReport[] = [];
  for (const id of ids.sort()) {
    const r = await readStoredReport(p.report(id));
    if (r) reports.push(r);
  }
  return reports;
}

/** Submissions dsgrade could not grade (error.txt without report.json). */
export async function readAllErrors(out: string): Promise<{ id: string; message: string }[]> {
  const p = outPaths(out);
  let ids: string[] = [];
  try {
    ids = (await fs.readdir(p.submissions, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name);
  } catch {
    return [];
  }
  const errors: { id: string; message: string }[] = [];
  for (const id of ids.sort()) {
    try {
      await fs.access(p.report(id));
      continue;
    } catch {
      // not graded
    }
    try {
      errors.push({ id, message: (await fs.readFile(p.error(id), 'utf8')).trim() });
    } catch {
      // neither: an interrupted run; it will be graded on the next resume
    }
  }
  return errors;
}
