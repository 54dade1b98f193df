/**
 * Runs one planned scenario: one faultnet proxy, one port per node, one proxy link per declared
 * pair, nodes in their own process groups, the steps in order, then the expectations and the
 * checker. Every process is killed at the end, on the time limit and on any harness error (and on
 * SIGINT/SIGTERM through the process registry). Returns plain data; only its own bugs throw.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { FaultnetClient, FaultnetError } from '../faults/faultnet-client.js';
import type { Backend, NodeExit, NodeHandle } from '../sandbox/backend.js';
import type { JailLease } from '../sandbox/jail.js';
import type { ProcessOutcome } from '../sandbox/process.js';
import { artifactPaths, summarizeTrace, Timeline, writeJson, type ArtifactPaths } from './artifacts.js';
import { roundMs, ScenarioClock } from './clock.js';
import { evaluate, patternsOf, type ExpectResult, type ExpectationRuntime } from './expectations.js';
import { NodeOutput } from './node-output.js';
import { describeAction, type DeliveryPair, type PlannedNode, type PlannedStep, type ScenarioPlan } from './plan.js';
import { leasePort, type PortLease } from './ports.js';
import { waitReady } from './readiness.js';
import { expandTemplate, type TemplateValues } from './templates.js';
import type { ScenarioSpec, Stream } from './types.js';

export interface ScenarioRunInput {
  testId: string;
  spec: ScenarioSpec;
  plan: ScenarioPlan;
  /** Program name → built binary. */
  binaries: ReadonlyMap<string, string>;
  faultnet: string;
  artifactsDir: string;
  /** Scratch folder: each node's working directory, HOME and TMPDIR live below it. */
  scratchDir: string;
  outputBytes: number;
  /** A node printing more than this in total is killed as a flood. */
  floodLimitBytes: number;
  /** Text of rerun.txt. */
  rerun: string;
  /**
   * Where the nodes, the proxy and the checker run. With a jail (src/sandbox/jail.ts) in uid mode
   * every node leases its own run uid for the whole scenario (restarts keep it) and the checker
   * another one, so no process that runs student code can signal, trace or read the processes that
   * observe it (staff clients, the checker).
   */
  backend: Backend;
}

export interface ScenarioRunOutcome {
  verdict: 'passed' | 'failed' | 'error';
  /** One line: why it failed ('' when it passed). */
  reason: string;
  /** The failing expectations / step, with what was seen (last lines of the node involved). */
  details: string[];
  expectations: ExpectResult[];
  durationMs: number;
  timelineTail: string[];
  paths: ArtifactPaths;
}

interface NodeState {
  planned: PlannedNode;
  lease: PortLease;
  output: NodeOutput;
  proc?: NodeHandle;
  incarnation: number;
  pids: number[];
  /** Set when dsgrade kills the current incarnation. */
  killing: boolean;
  /** This node's own run uid (uid mode), leased at its first start, released when the scenario ends. */
  uid?: JailLease;
  lastExit?: { status: NodeExit; byHarness: boolean };
}

/** A failure of the student's system (a wait that timed out, a node that never got ready). */
class StepFailure extends Error {
  constructor(
    message: string,
    readonly nodes: string[] = [],
  ) {
    super(message);
  }
}
/** A failure of dsgrade or of the scenario itself: the verdict is `error`. */
class HarnessFailure extends Error {}

const TAIL_LINES = 12;
/** How often a wait on the proxy's deliveries asks the proxy (a stats round trip). */
const DELIVERY_POLL_MS = 20;
const LATEST_POLL_MS = 20;

