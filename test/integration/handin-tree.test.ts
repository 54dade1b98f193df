/**
 * A P1-like course tree graded for real (Go toolchain, processes): students zip the whole cmu440/
 * tree, with helper files of their own (bitcoin/common.go) and the course's copies of staff files.
 * Checks that a `**` handin pattern takes the helpers, that a build error caused by a helper that
 * was not taken or by an edited staff copy names that file in the build test's message (#10 item 4),
 * that one data race behind several -race tests is one message (#10 item 7), and the go.version
 * notice (#10 item 8). The project is written to a temp folder, so each case can vary its handin list.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadManifest, type LoadedManifest } from '../../src/manifest/load.js';
import type { GradeReport, TestResult } from '../../src/model.js';
import { gradeSubmission } from '../../src/pipeline/grade.js';
import { toGradescopeResults } from '../../src/report/gradescope-results.js';
import { renderTable } from '../../src/report/terminal.js';

const STAFF_MESSAGE = `package bitcoin

// Message is what clients, miners and the server exchange.
type Message struct {
	Data string
}

// NewRequest makes a request message.
func NewRequest(data string) *Message { return &Message{Data: data} }
`;

/** The course's own copy of the staff file: other comments and layout, the same API. */
const COURSE_MESSAGE = `// Package bitcoin: the course's version of message.go.
package bitcoin

type Message struct{ Data string }

func NewRequest(data string) *Message {
	return &Message{Data: data}
}
`;

const STAFF_TESTS = `package main

import "testing"

func TestSummary(t *testing.T) {
	if got := Summary(); got != "x:1" {
		t.Fatalf("Summary() = %q, want \\"x:1\\"", got)
	}
}

func TestTeardown1(t *testing.T) { Serve() }
func TestTeardown2(t *testing.T) { Serve() }
func TestTeardown3(t *testing.T) { Serve() }
`;

/** The student's helper, in a package of theirs next to staff files. */
const COMMON = `package bitcoin

// RunningStats counts what the server has seen.
type RunningStats struct{ N int }

func (r *RunningStats) Add() { r.N++ }
`;

const SERVER = `package main

import (
	"fmt"
	"time"

	"github.com/cmu440/bitcoin"
)

var stats bitcoin.RunningStats

func Summary() string {
	stats.Add()
	m := bitcoin.NewRequest("x")
	return fmt.Sprintf("%s:%d", m.Data, stats.N)
}

type server struct{ closed bool }

// Serve starts a worker and stops it without synchronisation: a data race on closed.
func Serve() {
	s := &server{}
	go func() {
		for !s.closed {
			time.Sleep(time.Millisecond)
		}
	}()
	time.Sleep(2 * time.Millisecond)
	s.closed = true
	time.Sleep(5 * time.Millisecond)
}

func main() { fmt.Println(Summary()) }
`;

const WHOLE_TREE = [
  { path: 'bitcoin/server/server.go' },
  { pattern: '**/*.go', exclude: ['bitcoin/message.go', '**/*_test.go'] },
];

let tmp: string;

beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'dsgrade-handin-tree-'));
  await fs.chmod(tmp, 0o755);
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

async function write(root: string, files: Record<string, string>): Promise<void> {
  for (const [rel, content] of Object.entries(files)) {
    await fs.mkdir(path.dirname(path.join(root, rel)), { recursive: true });
    await fs.writeFile(path.join(root, rel), content);
  }
}

/** The project with the given handin list, in a folder of its own. */
async function project(name: string, handin: unknown[]): Promise<LoadedManifest> {
  const dir = path.join(tmp, `project-${name}`);
  const mod = 'starter/src/github.com/cmu440';
  await write(dir, {
    [`${mod}/go.mod`]: 'module github.com/cmu440\n\ngo 1.21\n',
    [`${mod}/bitcoin/message.go`]: STAFF_MESSAGE,
    [`${mod}/bitcoin/server/server.go`]: 'package main\n\nfunc Summary() string { return "" }\n\nfunc Serve() {}\n\nfunc main() {}\n',
    'staff/bitcoin/server/server_test.go': STAFF_TESTS,
    'dsgrade.json': JSON.stringify({
      name: 'handin-tree',
      title: 'Handin tree fixture',
      go: { moduleRoot: 'src/github.com/cmu440', module: 'github.com/cmu440', version: '1.21' },
      starter: 'starter',
      staff: 'staff',
      handin,
      suites: [
        {
          id: 'server',
          kind: 'gotest',
          package: 'bitcoin/server',
          timeoutSec: 30,
          tests: [
            { name: 'TestSummary', points: 1 },
            { pattern: '^TestTeardown', points: 1, race: true },
          ],
        },
      ],
    }),
  });
  await fs.chmod(dir, 0o700); // staff tests are not for student code to read (the sandbox warns otherwise)
  return loadManifest(dir);
}

/** A submission folder holding the whole cmu440/ tree, as students of the course zip it. */
async function submission(name: string, files: Record<string, string>): Promise<string> {
  const dir = path.join(tmp, `sub-${name}`);
  await write(dir, {
    'cmu440/go.mod': 'module github.com/cmu440\n\ngo 1.21\n',
    'cmu440/bitcoin/message.go': COURSE_MESSAGE,
    'cmu440/bitcoin/common.go': COMMON,
    'cmu440/bitcoin/server/server.go': SERVER,
    'cmu440/lsp/lsp1_test.go': 'package lsp\n',
    ...files,
  });
  return dir;
}

