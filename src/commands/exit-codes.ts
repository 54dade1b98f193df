/**
 * Documented exit codes (README "Exit codes", `dsgrade --help`); only src/cli/main.ts turns them
 * into an exit. Each error kind maps to one code: bad input is the user's to fix, a missing or
 * broken tool or Docker engine is the machine's, a bug is dsgrade's.
 */
import type { ErrorCode } from '../errors.js';

export const EXIT = {
  /** Graded (whatever the score), valid manifest, regression matched. */
  OK: 0,
  /** validate found problems, or regress found a mismatch. */
  CHECK_FAILED: 1,
  /** Bad input: usage, project manifest or files, submission path, init's course tree. */
  USAGE: 2,
  /** A bug in dsgrade. */
  INTERNAL: 3,
  /** A tool dsgrade needs is missing or failed: no Go toolchain, a harness program that does not build, tar. */
  TOOL: 4,
  /** The Docker engine is unreachable or a Docker request failed (--backend docker, images). */
  DOCKER: 5,
  /** SIGINT; SIGTERM exits 143 and SIGHUP 129 (src/sandbox/interrupt.ts INTERRUPT_EXIT). */
  INTERRUPTED: 130,
} as const;

const BY_ERROR: Record<ErrorCode, number> = {
  MANIFEST_NOT_FOUND: EXIT.USAGE,
  MANIFEST_PARSE: EXIT.USAGE,
  MANIFEST_INVALID: EXIT.USAGE,
  PROJECT_FILE_MISSING: EXIT.USAGE,
  SUBMISSION_NOT_FOUND: EXIT.USAGE,
  SUBMISSION_UNREADABLE: EXIT.USAGE,
  SUBMISSION_UNSAFE: EXIT.USAGE,
  USAGE: EXIT.USAGE,
  INIT_NO_MODULE: EXIT.USAGE,
  INIT_AMBIGUOUS_MODULE: EXIT.USAGE,
  INIT_NO_TESTS: EXIT.USAGE,
  INIT_TESTMAIN: EXIT.USAGE,
  INIT_OUTPUT_EXISTS: EXIT.USAGE,
  INIT_MANIFEST_INVALID: EXIT.USAGE,
  GO_NOT_FOUND: EXIT.TOOL,
  TOOL_FAILED: EXIT.TOOL,
  DOCKER_UNAVAILABLE: EXIT.DOCKER,
  DOCKER_FAILED: EXIT.DOCKER,
  INTERRUPTED: EXIT.INTERRUPTED,
  INTERNAL: EXIT.INTERNAL,
};

/** The exit code of a DsgradeError that ended a command. */
export function exitCodeFor(code: ErrorCode): number {
  return BY_ERROR[code];
}
