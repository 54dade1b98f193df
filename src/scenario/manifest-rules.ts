/**
 * Semantic rules for `scenario` suites, run by manifest/rules.ts after the schema: programs that
 * exist, node/link/program names that resolve, placeholders that make sense, regular expressions
 * that compile. Every problem is an issue with the JSON pointer of what the TA wrote and a fix.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { isDirectory } from '../util/fs.js';
import { deliveryPairs, expandLinkName, expandLinks, expandNodes, membersOf } from './plan.js';
import { linkEnds, parseTemplate } from './templates.js';
import type { ScenarioSpec, ScenarioSuite, StepSpec, Target } from './types.js';

export interface ScenarioRuleContext {
  /** JSON pointer of the suite, e.g. "/suites/2". */
  at: string;
  moduleDir: string;
  staffDir?: string;
  add(pointer: string, message: string, fix: string): void;
  testIds: Set<string>;
}

export async function checkScenarioSuite(suite: ScenarioSuite, ctx: ScenarioRuleContext): Promise<void> {
  const { at, add } = ctx;
  for (const [name, prog] of Object.entries(suite.programs)) {
    const dirs = [path.join(ctx.moduleDir, prog.package), ...(ctx.staffDir ? [path.join(ctx.staffDir, prog.package)] : [])];
    let isMain = false;
    let found = false;
    for (const dir of dirs) {
      if (!(await isDirectory(dir))) continue;
      found = true;
      for (const f of await fs.readdir(dir)) {
        if (!f.endsWith('.go') || f.endsWith('_test.go')) continue;
        if (/^\s*package\s+main\b/m.test(await fs.readFile(path.join(dir, f), 'utf8'))) isMain = true;
      }
    }
    const ptr = `${at}/programs/${name}/package`;
    if (!found) add(ptr, `program "${name}": package folder ${prog.package} exists in neither the starter nor the staff folder`, 'put the driver in the staff overlay (e.g. staff/kvdriver/main.go) and name its folder relative to the module root');
    else if (!isMain) add(ptr, `program "${name}": ${prog.package} has no "package main" file`, 'a scenario program must be a command: give it package main and func main()');
  }
  const names = new Set<string>();
  for (const [i, sc] of suite.scenarios.entries()) {
    const sp = `${at}/scenarios/${i}`;
    if (names.has(sc.name)) add(`${sp}/name`, `scenario name "${sc.name}" is used twice in suite ${suite.id}`, 'give every scenario its own name (it is the test id <suite>/<name>)');
    names.add(sc.name);
    const id = `${suite.id}/${sc.name}`;
    if (ctx.testIds.has(id)) add(`${sp}/name`, `test id ${id} is already taken`, 'rename the scenario');
    ctx.testIds.add(id);
    checkScenario(sc, sp, suite, add);
  }
}

