package vet

import (
	"encoding/json"
	"fmt"
	"go/ast"
	"go/build"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// gateSources runs the gate with the default policy over in-memory files.
func gateSources(t *testing.T, files map[string]string) map[string]*GateResult {
	t.Helper()
	dir := t.TempDir()
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	sort.Strings(names)
	req := Request{Gate: policyPtr(DefaultGatePolicy())}
	for _, name := range names {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(files[name]), 0o644); err != nil {
			t.Fatal(err)
		}
		req.Files = append(req.Files, FileRef{Path: p, Display: name})
	}
	out := map[string]*GateResult{}
	for _, rep := range Run(req).Files {
		if rep.Gate == nil {
			t.Fatalf("%s: no gate result", rep.Display)
		}
		out[rep.Display] = rep.Gate
	}
	return out
}

func policyPtr(p GatePolicy) *GatePolicy { return &p }

// findings renders a result as "line rule" strings for comparison.
func findings(r *GateResult) []string {
	var out []string
	for _, f := range r.Findings {
		out = append(out, fmt.Sprintf("%d %s", f.Line, f.Rule))
	}
	return out
}

var wantLine = regexp.MustCompile(`(?m)^// want (\d+) (\S+)$`)

// TestGateDenyTestdata: every file in testdata/gate/deny names its findings in
// "// want LINE RULE" header lines, and the gate reports exactly those.
func TestGateDenyTestdata(t *testing.T) {
	paths, _ := filepath.Glob("testdata/gate/deny/*.go")
	if len(paths) < 10 {
		t.Fatalf("only %d deny cases", len(paths))
	}
	for _, p := range paths {
		src, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		t.Run(filepath.Base(p), func(t *testing.T) {
			var want []string
			for _, m := range wantLine.FindAllStringSubmatch(string(src), -1) {
				want = append(want, m[1]+" "+m[2])
			}
			got := gateSources(t, map[string]string{"pkg/" + filepath.Base(p): string(src)})["pkg/"+filepath.Base(p)]
			if !got.Checked {
				t.Fatalf("not checked: %+v", got)
			}
			if strings.Join(findings(got), "\n") != strings.Join(want, "\n") {
				t.Errorf("findings:\n%s\nwant:\n%s\nfull: %+v", strings.Join(findings(got), "\n"), strings.Join(want, "\n"), got.Findings)
			}
			for _, f := range got.Findings {
				if f.Why == "" || f.What == "" {
					t.Errorf("finding without what/why: %+v", f)
				}
			}
		})
	}
}

// TestGateAllowTestdata: honest code — a main package with os.Args, os.Exit,
// os.Getenv, os.OpenFile, os.MkdirAll, signal.Notify with syscall.SIGTERM,
// errors.Is with syscall.ECONNREFUSED, look-alike words — passes.
func TestGateAllowTestdata(t *testing.T) {
	paths, _ := filepath.Glob("testdata/gate/allow/*.go")
	if len(paths) < 3 {
		t.Fatalf("only %d allow cases", len(paths))
	}
	for _, p := range paths {
		src, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		t.Run(filepath.Base(p), func(t *testing.T) {
			got := gateSources(t, map[string]string{"pkg/" + filepath.Base(p): string(src)})["pkg/"+filepath.Base(p)]
			if !got.Checked || len(got.Findings) != 0 {
				t.Errorf("honest code refused: %+v", got)
			}
		})
	}
}

