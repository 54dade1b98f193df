import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DsgradeError } from '../../src/errors.js';
import { intakeSubmission, type IntakeOptions, type IntakeResult } from '../../src/intake/intake.js';
import { IMPL, makeTmp, P0_HANDIN, P0_STAFF, pathEntry, patternEntry, SQTEST, writeStaff, writeTree } from './helpers.js';

let tmp: string;
let opts: IntakeOptions;
const results: IntakeResult[] = [];

beforeEach(async () => {
  tmp = await makeTmp();
  opts = { handin: P0_HANDIN, staffFiles: await writeStaff(path.join(tmp, 'staff')), tmpRoot: tmp };
});

afterEach(async () => {
  for (const r of results.splice(0)) await r.cleanup();
  await fs.rm(tmp, { recursive: true, force: true });
});

async function intake(files: Record<string, string | Buffer>, o: Partial<IntakeOptions> = {}): Promise<IntakeResult> {
  const dir = await fs.mkdtemp(path.join(tmp, 'sub-'));
  await writeTree(dir, files);
  const r = await intakeSubmission(dir, { ...opts, ...o });
  results.push(r);
  return r;
}

describe('missing handin files', () => {
  it('names the missing file, where it goes, and the closest names handed in', async () => {
    const r = await intake({ 'server_Impl.go': IMPL, 'server_impl.go.txt': IMPL, 'squarer_test.go': SQTEST });
    expect(r.missing).toEqual(['p0partA/server_impl.go']);
    const errors = r.notices.filter((n) => n.level === 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0]?.message).toBe(
      'Missing handin file p0partA/server_impl.go: hand in server_impl.go at the top level of your submission or inside a p0partA/ folder. ' +
        'Closest names you handed in: server_Impl.go and server_impl.go.txt; if one of them is meant to be server_impl.go, rename it.',
    );
    // The look-alikes are also reported as ignored.
    expect(r.unexpected).toEqual(['server_Impl.go', 'server_impl.go.txt']);
  });

  it('says when the right name is nested too deep', async () => {
    const r = await intake({ 'a/b/c/server_impl.go': IMPL, 'squarer_test.go': SQTEST });
    expect(r.missing).toEqual(['p0partA/server_impl.go']);
    expect(r.notices.find((n) => n.level === 'error')?.message).toContain('Found a/b/c/server_impl.go, but it is more than 2 folders deep and not inside a p0partA/ folder');
  });

  it('points out an archive inside the submission', async () => {
    const r = await intake({ 'handin.zip': 'PK' });
    expect(r.missing).toEqual(['p0partA/server_impl.go', 'p0partB/squarer_test.go']);
    expect(r.notices.filter((n) => n.level === 'error').every((n) => n.message.includes('archives inside a submission are not opened'))).toBe(true);
  });

  it('an optional entry that is absent is not missing', async () => {
    const r = await intake({ 'server_impl.go': IMPL, 'squarer_test.go': SQTEST }, { handin: [...P0_HANDIN, pathEntry('p0partA/extra.go', { required: false })] });
    expect(r.missing).toEqual([]);
    expect(r.notices).toEqual([]);
  });
});

describe('duplicates', () => {
  it('two different, equally placed copies: an error naming both, neither taken', async () => {
    const r = await intake({ 'a/server_impl.go': IMPL, 'b/server_impl.go': `${IMPL}// v2\n`, 'squarer_test.go': SQTEST });
    expect(r.files.map((f) => f.treePath)).toEqual(['p0partB/squarer_test.go']);
    expect(r.missing).toEqual(['p0partA/server_impl.go']);
    const errors = r.notices.filter((n) => n.level === 'error');
    expect(errors).toHaveLength(1); // no second "missing" notice on top
    expect(errors[0]?.message).toContain('a/server_impl.go and b/server_impl.go');
    expect(errors[0]?.message).toContain('Hand in only one copy');
  });

  it('identical copies: the first is taken, with an info notice', async () => {
    const r = await intake({ 'a/server_impl.go': IMPL, 'b/server_impl.go': IMPL, 'squarer_test.go': SQTEST });
    expect(r.files[0]?.displayPath).toBe('a/server_impl.go');
    expect(r.notices).toEqual([{ level: 'info', message: expect.stringContaining('identical copies of p0partA/server_impl.go') }]);
  });

  it('a better-placed copy wins and the other is named in a warning', async () => {
    const r = await intake({ 'p0partA/server_impl.go': IMPL, 'backup/server_impl.go': 'old', 'squarer_test.go': SQTEST });
    expect(r.files[0]?.displayPath).toBe('p0partA/server_impl.go');
    expect(r.notices).toEqual([{ level: 'warning', message: expect.stringContaining('also handed in backup/server_impl.go, ignored') }]);
  });
});