function checkScenario(sc: ScenarioSpec, sp: string, suite: ScenarioSuite, add: ScenarioRuleContext['add']): void {
  const planned = expandNodes(sc.nodes);
  const known = [...new Set([...sc.nodes.map((n) => n.name), ...planned.map((n) => n.name)])];
  const knownList = (): string => known.slice(0, 12).join(', ');
  const seen = new Map<string, string>();
  sc.nodes.forEach((n, j) => {
    const np = `${sp}/nodes/${j}`;
    if (!(n.program in suite.programs)) {
      add(`${np}/program`, `node "${n.name}" runs unknown program "${n.program}"`, `use one of the suite's programs: ${Object.keys(suite.programs).join(', ')}`);
    }
    const own = n.count > 1 ? [n.name, ...planned.filter((p) => p.group === n.name).map((p) => p.name)] : [n.name];
    for (const name of own) {
      if (seen.has(name)) add(`${np}/name`, `node name "${name}" is used twice (also ${seen.get(name)})`, 'rename one of them; a group "c" with count 3 defines c1, c2, c3');
      seen.set(name, `node ${j}`);
    }
    if (n.ready && n.ready.port === undefined && n.ready.output === undefined) {
      add(`${np}/ready`, `node "${n.name}": "ready" names neither "port" nor "output"`, 'add "port": true (its port is open) or "output": "<regex>" (it printed a matching line)');
    }
    if (n.ready?.output !== undefined) regex(n.ready.output, `${np}/ready/output`, add);
  });

  const isNode = (name: string): boolean => membersOf(sc.nodes, name) !== undefined;
  const nodeRef = (name: string, ptr: string): void => {
    if (!isNode(name)) add(ptr, `unknown node "${name}"`, `use a node or group name of this scenario: ${knownList()}`);
  };
  const links = expandLinks(sc);
  const linkNames = new Set(links.map((l) => l.name));
  const seenLinks = new Map<string, number>();
  sc.links.forEach((l, j) => {
    const lp = `${sp}/links/${j}`;
    nodeRef(l.from, `${lp}/from`);
    nodeRef(l.to, `${lp}/to`);
    if (l.from === l.to && (membersOf(sc.nodes, l.from)?.length ?? 0) <= 1) add(lp, `link ${l.from}->${l.to} goes from a node to itself`, 'a link connects two different nodes');
    for (const name of expandLinkName(sc, `${l.from}->${l.to}`) ?? []) {
      if (seenLinks.has(name)) add(lp, `link ${name} is declared twice (also links/${seenLinks.get(name)})`, 'declare each directed pair once');
      seenLinks.set(name, j);
    }
  });

  /** Placeholders of a text; `self` is the node (or group) whose text it is. */
  const templates = (text: string, ptr: string, self: string | undefined): void => {
    const parsed = parseTemplate(text);
    for (const e of parsed.errors) add(ptr, e, 'see "Templates" in docs/scenarios.md');
    const selves = self === undefined ? [undefined] : (membersOf(sc.nodes, self) ?? [self]);
    for (const ph of parsed.placeholders) {
      if ((ph.kind === 'self' || ph.kind === 'node' || ph.kind === 'index' || ph.kind === 'group') && self === undefined) {
        add(ptr, `placeholder ${ph.text} has no node here`, 'use it in a node\'s args, env or stdin text');
      }
      if (ph.kind !== 'port' && ph.kind !== 'addr') continue;
      const arg = ph.arg!;
      const ends = linkEnds(arg);
      const check = (name: string): boolean => {
        if (name === 'self') {
          if (self === undefined) {
            add(ptr, `${ph.text}: "self" has no node here`, 'name the node explicitly');
            return false;
          }
          return true;
        }
        if (!isNode(name)) {
          add(ptr, `${ph.text}: unknown node "${name}"`, `use a node of this scenario (${knownList()}) or self`);
          return false;
        }
        return true;
      };
      if (!ends) {
        if (check(arg) && arg !== 'self' && (membersOf(sc.nodes, arg)?.length ?? 0) > 1) {
          add(ptr, `${ph.text}: "${arg}" is a group of several nodes`, `name one member (e.g. ${arg}1)`);
        }
        continue;
      }
      if (!check(ends.from) || !check(ends.to)) continue;
      for (const me of selves) {
        const sub = (x: string): string => (x === 'self' ? (me ?? x) : x);
        const name = `${sub(ends.from)}->${sub(ends.to)}`;
        if (!linkNames.has(name)) {
          add(ptr, `${ph.text}${me ? ` (for node ${me})` : ''}: no link ${name} is declared`, `add {"from": "${sub(ends.from)}", "to": "${sub(ends.to)}"} to "links" so the proxy serves that path`);
          break;
        }
      }
    }
  };
  sc.nodes.forEach((n, j) => {
    n.args.forEach((a, k) => templates(a, `${sp}/nodes/${j}/args/${k}`, n.name));
    for (const [k, v] of Object.entries(n.env)) templates(v, `${sp}/nodes/${j}/env/${k}`, n.name);
  });

  const target = (t: Target, ptr: string): void => {
    if (typeof t === 'string') nodeRef(t, ptr);
    else if (Array.isArray(t)) t.forEach((x, k) => nodeRef(x, `${ptr}/${k}`));
    else t.random.forEach((x, k) => nodeRef(x, `${ptr}/random/${k}`));
  };
  const steps = (list: readonly StepSpec[], base: string): void => {
    list.forEach((s, j) => {
      const p = `${base}/${j}`;
      for (const key of ['start', 'kill', 'restart', 'pause', 'resume', 'closeStdin'] as const) {
        const t = s[key];
        if (t !== undefined) target(t, `${p}/${key}`);
      }
      if (s.signal) target(s.signal.node, `${p}/signal/node`);
      if (s.stdin) {
        target(s.stdin.node, `${p}/stdin/node`);
        templates(s.stdin.text, `${p}/stdin/text`, typeof s.stdin.node === 'string' ? s.stdin.node : undefined);
      }
      if (s.setFaults) {
        const expanded = expandLinkName(sc, s.setFaults.link);
        if (!expanded) add(`${p}/setFaults/link`, `"${s.setFaults.link}" is not a link name`, `write "from->to" with declared nodes, e.g. ${links[0]?.name ?? 'c1->server'}`);
        else {
          const missing = expanded.filter((l) => !linkNames.has(l));
          if (missing.length > 0 || expanded.length === 0) {
            add(`${p}/setFaults/link`, `no link ${missing[0] ?? s.setFaults.link} is declared`, `declared links: ${[...linkNames].slice(0, 8).join(', ') || '(none)'}`);
          }
        }
      }
      if (s.wait?.output) {
        nodeRef(s.wait.output.node, `${p}/wait/output/node`);
        regex(s.wait.output.match, `${p}/wait/output/match`, add);
        if (s.wait.output.latest !== undefined) regex(s.wait.output.latest, `${p}/wait/output/latest`, add);
        else if (s.wait.output.stableMs !== undefined) add(`${p}/wait/output/stableMs`, '"stableMs" means nothing without "latest"', 'add "latest": "<pattern of the lines that report the value>", or remove stableMs');
      }
      if (s.wait?.exit !== undefined) target(s.wait.exit, `${p}/wait/exit`);
      if (s.wait?.delivered) {
        const d = s.wait.delivered;
        if (d.count !== undefined && d.count > 1 && d.since === 'previous') {
          add(`${p}/wait/delivered/count`, '"count" counts from the scenario\'s start, so it cannot be combined with "since": "previous"', 'remove "since" (a count is of all the messages since the start), or remove "count" to wait for one message after the previous step');
        }
        nodeRef(d.from, `${p}/wait/delivered/from`);
        nodeRef(d.to, `${p}/wait/delivered/to`);
        const senders = membersOf(sc.nodes, d.from);
        const receivers = membersOf(sc.nodes, d.to);
        if (senders?.length === 1 && receivers?.length === 1 && senders[0] === receivers[0]) {
          add(`${p}/wait/delivered`, `"from" and "to" both name ${d.from}`, 'name the sending node in "from" and the receiving node in "to"; a node\'s messages to itself never pass the proxy');
        } else if (senders && receivers && deliveryPairs(links, senders, receivers).length === 0) {
          add(
            `${p}/wait/delivered`,
            `no declared link carries messages from ${d.from} to ${d.to}`,
            `the proxy only sees traffic on declared links: add {"from": "${d.from}", "to": "${d.to}"} (or the reverse, whose replies go ${d.from} → ${d.to}) to "links"`,
          );
        }
      }
      if (s.partition) {
        const pa = s.partition;
        pa.nodes?.forEach((x, k) => nodeRef(x, `${p}/partition/nodes/${k}`));
        pa.groups?.forEach((g, k) => g.forEach((x, l) => nodeRef(x, `${p}/partition/groups/${k}/${l}`)));
        if (typeof pa.node === 'string') nodeRef(pa.node, `${p}/partition/node`);
        else pa.node?.random.forEach((x, k) => nodeRef(x, `${p}/partition/node/random/${k}`));
        if (pa.shape === 'isolate' && pa.node === undefined) add(`${p}/partition`, 'an isolate partition needs "node"', 'name the node to cut off, e.g. "node": "server"');
        if (pa.shape === 'groups' && !pa.groups) add(`${p}/partition`, 'a groups partition needs "groups"', 'list the sides, e.g. "groups": [["c1"], ["server", "c2"]]');
      }
      for (const key of ['afterMs', 'sleepMs'] as const) {
        const d = s[key];
        if (d !== undefined && typeof d === 'object' && d.min > d.max) add(`${p}/${key}`, `min ${d.min} is above max ${d.max}`, 'swap them');
      }
      if (s.repeat) steps(s.repeat.steps, `${p}/repeat/steps`);
    });
  };
  steps(sc.steps, `${sp}/steps`);

  sc.expect.forEach((e, j) => {
    const ep = `${sp}/expect/${j}`;
    nodeRef(e.node, `${ep}/node`);
    for (const key of ['output', 'never'] as const) if (e[key] !== undefined) regex(e[key], `${ep}/${key}`, add);
    for (const key of ['count', 'value'] as const) {
      const c = e[key];
      if (!c) continue;
      const re = regex(c.match, `${ep}/${key}/match`, add);
      if (c.min !== undefined && c.max !== undefined && c.min > c.max) add(`${ep}/${key}`, `min ${c.min} is above max ${c.max}`, 'swap them');
      if (key === 'value' && re && new RegExp(`${re.source}|`).exec('')!.length < 2) {
        add(`${ep}/value/match`, `/${c.match}/ has no capture group for the number`, 'wrap the number in parentheses, e.g. "dropped=(\\\\d+)"');
      }
    }
    if (e.withinSec !== undefined && e.never !== undefined) add(`${ep}/withinSec`, '"withinSec" means nothing for "never"', 'remove it: "never" holds for the whole scenario');
  });
  if (sc.checker) {
    if (!(sc.checker.program in suite.programs)) add(`${sp}/checker/program`, `unknown checker program "${sc.checker.program}"`, `add it to the suite's programs (known: ${Object.keys(suite.programs).join(', ')})`);
    sc.checker.args.forEach((a, k) => templates(a, `${sp}/checker/args/${k}`, undefined));
  }
}

function regex(source: string, ptr: string, add: ScenarioRuleContext['add']): RegExp | undefined {
  try {
    return new RegExp(source);
  } catch (err) {
    add(ptr, `invalid regular expression: ${(err as Error).message}`, 'fix the pattern (JavaScript syntax; backslashes are doubled in JSON)');
    return undefined;
  }
}
