/**
 * The run supervisor's last line (harness/cmd/dsgrade-exec: "\0dsgrade-exec usage {JSON}\n" once
 * the program's whole tree is gone) taken off an exec's stdout. Output passes through unchanged
 * except for a tail that could still be that line, held back until more output shows it was not
 * (the program printed something that looks like it) or the stream ends with it.
 */
import { usageFromReport, type ResourceUsage } from '../../core/resource-usage.js';

const MARKER = Buffer.from('\0dsgrade-exec usage ', 'latin1');
/** A real trailer is short; a longer held tail is output. */
const MAX_TRAILER_BYTES = 4096;

export class UsageTrailer {
  private held = Buffer.alloc(0);

  /** Takes one chunk; returns the bytes that are certainly output. */
  push(chunk: Buffer): Buffer {
    const data = this.held.length > 0 ? Buffer.concat([this.held, chunk]) : chunk;
    const at = trailerStart(data);
    this.held = at < 0 ? Buffer.alloc(0) : Buffer.from(data.subarray(at));
    return at < 0 ? data : data.subarray(0, at);
  }

  /** At the end of the stream: the usage if the stream ended with the trailer, and any held bytes that were output after all. */
  end(): { usage?: ResourceUsage; rest: Buffer } {
    const held = this.held;
    this.held = Buffer.alloc(0);
    if (held.length > MARKER.length && held.subarray(0, MARKER.length).equals(MARKER) && held[held.length - 1] === 10) {
      try {
        const usage = usageFromReport(JSON.parse(held.subarray(MARKER.length, held.length - 1).toString('utf8')));
        if (usage) return { usage, rest: Buffer.alloc(0) };
      } catch {
        // Not JSON: output that looked like the trailer.
      }
    }
    return { rest: held };
  }
}

/** Where a possible trailer starts in `data` (a NUL in its last line that begins the marker or a prefix of it), or -1. */
function trailerStart(data: Buffer): number {
  const endsWithNewline = data.length > 0 && data[data.length - 1] === 10;
  const lastLineStart = data.lastIndexOf(10, endsWithNewline ? data.length - 2 : data.length - 1) + 1;
  for (let i = data.indexOf(0, lastLineStart); i >= 0 && i < data.length; i = data.indexOf(0, i + 1)) {
    if (data.length - i > MAX_TRAILER_BYTES) continue;
    const n = Math.min(MARKER.length, data.length - i);
    if (data.subarray(i, i + n).equals(MARKER.subarray(0, n))) return i;
  }
  return -1;
}
