/**
 * Every error dsgrade raises on purpose is a DsgradeError: a stable `code` callers can branch on,
 * a message that follows one template — "<what failed>: <subject>" — then the detail, then the fix.
 * Anything else that escapes is a bug in dsgrade and is reported as such by the CLI.
 */
export type ErrorCode =
  | 'MANIFEST_NOT_FOUND'
  | 'MANIFEST_PARSE'
  | 'MANIFEST_INVALID'
  | 'PROJECT_FILE_MISSING'
  | 'SUBMISSION_NOT_FOUND'
  | 'SUBMISSION_UNREADABLE'
  | 'SUBMISSION_UNSAFE'
  | 'GO_NOT_FOUND'
  | 'DOCKER_UNAVAILABLE'
  | 'DOCKER_FAILED'
  | 'TOOL_FAILED'
  | 'USAGE'
  | 'INIT_NO_MODULE'
  | 'INIT_AMBIGUOUS_MODULE'
  | 'INIT_NO_TESTS'
  | 'INIT_TESTMAIN'
  | 'INIT_OUTPUT_EXISTS'
  | 'INIT_MANIFEST_INVALID'
  | 'INTERRUPTED'
  | 'INTERNAL';

export interface ErrorDetails {
  /** The file the problem is in, as the user knows it. */
  file?: string;
  /** JSON pointer into `file` for manifest problems. */
  pointer?: string;
  /** What to do about it, one or two sentences. */
  fix?: string;
  cause?: unknown;
}

export class DsgradeError extends Error {
  readonly code: ErrorCode;
  readonly file: string | undefined;
  readonly pointer: string | undefined;
  readonly fix: string | undefined;

  constructor(code: ErrorCode, message: string, details: ErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'DsgradeError';
    this.code = code;
    this.file = details.file;
    this.pointer = details.pointer;
    this.fix = details.fix;
  }

  /** The message as a user should read it: what, where, how to fix. */
  describe(): string {
    const lines = [this.message];
    if (this.file) lines.push(`  file: ${this.file}${this.pointer ? ` at ${this.pointer}` : ''}`);
    if (this.fix) lines.push(`  fix:  ${this.fix}`);
    return lines.join('\n');
  }
}

/** One manifest problem; a manifest reports all of them at once. */
export interface ManifestIssue {
  file: string;
  pointer: string;
  message: string;
  fix: string;
}

export class ManifestError extends DsgradeError {
  readonly issues: ManifestIssue[];

  /** `what`: the kind of project file (the manifest, or its timings.json). */
  constructor(file: string, issues: ManifestIssue[], what = 'project manifest') {
    super('MANIFEST_INVALID', `invalid ${what}: ${file} (${issues.length} problem${issues.length === 1 ? '' : 's'})`, {
      file,
      fix: 'correct each problem listed; `dsgrade validate <project-dir>` re-checks the manifest without grading',
    });
    this.name = 'ManifestError';
    this.issues = issues;
  }

  override describe(): string {
    const lines = [this.message];
    for (const issue of this.issues) {
      lines.push(`  ${issue.file}${issue.pointer ? ` ${issue.pointer}` : ''}: ${issue.message}`);
      lines.push(`    fix: ${issue.fix}`);
    }
    return lines.join('\n');
  }
}

export function isDsgradeError(err: unknown): err is DsgradeError {
  return err instanceof DsgradeError;
}
