import { describe, expect, it } from 'vitest';
import { findAnchors, matchSubmission } from '../../src/intake/match.js';
import { compileGlob } from '../../src/util/glob.js';
import { normalizeEntryPath } from '../../src/intake/paths.js';
import { nearMisses } from '../../src/intake/suggest.js';
import { P0_HANDIN, P0_STAFF, pathEntry, patternEntry } from './helpers.js';

const p0Staff = Object.keys(P0_STAFF);

function placed(result: ReturnType<typeof matchSubmission>): Record<string, string[]> {
  return Object.fromEntries(result.slots.map((s) => [s.treePath, s.best]));
}

describe('matchSubmission: exact paths', () => {
  it.each([
    ['flat', 'server_impl.go'],
    ['one folder deep', 'handin/server_impl.go'],
    ['two folders deep', 'Alice/p0/server_impl.go'],
    ['package folder', 'p0partA/server_impl.go'],
    ['full GOPATH path', 'src/github.com/cmu440/p0partA/server_impl.go'],
    ['deep, with the package folder', 'a/b/c/d/p0partA/server_impl.go'],
  ])('places %s (%s)', (_label, rel) => {
    const r = matchSubmission([rel], P0_HANDIN, p0Staff);
    expect(placed(r)).toEqual({ 'p0partA/server_impl.go': [rel] });
    expect(r.unexpected).toEqual([]);
  });

  it('does not place a bare file name three folders deep', () => {
    const r = matchSubmission(['a/b/c/server_impl.go'], P0_HANDIN, p0Staff);
    expect(r.slots).toEqual([]);
    expect(r.unexpected).toEqual(['a/b/c/server_impl.go']);
  });

  it('prefers the longest matching suffix and keeps the rest as lower copies', () => {
    const r = matchSubmission(['old/server_impl.go', 'src/github.com/cmu440/p0partA/server_impl.go'], P0_HANDIN, p0Staff);
    expect(r.slots).toEqual([
      { treePath: 'p0partA/server_impl.go', entry: 0, best: ['src/github.com/cmu440/p0partA/server_impl.go'], others: ['old/server_impl.go'] },
    ]);
  });

  it('reports equally good copies as tied', () => {
    const r = matchSubmission(['a/server_impl.go', 'b/server_impl.go'], P0_HANDIN, p0Staff);
    expect(r.slots[0]?.best).toEqual(['a/server_impl.go', 'b/server_impl.go']);
  });

  it('a full match of a short tree path beats a partial match of a longer one', () => {
    // `server.go` at the module root is handin; `kvraft/server.go` is staff.
    const r = matchSubmission(['server.go', 'x/kvraft/server.go'], [pathEntry('server.go')], ['kvraft/server.go']);
    expect(placed(r)).toEqual({ 'server.go': ['server.go'] });
    expect(r.staffCopies).toEqual([{ file: 'x/kvraft/server.go', treePaths: ['kvraft/server.go'] }]);
  });

  it('two handin paths with one file name: each file goes to its own folder', () => {
    const handin = [pathEntry('kvraft/server.go'), pathEntry('shardkv/server.go')];
    const r = matchSubmission(['h/kvraft/server.go', 'h/shardkv/server.go'], handin, []);
    expect(placed(r)).toEqual({ 'kvraft/server.go': ['h/kvraft/server.go'], 'shardkv/server.go': ['h/shardkv/server.go'] });
  });

  it('a flat file that fits two handin paths equally is unplaceable', () => {
    const handin = [pathEntry('kvraft/server.go'), pathEntry('shardkv/server.go')];
    const r = matchSubmission(['server.go'], handin, []);
    expect(r.slots).toEqual([]);
    expect(r.unplaceable).toEqual([{ file: 'server.go', treePaths: ['kvraft/server.go', 'shardkv/server.go'] }]);
  });
});

describe('matchSubmission: staff files', () => {
  it('never places a staff file, whatever the layout', () => {
    const r = matchSubmission(['server_api.go', 'h/p0partA/server_api.go', 'kvstore/kvstore.go', 'go.mod'], P0_HANDIN, p0Staff);
    expect(r.slots).toEqual([]);
    expect(r.staffCopies.map((c) => [c.file, c.treePaths])).toEqual([
      ['server_api.go', ['p0partA/server_api.go']],
      ['h/p0partA/server_api.go', ['p0partA/server_api.go']],
      ['kvstore/kvstore.go', ['p0partA/kvstore/kvstore.go']],
      ['go.mod', ['go.mod']],
    ]);
  });

  it('an exact handin path overrides the starter stub listed among the staff files', () => {
    expect(p0Staff).toContain('p0partA/server_impl.go');
    const r = matchSubmission(['server_impl.go'], P0_HANDIN, p0Staff);
    expect(r.staffCopies).toEqual([]);
    expect(placed(r)).toEqual({ 'p0partA/server_impl.go': ['server_impl.go'] });
  });
});

