/**
 * A P2 submission that attacks its own rpc trace (written from init, before the network opens it):
 * a trace full of malformed lines, hostile strings and megabytes of NUL bytes, or a link to a file
 * only root may read. The grade still ends in the right verdict and score (the trace decides
 * nothing), the report stays bounded and escaped, and nothing of the linked file reaches it.
 * The failing test is the double-vote mutant on its catcher, run once.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadManifest, type LoadedManifest } from '../../src/manifest/load.js';
import { gradeSubmission } from '../../src/pipeline/grade.js';
import { mutantSubmission } from '../../src/regress/mutant-submission.js';

const TEST = '2A/TestVoteOnce2A';
let tmp: string;
let project: LoadedManifest;

beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'dsgrade-p2trace-'));
  project = await loadManifest(path.resolve('projects/p2-raft'));
  for (const suite of project.manifest.suites) if (suite.kind === 'gotest') for (const t of suite.tests) t.runs = 1;
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

/** The double-vote mutant plus raft/hostile.go, whose init does `body` to $DSGRADE_ARTIFACTS/rpc-trace.jsonl. */
async function gradeHostile(name: string, body: string) {
  const mutant = project.manifest.mutants.find((m) => m.name === 'double-vote')!;
  const sub = await mutantSubmission(project.manifest, mutant, tmp);
  await fs.writeFile(
    path.join(sub.dir, 'raft', 'hostile.go'),
    `package raft

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

var _ = fmt.Sprint
var _ = strings.Repeat

func init() {
	dir := os.Getenv("DSGRADE_ARTIFACTS")
	if dir == "" {
		return
	}
	file := filepath.Join(dir, "rpc-trace.jsonl")
${body}
}
`,
  );
  const results = path.join(tmp, `${name}-results`);
  const report = await gradeSubmission({ project, submission: sub.dir, only: [TEST], seed: 3, jobs: 1, resultsDir: results });
  await sub.dispose();
  return { t: report.tests.find((x) => x.id === TEST)!, results };
}

describe('P2: a submission that attacks its rpc trace', () => {
  it('garbage, hostile strings and 12 MB of NUL bytes before the real records: right verdict, bounded escaped report', async () => {
    const { t, results } = await gradeHostile(
      'garbage',
      `	f, err := os.Create(file)
	if err != nil {
		return
	}
	defer f.Close()
	var b strings.Builder
	for i := 0; i < 20000; i++ {
		fmt.Fprintf(&b, "{\\"t\\":%d,\\"kind\\":\\"state\\",\\"node\\":\\"<script>alert(%d)</script>\\",\\"term\\":%d,\\"leader\\":true}\\n", i*10, i, i)
		b.WriteString("not json at all {{{\\n")
		b.WriteString("{\\"t\\":1e300,\\"kind\\":\\"event\\",\\"text\\":\\"x\\"}\\n")
	}
	f.WriteString(b.String())
	f.Write(make([]byte, 12<<20))`,
    );
    expect(t.verdict, t.output).toBe('failed');
    expect(t.score).toBe(0);
    expect(t.summary).toMatch(/two leaders in term/);
    expect(t.output).toMatch(/line\(s\) of the trace were not records of its format/);
    expect(t.output).toMatch(/the trace file has 1\d\.\d MB/);
    expect(t.runReport).toBe(`run-reports/${TEST}.html`);
    const html = await fs.readFile(path.join(results, t.runReport!), 'utf8');
    expect(html.length).toBeLessThan(3_000_000);
    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;script&gt;');
  }, 240_000);

  it('a link to a file only root may read: no report from it, nothing of it in the output, the verdict stands', async () => {
    const secret = path.join(tmp, 'secret.jsonl');
    await fs.writeFile(secret, '{"t":1,"kind":"event","text":"SECRET-MARKER"}\n{"t":2,"kind":"state","node":"SECRET-PEER","term":1,"leader":true}\n', { mode: 0o600 });
    const { t, results } = await gradeHostile('link', `	os.Remove(file)\n	os.Symlink(${JSON.stringify(secret)}, file)`);
    expect(t.verdict, t.output).toBe('failed');
    expect(t.score).toBe(0);
    expect(t.output).not.toContain('SECRET');
    expect(t.runReport).toBeUndefined();
    expect(await fs.readdir(results).catch(() => [])).not.toContain('run-reports');
  }, 240_000);
});
