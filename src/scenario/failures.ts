/**
 * The two ways a scenario stops early. A StepFailure is the student's system failing (a wait that
 * timed out, a node that never got ready): the verdict is `failed`, with the last lines of the
 * nodes involved. A HarnessFailure is dsgrade's or the scenario's own (a program that was not
 * built, a step that makes no sense at run time): the verdict is `error`.
 */
export class StepFailure extends Error {
  constructor(
    message: string,
    /** The nodes whose last lines explain the failure. */
    readonly nodes: string[] = [],
  ) {
    super(message);
  }
}

export class HarnessFailure extends Error {}
