import { afterEach, describe, expect, it } from 'vitest';
import { DsgradeError } from '../../src/errors.js';
import { findLayout, goModRequires } from '../../src/init/layout.js';
import { makeTree } from './tree.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});
async function tree(files: Record<string, string>): Promise<string> {
  const t = await makeTree(files);
  cleanups.push(t.cleanup);
  return t.dir;
}
async function failure(p: Promise<unknown>): Promise<DsgradeError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(DsgradeError);
  return err as DsgradeError;
}

describe('findLayout', () => {
  it('finds a GOPATH-style tree by its go.mod under src/<module path>', async () => {
    const dir = await tree({ 'src/github.com/cmu440/go.mod': 'module github.com/cmu440\n\ngo 1.21\n', 'src/github.com/cmu440/lsp/a.go': 'package lsp\n' });
    const l = await findLayout(dir);
    expect(l).toMatchObject({ moduleRoot: 'src/github.com/cmu440', module: 'github.com/cmu440', goVersion: '1.21', kind: 'gopath' });
    expect(l.why).toContain('the only go.mod of the tree is src/github.com/cmu440/go.mod');
  });

  it('finds a plain module at the top of the tree, without a go line', async () => {
    const dir = await tree({ 'go.mod': 'module example.edu/lab\n', 'kv/kv.go': 'package kv\n' });
    const l = await findLayout(dir);
    expect(l).toMatchObject({ moduleRoot: '', module: 'example.edu/lab', kind: 'module' });
    expect(l.goVersion).toBeUndefined();
  });

  it('refuses a GOPATH tree without go.mod, naming the folder and the go mod init that fixes it', async () => {
    const dir = await tree({ 'src/github.com/cmu440/lsp/a.go': 'package lsp\n', 'src/github.com/cmu440/lspnet/b.go': 'package lspnet\n' });
    const err = await failure(findLayout(dir));
    expect(err.code).toBe('INIT_NO_MODULE');
    expect(err.message).toContain('GOPATH-style tree without go.mod');
    expect(err.fix).toContain('go mod init github.com/cmu440');
    expect(err.fix).toContain('src/github.com/cmu440');
  });

  it('refuses sibling modules (say which with --module-root) but takes the outer one of nested modules', async () => {
    const siblings = await tree({ 'a/go.mod': 'module a\n', 'a/x.go': 'package a\n', 'b/go.mod': 'module b\n', 'b/y.go': 'package b\n' });
    const err = await failure(findLayout(siblings));
    expect(err.code).toBe('INIT_AMBIGUOUS_MODULE');
    expect(err.fix).toContain('--module-root');
    expect((await findLayout(siblings, 'b')).module).toBe('b');

    const nested = await tree({ 'go.mod': 'module outer\n', 'x.go': 'package outer\n', 'tools/gen/go.mod': 'module gen\n', 'tools/gen/g.go': 'package main\n' });
    const l = await findLayout(nested);
    expect(l.module).toBe('outer');
    expect(l.why).toContain('nested modules inside it: tools/gen');
  });

  it('ignores the folders the go command ignores (testdata, vendor, _x, .x)', async () => {
    const dir = await tree({ 'go.mod': 'module m\n', 'm.go': 'package m\n', 'testdata/go.mod': 'module t\n', '_old/go.mod': 'module o\n', 'vendor/v/go.mod': 'module v\n' });
    expect((await findLayout(dir)).module).toBe('m');
  });

  it('says what is wrong with a tree that has no Go at all, and with a wrong --module-root', async () => {
    const empty = await tree({ 'README.md': '# nothing\n' });
    expect((await failure(findLayout(empty))).message).toContain('no Go files in the course tree');
    const dir = await tree({ 'go.mod': 'module m\n', 'm.go': 'package m\n' });
    const err = await failure(findLayout(dir, 'src'));
    expect(err.fix).toContain('use one of the folders that hold go.mod: .');
  });

  it('reads the modules go.mod requires, in both forms', () => {
    const mod = 'module m\n\ngo 1.21\n\nrequire github.com/a/b v1.2.3 // indirect\n\nrequire (\n\tgolang.org/x/sync v0.5.0\n\t// a comment\n\tgithub.com/c/d v0.0.1\n)\n';
    expect(goModRequires(mod).sort()).toEqual(['github.com/a/b', 'github.com/c/d', 'golang.org/x/sync']);
    expect(goModRequires('module m\ngo 1.21\n')).toEqual([]);
  });
});
