/**
 * The gate policy on the TypeScript side (src/gate/policy.ts): the default is harness/vet's file, a
 * project's entries are classified with the same grammar as dsgrade-vet, and allowances that weaken
 * the default are reported so `dsgrade validate` shows them.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { checkProjectPolicy, DEFAULT_POLICY_FILE, defaultGatePolicy, describeGatePolicy, effectiveGatePolicy, parseGateRule, PROJECT_DENY_WHY } from '../../src/gate/policy.js';

describe('the default policy', () => {
  it('is harness/vet/gate-default.json, every rule parsable and explained', () => {
    const file = JSON.parse(readFileSync(DEFAULT_POLICY_FILE, 'utf8')) as { deny: { rule: string }[] };
    const policy = defaultGatePolicy();
    expect(policy.deny.map((r) => r.rule)).toEqual(file.deny.map((r) => r.rule));
    for (const r of [...policy.deny, ...policy.allow]) {
      expect(parseGateRule(r.rule), r.rule).not.toHaveProperty('error');
      expect(r.why.length, r.rule).toBeGreaterThan(10);
    }
    for (const rule of ['unsafe', 'syscall', 'C', 'embed', 'os.NewFile', '//go:linkname', '*.s', '/proc/*/fd']) {
      expect(policy.deny.map((r) => r.rule)).toContain(rule);
    }
  });

  it('an empty project policy is the default; project rules follow it with their own reason', () => {
    expect(effectiveGatePolicy({ deny: [], allow: [] })).toEqual(defaultGatePolicy());
    const eff = effectiveGatePolicy({ deny: ['reflect', 'unsafe'], allow: ['os/exec'] });
    expect(eff.deny.filter((r) => r.rule === 'unsafe')).toHaveLength(1);
    expect(eff.deny.at(-1)).toEqual({ rule: 'reflect', why: PROJECT_DENY_WHY });
    expect(eff.allow.at(-1)?.rule).toBe('os/exec');
  });
});

describe('parseGateRule mirrors dsgrade-vet', () => {
  it.each([
    ['unsafe', 'import'],
    ['golang.org/x/sys/...', 'import'],
    ['gopkg.in/yaml.v3', 'import'],
    ['os.NewFile', 'selector'],
    ['syscall.SIG[A-Z]*', 'selector'],
    ['gopkg.in/yaml.v3.Marshal', 'selector'],
    ['//go:cgo_*', 'directive'],
    ['#cgo', 'cgo'],
    ['*.syso', 'file'],
    ['/proc/*/fd', 'path'],
  ])('%s is a %s rule', (rule, kind) => {
    expect(parseGateRule(rule)).toMatchObject({ kind });
  });

  it.each(['', 'a b', '//go:', '#include', '/', 'dir/*.s', 'a//b', '*.[', 'x/'])('%j is refused', (rule) => {
    expect(parseGateRule(rule)).toHaveProperty('error');
  });
});

describe('checkProjectPolicy (dsgrade validate)', () => {
  it('a malformed entry is a problem at its pointer, with a fix', () => {
    const { problems } = checkProjectPolicy({ deny: ['ok', 'not a rule'], allow: ['//go:'] });
    expect(problems.map((p) => p.pointer)).toEqual(['/gate/deny/1', '/gate/allow/0']);
    expect(problems[0]!.fix).toMatch(/os\.NewFile/);
  });

  it('an entry both denied and allowed is a problem', () => {
    expect(checkProjectPolicy({ deny: ['reflect'], allow: ['reflect'] }).problems.map((p) => p.message)).toEqual(['gate rule "reflect" is both denied and allowed']);
  });

  it('allowances that lift a default rule are warned about, naming the risk; useless ones too', () => {
    const { problems, warnings } = checkProjectPolicy({ deny: ['unsafe'], allow: ['syscall.Kill', 'os/exec', '*.s', 'net/http'] });
    expect(problems).toEqual([]);
    expect(warnings).toEqual([
      'gate.deny "unsafe" is already denied by default',
      expect.stringMatching(/^gate\.allow "syscall\.Kill" lifts the default rule "syscall": raw system calls/),
      expect.stringMatching(/^gate\.allow "os\/exec" lifts the default rule "os\/exec": /),
      expect.stringMatching(/^gate\.allow "\*\.s" lifts the default rule "\*\.s": assembly/),
      'gate.allow "net/http" changes nothing: nothing it names is denied',
    ]);
  });

  it('describes the effective policy in one line', () => {
    expect(describeGatePolicy({ deny: [], allow: [] })).toMatch(/^gate: the default policy \(\d+ rules denied, \d+ exceptions\)$/);
    expect(describeGatePolicy({ deny: ['reflect'], allow: ['os/exec'] })).toMatch(/; this project also denies reflect; this project allows os\/exec$/);
  });
});
