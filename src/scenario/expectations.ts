/**
 * Expectations, checked once the steps are done: output regexes within deadlines, lines that must
 * never appear, exit codes, counts of matching lines and a number printed in a line. Deadlines
 * count from the scenario start; a check with a deadline still in the future waits for it (never
 * beyond the scenario's own time limit).
 */
import type { NodeExit } from '../sandbox/node-process.js';
import type { NodeOutput } from './node-output.js';
import type { PlannedExpect, ScenarioPlan } from './plan.js';
import type { ExpectResult } from './run-record.js';
import type { ExpectSpec, Stream } from './types.js';

export interface ExpectationRuntime {
  output(node: string): NodeOutput;
  /** The exit of the node's last incarnation, and whether dsgrade killed it; undefined while it runs or never ran. */
  exit(node: string): { status: NodeExit; byHarness: boolean } | undefined;
  started(node: string): boolean;
  waitExit(node: string, timeoutMs: number): Promise<void>;
  /** ms since the scenario start. */
  now(): number;
  /** ms left before the scenario's time limit. */
  remaining(): number;
}

/** Every (node, pattern, stream) the plan will ask about, to register before anything starts. */
export function patternsOf(plan: ScenarioPlan): { node: string; source: string; stream: Stream }[] {
  const out: { node: string; source: string; stream: Stream }[] = [];
  for (const n of plan.nodes) if (n.spec.ready?.output) out.push({ node: n.name, source: n.spec.ready.output, stream: 'both' });
  for (const s of plan.steps) {
    if (s.action.kind !== 'waitOutput') continue;
    for (const node of s.action.nodes) {
      out.push({ node, source: s.action.match, stream: s.action.stream });
      if (s.action.latest) out.push({ node, source: s.action.latest.match, stream: s.action.stream });
    }
  }
  for (const e of plan.expect) {
    const source = expectPattern(e.spec);
    if (source !== undefined) out.push({ node: e.node, source, stream: e.spec.stream ?? 'both' });
  }
  return out;
}

function expectPattern(e: ExpectSpec): string | undefined {
  return e.output ?? e.never ?? e.count?.match ?? e.value?.match;
}

export function describeExpectation(e: ExpectSpec, node: string): string {
  const within = e.withinSec !== undefined ? ` within ${e.withinSec} s of the start` : ' by the end of the scenario';
  const stream = e.stream && e.stream !== 'both' ? ` on ${e.stream}` : '';
  if (e.output !== undefined) return `${node} prints a line matching /${e.output}/${stream}${within}`;
  if (e.never !== undefined) return `${node} never prints a line matching /${e.never}/${stream}`;
  if (e.exitCode !== undefined) return `${node} exits by itself with code ${e.exitCode}${within}`;
  if (e.count) return `${node} prints ${range(e.count.min, e.count.max)} line(s) matching /${e.count.match}/${stream}`;
  if (e.value) return `the number in ${node}'s last line matching /${e.value.match}/ is ${range(e.value.min, e.value.max)}`;
  return `${node}: (empty expectation)`;
}

function range(min: number | undefined, max: number | undefined): string {
  if (min !== undefined && max !== undefined) return min === max ? `exactly ${min}` : `between ${min} and ${max}`;
  if (min !== undefined) return `at least ${min}`;
  if (max !== undefined) return `at most ${max}`;
  return 'any number of';
}

const inRange = (n: number, min?: number, max?: number): boolean => (min === undefined || n >= min) && (max === undefined || n <= max);

export function describeExit(x: { status: NodeExit; byHarness: boolean } | undefined, started: boolean): string {
  if (!started) return 'it was never started';
  if (!x) return 'it was still running';
  if (x.byHarness) return 'it was still running when dsgrade killed it';
  return x.status.signal ? `it was killed by ${x.status.signal}` : `it exited with code ${x.status.code}`;
}

export async function evaluate(p: PlannedExpect, rt: ExpectationRuntime, mayWait: boolean): Promise<ExpectResult> {
  const e = p.spec;
  const out = rt.output(p.node);
  const check = e.description ? `${describeExpectation(e, p.node)} (${e.description})` : describeExpectation(e, p.node);
  const key = expectPattern(e) !== undefined ? out.watch(expectPattern(e)!, e.stream ?? 'both') : '';
  const result = (ok: boolean, seen: string): ExpectResult => ({ index: p.index, node: p.node, ok, check, seen: ok ? '' : seen });
  const untilMs = e.withinSec !== undefined ? e.withinSec * 1000 : Infinity;
  const waitMs = (): number => (mayWait && e.withinSec !== undefined ? Math.min(untilMs - rt.now(), rt.remaining()) : 0);

  if (e.output !== undefined) {
    if (!out.seen(key, 0, untilMs) && waitMs() > 0) await out.waitFor(key, 0, waitMs());
    const at = out.firstAt(key);
    if (at !== undefined && at <= untilMs) return result(true, '');
    const status = describeExit(rt.exit(p.node), rt.started(p.node));
    return result(false, at !== undefined ? `the first matching line came at ${(at / 1000).toFixed(1)} s, too late` : `no line matched (${status})`);
  }
  if (e.never !== undefined) {
    const n = out.count(key);
    return result(n === 0, `${n} line(s) matched, the first at ${((out.firstAt(key) ?? 0) / 1000).toFixed(1)} s`);
  }
  if (e.exitCode !== undefined) {
    if (rt.started(p.node) && !rt.exit(p.node) && waitMs() > 0) await rt.waitExit(p.node, waitMs());
    const x = rt.exit(p.node);
    const ok = x !== undefined && !x.byHarness && x.status.signal === null && x.status.code === e.exitCode;
    return result(ok, describeExit(x, rt.started(p.node)));
  }
  if (e.count) {
    const n = out.count(key);
    return result(inRange(n, e.count.min, e.count.max), `${n} line(s) matched`);
  }
  if (e.value) {
    const m = out.lastMatch(key);
    const n = m?.[1] !== undefined ? Number(m[1]) : NaN;
    if (!m) return result(false, 'no line matched');
    return result(!Number.isNaN(n) && inRange(n, e.value.min, e.value.max), Number.isNaN(n) ? `the captured text "${m[1] ?? ''}" is not a number` : `the last matching line was "${m.input}" (value ${n})`);
  }
  return result(true, '');
}