export async function runScenario(input: ScenarioRunInput): Promise<ScenarioRunOutcome> {
  const { plan, spec } = input;
  const paths = artifactPaths(input.artifactsDir);
  await fs.mkdir(paths.nodes, { recursive: true });
  const clock = new ScenarioClock();
  const now = (): number => clock.now();
  const deadline = spec.timeoutSec * 1000;
  const remaining = (): number => deadline - now();
  const timeline = new Timeline(now);
  const nodes = new Map<string, NodeState>();
  const linkAddrs = new Map<string, string>();
  const linkLeases: PortLease[] = [];
  let proxy: FaultnetClient | undefined;
  let proxyOffsetMs = 0;
  let verdict: ScenarioRunOutcome['verdict'] = 'passed';
  let reason = '';
  const details: string[] = [];
  const expectations: ExpectResult[] = [];

  // The plan holds what the steps wait for (expected values): in uid mode the folder is root's
  // alone while student code runs (and stays so), and plan.json is written only once every node has
  // stopped, so no backend puts it within student code's reach during the run.
  if (input.backend.jail?.mode === 'uid') await fs.chmod(paths.dir, 0o700);
  await fs.writeFile(paths.seed, `${plan.seed}\n`);
  await fs.writeFile(paths.rerun, `${input.rerun}\n`);

  const writePids = (): Promise<void> =>
    writeJson(paths.pids, { dsgrade: process.pid, faultnet: proxy?.pid ?? null, nodes: Object.fromEntries([...nodes].map(([n, s]) => [n, s.pids])) });

  const templateValues = (self?: PlannedNode): TemplateValues => ({
    ...(self ? { self: { name: self.name, group: self.group, index: self.index } } : {}),
    seed: plan.seed,
    artifacts: paths.dir,
    portOf: (n) => state(n).lease.port,
    linkAddr: (l) => {
      const a = linkAddrs.get(l);
      if (!a) throw new HarnessFailure(`no proxy link ${l}`);
      return a;
    },
  });
  const state = (name: string): NodeState => {
    const s = nodes.get(name);
    if (!s) throw new HarnessFailure(`unknown node ${name}`);
    return s;
  };

  const startNode = async (s: NodeState): Promise<void> => {
    if (s.proc?.running) throw new HarnessFailure(`cannot start ${s.planned.name}: it is already running (kill or restart it instead)`);
    const binary = input.binaries.get(s.planned.spec.program);
    if (!binary) throw new HarnessFailure(`program ${s.planned.spec.program} was not built`);
    const values = templateValues(s.planned);
    const args = s.planned.spec.args.map((a) => expandTemplate(a, values));
    const home = path.join(input.scratchDir, s.planned.name);
    await fs.mkdir(home, { recursive: true });
    const env: Record<string, string> = {
      PATH: '/usr/local/bin:/usr/bin:/bin',
      HOME: home,
      TMPDIR: home,
      DSGRADE_NODE: s.planned.name,
      DSGRADE_SEED: plan.seed,
      ...Object.fromEntries(Object.entries(s.planned.spec.env).map(([k, v]) => [k, expandTemplate(v, values)])),
    };
    if (input.backend.jail && !s.uid) s.uid = await input.backend.jail.lease();
    await s.lease.unbind();
    s.incarnation++;
    s.killing = false;
    s.output.marker(`start #${s.incarnation}: ${[path.basename(binary), ...args].join(' ')}`);
    let proc: NodeHandle;
    try {
      proc = await input.backend.spawnNode({
        file: binary,
        args,
        cwd: home,
        env,
        jail: { ...(s.uid ? { lease: s.uid } : {}), role: 'run', writableDirs: [home] },
        onOutput: (stream, chunk) => {
          s.output.push(stream, chunk);
          if (s.output.total > input.floodLimitBytes && proc?.running && !s.killing) {
            s.killing = true;
            timeline.add(s.planned.name, `killed: printed more than ${input.floodLimitBytes} bytes`);
            void proc.kill();
          }
        },
      });
    } catch (err) {
      throw new HarnessFailure(`could not start ${s.planned.name} (${binary}): ${(err as Error).message}`);
    }
    s.proc = proc;
    s.pids.push(proc.pid);
    await writePids();
    timeline.add(s.planned.name, `started #${s.incarnation} (pid ${proc.pid}, port ${s.lease.port}): ${args.join(' ')}`);
    const incarnation = s.incarnation;
    void proc.exited.then((status) => {
      s.output.endIncarnation();
      const byHarness = s.killing;
      if (s.incarnation === incarnation) s.lastExit = { status, byHarness };
      const how = status.signal ? `killed by ${status.signal}` : `exited with code ${status.code}`;
      s.output.marker(`#${incarnation} ${how}`);
      timeline.add(s.planned.name, `#${incarnation} ${how}${byHarness ? ' (by dsgrade)' : ''}`);
    });
    s.lastExit = undefined;
  };

  const awaitReady = async (s: NodeState, startedAtMs: number): Promise<void> => {
    const r = s.planned.spec.ready;
    if (!r) return;
    const outcome = await waitReady({
      backend: input.backend,
      proc: s.proc!,
      output: s.output,
      ...(r.port ? { port: { port: s.lease.port, proto: s.planned.spec.proto } } : {}),
      ...(r.output ? { line: { key: s.output.watch(r.output), source: r.output, sinceMs: startedAtMs } } : {}),
      withinSec: Math.min(r.withinSec, Math.max(0, remaining()) / 1000),
    });
    if (!outcome.ready) throw new StepFailure(`${s.planned.name} did not become ready: ${outcome.reason}`, [s.planned.name]);
    timeline.add(s.planned.name, `ready after ${outcome.ms} ms`);
  };

  const killNode = async (s: NodeState): Promise<void> => {
    if (!s.proc?.running) return;
    s.killing = true;
    await s.proc.kill();
  };

  /**
   * Polls until the node's latest line matching `latest.match` (since `since`) matches `match` and
   * no other such line has followed for `latest.stableMs`. The value must be reached within
   * `limitMs`; holding it may take `stableMs` more.
   */
  const waitLatest = async (s: NodeState, match: string, latest: { match: string; stableMs: number }, stream: Stream, since: number, limitMs: number): Promise<{ ok: boolean; seen: string }> => {
    const key = s.output.watch(latest.match, stream);
    const want = new RegExp(match);
    const began = now();
    const endMs = began + Math.min(limitMs + latest.stableMs, Math.max(0, remaining()));
    let changes = 0;
    let prev: { text: string; tMs: number } | undefined;
    for (;;) {
      const last = s.output.latest(key, since);
      if (last && (prev === undefined || last.tMs !== prev.tMs || last.text !== prev.text)) {
        if (prev !== undefined) changes++;
        prev = last;
      }
      if (last && want.test(last.text) && now() - last.tMs >= latest.stableMs && last.tMs <= began + limitMs) return { ok: true, seen: '' };
      if (now() >= endMs) break;
      await sleep(Math.min(LATEST_POLL_MS, Math.max(1, endMs - now())));
    }
    const last = s.output.latest(key, since);
    if (!last) return { ok: false, seen: `it printed no line matching /${latest.match}/` };
    const flapping = changes > 0 ? ` (its /${latest.match}/ lines changed ${changes} time(s) while dsgrade waited)` : '';
    return { ok: false, seen: `its latest line matching /${latest.match}/ was "${last.text.slice(0, 200)}" at ${(last.tMs / 1000).toFixed(2)} s${flapping}` };
  };

  const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, Math.max(0, Math.min(ms, remaining()))));

  /** Waits until every pair has a message passed on by the proxy after sinceNs; returns the pairs still without one. */
  const waitDelivered = async (pairs: readonly DeliveryPair[], sinceNs: number, limitMs: number): Promise<DeliveryPair[]> => {
    const end = performance.now() + limitMs;
    for (;;) {
      const links = new Map((await proxy!.stats()).map((l) => [l.name, l]));
      const missing = pairs.filter((p) => !p.paths.some((x) => (links.get(x.link)?.[x.direction].lastSentNs ?? 0) > sinceNs));
      const left = end - performance.now();
      if (missing.length === 0 || left <= 0) return missing;
      await sleep(Math.min(DELIVERY_POLL_MS, left));
    }
  };

  // Where the previous step began, for `since: "previous"`: on dsgrade's clock (node output) and
  // on the proxy's (deliveries). A step that changes the proxy begins, on dsgrade's clock, when the
  // request is sent (no effect of the change can come earlier, and the first ones, e.g. bytes a
  // heal releases, may come before the reply), and on the proxy's at the instant it took effect.
  let prevStepStartMs = 0;
  let prevStepProxyNs = 0;
  const runStep = async (step: PlannedStep, next: PlannedStep | undefined): Promise<void> => {
    if (step.afterMs > 0) await sleep(step.afterMs);
    if (remaining() <= 0) throw new StepFailure(`the scenario did not finish within its ${spec.timeoutSec} s limit (before step ${step.origin})`);
    const a = step.action;
    const changesProxy = a.kind === 'partition' || a.kind === 'heal' || a.kind === 'setFaults';
    const startedMs = now();
    // The next step counts deliveries from here: read the proxy's clock before this step acts.
    let startedProxyNs = next?.action.kind === 'waitDelivered' && next.action.since === 'previous' && !changesProxy ? (await proxy!.info()).nowNs : 0;
    timeline.add('step', `${step.origin}: ${describeAction(step.action)}${step.note ? ` — ${step.note}` : ''}`);
    const states = 'nodes' in a ? a.nodes.map(state) : [];
    switch (a.kind) {
      case 'start':
      case 'restart': {
        // In the order listed, each one ready before the next starts (a server before its clients).
        if (a.kind === 'restart') await Promise.all(states.map(killNode));
        for (const s of states) {
          const spawnedMs = now();
          await startNode(s);
          await awaitReady(s, spawnedMs);
        }
        break;
      }
      case 'kill':
        await Promise.all(states.map(killNode));
        break;
      case 'pause':
        for (const s of states) s.proc?.pause();
        break;
      case 'resume':
        for (const s of states) s.proc?.resume();
        break;
      case 'signal':
        for (const s of states) s.proc?.signal(a.signal);
        break;
      case 'closeStdin':
        for (const s of states) s.proc?.closeStdin();
        break;
      case 'stdin':
        for (const s of states) s.proc?.write(expandTemplate(a.text, templateValues(s.planned)));
        break;
      case 'partition': {
        const r = await proxy!.partition({ ...a.request });
        startedProxyNs = r.atNs;
        timeline.add('proxy', `partition in force: ${r.blocked.length} blocked pair(s), ${r.directions} link direction(s)`);
        break;
      }
      case 'heal': {
        const r = await proxy!.heal();
        startedProxyNs = r.atNs;
        timeline.add('proxy', `healed ${r.directions} link direction(s)`);
        break;
      }
      case 'setFaults':
        for (const l of a.links) startedProxyNs = (await proxy!.setFaults(l, a.faults, a.direction)).atNs;
        break;
      case 'sleep':
        await sleep(a.ms);
        break;
      case 'waitOutput': {
        const since = a.since === 'previous' ? prevStepStartMs : 0;
        const limitMs = Math.min(a.withinSec * 1000, remaining());
        if (a.latest) {
          const results = await Promise.all(states.map((s) => waitLatest(s, a.match, a.latest!, a.stream, since, limitMs)));
          const failed = states.map((s, i) => [s, results[i]!] as const).filter(([, r]) => !r.ok);
          if (failed.length > 0) {
            const status = failed.map(([s, r]) => `${s.planned.name}: ${r.seen}; ${describeState(s)}`).join('; ');
            throw new StepFailure(
              `step ${step.origin}: ${failed.map(([s]) => s.planned.name).join(', ')} did not settle on a line matching /${a.match}/ within ${(limitMs / 1000).toFixed(1)} s (${status})`,
              failed.map(([s]) => s.planned.name),
            );
          }
          break;
        }
        const results = await Promise.all(states.map((s) => s.output.waitFor(s.output.watch(a.match, a.stream), since, limitMs)));
        const missing = states.filter((_, i) => !results[i]).map((s) => s.planned.name);
        if (missing.length > 0) {
          const status = missing.map((n) => `${n}: ${describeState(state(n))}`).join('; ');
          throw new StepFailure(`step ${step.origin}: ${missing.join(', ')} did not print a line matching /${a.match}/ within ${(limitMs / 1000).toFixed(1)} s (${status})`, missing);
        }
        break;
      }
      case 'waitExit': {
        const limitMs = Math.min(a.withinSec * 1000, remaining());
        await Promise.race([Promise.all(states.map((s) => s.proc?.exited)), sleep(limitMs)]);
        const running = states.filter((s) => !s.proc || s.proc.running).map((s) => s.planned.name);
        if (running.length > 0) throw new StepFailure(`step ${step.origin}: ${running.join(', ')} did not exit within ${(limitMs / 1000).toFixed(1)} s`, running);
        break;
      }
      case 'waitDelivered': {
        const limitMs = Math.min(a.withinSec * 1000, remaining());
        const missing = await waitDelivered(a.pairs, a.since === 'previous' ? prevStepProxyNs : 0, limitMs);
        if (missing.length > 0) {
          const involved = [...new Set(missing.flatMap((p) => [p.to, p.from]))];
          const status = involved.map((n) => `${n}: ${describeState(state(n))}`).join('; ');
          const what = missing.map((p) => `from ${p.from} to ${p.to}`).join(', ');
          throw new StepFailure(
            `step ${step.origin}: the proxy passed on no message ${what} within ${(limitMs / 1000).toFixed(1)} s${a.since === 'previous' ? ' after the previous step began' : ''} (${status})`,
            involved,
          );
        }
        break;
      }
    }
    prevStepStartMs = startedMs;
    prevStepProxyNs = startedProxyNs;
  };

  try {
    // Ports first (held until handed over), then the proxy and its links.
    for (const n of plan.nodes) {
      nodes.set(n.name, {
        planned: n,
        lease: await leasePort(n.spec.proto),
        output: new NodeOutput(n.name, { stdout: paths.nodeFile(n.name, 'stdout'), stderr: paths.nodeFile(n.name, 'stderr') }, input.outputBytes, now),
        incarnation: 0,
        pids: [],
        killing: false,
      });
    }
    for (const p of patternsOf(plan)) state(p.node).output.watch(p.source, p.stream);
    timeline.add('dsgrade', `scenario ${input.testId}, seed ${plan.seed}, limit ${spec.timeoutSec} s`);
    try {
      proxy = await FaultnetClient.start({ backend: input.backend, binary: input.faultnet, seed: plan.seed, traceFile: paths.trace, stderrFile: paths.proxyStderr });
    } catch (err) {
      throw new HarnessFailure(`the fault proxy did not start: ${(err as Error).message}`);
    }
    proxyOffsetMs = clock.fromPerformance(proxy.clockOrigin);
    await writePids();
    timeline.add('proxy', `started (pid ${proxy.pid})`);
    for (const l of plan.links) {
      const target = `127.0.0.1:${state(l.to).lease.port}`;
      let info;
      for (let attempt = 1; ; attempt++) {
        const lease = await leasePort(l.proto);
        linkLeases.push(lease);
        await lease.unbind();
        try {
          info = await proxy.addLink({ name: l.name, proto: l.proto, from: l.from, to: l.to, target, listen: `127.0.0.1:${lease.port}` });
          break;
        } catch (err) {
          if (!(err instanceof FaultnetError && err.replyCode === 'LISTEN_FAILED') || attempt >= 3) throw err;
        }
      }
      linkAddrs.set(l.name, info.listen);
      const set = async (dir: 'forward' | 'reverse', f: object | undefined): Promise<void> => {
        if (f && Object.keys(f).length > 0) await proxy!.setFaults(l.name, f, dir);
      };
      await set('forward', l.forward);
      await set('reverse', l.reverse);
      timeline.add('proxy', `link ${l.name} (${l.proto}) ${info.listen} → ${target}${faultText(l.forward, l.reverse)}`);
    }

    let stepsOk = true;
    try {
      for (const [i, step] of plan.steps.entries()) await runStep(step, plan.steps[i + 1]);
    } catch (err) {
      if (!(err instanceof StepFailure)) throw err;
      stepsOk = false;
      verdict = 'failed';
      reason = err.message;
      details.push(`FAILED: ${err.message}`);
      for (const n of err.nodes) details.push(...lastLines(state(n)));
      timeline.add('dsgrade', `FAILED: ${err.message}`);
    }

    const rt: ExpectationRuntime = {
      output: (n) => state(n).output,
      exit: (n) => state(n).lastExit,
      started: (n) => state(n).incarnation > 0,
      waitExit: async (n, ms) => {
        await Promise.race([state(n).proc?.exited, sleep(ms)]);
      },
      now,
      remaining,
    };
    for (const e of plan.expect) {
      const r = await evaluate(e, rt, stepsOk);
      expectations.push(r);
      timeline.add('expect', `${r.ok ? 'ok  ' : 'FAIL'} #${r.index + 1} ${r.check}${r.ok ? '' : ` — ${r.seen}`}`);
    }
    const failed = expectations.filter((r) => !r.ok);
    if (stepsOk && failed.length > 0) {
      verdict = 'failed';
      reason = `expectation ${failed[0]!.index + 1} failed: ${failed[0]!.check} — ${failed[0]!.seen}`;
    }
    if (stepsOk) {
      for (const f of failed) {
        details.push(`FAILED expectation ${f.index + 1}: ${f.check}`, `  seen: ${f.seen}`);
        details.push(...lastLines(state(f.node)));
      }
    }
    if (stepsOk && remaining() <= 0 && verdict === 'passed') {
      verdict = 'failed';
      reason = `the scenario did not finish within its ${spec.timeoutSec} s limit`;
    }
  } catch (err) {
    verdict = 'error';
    reason = err instanceof HarnessFailure || err instanceof FaultnetError ? err.message : `internal error: ${(err as Error).stack ?? String(err)}`;
    details.push(`dsgrade could not run this scenario (a harness error, not your fault): ${reason}`);
    timeline.add('dsgrade', `ERROR: ${reason}`);
  } finally {
    // Always: every node group, then the proxy.
    await Promise.all([...nodes.values()].map((s) => killNode(s).catch(() => undefined)));
    if (proxy) {
      try {
        const stats = await proxy.stats();
        for (const l of stats) {
          for (const dir of ['forward', 'reverse'] as const) {
            const d = l[dir];
            const parts = Object.entries(d)
              .filter(([k, v]) => typeof v === 'number' && v > 0 && k !== 'bytesIn' && k !== 'bytesOut' && k !== 'lastSentNs')
              .map(([k, v]) => `${k}=${v as number}`);
            if (parts.length > 0) timeline.add('proxy', `totals ${l.name} ${dir}: ${parts.join(' ')} bytes=${d.bytesIn}→${d.bytesOut}`);
          }
        }
      } catch {
        // The proxy died; its stderr is in the artifacts.
      }
      await proxy.shutdown();
    }
    for (const s of nodes.values()) s.lease.free();
    for (const l of linkLeases) l.free();
    await Promise.all([...nodes.values()].map((s) => s.output.close()));
    // Every process of each node's uid (setsid daemons too) dies before the checker runs.
    for (const s of nodes.values()) {
      if (!s.uid) continue;
      await input.backend.jail?.release(s.uid);
      s.uid = undefined;
    }
    timeline.add('dsgrade', 'every process stopped');
  }
  await writeJson(paths.plan, { seed: plan.seed, nodes: plan.nodes.map((n) => n.name), links: plan.links, steps: plan.steps });

  if (spec.checker && verdict === 'passed') {
    const c = await runChecker(input, paths, templateValues());
    timeline.add('checker', c.ok ? 'passed' : `FAILED: ${c.reason}`);
    if (!c.ok) {
      verdict = c.error ? 'error' : 'failed';
      reason = `checker: ${c.reason}`;
      details.push(`FAILED: the checker (${spec.checker.program}) ${c.reason}`, '--- checker output ---', c.output.trimEnd() || '(no output)', '---');
    }
  }
  timeline.add('dsgrade', `verdict: ${verdict}${reason ? ` — ${reason}` : ''}`);
  await fs.writeFile(paths.timeline, timeline.render(await summarizeTrace(paths.trace, proxyOffsetMs)));
  const durationMs = Math.round(now());
  await writeJson(paths.result, { testId: input.testId, seed: plan.seed, verdict, reason, expectations, durationMs });
  // What the run report (src/report/run-report.ts) needs beyond the other artifacts: times to align the proxy trace and the logs.
  await writeJson(path.join(paths.dir, 'report-data.json'), {
    proxyOffsetMs: roundMs(proxyOffsetMs),
    durationMs,
    events: timeline.events.map((e) => ({ ...e, tMs: roundMs(e.tMs) })),
    nodeLines: Object.fromEntries(
      [...nodes].map(([n, s]) => {
        const t = s.output.timedLines();
        return [n, { ...t, lines: t.lines.map((l) => ({ ...l, tMs: roundMs(l.tMs) })) }];
      }),
    ),
  });
  return { verdict, reason, details, expectations, durationMs, timelineTail: timeline.tail(30), paths };

  function lastLines(s: NodeState): string[] {
    const lines = s.output.tail(TAIL_LINES);
    if (lines.length === 0) return [`  (${s.planned.name} printed nothing)`];
    return [`  last lines of ${s.planned.name}'s output:`, ...lines.map((l) => `    ${(l.tMs / 1000).toFixed(2).padStart(7)}s ${l.stream === 'stderr' ? 'err' : 'out'} | ${l.text.slice(0, 300)}`)];
  }
}