function byId(report: GradeReport, id: string): TestResult {
  const t = report.tests.find((x) => x.id === id);
  if (!t) throw new Error(`no result ${id} in ${report.tests.map((x) => x.id).join(', ')}`);
  return t;
}

describe('the whole cmu440/ tree handed in', () => {
  it('with a `**` pattern the helper file is taken and the code builds; unedited staff copies are one info', async () => {
    const proj = await project('tree', WHOLE_TREE);
    const report = await gradeSubmission({ project: proj, submission: await submission('tree', {}), only: ['build', 'server/TestSummary'], seed: 3, workRoot: tmp, jobs: 1 });
    expect(byId(report, 'build').verdict).toBe('passed');
    expect(byId(report, 'server/TestSummary').verdict).toBe('passed');
    expect(report.notices.filter((n) => n.level !== 'info')).toEqual([]);
    expect(report.notices.some((n) => /^You handed in 2 staff files; the staff copies are used/.test(n.message))).toBe(true);
    // The Go here is not the course's 1.21: the report says so, with both versions.
    const go = report.notices.find((n) => n.message.startsWith('Built with Go '));
    expect(go?.message).toMatch(/^Built with Go 1\.\d+\.\d+; this course uses Go 1\.21\./);
  });

  it('without it, common.go is dropped, and the failed build names that file', async () => {
    const proj = await project('paths-only', [{ path: 'bitcoin/server/server.go' }]);
    const report = await gradeSubmission({ project: proj, submission: await submission('dropped', {}), only: ['build', 'server/TestSummary'], seed: 3, workRoot: tmp, jobs: 1 });
    const build = byId(report, 'build');
    expect(build.verdict).toBe('failed');
    expect(build.summary).toBe('does not compile because cmu440/bitcoin/common.go was not graded: cmu440/bitcoin/server/server.go:10:19: undefined: bitcoin.RunningStats');
    expect(build.output).toContain('bitcoin.RunningStats is declared in cmu440/bitcoin/common.go, which you handed in but which was not graded');
    // The tests that cannot compile say the same, not a bare compiler line.
    expect(byId(report, 'server/TestSummary').summary).toMatch(/^does not compile because cmu440\/bitcoin\/common\.go was not graded/);
  });

  it('an edited staff copy is one warning naming the file, and the build error it causes points at it', async () => {
    const proj = await project('edited', WHOLE_TREE);
    const edited = `${STAFF_MESSAGE}\n// Describe is the student's addition to a staff file.\nfunc (m *Message) Describe() string { return m.Data }\n`;
    const server = SERVER.replace('return fmt.Sprintf("%s:%d", m.Data, stats.N)', 'return fmt.Sprintf("%s:%d", m.Describe(), stats.N)');
    const report = await gradeSubmission({
      project: proj,
      submission: await submission('edited', { 'cmu440/bitcoin/message.go': edited, 'cmu440/bitcoin/server/server.go': server }),
      only: ['build'],
      seed: 3,
      workRoot: tmp,
      jobs: 1,
    });
    const warnings = report.notices.filter((n) => n.level === 'warning');
    expect(warnings).toEqual([{ level: 'warning', message: expect.stringMatching(/^You handed in an edited copy of cmu440\/bitcoin\/message\.go \(the project's bitcoin\/message\.go\), a staff file: .*\(Message\.Describe\)/) }]);
    const build = byId(report, 'build');
    expect(build.summary).toMatch(/^does not compile because your copy of cmu440\/bitcoin\/message\.go \(a staff file\) was not used: .*m\.Describe undefined/);
    expect(build.output).toContain('Message.Describe is declared in your copy of cmu440/bitcoin/message.go, a staff file');
  });
});

describe('one race, one message', () => {
  it('the same data race behind three -race tests is named once in the header and in each test', async () => {
    const proj = await project('race', WHOLE_TREE);
    const report = await gradeSubmission({ project: proj, submission: await submission('race', {}), only: ['server/TestTeardown*'], seed: 3, workRoot: tmp, jobs: 1 });
    const ids = ['server/TestTeardown1', 'server/TestTeardown2', 'server/TestTeardown3'];
    for (const id of ids) expect(byId(report, id).verdict).toBe('failed');
    // Scoring stays as the manifest says: each test scores 0 on its own.
    expect(report.score).toBe(0);
    const results = toGradescopeResults(report, { testOutputBytes: 16_384 });
    expect(results.output).toMatch(/The same data race \(server\.go:\d+ vs :\d+\) failed these 3 tests: server\/TestTeardown1, server\/TestTeardown2, server\/TestTeardown3/);
    expect(results.output).toMatch(/\n {4}(Previous )?(read|write|Read|Write) at server\/server\.go:\d+ in Serve/);
    const first = results.tests!.find((t) => t.name === 'TestTeardown1')!;
    expect(first.output).toMatch(/\nThe same data race \(server\.go:\d+ vs :\d+\) also failed 2 other tests \(server\/TestTeardown2, server\/TestTeardown3\): fix it once\.\n/);
    expect(renderTable(report, { color: false, width: 200 }).match(/The same data race/g)).toHaveLength(1);
  });
});
