/**
 * Gradescope's "Export Submissions" download, as dsgrade understands it (docs/batch.md):
 *
 *   assignment_1234_export/
 *     submission_metadata.yml
 *     submission_111111/        the files the student uploaded (any layout; intake finds them)
 *     submission_222222/
 *
 * `submission_metadata.yml` is a YAML map written by Ruby, keyed by folder name, with symbol keys:
 *
 *   submission_111111:
 *     :submitters:
 *     - :name: Ada Lovelace
 *       :sid: '1001'
 *       :email: ada@example.edu
 *     :created_at: 2024-02-01 10:00:00.000000000 -05:00
 *     :score: 20.0
 *
 * Only the folder keys and each submitter's name, sid and email are read, with a line-based reader
 * that ignores everything else (results, history), so dsgrade needs no YAML dependency and an
 * unexpected field never stops a batch.
 */

export interface Submitter {
  name?: string;
  sid?: string;
  email?: string;
}

export interface ExportEntry {
  /** The folder name, e.g. `submission_111111`. */
  key: string;
  submitters: Submitter[];
  createdAt?: string;
}

export const METADATA_FILE = 'submission_metadata.yml';

/** Parses the parts of submission_metadata.yml that batch grading uses. */
export function parseSubmissionMetadata(text: string): ExportEntry[] {
  const entries: ExportEntry[] = [];
  let current: ExportEntry | undefined;
  let inSubmitters = false;
  let submitterIndent = -1;
  for (const raw of text.split(/\r?\n/)) {
    if (raw.trim() === '' || raw.trimStart().startsWith('#') || raw.startsWith('---')) continue;
    const indent = raw.length - raw.trimStart().length;
    const line = raw.trim();
    if (indent === 0) {
      const m = /^(?:"([^"]+)"|'([^']+)'|([^:\s][^:]*)):\s*$/.exec(line);
      current = m ? { key: (m[1] ?? m[2] ?? m[3]!).trim(), submitters: [] } : undefined;
      if (current) entries.push(current);
      inSubmitters = false;
      continue;
    }
    if (!current) continue;
    if (inSubmitters && indent <= submitterIndent && !line.startsWith('- ')) inSubmitters = false;
    const kv = /^(-\s+)?:?([A-Za-z_]+):\s*(.*)$/.exec(line);
    if (!kv) continue;
    const [, dash, key, value] = kv;
    if (!inSubmitters && key === 'submitters') {
      inSubmitters = true;
      submitterIndent = indent;
      continue;
    }
    if (!inSubmitters && key === 'created_at') {
      current.createdAt = unquote(value ?? '');
      continue;
    }
    if (inSubmitters) {
      if (dash) current.submitters.push({});
      const who = current.submitters[current.submitters.length - 1];
      if (!who) continue;
      if (key === 'name' || key === 'sid' || key === 'email') who[key] = unquote(value ?? '');
    }
  }
  return entries;
}

function unquote(v: string): string {
  const t = v.trim();
  if ((t.startsWith("'") && t.endsWith("'")) || (t.startsWith('"') && t.endsWith('"'))) return t.slice(1, -1).replace(/''/g, "'");
  return t;
}
