/**
 * Raw (schema-valid) `scenario` suite → ScenarioSuite with every default filled in. Called by
 * manifest/defaults.ts; the defaults are documented in docs/scenarios.md.
 */
import type { Visibility } from '../model.js';
import type { CheckerSpec, ExpectSpec, Faults, LinkSpec, NodeSpec, Proto, ScenarioSuite, StepSpec } from './types.js';

export const SCENARIO_DEFAULTS = {
  timeoutSec: 60,
  readyWithinSec: 10,
  checkerTimeoutSec: 30,
  outputBytes: 1024 * 1024,
} as const;

export interface RawScenarioSuite {
  kind: 'scenario';
  id: string;
  name?: string;
  programs: Record<string, { package: string; race?: boolean }>;
  timeoutSec?: number;
  visibility?: Visibility;
  tags?: string[];
  outputBytes?: number;
  scenarios: {
    name: string;
    displayName?: string;
    points: number;
    number?: string;
    visibility?: Visibility;
    tags?: string[];
    description?: string;
    timeoutSec?: number;
    exclusive?: boolean;
    nodes: { name: string; program: string; args?: string[]; env?: Record<string, string>; count?: number; proto?: Proto; ready?: { port?: boolean; output?: string; withinSec?: number } }[];
    links?: { from: string; to: string; proto?: Proto; faults?: Faults; forward?: Faults; reverse?: Faults }[];
    steps: StepSpec[];
    expect?: ExpectSpec[];
    checker?: { program: string; args?: string[]; timeoutSec?: number };
  }[];
}

export function scenarioSuiteDefaults(s: RawScenarioSuite, fallbackVisibility: Visibility): ScenarioSuite {
  return {
    kind: 'scenario',
    id: s.id,
    name: s.name ?? s.id,
    programs: Object.fromEntries(
      Object.entries(s.programs).map(([name, p]) => [name, { package: p.package.replace(/^\.\//, '').replace(/^\/+|\/+$/g, ''), race: p.race ?? false }]),
    ),
    outputBytes: s.outputBytes ?? SCENARIO_DEFAULTS.outputBytes,
    scenarios: s.scenarios.map((sc) => ({
      name: sc.name,
      displayName: sc.displayName ?? sc.name,
      points: sc.points,
      number: sc.number,
      visibility: sc.visibility ?? s.visibility ?? fallbackVisibility,
      tags: [...(s.tags ?? []), ...(sc.tags ?? [])],
      description: sc.description,
      timeoutSec: sc.timeoutSec ?? s.timeoutSec ?? SCENARIO_DEFAULTS.timeoutSec,
      exclusive: sc.exclusive ?? false,
      nodes: sc.nodes.map(
        (n): NodeSpec => ({
          name: n.name,
          program: n.program,
          args: n.args ?? [],
          env: n.env ?? {},
          count: n.count ?? 1,
          proto: n.proto ?? 'tcp',
          ...(n.ready ? { ready: { port: n.ready.port, output: n.ready.output, withinSec: n.ready.withinSec ?? SCENARIO_DEFAULTS.readyWithinSec } } : {}),
        }),
      ),
      links: (sc.links ?? []).map((l): LinkSpec => ({ ...l, proto: l.proto ?? 'tcp' })),
      steps: sc.steps,
      expect: sc.expect ?? [],
      ...(sc.checker
        ? { checker: { program: sc.checker.program, args: sc.checker.args ?? [], timeoutSec: sc.checker.timeoutSec ?? SCENARIO_DEFAULTS.checkerTimeoutSec } satisfies CheckerSpec }
        : {}),
    })),
  };
}
