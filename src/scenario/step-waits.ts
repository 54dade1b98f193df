/**
 * The wait steps: until nodes print a line (or settle on a reported value: `latest` + `stableMs`),
 * until they exit, until the proxy passed on a message between two nodes. Each waits at most its
 * `withinSec`, never past the scenario's time limit, and fails the scenario (StepFailure) naming
 * the nodes involved and their state.
 */
import { StepFailure } from './failures.js';
import type { ActionOf, StepContext, StepHandler } from './step-context.js';
import type { Stream } from './types.js';

const LATEST_POLL_MS = 20;

export const waitOutput: StepHandler<ActionOf<'waitOutput'>> = async (a, ctx, step) => {
  const since = a.since === 'previous' ? step.previous.ms : 0;
  const limitMs = Math.min(a.withinSec * 1000, ctx.clock.remaining());
  const { nodes } = ctx;
  if (a.latest) {
    const latest = a.latest;
    const results = await Promise.all(a.nodes.map((n) => waitLatest(ctx, n, a.match, latest, a.stream, since, limitMs)));
    const failed = a.nodes.map((n, i) => [n, results[i]!] as const).filter(([, r]) => !r.ok);
    if (failed.length > 0) {
      const status = failed.map(([n, r]) => `${n}: ${r.seen}; ${nodes.describe(n)}`).join('; ');
      throw new StepFailure(
        `step ${step.origin}: ${failed.map(([n]) => n).join(', ')} did not settle on a line matching /${a.match}/ within ${(limitMs / 1000).toFixed(1)} s (${status})`,
        failed.map(([n]) => n),
      );
    }
    return;
  }
  const results = await Promise.all(
    a.nodes.map((n) => {
      const out = nodes.output(n);
      return out.waitFor(out.watch(a.match, a.stream), since, limitMs);
    }),
  );
  const missing = a.nodes.filter((_, i) => !results[i]);
  if (missing.length > 0) {
    const status = missing.map((n) => `${n}: ${nodes.describe(n)}`).join('; ');
    throw new StepFailure(`step ${step.origin}: ${missing.join(', ')} did not print a line matching /${a.match}/ within ${(limitMs / 1000).toFixed(1)} s (${status})`, missing);
  }
};

/**
 * Polls until the node's latest line matching `latest.match` (since `since`) matches `match` and
 * no other such line has followed for `latest.stableMs`. The value must be reached within
 * `limitMs`; holding it may take `stableMs` more.
 */
async function waitLatest(
  { nodes, clock }: StepContext,
  node: string,
  match: string,
  latest: { match: string; stableMs: number },
  stream: Stream,
  since: number,
  limitMs: number,
): Promise<{ ok: boolean; seen: string }> {
  const out = nodes.output(node);
  const key = out.watch(latest.match, stream);
  const want = new RegExp(match);
  const began = clock.now();
  const endMs = began + Math.min(limitMs + latest.stableMs, Math.max(0, clock.remaining()));
  let changes = 0;
  let prev: { text: string; tMs: number } | undefined;
  for (;;) {
    const last = out.latest(key, since);
    if (last && (prev === undefined || last.tMs !== prev.tMs || last.text !== prev.text)) {
      if (prev !== undefined) changes++;
      prev = last;
    }
    if (last && want.test(last.text) && clock.now() - last.tMs >= latest.stableMs && last.tMs <= began + limitMs) return { ok: true, seen: '' };
    if (clock.now() >= endMs) break;
    await clock.sleep(Math.min(LATEST_POLL_MS, Math.max(1, endMs - clock.now())));
  }
  const last = out.latest(key, since);
  if (!last) return { ok: false, seen: `it printed no line matching /${latest.match}/` };
  const flapping = changes > 0 ? ` (its /${latest.match}/ lines changed ${changes} time(s) while dsgrade waited)` : '';
  return { ok: false, seen: `its latest line matching /${latest.match}/ was "${last.text.slice(0, 200)}" at ${(last.tMs / 1000).toFixed(2)} s${flapping}` };
}

export const waitExit: StepHandler<ActionOf<'waitExit'>> = async (a, { nodes, clock }, step) => {
  const limitMs = Math.min(a.withinSec * 1000, clock.remaining());
  await Promise.race([Promise.all(a.nodes.map((n) => nodes.exited(n))), clock.sleep(limitMs)]);
  const running = a.nodes.filter((n) => !nodes.hasExited(n));
  if (running.length > 0) throw new StepFailure(`step ${step.origin}: ${running.join(', ')} did not exit within ${(limitMs / 1000).toFixed(1)} s`, running);
};

export const waitDelivered: StepHandler<ActionOf<'waitDelivered'>> = async (a, { nodes, proxy, clock }, step) => {
  const limitMs = Math.min(a.withinSec * 1000, clock.remaining());
  const missing = await proxy.waitDelivered(a.pairs, a.since === 'previous' ? step.previous.proxyNs : 0, limitMs, a.count);
  if (missing.length > 0) {
    const involved = [...new Set(missing.flatMap((p) => [p.to, p.from]))];
    const status = involved.map((n) => `${n}: ${nodes.describe(n)}`).join('; ');
    const what = missing.map((p) => `from ${p.from} to ${p.to}`).join(', ');
    throw new StepFailure(
      `step ${step.origin}: the proxy passed on ${a.count > 1 ? `fewer than ${a.count} messages` : 'no message'} ${what} within ${(limitMs / 1000).toFixed(1)} s${a.since === 'previous' ? ' after the previous step began' : ''} (${status})`,
      involved,
    );
  }
};
