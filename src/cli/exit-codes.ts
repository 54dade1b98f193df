/** Documented exit codes (README "Exit codes"); only src/cli/main.ts turns them into an exit. */
export const EXIT = {
  /** Graded (whatever the score), valid manifest, regression matched. */
  OK: 0,
  /** validate found problems, or regress found a mismatch. */
  CHECK_FAILED: 1,
  /** Bad input: usage, project manifest, submission path, missing Go. */
  USAGE: 2,
  /** A bug in dsgrade. */
  INTERNAL: 3,
  /** SIGINT; SIGTERM exits 143 and SIGHUP 129 (src/sandbox/interrupt.ts INTERRUPT_EXIT). */
  INTERRUPTED: 130,
} as const;