function describeState(s: NodeState): string {
  if (s.incarnation === 0) return 'never started';
  if (s.proc?.isPaused) return 'paused';
  if (s.proc?.running) return 'running';
  const x = s.lastExit;
  return x ? (x.status.signal ? `killed by ${x.status.signal}` : `exited with code ${x.status.code}`) : 'stopped';
}

function faultText(f: object | undefined, r: object | undefined): string {
  const parts = [];
  if (f && Object.keys(f).length > 0) parts.push(`forward ${JSON.stringify(f)}`);
  if (r && Object.keys(r).length > 0) parts.push(`reverse ${JSON.stringify(r)}`);
  return parts.length > 0 ? `, faults: ${parts.join(', ')}` : '';
}

async function runChecker(input: ScenarioRunInput, paths: ArtifactPaths, values: TemplateValues): Promise<{ ok: boolean; error: boolean; reason: string; output: string }> {
  const c = input.spec.checker!;
  const binary = input.binaries.get(c.program);
  if (!binary) return { ok: false, error: true, reason: `program ${c.program} was not built`, output: '' };
  const home = path.join(input.scratchDir, 'checker');
  await fs.mkdir(home, { recursive: true });
  const run = (lease: JailLease | undefined): Promise<ProcessOutcome> =>
    input.backend.runProcess({
      file: binary,
      args: c.args.map((a) => expandTemplate(a, values)),
      cwd: paths.dir,
      env: { PATH: '/usr/local/bin:/usr/bin:/bin', HOME: home, TMPDIR: home, DSGRADE_ARTIFACTS: paths.dir, DSGRADE_SEED: values.seed },
      timeoutMs: c.timeoutSec * 1000,
      outputBudgetBytes: 32 * 1024,
      floodLimitBytes: 8 * 1024 * 1024,
      jail: { ...(lease ? { lease } : {}), role: 'run', writableDirs: [home] },
    });
  const jail = input.backend.jail;
  // The checker's own fresh uid may read the artifacts (root's, 0700) while it runs, and only then.
  const outcome = jail
    ? await jail.withLease(async (lease) => {
        if (!lease) return run(undefined);
        await fs.chown(paths.dir, 0, lease.gid);
        await fs.chmod(paths.dir, 0o750);
        try {
          return await run(lease);
        } finally {
          await fs.chmod(paths.dir, 0o700);
          await fs.chown(paths.dir, 0, 0);
        }
      })
    : await run(undefined);
  await fs.writeFile(path.join(paths.dir, 'checker.log'), outcome.output);
  if (outcome.spawnError) return { ok: false, error: true, reason: `could not start: ${outcome.spawnError}`, output: '' };
  if (outcome.timedOut) return { ok: false, error: false, reason: `took longer than ${c.timeoutSec} s`, output: outcome.output };
  if (outcome.exitCode !== 0) {
    const first = outcome.output.trim().split('\n').find(Boolean) ?? '';
    return { ok: false, error: false, reason: `exited with code ${outcome.exitCode ?? outcome.signal}${first ? `: ${first}` : ''}`, output: outcome.output };
  }
  return { ok: true, error: false, reason: '', output: outcome.output };
}
