/**
 * Runs one planned scenario: the nodes' ports (nodes.ts), the fault proxy and its links
 * (proxy-links.ts), the steps in order (steps.ts), the expectations, then — once every process
 * has stopped — the checker (checker.ts), and the artifacts with the run's record
 * (run-record.ts). Every process is killed at the end, on the time limit and on any harness error
 * (and on SIGINT/SIGTERM through the process registry). Returns plain data; only its own bugs throw.
 */
import { promises as fs } from 'node:fs';
import { addUsage, type ResourceUsage } from '../core/resource-usage.js';
import { FaultnetError } from '../faults/faultnet-client.js';
import type { Backend } from '../sandbox/backend.js';
import { artifactPaths, Timeline, writeJson, type ArtifactPaths } from './artifacts.js';
import { CHECKER_WRONG_ANSWER, runChecker } from './checker.js';
import { roundMs, ScenarioClock } from './clock.js';
import { evaluate, patternsOf, type ExpectationRuntime } from './expectations.js';
import { HarnessFailure } from './failures.js';
import { ScenarioNodes } from './nodes.js';
import type { PlannedNode, ScenarioPlan } from './plan.js';
import { ProxyLinks } from './proxy-links.js';
import { readProxyTrace } from './proxy-trace.js';
import type { ExpectResult, RunRecord, ScenarioVerdict, StepRun } from './run-record.js';
import { runSteps } from './steps.js';
import type { TemplateValues } from './templates.js';
import type { ScenarioSpec } from './types.js';

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
  verdict: ScenarioVerdict;
  /** One line: why it failed ('' when it passed). */
  reason: string;
  /** The failing expectations / step, with what was seen (last lines of the node involved). */
  details: string[];
  expectations: ExpectResult[];
  durationMs: number;
  timelineTail: string[];
  paths: ArtifactPaths;
  /** What the run report renders; also written as run-record.json. */
  record: RunRecord;
  /** What the nodes' and the checker's processes used, summed, when the backend measured them. */
  usage?: ResourceUsage;
  /**
   * The run without the staff checker, which judges the artifacts after every process stopped:
   * how long the steps took and what the nodes used. Overload voiding judges this — the checker's
   * CPU (P1's recomputes the minimum hash) is not the submission's.
   */
  nodesOnly: { durationMs: number; usage?: ResourceUsage };
  /** The failure's evidence no overload can produce (the checker found a wrong answer), in words. */
  loadIndependent?: string;
}

