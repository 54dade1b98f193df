/**
 * The HTML reports in a real browser: Debian's headless Chromium loads the run report of a failed
 * scenario (a real run of the echo fixture, and a hand-written trace with every kind of message),
 * the run report of a failed P2 Raft test (the double-vote mutant graded on its catcher: two
 * leaders in one term) and the class summary; the rendered DOM must show one arrow per message of
 * the trace (counted here independently from proxy-trace.jsonl / rpc-trace.jsonl), the same
 * per-kind counts, a lane per peer and the two leaders, and a screenshot of each page is saved in
 * this test's temp folder (the path is printed).
 *
 * Skipped with a message when Chromium is not installed, except under CI=true where it must be
 * (.ci/run installs it).
 */
import { existsSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderSummaryHtml } from '../../src/batch/summary-html.js';
import { summarize } from '../../src/batch/summary.js';
import { loadManifest } from '../../src/manifest/load.js';
import { gradeSubmission } from '../../src/pipeline/grade.js';
import { withMutantSubmission } from '../../src/regress/mutant-submission.js';
import { renderRunReport } from '../../src/report/run-report.js';
import type { RunRecord } from '../../src/scenario/run-record.js';

const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));
const REQUIRED = process.env.CI === 'true';
if (!CHROMIUM && !REQUIRED) console.warn('browser tests skipped: no Chromium at /usr/bin/chromium (apt-get install -y chromium), and CI is not "true"');

const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--hide-scrollbars'];
let tmp: string;

async function chromium(args: string[]): Promise<string> {
  const profile = await fs.mkdtemp(path.join(tmp, 'profile-'));
  const r = await execa(CHROMIUM!, [...FLAGS, `--user-data-dir=${profile}`, ...args], { timeout: 90_000, reject: false, env: { ...process.env, HOME: profile } });
  if (r.exitCode !== 0) throw new Error(`chromium exited ${r.exitCode}: ${r.stderr.slice(-2000)}`);
  return r.stdout;
}

/** The page as the browser built it (after parsing, with the SVG in the DOM). */
const dumpDom = (file: string) => chromium(['--virtual-time-budget=2000', '--dump-dom', pathToFileURL(file).href]);

async function screenshot(file: string, name: string, size = '1300,1800'): Promise<string> {
  const png = path.join(tmp, name);
  await chromium([`--window-size=${size}`, `--screenshot=${png}`, pathToFileURL(file).href]);
  const bytes = await fs.readFile(png);
  expect(bytes.subarray(1, 4).toString('latin1')).toBe('PNG');
  expect(bytes.length).toBeGreaterThan(20_000);
  console.info(`screenshot: ${png}`);
  return png;
}

/** Messages and their kinds straight from the trace, without dsgrade's code. */
async function traceCounts(traceFile: string): Promise<{ total: number; keys: Set<string> }> {
  const keys = new Set<string>();
  for (const line of (await fs.readFile(traceFile, 'utf8')).split('\n')) {
    let r: { link?: string; dir?: string; seq?: number; action?: string };
    try {
      r = JSON.parse(line) as typeof r;
    } catch {
      continue;
    }
    if (!r.link || !r.action || ['accept', 'close', 'reset', 'refused'].includes(r.action)) continue;
    keys.add(`${r.link}|${r.dir}|${r.seq}`);
  }
  return { total: keys.size, keys };
}

function domMessages(dom: string): { total: number; keys: Set<string>; byKind: Record<string, number>; legend: Record<string, number> } {
  const keys = new Set<string>();
  const byKind: Record<string, number> = {};
  let total = 0;
  for (const m of dom.matchAll(/<g class="msg k-(\w+)" data-kind="\w+" data-link="([^"]+)" data-dir="(\w+)" data-seq="(-?\d+)">/g)) {
    total++;
    byKind[m[1]!] = (byKind[m[1]!] ?? 0) + 1;
    keys.add(`${m[2]!.replace(/&gt;/g, '>')}|${m[3]}|${m[4]}`);
  }
  const legend: Record<string, number> = {};
  for (const m of dom.matchAll(/<b class="count" data-kind="(\w+)">(\d+)<\/b>/g)) legend[m[1]!] = Number(m[2]);
  return { total, keys, byKind, legend };
}