describe('matchSubmission: patterns', () => {
  const lspStaff = ['lsp/message.go', 'lsp/params.go', 'lsp/checksum.go', 'lsp/client_api.go', 'lsp/server_api.go'];
  const lsp = [patternEntry('lsp/*.go', { exclude: ['lsp/message.go', 'lsp/*_api.go'] })];

  it('takes files in the pattern folder at any depth, giving tree paths from the folder', () => {
    const r = matchSubmission(['p1/src/github.com/cmu440/lsp/client_impl.go', 'p1/src/github.com/cmu440/lsp/util.go'], lsp, lspStaff);
    expect(placed(r)).toEqual({
      'lsp/client_impl.go': ['p1/src/github.com/cmu440/lsp/client_impl.go'],
      'lsp/util.go': ['p1/src/github.com/cmu440/lsp/util.go'],
    });
  });

  it('never takes excluded paths or staff files, even when the exclude list forgets one', () => {
    // params.go is staff but not excluded; client_api.go is excluded by glob; message.go by path.
    const r = matchSubmission(['lsp/message.go', 'lsp/client_api.go', 'lsp/params.go', 'lsp/server_impl.go'], lsp, lspStaff);
    expect(placed(r)).toEqual({ 'lsp/server_impl.go': ['lsp/server_impl.go'] });
    expect(r.staffCopies.map((c) => c.file).sort()).toEqual(['lsp/client_api.go', 'lsp/message.go', 'lsp/params.go']);
  });

  it('an excluded path that is not a staff file is unexpected', () => {
    const r = matchSubmission(['lsp/notes_api.go'], [patternEntry('lsp/*.go', { exclude: ['lsp/*_api.go'] })], []);
    expect(r.unexpected).toEqual(['lsp/notes_api.go']);
  });

  it('takes flat files for a pattern when no file sits in the pattern folder', () => {
    const r = matchSubmission(['client_impl.go', 'handin/util.go', 'README.md'], lsp, lspStaff);
    expect(placed(r)).toEqual({ 'lsp/client_impl.go': ['client_impl.go'], 'lsp/util.go': ['handin/util.go'] });
    expect(r.unexpected).toEqual(['README.md']);
  });

  it('ignores flat files for a pattern as soon as one file sits in the pattern folder', () => {
    const r = matchSubmission(['x/lsp/client_impl.go', 'scratch.go'], lsp, lspStaff);
    expect(placed(r)).toEqual({ 'lsp/client_impl.go': ['x/lsp/client_impl.go'] });
    expect(r.unexpected).toEqual(['scratch.go']);
  });

  it('* never crosses a folder', () => {
    const r = matchSubmission(['lsp/sub/deep.go'], [patternEntry('lsp/*.go')], []);
    // `sub/deep.go` is not `lsp/*.go`; as a flat fallback it would be lsp/deep.go one folder above `sub`.
    expect(r.slots.map((s) => s.treePath)).toEqual(['lsp/deep.go']);
    const strict = matchSubmission(['lsp/sub/deep.go', 'lsp/a.go'], [patternEntry('lsp/*.go')], []);
    expect(strict.slots.map((s) => s.treePath)).toEqual(['lsp/a.go']);
    expect(strict.unexpected).toEqual(['lsp/sub/deep.go']);
  });

  it('picks the pattern whose folders match best (bitcoin programs share file names)', () => {
    const handin = ['bitcoin/client/*.go', 'bitcoin/miner/*.go', 'bitcoin/server/*.go'].map((p) => patternEntry(p));
    const r = matchSubmission(['h/client/main.go', 'h/miner/main.go', 'h/server/main.go'], handin, []);
    expect(placed(r)).toEqual({
      'bitcoin/client/main.go': ['h/client/main.go'],
      'bitcoin/miner/main.go': ['h/miner/main.go'],
      'bitcoin/server/main.go': ['h/server/main.go'],
    });
    const flat = matchSubmission(['main.go'], handin, []);
    expect(flat.unplaceable[0]?.treePaths).toHaveLength(3);
  });

  it('an exact path and a pattern naming the same file share one slot, the path entry owning it', () => {
    const handin = [patternEntry('lsp/*.go'), pathEntry('lsp/client_impl.go')];
    const r = matchSubmission(['lsp/client_impl.go'], handin, []);
    expect(r.slots).toEqual([{ treePath: 'lsp/client_impl.go', entry: 1, best: ['lsp/client_impl.go'], others: [] }]);
  });
});

