import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeForbidden, findForbiddenUses } from '../../src/build/forbidden.js';

async function scan(source: string): Promise<{ line: number; what: string }[]> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'dsgrade-forbidden-'));
  try {
    await fs.writeFile(path.join(dir, 'a.go'), source);
    return (await findForbiddenUses([{ treePath: 'p/a.go', sourcePath: path.join(dir, 'a.go') }])).map(({ line, what }) => ({ line, what }));
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

describe('findForbiddenUses', () => {
  it('finds embed in an import block (plain and blank) and the //go:embed directive', async () => {
    expect(await scan('package p\n\nimport (\n\t_ "embed"\n\t"fmt"\n)\n\n//go:embed server_test.go\nvar s string\n')).toEqual([
      { line: 4, what: 'import "embed"' },
      { line: 8, what: 'a //go:embed directive' },
    ]);
  });

  it('finds single-line imports of embed and C (cgo)', async () => {
    expect(await scan('package p\n\nimport "embed"\nimport "C"\n')).toEqual([
      { line: 3, what: 'import "embed"' },
      { line: 4, what: 'import "C" (cgo)' },
    ]);
  });

  it('does not flag the word in strings or other imports', async () => {
    expect(await scan('package p\n\nimport (\n\t"fmt"\n\t"net"\n)\n\nvar x = "embed"\nvar y = []string{\n\t"C",\n}\n')).toEqual([]);
  });

  it('explains with the name the student knows', () => {
    const text = describeForbidden([{ treePath: 'p0partA/server_impl.go', line: 5, what: 'import "embed"' }], () => 'server_impl.go');
    expect(text).toMatch(/^Your code uses a feature the autograder does not allow in handed-in files:\nserver_impl\.go:5: import "embed"\n/);
  });
});
