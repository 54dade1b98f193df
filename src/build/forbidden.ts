/**
 * Build-time reads of files the student must not see. Building the staff tests necessarily reads
 * their sources, so the one way a handed-in file could copy them into the binary it controls is a
 * compile-time file include: `//go:embed` (which needs `import "embed"`) or cgo (`import "C"`,
 * whose C preamble can `.incbin` any file). Handed-in Go files that use either are refused before
 * anything is built. The scan is textual but errs on the side of refusing: a line that only looks
 * like such an import inside a raw string is refused too, with a message that says why.
 */
import { promises as fs } from 'node:fs';

export interface ForbiddenUse {
  /** The tree path of the handed-in file. */
  treePath: string;
  line: number;
  what: string;
}

const RULES: { re: RegExp; what: string }[] = [
  { re: /^\s*\/\/go:embed\b/, what: 'a //go:embed directive' },
  { re: /^\s*import\s+(?:[\w.]+\s+)?"embed"/, what: 'import "embed"' },
  { re: /^\s*import\s+(?:[\w.]+\s+)?"C"/, what: 'import "C" (cgo)' },
  { re: /^\s*(?:[\w.]+\s+)?"embed"\s*(?:\/\/.*)?$/, what: 'import "embed"' },
  { re: /^\s*(?:[\w.]+\s+)?"C"\s*(?:\/\/.*)?$/, what: 'import "C" (cgo)' },
];

/** Scans the handed-in `.go` files; an empty list means nothing forbidden was found. */
export async function findForbiddenUses(files: readonly { treePath: string; sourcePath: string }[]): Promise<ForbiddenUse[]> {
  const found: ForbiddenUse[] = [];
  for (const f of files) {
    if (!f.treePath.endsWith('.go')) continue;
    const lines = (await fs.readFile(f.sourcePath, 'utf8')).split('\n');
    let inImportBlock = false;
    lines.forEach((text, i) => {
      if (/^\s*import\s*\(/.test(text)) inImportBlock = true;
      else if (inImportBlock && /^\s*\)/.test(text)) inImportBlock = false;
      for (const [k, rule] of RULES.entries()) {
        // The bare `"embed"` / `"C"` forms only count inside an import ( … ) block.
        if (k >= 3 && !inImportBlock) continue;
        if (rule.re.test(text)) {
          found.push({ treePath: f.treePath, line: i + 1, what: rule.what });
          break;
        }
      }
    });
  }
  return found;
}

/** One paragraph a student can act on. */
export function describeForbidden(uses: readonly ForbiddenUse[], displayName: (treePath: string) => string): string {
  const where = uses.map((u) => `${displayName(u.treePath)}:${u.line}: ${u.what}`).join('\n');
  return (
    `Your code uses a feature the autograder does not allow in handed-in files:\n${where}\n\n` +
    'Embedding files (//go:embed, package embed) and cgo (import "C") could read the course staff\'s hidden files while your code is compiled, ' +
    'so submissions that use them are not built or tested. Remove them and resubmit.'
  );
}