describe('matchSubmission: `**` patterns (the whole tree)', () => {
  const staff = ['go.mod', 'bitcoin/message.go', 'lsp/message.go', 'lspnet/conn.go'];
  const tree = [patternEntry('**/*.go', { exclude: ['lspnet/**', '**/*_test.go'] })];

  it('places files by the module tree the submission shows, at any depth', () => {
    const files = ['p1/cmu440/go.mod', 'p1/cmu440/bitcoin/common.go', 'p1/cmu440/bitcoin/util/stats.go', 'p1/cmu440/lsp/queue.go', 'p1/cmu440/lsp/message.go'];
    const r = matchSubmission(files, tree, staff);
    expect(placed(r)).toEqual({
      'bitcoin/common.go': ['p1/cmu440/bitcoin/common.go'],
      'bitcoin/util/stats.go': ['p1/cmu440/bitcoin/util/stats.go'],
      'lsp/queue.go': ['p1/cmu440/lsp/queue.go'],
    });
    expect(r.staffCopies.map((c) => c.file)).toEqual(['p1/cmu440/go.mod', 'p1/cmu440/lsp/message.go']);
  });

  it('glob excludes keep whole folders and every test file out', () => {
    const r = matchSubmission(['cmu440/bitcoin/message.go', 'cmu440/lspnet/extra.go', 'cmu440/lsp/lsp1_test.go', 'cmu440/lsp/a.go'], tree, staff);
    expect(placed(r)).toEqual({ 'lsp/a.go': ['cmu440/lsp/a.go'] });
    expect(r.unexpected).toEqual(['cmu440/lspnet/extra.go', 'cmu440/lsp/lsp1_test.go']);
  });

  it('without any file at a known tree path, a pattern that starts with `**` takes nothing (it cannot tell where the tree starts)', () => {
    const r = matchSubmission(['stuff/common.go', 'queue.go'], tree, staff);
    expect(r.slots).toEqual([]);
    expect(r.unexpected).toEqual(['stuff/common.go', 'queue.go']);
  });

  it('a `**` pattern with a literal first folder finds that folder without an anchor', () => {
    const r = matchSubmission(['alice/bitcoin/util/stats.go', 'alice/bitcoin/common.go', 'alice/notes.go'], [patternEntry('bitcoin/**/*.go')], []);
    expect(placed(r)).toEqual({ 'bitcoin/common.go': ['alice/bitcoin/common.go'], 'bitcoin/util/stats.go': ['alice/bitcoin/util/stats.go'] });
    expect(r.unexpected).toEqual(['alice/notes.go']);
  });

  it('findAnchors: the folders above files at known tree paths, deepest first', () => {
    expect(findAnchors(['a/cmu440/go.mod', 'a/cmu440/lsp/message.go', 'lsp/message.go', 'x/message.go'], staff)).toEqual(['a/cmu440/', '']);
    // A one-segment tree path other than go.mod is too common a name to anchor on.
    expect(findAnchors(['notes/README.md'], ['README.md'])).toEqual([]);
  });

  it('an exact handin path and a `**` pattern agree on the tree path; the path entry owns it', () => {
    const r = matchSubmission(['cmu440/lsp/client_impl.go'], [pathEntry('lsp/client_impl.go'), ...tree], staff);
    expect(r.slots).toEqual([{ treePath: 'lsp/client_impl.go', entry: 0, best: ['cmu440/lsp/client_impl.go'], others: [] }]);
  });
});

describe('helpers', () => {
  it('compileGlob: * and ? stay within one segment; other characters are literal', () => {
    expect(compileGlob('lsp/*.go').test('lsp/a.go')).toBe(true);
    expect(compileGlob('lsp/*.go').test('lsp/x/a.go')).toBe(false);
    expect(compileGlob('a?.go').test('ab.go')).toBe(true);
    expect(compileGlob('a?.go').test('a/.go')).toBe(false);
    expect(compileGlob('a.go').test('aXgo')).toBe(false);
  });

  it('normalizeEntryPath refuses absolute and .. names and tidies the rest', () => {
    expect(normalizeEntryPath('../../evil')).toEqual({ ok: false, reason: 'escapes' });
    expect(normalizeEntryPath('a/../b.go')).toEqual({ ok: false, reason: 'escapes' });
    expect(normalizeEntryPath('..\\evil')).toEqual({ ok: false, reason: 'escapes' });
    expect(normalizeEntryPath('/etc/passwd')).toEqual({ ok: false, reason: 'absolute' });
    expect(normalizeEntryPath('C:\\x.go')).toEqual({ ok: false, reason: 'absolute' });
    expect(normalizeEntryPath('./a//b.go')).toEqual({ ok: true, rel: 'a/b.go', isFolder: false });
    expect(normalizeEntryPath('handin\\x.go')).toEqual({ ok: true, rel: 'handin/x.go', isFolder: false });
    expect(normalizeEntryPath('dir/')).toEqual({ ok: true, rel: 'dir', isFolder: true });
  });

  it('nearMisses ranks case slips, extra extensions and typos, and ignores unrelated names', () => {
    const got = nearMisses('server_impl.go', ['README.md', 'server_impl.go.txt', 'x/server_Impl.go', 'sever_impl.go', 'client_impl.go']);
    expect(got).toEqual(['x/server_Impl.go', 'server_impl.go.txt', 'sever_impl.go']);
  });
});
