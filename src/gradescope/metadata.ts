/**
 * Gradescope's submission_metadata.json (../shared/specs/gradescope.md). Only a few fields matter
 * to grading; the file may be missing or malformed when the autograder is tested by hand, which is
 * a warning, never a failure.
 */
import { promises as fs } from 'node:fs';

export interface SubmissionMetadata {
  id?: number | string;
  created_at?: string;
  assignment?: { id?: number | string; title?: string; due_date?: string; total_points?: number | string };
  users?: { email?: string; id?: number | string; name?: string }[];
  submission_method?: string;
}

export async function readMetadata(file: string): Promise<{ metadata?: SubmissionMetadata; warning?: string }> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch {
    return { warning: `no ${file}: grading without submission metadata` };
  }
  try {
    const parsed = JSON.parse(text) as unknown;
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return { warning: `${file} is not a JSON object; ignored` };
    return { metadata: parsed as SubmissionMetadata };
  } catch (err) {
    return { warning: `${file} is not valid JSON (${(err as Error).message}); ignored` };
  }
}