// TestGateCourseCode: the gate refuses nothing in any reference or mutant of
// the sample projects (all their .go files, as a student would hand them in).
func TestGateCourseCode(t *testing.T) {
	roots, _ := filepath.Glob("../../projects/*/reference*")
	mutants, _ := filepath.Glob("../../projects/*/mutants")
	roots = append(roots, mutants...)
	if len(roots) == 0 {
		t.Skip("no sample projects beside the harness")
	}
	files := map[string]string{}
	for _, root := range roots {
		err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(p, ".go") {
				return err
			}
			src, err := os.ReadFile(p)
			files[filepath.ToSlash(strings.TrimPrefix(p, "../../projects/"))] = string(src)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if len(files) < 10 {
		t.Fatalf("only %d files found under %v", len(files), roots)
	}
	for name, r := range gateSources(t, files) {
		if !r.Checked || len(r.Findings) != 0 {
			t.Errorf("%s: %+v", name, r)
		}
	}
	t.Logf("gate passed %d files of %d reference/mutant folders", len(files), len(roots))
}

func TestGateCrossFileConstants(t *testing.T) {
	got := gateSources(t, map[string]string{
		"lsp/a.go":      "package lsp\n\nconst procSelf = \"/proc/\" + \"self\"\n",
		"lsp/b.go":      "package lsp\n\nimport \"os\"\n\nfunc f() { os.Open(procSelf + \"/fd/3\") }\n",
		"other/c.go":    "package other\n\nimport \"os\"\n\nfunc f() { os.Open(procSelf + \"/fd/3\") }\n",
		"lsp/x_test.go": "package lsp_test\n\nimport \"os\"\n\nfunc f() { os.Open(procSelf + \"/fd/3\") }\n",
	})
	if f := findings(got["lsp/b.go"]); len(f) != 1 || f[0] != "5 /proc/*/fd" {
		t.Errorf("b.go: %v", f)
	}
	// Another folder or another package does not see the constant (nor does the compiler).
	if f := findings(got["other/c.go"]); len(f) != 0 {
		t.Errorf("c.go: %v", f)
	}
	if f := findings(got["lsp/x_test.go"]); len(f) != 0 {
		t.Errorf("x_test.go: %v", f)
	}
}

func TestGateHostileConstantsStayCheap(t *testing.T) {
	// Each constant doubles the previous one: evaluated naively, 2^40 bytes.
	var sb strings.Builder
	sb.WriteString("package p\n\nconst c0 = \"/proc/self/fd\"\n")
	for i := 1; i <= 40; i++ {
		fmt.Fprintf(&sb, "const c%d = c%d + c%d\n", i, i-1, i-1)
	}
	// A long left-deep chain of concatenations of a variable.
	sb.WriteString("var v string\nvar long = v")
	for i := 0; i < 5000; i++ {
		sb.WriteString(` + "x"`)
	}
	sb.WriteString("\n")
	got := gateSources(t, map[string]string{"p/p.go": sb.String()})["p/p.go"]
	// c0 … c8 fit maxConstString (13·2^8 bytes) and each names the path; c9 on are too long to evaluate.
	want := []string{}
	for line := 3; line <= 11; line++ {
		want = append(want, fmt.Sprintf("%d /proc/*/fd", line))
	}
	if f := findings(got); strings.Join(f, ",") != strings.Join(want, ",") {
		t.Errorf("findings: %v", f)
	}
}

func TestGateFilesOtherThanGo(t *testing.T) {
	got := gateSources(t, map[string]string{
		"p/read_amd64.s": "TEXT ·read(SB),$0\n\tSYSCALL\n",
		"p/blob.syso":    "\x7fELF",
		"p/helper.c":     "int x;\n",
		"p/helper.h":     "#include \"server_test.go\"\n",
		"p/README.md":    "# notes\n",
		"p/data.txt":     "not go\n",
	})
	for name, rule := range map[string]string{"p/read_amd64.s": "*.s", "p/blob.syso": "*.syso", "p/helper.c": "*.c", "p/helper.h": "*.h"} {
		if f := findings(got[name]); len(f) != 1 || f[0] != "0 "+rule {
			t.Errorf("%s: %v", name, f)
		}
		if !strings.Contains(got[name].Findings[0].What, "file in the handin") {
			t.Errorf("%s: %+v", name, got[name].Findings[0])
		}
	}
	for _, name := range []string{"p/README.md", "p/data.txt"} {
		if r := got[name]; !r.Checked || len(r.Findings) != 0 {
			t.Errorf("%s: %+v", name, r)
		}
	}
}

func TestGateUnparsableIsUnchecked(t *testing.T) {
	got := gateSources(t, map[string]string{
		"p/broken.go": "package p\n\nimport \"unsafe\"\n\nfunc {\n",
		"p/ok.go":     "package p\n",
	})
	if r := got["p/broken.go"]; r.Checked || len(r.Findings) != 0 {
		t.Errorf("broken.go: %+v", r)
	}
	if r := got["p/ok.go"]; !r.Checked {
		t.Errorf("ok.go: %+v", r)
	}
	// A .go file that cannot be read is unchecked too.
	rep := Run(Request{Files: []FileRef{{Path: filepath.Join(t.TempDir(), "missing.go"), Display: "p/missing.go"}}, Gate: policyPtr(DefaultGatePolicy())})
	if g := rep.Files[0].Gate; g == nil || g.Checked {
		t.Errorf("missing.go: %+v", g)
	}
}

func TestGateFindingsAreCapped(t *testing.T) {
	var sb strings.Builder
	sb.WriteString("package p\n\nimport \"os\"\n\nfunc f() {\n")
	for i := 0; i < maxGateFindings+7; i++ {
		sb.WriteString("\tos.NewFile(3, \"\")\n")
	}
	sb.WriteString("}\n")
	got := gateSources(t, map[string]string{"p/p.go": sb.String()})["p/p.go"]
	if len(got.Findings) != maxGateFindings || got.Omitted != 7 || got.Findings[0].Line != 6 {
		t.Errorf("%d findings, %d omitted, first %+v", len(got.Findings), got.Omitted, got.Findings[0])
	}
}

func TestGatePolicyAdditionsAndAllowances(t *testing.T) {
	src := "package p\n\nimport (\n\t\"os/exec\"\n\t\"reflect\"\n\t\"syscall\"\n)\n\nvar _ = exec.Command\nvar _ = reflect.TypeOf\nvar _ = syscall.Kill\nvar _ = syscall.Getpid\n"
	policy := DefaultGatePolicy()
	policy.Deny = append(policy.Deny, GateRule{Rule: "reflect.TypeOf", Why: "project"})
	policy.Allow = append(policy.Allow, GateRule{Rule: "os/exec"}, GateRule{Rule: "syscall.Kill"})
	dir := t.TempDir()
	p := filepath.Join(dir, "p.go")
	if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	rep := Run(Request{Files: []FileRef{{Path: p, Display: "p/p.go"}}, Gate: &policy})
	if f := findings(rep.Files[0].Gate); strings.Join(f, ",") != "10 reflect.TypeOf,12 syscall" {
		t.Errorf("findings: %v", f)
	}
	if w := rep.Files[0].Gate.Findings[0].Why; w != "project" {
		t.Errorf("why = %q", w)
	}
}

func TestParseGateRule(t *testing.T) {
	for rule, want := range map[string]RuleKind{
		"unsafe":                   RuleImport,
		"C":                        RuleImport,
		"golang.org/x/sys/...":     RuleImport,
		"gopkg.in/yaml.v3":         RuleImport,
		"golang.org":               RuleImport,
		"os.NewFile":               RuleSelector,
		"syscall.SIG[A-Z]*":        RuleSelector,
		"gopkg.in/yaml.v3.Marshal": RuleSelector,
		"os/exec.*":                RuleSelector,
		"//go:linkname":            RuleDirective,
		"//go:cgo_*":               RuleDirective,
		"#cgo":                     RuleCgoDirective,
		"*.s":                      RuleFile,
		"/proc/*/fd":               RulePath,
	} {
		r, err := ParseGateRule(rule)
		if err != nil || r.kind != want {
			t.Errorf("%q: kind %d, err %v; want kind %d", rule, r.kind, err, want)
		}
	}
	for _, bad := range []string{"", "//go:", "#include", "/", "/../", "a b", "*.[", "x/", "dir/*.s", "a//b", "../x", "syscall.SIG["} {
		if _, err := ParseGateRule(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestDefaultGatePolicy(t *testing.T) {
	p := DefaultGatePolicy()
	if _, err := compilePolicy(p); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, r := range append(append([]GateRule(nil), p.Deny...), p.Allow...) {
		if seen[r.Rule] || r.Why == "" {
			t.Errorf("rule %q: duplicate or without a reason", r.Rule)
		}
		seen[r.Rule] = true
	}
	// The list, each present.
	for _, rule := range []string{"unsafe", "syscall", "golang.org/x/sys/...", "os/exec", "plugin", "C", "embed", "//go:linkname", "//go:cgo_*", "//go:embed", "#cgo", "*.c", "*.s", "*.syso", "os.NewFile", "/proc/*/fd", "/dev/fd"} {
		if !seen[rule] {
			t.Errorf("default policy lacks %q", rule)
		}
	}
	// The JSON is what dsgrade reads too: it must stay plain JSON with these keys.
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(defaultPolicyJSON, &raw); err != nil || raw["deny"] == nil || raw["allow"] == nil {
		t.Errorf("gate-default.json: %v %v", err, raw)
	}
}

func TestDecodeRequestRejectsBadGatePolicy(t *testing.T) {
	_, err := DecodeRequest(strings.NewReader(`{"files":[],"gate":{"deny":[{"rule":"a b"}],"allow":[]}}`))
	if err == nil || !strings.Contains(err.Error(), "gate.deny[0]") {
		t.Errorf("err = %v", err)
	}
	if _, err := DecodeRequest(strings.NewReader(`{"files":[],"gate":{"deny":[{"rule":"unsafe","why":"x"}],"allow":[]}}`)); err != nil {
		t.Errorf("valid policy rejected: %v", err)
	}
}

func TestPathsIn(t *testing.T) {
	got := pathsIn("cat /proc//self/./fd/3 >/tmp/x; x=../../proc/self/mem file:///dev/fd no-slash")
	want := []string{"/proc/self/fd/3", "/tmp/x", "/proc/self/mem", "/dev/fd"}
	if strconv.Quote(strings.Join(got, " ")) != strconv.Quote(strings.Join(want, " ")) {
		t.Errorf("pathsIn = %q, want %q", got, want)
	}
}

// TestGateDeniesStdProcessStarters: a program started from handed-in code inherits the test
// process's descriptors (Go's exec closes only close-on-exec descriptors, and an inherited one is
// not), so every standard-library package that can start one — every package whose dependencies
// include os/exec — is denied by default. A new Go release that adds one fails here.
func TestGateDeniesStdProcessStarters(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list std")
	}
	out, err := exec.Command("go", "list", "-f", `{{.ImportPath}} {{join .Deps " "}}`, "std").Output()
	if err != nil {
		t.Fatalf("go list std: %v", err)
	}
	policy, err := compilePolicy(DefaultGatePolicy())
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		fields := strings.Fields(line)
		pkg := fields[0]
		if pkg == "os/exec" || strings.HasPrefix(pkg, "cmd/") || strings.HasPrefix(pkg, "vendor/") || strings.Contains("/"+pkg+"/", "/internal/") {
			continue // os/exec is denied by name; the rest cannot be imported by handed-in code
		}
		if !slices.Contains(fields[1:], "os/exec") {
			continue
		}
		checked++
		if _, denied := policy.denied(func(r parsedRule) bool { return r.matchImport(pkg) }); !denied {
			t.Errorf("%s can start programs (it depends on os/exec) but the default gate admits it", pkg)
		}
	}
	if checked == 0 {
		t.Fatal("no standard package depends on os/exec: the check is not looking")
	}
}

// TestGateSyscallAllowancesAreConstants: the default admits syscall only for names matching its
// allow entries (signal and error numbers). Every such name in package syscall on Linux (amd64,
// arm64: where graders run) must be a constant or a type, never a function or a variable.
func TestGateSyscallAllowancesAreConstants(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	dir, err := exec.Command("go", "list", "-f", "{{.Dir}}", "syscall").Output()
	if err != nil {
		t.Fatalf("go list syscall: %v", err)
	}
	policy, err := compilePolicy(DefaultGatePolicy())
	if err != nil {
		t.Fatal(err)
	}
	allowed := func(name string) bool {
		_, ok := first(policy.allow, func(r parsedRule) bool { return r.matchSelector("syscall", name) })
		return ok
	}
	files, _ := filepath.Glob(filepath.Join(strings.TrimSpace(string(dir)), "*.go"))
	fset := token.NewFileSet()
	consts := 0
	for _, f := range files {
		linux := false
		for _, arch := range []string{"amd64", "arm64"} {
			ctx := build.Default
			ctx.GOOS, ctx.GOARCH, ctx.CgoEnabled = "linux", arch, true
			ok, err := ctx.MatchFile(filepath.Dir(f), filepath.Base(f))
			linux = linux || (ok && err == nil)
		}
		if strings.HasSuffix(f, "_test.go") || !linux {
			continue
		}
		file, err := parser.ParseFile(fset, f, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		for _, decl := range file.Decls {
			switch d := decl.(type) {
			case *ast.FuncDecl:
				if d.Recv == nil && allowed(d.Name.Name) {
					t.Errorf("%s: func %s is admitted by the default gate", filepath.Base(f), d.Name.Name)
				}
			case *ast.GenDecl:
				for _, spec := range d.Specs {
					if vs, ok := spec.(*ast.ValueSpec); ok {
						for _, n := range vs.Names {
							if !allowed(n.Name) {
								continue
							}
							if d.Tok == token.VAR {
								t.Errorf("%s: var %s is admitted by the default gate", filepath.Base(f), n.Name)
							}
							consts++
						}
					}
				}
			}
		}
	}
	if consts < 100 {
		t.Fatalf("only %d admitted constants found: the check is not looking", consts)
	}
}