describe('staff files', () => {
  it('an edited staff copy (it adds declarations) is never taken, and one warning names the file and what it adds', async () => {
    const edited = 'package p0partA\n\ntype KeyValueServer interface{ Start(port int) error; Count() int }\n\nfunc Helper() {}\n\nfunc helper() {}\n';
    const r = await intake({ 'server_impl.go': IMPL, 'squarer_test.go': SQTEST, 'p0partA/server_api.go': edited });
    expect(r.files.map((f) => f.treePath)).toEqual(['p0partA/server_impl.go', 'p0partB/squarer_test.go']);
    expect(r.ignoredStaffCopies).toEqual([
      {
        treePath: 'p0partA/server_api.go',
        displayPath: 'p0partA/server_api.go',
        differs: true,
        added: ['KeyValueServer.Count', 'Helper'],
        declared: ['KeyValueServer', 'KeyValueServer.Start', 'KeyValueServer.Count', 'Helper', 'helper'],
        package: 'p0partA',
      },
    ]);
    expect(r.notices).toEqual([
      {
        level: 'warning',
        message:
          'You handed in an edited copy of p0partA/server_api.go, a staff file: the staff copy is used, so what your copy adds (KeyValueServer.Count, Helper) ' +
          'does not exist when your code is built. Move it into one of your own handin files.',
      },
    ]);
  });

  it('a staff copy that differs but declares nothing new (the course\'s own version of the file) is an info, never "your edits are ignored"', async () => {
    const courseVersion = '// Copyright the course.\npackage p0partA\n\n// KeyValueServer is the API.\ntype KeyValueServer interface {\n\tStart(port int) error\n}\n\nfunc unexportedInternals() {}\n';
    const r = await intake({ 'server_impl.go': IMPL, 'squarer_test.go': SQTEST, 'p0partA/server_api.go': courseVersion });
    expect(r.ignoredStaffCopies.map((c) => [c.treePath, c.differs, c.added])).toEqual([['p0partA/server_api.go', true, []]]);
    expect(r.notices).toEqual([
      { level: 'info', message: 'You handed in p0partA/server_api.go, a staff file: the staff copy is used (your copy differs but declares nothing the staff copy lacks).' },
    ]);
    expect(JSON.stringify(r.notices)).not.toMatch(/edit/);
  });

  it('an identical staff file is noted as identical', async () => {
    const r = await intake({
      'handin/server_impl.go': IMPL,
      'handin/squarer_test.go': SQTEST,
      'handin/squarer_impl.go': P0_STAFF['p0partB/squarer_impl.go'] as string,
    });
    expect(r.ignoredStaffCopies).toEqual([
      { treePath: 'p0partB/squarer_impl.go', displayPath: 'handin/squarer_impl.go', differs: false, added: [], declared: ['SquarerImpl'], package: 'p0partB' },
    ]);
    expect(r.notices).toEqual([
      {
        level: 'info',
        message: "You handed in handin/squarer_impl.go (the project's p0partB/squarer_impl.go), a staff file (identical to the staff copy): the staff copy is used.",
      },
    ]);
    expect(r.unexpected).toEqual([]);
  });

  it('the whole tree handed in: every unedited staff copy in one info notice', async () => {
    const tree: Record<string, string> = { 'cmu440/p0partA/server_impl.go': IMPL, 'cmu440/p0partB/squarer_test.go': SQTEST };
    for (const [rel, content] of Object.entries(P0_STAFF)) if (rel !== 'p0partA/server_impl.go') tree[`cmu440/${rel}`] = `// the course's copy\n${content}`;
    const r = await intake(tree);
    expect(r.ignoredStaffCopies).toHaveLength(5);
    expect(r.notices).toEqual([
      {
        level: 'info',
        message:
          'You handed in 5 staff files; the staff copies are used (yours declare nothing the staff copies lack): cmu440/go.mod (the project\'s go.mod), ' +
          "cmu440/p0partA/kvstore/kvstore.go (the project's p0partA/kvstore/kvstore.go), cmu440/p0partA/server_api.go (the project's p0partA/server_api.go), " +
          "cmu440/p0partB/squarer.go (the project's p0partB/squarer.go), cmu440/p0partB/squarer_impl.go (the project's p0partB/squarer_impl.go).",
      },
    ]);
  });

  it('a staff file that cannot be read is a project error, not the student’s', async () => {
    const staffFiles = new Map(opts.staffFiles);
    staffFiles.set('p0partA/server_api.go', path.join(tmp, 'gone.go'));
    const dir = await fs.mkdtemp(path.join(tmp, 'sub-'));
    await writeTree(dir, { 'server_api.go': 'x' });
    const err = await intakeSubmission(dir, { ...opts, staffFiles }).catch((e: unknown) => e);
    expect((err as DsgradeError).code).toBe('PROJECT_FILE_MISSING');
  });
});

