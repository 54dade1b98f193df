/**
 * Which files of a course tree students edit. A guess from what the files say about themselves —
 * "TODO", "Your code here", "not implemented", "This file is yours", a `*_impl.go` name — against
 * what staff files say ("DO NOT MODIFY", "Code generated … DO NOT EDIT"). Every guess carries the
 * evidence (the line it rests on) so `dsgrade init` can print why.
 */

export type FileRole = 'student' | 'student-test' | 'staff';

export interface FileGuess {
  /** Module-relative path. */
  file: string;
  role: FileRole;
  /** Why, e.g. `"TODO" on line 12: // TODO: implement this!` or `named *_impl.go`. */
  reasons: string[];
}

/** Phrases that mark a file students fill in. */
const STUDENT_MARKERS: { re: RegExp; label: string }[] = [
  { re: /\bTODO\b/, label: '"TODO"' },
  { re: /your code here/i, label: '"your code here"' },
  { re: /not (yet )?implemented|unimplemented/i, label: '"not implemented"' },
  { re: /\bimplement (this|me)\b/i, label: '"implement this"' },
  { re: /this file is yours/i, label: '"this file is yours"' },
  { re: /\bstudents? (should|must|will|need to) (write|edit|implement|complete|fill|add|modify)/i, label: '"students should write/edit…"' },
];

/** Phrases that mark a staff file (they win over the markers above). */
const STAFF_MARKERS: { re: RegExp; label: string }[] = [
  { re: /\bdo not (modify|edit|change)\b/i, label: '"DO NOT MODIFY"' },
  { re: /^\/\/ Code generated .* DO NOT EDIT\.$/m, label: 'generated code' },
];

/** The first line of `text` matching `re`, with its number (1-based), shortened for a report. */
function firstLine(text: string, re: RegExp): { n: number; line: string } | undefined {
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (re.test(line)) {
      const trimmed = line.trim();
      return { n: i + 1, line: trimmed.length > 80 ? `${trimmed.slice(0, 77)}…` : trimmed };
    }
  }
  return undefined;
}

/**
 * classifyFile guesses the role of one Go file of the starter from its path and text. Test files
 * are student tests only on a marker (the course's own tests carry none); other files are
 * student files on a marker or a `*_impl.go` name, unless a staff marker says otherwise.
 */
export function classifyFile(file: string, text: string): FileGuess {
  const isTest = file.endsWith('_test.go');
  for (const m of STAFF_MARKERS) {
    const hit = firstLine(text, m.re);
    if (hit) return { file, role: 'staff', reasons: [`${m.label} on line ${hit.n}: ${hit.line}`] };
  }
  const reasons: string[] = [];
  if (!isTest && /_impl\.go$/.test(file)) reasons.push('named *_impl.go');
  for (const m of STUDENT_MARKERS) {
    const hit = firstLine(text, m.re);
    if (hit) reasons.push(`${m.label} on line ${hit.n}: ${hit.line}`);
  }
  if (reasons.length === 0) return { file, role: 'staff', reasons: [] };
  return { file, role: isTest ? 'student-test' : 'student', reasons };
}
