/**
 * Taking the submission in (src/intake): an unreadable or unsafe submission is graded — zero, with
 * the reason — rather than thrown; a missing one is a usage error and is thrown.
 */
import { isDsgradeError } from '../errors.js';
import { intakeSubmission, type IntakeOptions, type IntakeResult } from '../intake/intake.js';
import type { Notice, TestResult } from '../model.js';
import { makeResult } from './context.js';

export type IntakeOutcome = { intake: IntakeResult } | { refused: { notice: Notice; result: TestResult } };

export async function takeSubmission(submission: string, opts: IntakeOptions): Promise<IntakeOutcome> {
  try {
    return { intake: await intakeSubmission(submission, opts) };
  } catch (err) {
    if (!isDsgradeError(err) || (err.code !== 'SUBMISSION_UNREADABLE' && err.code !== 'SUBMISSION_UNSAFE')) throw err;
    const result = makeResult({
      id: 'submission',
      suite: 'submission',
      name: 'Submission',
      verdict: 'failed',
      score: 0,
      maxScore: 0,
      visibility: 'visible',
      tags: [],
      durationMs: 0,
      summary: err.message,
      output: err.describe(),
    });
    return { refused: { notice: { level: 'error', message: err.describe() }, result } };
  }
}