describe('patterns and limits', () => {
  const lspStaff = {
    'lsp/message.go': 'package lsp // message\n',
    'lsp/params.go': 'package lsp // params\n',
    'lsp/client_api.go': 'package lsp // client api\n',
  };

  it('takes the pattern files, leaving out excluded staff files and files outside the pattern', async () => {
    const staffFiles = await writeStaff(path.join(tmp, 'lsp-staff'), lspStaff);
    const handin = [patternEntry('lsp/*.go', { exclude: ['lsp/message.go', 'lsp/params.go', 'lsp/*_api.go'], required: true })];
    const r = await intake(
      {
        'p1/lsp/client_impl.go': 'package lsp',
        'p1/lsp/server_impl.go': 'package lsp',
        'p1/lsp/message.go': 'package lsp // message\n',
        'p1/lsp/client_api.go': 'package lsp // mine\n',
        'p1/lsp/notes.txt': 'todo',
      },
      { handin, staffFiles },
    );
    expect(r.files.map((f) => f.treePath)).toEqual(['lsp/client_impl.go', 'lsp/server_impl.go']);
    expect(r.ignoredStaffCopies.map((c) => [c.treePath, c.differs])).toEqual([
      ['lsp/client_api.go', true],
      ['lsp/message.go', false],
    ]);
    expect(r.droppedGoFiles).toEqual([]);
    expect(r.unexpected).toEqual(['p1/lsp/notes.txt']);
    expect(r.missing).toEqual([]);
  });

  it('a required pattern with no file is missing, listed as the pattern', async () => {
    const r = await intake({ 'deep/er/than/two/x.go': 'package lsp' }, { handin: [patternEntry('lsp/*.go', { required: true })], staffFiles: new Map() });
    expect(r.missing).toEqual(['lsp/*.go']);
    expect(r.notices.find((n) => n.level === 'error')?.message).toContain('No file handed in for lsp/*.go');
    expect(r.notices.find((n) => n.level === 'error')?.message).toContain('deep/er/than/two/x.go');
  });

  it('a file over maxBytes is not taken, with a notice giving both sizes', async () => {
    const handin = [pathEntry('p0partA/server_impl.go', { maxBytes: 100 }), P0_HANDIN[1] as (typeof P0_HANDIN)[number]];
    const r = await intake({ 'server_impl.go': 'x'.repeat(2048), 'squarer_test.go': SQTEST }, { handin });
    expect(r.files.map((f) => f.treePath)).toEqual(['p0partB/squarer_test.go']);
    expect(r.missing).toEqual(['p0partA/server_impl.go']);
    expect(r.notices).toEqual([{ level: 'error', message: expect.stringContaining('server_impl.go is 2 KiB, over the 100 bytes limit') }]);
  });

  it('lists at most 10 unexpected files in one info notice, with the count of the rest', async () => {
    const files: Record<string, string> = { 'server_impl.go': IMPL, 'squarer_test.go': SQTEST };
    for (let i = 0; i < 13; i++) files[`notes/n${String(i).padStart(2, '0')}.txt`] = 'x';
    const r = await intake(files);
    expect(r.unexpected).toHaveLength(13);
    expect(r.notices).toHaveLength(1);
    expect(r.notices[0]?.level).toBe('info');
    expect(r.notices[0]?.message).toMatch(/^Ignored 13 files that are not handin files \(only the handin files are graded\): notes\/n00.txt, /);
    expect(r.notices[0]?.message).toContain('notes/n09.txt and 3 more.');
    expect(r.notices[0]?.message).not.toContain('n10');
  });

  it('a file fitting two handin paths equally is an error and not taken', async () => {
    const handin = [pathEntry('kvraft/server.go'), pathEntry('shardkv/server.go')];
    const r = await intake({ 'server.go': 'package x' }, { handin, staffFiles: new Map() });
    expect(r.files).toEqual([]);
    const msg = r.notices.find((n) => n.message.startsWith('Could not tell'))?.message;
    expect(msg).toContain('kvraft/server.go or shardkv/server.go');
    expect(msg).toContain('(kvraft/ or shardkv/)');
    // Both paths are missing, and their notices do not misdescribe server.go as nested too deep.
    expect(r.missing).toEqual(['kvraft/server.go', 'shardkv/server.go']);
    expect(r.notices.filter((n) => n.message.includes('too deep') || n.message.includes('folders deep'))).toEqual([]);
  });
});