export async function runScenario(input: ScenarioRunInput): Promise<ScenarioRunOutcome> {
  const { plan, spec } = input;
  const paths = artifactPaths(input.artifactsDir);
  await fs.mkdir(paths.nodes, { recursive: true });
  const clock = new ScenarioClock(spec.timeoutSec * 1000);
  const timeline = new Timeline(() => clock.now());
  let proxy: ProxyLinks | undefined;
  let verdict: ScenarioVerdict = 'passed';
  let reason = '';
  const details: string[] = [];
  const expectations: ExpectResult[] = [];
  const stepsRun: StepRun[] = [];

  // The plan holds what the steps wait for (expected values): in uid mode the folder is root's
  // alone while student code runs (and stays so), and plan.json and run-record.json are written
  // only once every node has stopped, so no backend puts them within student code's reach.
  if (input.backend.jail?.mode === 'uid') await fs.chmod(paths.dir, 0o700);
  await fs.writeFile(paths.seed, `${plan.seed}\n`);
  await fs.writeFile(paths.rerun, `${input.rerun}\n`);

  const values = (self?: PlannedNode): TemplateValues => ({
    ...(self ? { self: { name: self.name, group: self.group, index: self.index } } : {}),
    seed: plan.seed,
    artifacts: paths.dir,
    portOf: (n) => nodes.port(n),
    linkAddr: (l) => {
      if (!proxy) throw new HarnessFailure(`no proxy link ${l}`);
      return proxy.addr(l);
    },
  });
  const writePids = (): Promise<void> => writeJson(paths.pids, { dsgrade: process.pid, faultnet: proxy?.pid ?? null, nodes: nodes.pids() });
  const nodes = new ScenarioNodes({ ...input, paths, clock, timeline, values, onStarted: writePids });

  try {
    // Ports first (held until handed over), then the proxy and its links.
    await nodes.open();
    for (const p of patternsOf(plan)) nodes.output(p.node).watch(p.source, p.stream);
    timeline.add('dsgrade', `scenario ${input.testId}, seed ${plan.seed}, limit ${spec.timeoutSec} s`);
    proxy = await ProxyLinks.start({ backend: input.backend, faultnet: input.faultnet, seed: plan.seed, paths, clock, timeline });
    await writePids();
    timeline.add('proxy', `started (pid ${proxy.pid})`);
    await proxy.addLinks(plan.links, (n) => nodes.port(n));

    const failure = await runSteps(plan.steps, { nodes, proxy, clock, timeline }, spec.timeoutSec, stepsRun);
    const stepsOk = failure === undefined;
    if (failure) {
      verdict = 'failed';
      reason = failure.message;
      details.push(`FAILED: ${failure.message}`);
      for (const n of failure.nodes) details.push(...nodes.lastLines(n));
      timeline.add('dsgrade', `FAILED: ${failure.message}`);
    }

    const rt: ExpectationRuntime = {
      output: (n) => nodes.output(n),
      exit: (n) => nodes.lastExit(n),
      started: (n) => nodes.started(n),
      waitExit: async (n, ms) => {
        await Promise.race([nodes.exited(n), clock.sleep(ms)]);
      },
      now: () => clock.now(),
      remaining: () => clock.remaining(),
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
      for (const f of failed) details.push(`FAILED expectation ${f.index + 1}: ${f.check}`, `  seen: ${f.seen}`, ...nodes.lastLines(f.node));
    }
    if (stepsOk && clock.remaining() <= 0 && verdict === 'passed') {
      verdict = 'failed';
      reason = `the scenario did not finish within its ${spec.timeoutSec} s limit`;
    }
  } catch (err) {
    verdict = 'error';
    reason = err instanceof HarnessFailure || err instanceof FaultnetError ? err.message : `internal error: ${(err as Error).stack ?? String(err)}`;
    details.push(`dsgrade could not run this scenario (a harness error, not your fault): ${reason}`);
    timeline.add('dsgrade', `ERROR: ${reason}`);
  } finally {
    // Always: every node group, then the proxy; then every process of each node's uid (setsid
    // daemons too) dies before the checker runs.
    await nodes.stopAll();
    await proxy?.stop();
    await nodes.close();
    timeline.add('dsgrade', 'every process stopped');
  }
  await writeJson(paths.plan, { seed: plan.seed, nodes: plan.nodes.map((n) => n.name), links: plan.links, steps: plan.steps });

  let usage = nodes.usage();
  let loadIndependent: string | undefined;
  const nodesOnly = { durationMs: Math.round(clock.now()), ...(usage ? { usage } : {}) };
  if (spec.checker && verdict === 'passed') {
    const c = await runChecker({ checker: spec.checker, binaries: input.binaries, paths, scratchDir: input.scratchDir, values: values(), backend: input.backend });
    timeline.add('checker', c.ok ? 'passed' : `FAILED: ${c.reason}`);
    usage = addUsage(usage, c.usage);
    if (!c.ok) {
      verdict = c.error ? 'error' : 'failed';
      reason = `checker: ${c.reason}`;
      details.push(`FAILED: the checker (${spec.checker.program}) ${c.reason}`);
      if (c.wrongAnswer) {
        loadIndependent = 'a wrong answer, which the checker found in the output';
        details.push(`The checker exited ${CHECKER_WRONG_ANSWER}: the output holds a wrong answer, not a missing or late one, so this failure counts even on a loaded machine.`);
      }
      details.push('--- checker output ---', c.output.trimEnd() || '(no output)', '---');
    }
  }
  timeline.add('dsgrade', `verdict: ${verdict}${reason ? ` — ${reason}` : ''}`);
  const proxyOffsetMs = roundMs(proxy?.offsetMs ?? 0);
  const { trace, summary } = await readProxyTrace(paths.trace, proxyOffsetMs);
  await fs.writeFile(paths.timeline, timeline.render(summary));
  const durationMs = Math.round(clock.now());
  await writeJson(paths.result, { testId: input.testId, seed: plan.seed, verdict, reason, expectations, durationMs });
  const record: RunRecord = {
    testId: input.testId,
    seed: plan.seed,
    rerun: input.rerun,
    verdict,
    reason,
    durationMs,
    expectations,
    schedule: { links: plan.links, steps: plan.steps },
    stepsRun: stepsRun.map((s) => ({ ...s, tMs: roundMs(s.tMs) })),
    nodes: nodes.records(),
    events: timeline.events.map((e) => ({ ...e, tMs: roundMs(e.tMs) })),
    proxyOffsetMs,
    trace,
  };
  // One line: it holds every message of the trace.
  await fs.writeFile(paths.record, `${JSON.stringify(record)}\n`);
  return { verdict, reason, details, expectations, durationMs, timelineTail: timeline.tail(30), paths, record, ...(usage ? { usage } : {}), nodesOnly, ...(loadIndependent ? { loadIndependent } : {}) };
}
