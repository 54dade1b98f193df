/**
 * The one results writer of `grade`, `batch` and the grading hosts: every host's file is rendered
 * with the project's limits (`limits.testOutputBytes`) and the run's rerun line, then checked
 * against its schema and written atomically (results-file.ts). A host whose project could not be
 * loaded (a grader error) gets the manifest's default limit.
 */
import type { Manifest } from '../manifest/types.js';
import type { GradeReport } from '../model.js';
import { toAutolabResult, writeAutolabResult, type AutolabProblem } from './autolab-results.js';
import { writeGradescopeResults } from './gradescope-results.js';
import { writeJUnit } from './junit.js';
import { toPrairieLearnResults, writePrairieLearnResults } from './prairielearn-results.js';

export type ResultsFormat = 'gradescope' | 'prairielearn' | 'autolab' | 'junit';

/** What every rendering of one run shares: the per-test output budget and how to rerun it all. */
export interface ResultsLimits {
  testOutputBytes: number;
  rerunAll: string;
  /** A cap on all outputs together (the Gradescope host keeps results.json to a few MB). */
  totalOutputBytes?: number;
}

/** The manifest's default `limits.testOutputBytes` (schemas/manifest.schema.json), for a run whose project did not load. */
export const DEFAULT_TEST_OUTPUT_BYTES = 65_536;

/** The limits of a run graded against `manifest` (undefined: it did not load), rerun as `rerunBase --seed <seed>`. */
export function resultsLimits(manifest: Pick<Manifest, 'limits'> | undefined, rerunBase: string, seed: number): ResultsLimits {
  return { testOutputBytes: manifest?.limits.testOutputBytes ?? DEFAULT_TEST_OUTPUT_BYTES, rerunAll: `${rerunBase} --seed ${seed}` };
}

export interface WriteOptions {
  /** Gradescope: added to results.json's extra_data (budget exhausted, grader error, signal). */
  gradescopeExtra?: Record<string, unknown>;
  /** Autolab: the problems the lab declares (autolabProblems of the manifest). */
  autolabProblems?: readonly AutolabProblem[];
}

/** Writes `report` as `format` to `file` (schema-checked, atomic); throws, writing nothing, when the result would be invalid. */
export async function writeResults(format: ResultsFormat, file: string, report: GradeReport, limits: ResultsLimits, opts: WriteOptions = {}): Promise<void> {
  switch (format) {
    case 'gradescope':
      await writeGradescopeResults(file, report, { ...limits, ...(opts.gradescopeExtra ? { extra: opts.gradescopeExtra } : {}) });
      return;
    case 'prairielearn':
      await writePrairieLearnResults(file, toPrairieLearnResults(report, limits));
      return;
    case 'autolab':
      await writeAutolabResult(file, toAutolabResult(report, opts.autolabProblems ?? []));
      return;
    case 'junit':
      await writeJUnit(file, report);
      return;
  }
}