describe('the whole cmu440/ tree handed in, taken by `**` (#10 item 4)', () => {
  const p1Staff = {
    'go.mod': 'module github.com/cmu440\n\ngo 1.21\n',
    'bitcoin/message.go': 'package bitcoin\n\ntype Message struct{ Data string }\n',
    'lspnet/conn.go': 'package lspnet\n\nfunc Dial() {}\n',
    'bitcoin/server/server.go': 'package main\n\nfunc main() {}\n',
  };
  const handin = [
    pathEntry('bitcoin/server/server.go'),
    patternEntry('**/*.go', { exclude: ['lspnet/**', 'bitcoin/message.go', '**/*_test.go'] }),
  ];
  const zipped = {
    'cmu440/go.mod': 'module github.com/cmu440\n\ngo 1.21\n',
    'cmu440/bitcoin/message.go': 'package bitcoin\n\n// the course version\ntype Message struct{ Data string }\n',
    'cmu440/bitcoin/common.go': 'package bitcoin\n\ntype RunningStats struct{ n int }\n',
    'cmu440/bitcoin/server/server.go': 'package main\n\nfunc main() {}\n',
    'cmu440/bitcoin/server/queue.go': 'package main\n\ntype queue []int\n',
    'cmu440/lspnet/conn.go': 'package lspnet\n\nfunc Dial() {}\n',
    'cmu440/lsp/lsp1_test.go': 'package lsp\n',
    'cmu440/README.md': 'notes',
  };

  it('takes every student .go file of the tree, places it by the tree the zip shows, and leaves staff files to staff', async () => {
    const staffFiles = await writeStaff(path.join(tmp, 'p1-staff'), p1Staff);
    staffFiles.delete('bitcoin/server/server.go'); // a handin path: the starter holds its stub
    const r = await intake(zipped, { handin, staffFiles });
    expect(r.files.map((f) => [f.treePath, f.displayPath])).toEqual([
      ['bitcoin/common.go', 'cmu440/bitcoin/common.go'],
      ['bitcoin/server/queue.go', 'cmu440/bitcoin/server/queue.go'],
      ['bitcoin/server/server.go', 'cmu440/bitcoin/server/server.go'],
    ]);
    expect(r.ignoredStaffCopies.map((c) => c.treePath).sort()).toEqual(['bitcoin/message.go', 'go.mod', 'lspnet/conn.go']);
    expect(r.unexpected).toEqual(['cmu440/README.md', 'cmu440/lsp/lsp1_test.go']);
    expect(r.notices.map((n) => n.level)).toEqual(['info', 'info']);
  });

  it('without such a pattern the helper file is dropped, and intake keeps what it declares for the build explanation', async () => {
    const staffFiles = await writeStaff(path.join(tmp, 'p1-staff'), p1Staff);
    staffFiles.delete('bitcoin/server/server.go');
    const r = await intake(zipped, { handin: [pathEntry('bitcoin/server/server.go')], staffFiles });
    expect(r.files.map((f) => f.treePath)).toEqual(['bitcoin/server/server.go']);
    expect(r.droppedGoFiles).toEqual([
      { displayPath: 'cmu440/bitcoin/common.go', folder: 'bitcoin', package: 'bitcoin', declared: ['RunningStats', 'RunningStats.n'] },
      { displayPath: 'cmu440/bitcoin/server/queue.go', folder: 'server', package: 'main', declared: ['queue'] },
      { displayPath: 'cmu440/lsp/lsp1_test.go', folder: 'lsp', package: 'lsp', declared: [] },
    ]);
    // Go files are listed first in the notice: they are the ones a build may miss.
    expect(r.notices.find((n) => n.message.startsWith('Ignored'))?.message).toBe(
      'Ignored 4 files that are not handin files (only the handin files are graded): cmu440/bitcoin/common.go, cmu440/bitcoin/server/queue.go, cmu440/lsp/lsp1_test.go, cmu440/README.md.',
    );
  });
});