describe.skipIf(!CHROMIUM && !REQUIRED)('HTML reports in headless Chromium', () => {
  beforeAll(async () => {
    if (!CHROMIUM) throw new Error('CI=true but Chromium is not installed: run `apt-get install -y chromium` (.ci/run does)');
    tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'dsgrade-browser-'));
    console.info(`browser test folder: ${tmp}`);
  });
  afterAll(async () => {
    // Screenshots are kept for people to look at; the rest goes.
    if (tmp) for (const e of await fs.readdir(tmp)) if (!e.endsWith('.png')) await fs.rm(path.join(tmp, e), { recursive: true, force: true });
  });

  it('shows every message of a hand-written trace, with every kind of message and the legend counts', async () => {
    const dir = path.join(tmp, 'udp');
    await fs.cp(path.resolve('test/fixtures/run-report/udp'), dir, { recursive: true });
    const record = JSON.parse(await fs.readFile(path.join(dir, 'run-record.json'), 'utf8')) as RunRecord;
    const report = { file: path.join(dir, 'report.html') };
    await fs.writeFile(report.file, renderRunReport(record).html);
    const dom = await dumpDom(report.file);
    const fromTrace = await traceCounts(path.join(dir, 'proxy-trace.jsonl'));
    const shown = domMessages(dom);
    expect(shown.total).toBe(fromTrace.total);
    expect(shown.keys).toEqual(fromTrace.keys);
    expect(shown.legend).toEqual(shown.byKind.delivered === undefined ? shown.legend : { ...Object.fromEntries(Object.keys(shown.legend).map((k) => [k, 0])), ...shown.byKind });
    expect(Object.values(shown.legend).reduce((a, b) => a + b, 0)).toBe(fromTrace.total);
    expect(dom).toContain('id="spacetime"');
    await screenshot(report.file, 'run-report-udp.png');
  });

  it('shows every message of a real failed scenario, linked from results', async () => {
    const project = await loadManifest(path.resolve('test/fixtures/scenario/echo'));
    const results = path.join(tmp, 'results');
    const report = await gradeSubmission({
      project,
      submission: path.join(project.manifest.dir, 'reference'),
      only: ['echo/partition-holds'],
      seed: 3,
      artifactsDir: path.join(tmp, 'artifacts'),
      resultsDir: results,
    });
    const t = report.tests.find((x) => x.id === 'echo/partition-holds')!;
    expect(t.summary, t.output).toMatch(/the proxy passed on no message from server to c1/);
    expect(t.runReport).toBe('run-reports/echo/partition-holds.html');
    expect(t.output).toContain('run-reports/echo/partition-holds.html');
    const html = path.join(results, t.runReport!);
    const dom = await dumpDom(html);
    const fromTrace = await traceCounts(path.join(tmp, 'artifacts', 'echo', 'partition-holds', 'proxy-trace.jsonl'));
    expect(fromTrace.total).toBeGreaterThan(3);
    const shown = domMessages(dom);
    expect(shown.total).toBe(fromTrace.total);
    expect(shown.keys).toEqual(fromTrace.keys);
    expect(shown.byKind.blocked).toBeGreaterThan(0);
    expect(shown.legend.blocked).toBe(shown.byKind.blocked);
    expect(dom).toContain('--only echo/partition-holds --seed 3');
    await screenshot(html, 'run-report-echo.png');
  });

  it('shows a failed P2 Raft test: a lane per peer, an arrow per RPC of its trace, and the two leaders of one term', async () => {
    const project = await loadManifest(path.resolve('projects/p2-raft'));
    const mutant = project.manifest.mutants.find((m) => m.name === 'double-vote')!;
    // One run of the catcher (the repeats are grading policy, not what this checks).
    for (const suite of project.manifest.suites) if (suite.kind === 'gotest') for (const t of suite.tests) t.runs = 1;
    const results = path.join(tmp, 'p2-results');
    const artifacts = path.join(tmp, 'p2-artifacts');
    const report = await withMutantSubmission(project.manifest, mutant, (dir) =>
      gradeSubmission({ project, submission: dir, only: ['2A/TestVoteOnce2A'], seed: 11, jobs: 1, artifactsDir: artifacts, resultsDir: results }),
    );
    const t = report.tests.find((x) => x.id === '2A/TestVoteOnce2A')!;
    expect(t.verdict, t.output).toBe('failed');
    expect(t.runReport).toBe('run-reports/2A/TestVoteOnce2A.html');
    expect(t.output).toContain('run-reports/2A/TestVoteOnce2A.html');
    expect(t.output).toMatch(/TWO LEADERS in term \d+: peers \d and \d/);
    const html = path.join(results, t.runReport!);
    const dom = await dumpDom(html);

    // The trace as the rpc package wrote it (a copy kept with the artifacts), read without dsgrade's code.
    const lines = (await fs.readFile(path.join(artifacts, '2A', 'TestVoteOnce2A', 'rpc-trace.jsonl'), 'utf8')).split('\n').filter(Boolean);
    const records = lines.map((l) => JSON.parse(l) as { kind?: string; link?: string; dir?: string; seq?: number; action?: string; node?: string; term?: number; leader?: boolean });
    const calls = records.filter((r) => r.kind === undefined && r.link);
    const peers = new Set(records.filter((r) => r.kind === 'state').map((r) => r.node));
    expect(peers).toEqual(new Set(['0', '1', '2']));
    expect(calls.length).toBeGreaterThan(5);
    // The main diagram (a crowded end is drawn again below it, enlarged).
    const from = dom.slice(dom.indexOf('<svg class="st" id="spacetime"'));
    const main = from.slice(0, from.indexOf('</svg>'));
    expect([...main.matchAll(/<text class="lane" data-node="(\w+)"/g)].map((m) => m[1])).toEqual(['0', '1', '2']);
    const shown = domMessages(main);
    expect(shown.total).toBe(calls.length);
    expect(shown.keys).toEqual(new Set(calls.map((r) => `${r.link}|${r.dir}|${r.seq}`)));
    const lost = calls.filter((r) => r.action === 'drop' || r.action === 'block').length;
    expect((shown.byKind.dropped ?? 0) + (shown.byKind.blocked ?? 0)).toBe(lost);
    expect(domMessages(dom).legend.blocked).toBe(shown.byKind.blocked ?? 0);

    // Two peers said they led the same term: the trace shows it, and so does the page (banner, red bars).
    const leadersByTerm = new Map<number, Set<string>>();
    for (const r of records) if (r.kind === 'state' && r.leader) leadersByTerm.set(r.term!, (leadersByTerm.get(r.term!) ?? new Set()).add(r.node!));
    const [term, two] = [...leadersByTerm].find(([, l]) => l.size > 1)!;
    expect(dom).toMatch(new RegExp(`id="two-leaders"><b>⚠ Two leaders in term ${term} `));
    const red = new Set([...dom.matchAll(new RegExp(`<rect class="role leader conflict" data-node="(\\w+)" data-term="${term}"`, 'g'))].map((m) => m[1]));
    expect(red).toEqual(two);
    expect(dom).toContain(`class="conflict-mark" data-term="${term}"`);
    expect(dom).toContain('--only 2A/TestVoteOnce2A --seed 11');
    await screenshot(html, 'run-report-p2-raft.png');
  }, 240_000);

  it('renders the class summary', async () => {
    const html = path.join(tmp, 'summary.html');
    const mk = (id: string, score: number) => ({
      id,
      submitters: [{ name: id }],
      report: {
        project: 'p0',
        projectTitle: 'P0',
        submission: id,
        seed: 1,
        nonce: '',
        startedAt: '',
        durationMs: 1000 * score,
        versions: { dsgrade: '', node: '', go: '' },
        notices: [],
        score,
        maxScore: 4,
        tests: [1, 2, 3, 4].map((i) => ({ id: `a/T${i}`, suite: 'a', name: `T${i}`, verdict: i <= score ? ('passed' as const) : ('failed' as const), score: i <= score ? 1 : 0, maxScore: 1, visibility: 'visible' as const, tags: [], durationMs: 100 * i, summary: '', output: '', attempts: [], flaky: i === 2 && score === 3 })),
      },
    });
    await fs.writeFile(html, renderSummaryHtml(summarize([mk('alice', 4), mk('bob', 3), mk('carol', 1), mk('dan', 3)])));
    const dom = await dumpDom(html);
    expect([...dom.matchAll(/data-count="(\d+)"/g)].map((m) => Number(m[1])).reduce((a, b) => a + b, 0)).toBe(4);
    expect(dom).toContain('a/T2');
    await screenshot(html, 'summary.png', '1100,1400');
  });
});
