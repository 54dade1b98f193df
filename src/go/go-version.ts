/**
 * The Go that builds a submission against the Go the course uses (`go.version`, which is also the
 * `go` line of the starter's go.mod). Only major.minor matters: patch releases do not change the
 * language or the library. A newer Go builds code written for an older one (go.mod's `go` line keeps
 * the old language semantics), so a difference is informational; an older Go than the course's may
 * refuse the module or lack library functions, which is worth a warning.
 */
import type { Notice } from '../model.js';

/** majorMinor reads "go1.26.8", "1.21" or "1.21.5" as "1.26" / "1.21"; undefined for anything else. */
export function majorMinor(version: string): string | undefined {
  const m = /^(?:go)?(\d+)\.(\d+)(?!\d)/.exec(version.trim());
  return m ? `${m[1]}.${m[2]}` : undefined;
}

function compare(a: string, b: string): number {
  const [am, an] = a.split('.').map(Number) as [number, number];
  const [bm, bn] = b.split('.').map(Number) as [number, number];
  return am - bm || an - bn;
}

export interface GoVersionDifference {
  /** The building Go as it reports itself, e.g. "go1.26.8". */
  building: string;
  /** The course's version as the manifest writes it, e.g. "1.21". */
  course: string;
  /** The building Go is older than the course's. */
  older: boolean;
}

/** goVersionDifference says whether the building Go differs (major.minor) from the course's; undefined when it does not or either is unknown. */
export function goVersionDifference(course: string | undefined, building: string): GoVersionDifference | undefined {
  if (course === undefined) return undefined;
  const c = majorMinor(course);
  const b = majorMinor(building);
  if (c === undefined || b === undefined || c === b) return undefined;
  return { building, course, older: compare(b, c) < 0 };
}

/** The Docker way to grade with the course's exact Go (docs/docker.md). */
export function baseImageHint(course: string): string {
  return `--backend docker --base-image golang:${majorMinor(course) ?? course}`;
}

/** goVersionNotice is the report's notice about a difference, or undefined when the versions agree. */
export function goVersionNotice(course: string | undefined, building: string): Notice | undefined {
  const d = goVersionDifference(course, building);
  if (!d) return undefined;
  const shown = d.building.replace(/^go/, 'Go ');
  if (d.older) {
    return {
      level: 'warning',
      message:
        `Built with ${shown}, older than the Go ${d.course} this course uses: code that builds with Go ${d.course} may not build here. ` +
        `Course staff: grade with the course's Go (${baseImageHint(d.course)}) or a newer one.`,
    };
  }
  return {
    level: 'info',
    message:
      `Built with ${shown}; this course uses Go ${d.course}. A newer Go builds code written for an older one, so this matters only for behaviour that changed between versions. ` +
      `Course staff can grade with the course's exact Go: ${baseImageHint(d.course)}.`,
  };
}
