package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"dsgrade.dev/harness/vet"
)

// buildCommand compiles dsgrade-vet into a temporary directory.
func buildCommand(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("skipping the end-to-end build in -short mode")
	}
	bin := filepath.Join(t.TempDir(), "dsgrade-vet")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// runCommand runs the binary with stdin and returns stdout, stderr and the exit code.
func runCommand(t *testing.T, bin, stdin string) (string, string, int) {
	t.Helper()
	cmd := exec.Command(bin)
	cmd.Stdin = strings.NewReader(stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	var exitErr *exec.ExitError
	if errors.As(err, &exitErr) {
		code = exitErr.ExitCode()
	} else if err != nil {
		t.Fatalf("running %s: %v", bin, err)
	}
	return stdout.String(), stderr.String(), code
}

func TestEndToEnd(t *testing.T) {
	bin := buildCommand(t)
	dir := t.TempDir()
	impl := filepath.Join(dir, "server_impl.go")
	src := "package p0partA\n\nimport (\n\t\"fmt\"\n\t\"sync\"\n)\n\nconst n = 3\n\n" +
		"var mu sync.Mutex\n\nfunc f(k int) {\n  c := make(chan int, n+1)\n\td := make(chan<- string, k)\n\tfmt.Println(c, d)\n}"
	if err := os.WriteFile(impl, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	broken := filepath.Join(dir, "broken.go")
	if err := os.WriteFile(broken, []byte("package p0partA\n\nfunc {\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	req := map[string]any{
		"files": []map[string]string{
			{"path": impl, "display": "p0partA/server_impl.go"},
			{"path": broken, "display": "p0partA/broken.go"},
			{"path": filepath.Join(dir, "missing.go"), "display": "p0partA/missing.go"},
		},
		"checks": map[string]bool{"imports": true, "gofmt": true, "chanbuf": true, "lines": true},
	}
	reqJSON, _ := json.Marshal(req)
	stdout, stderr, code := runCommand(t, bin, string(reqJSON))
	if code != 0 {
		t.Fatalf("exit code %d, stderr: %s", code, stderr)
	}
	var reply vet.Reply
	dec := json.NewDecoder(strings.NewReader(stdout))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&reply); err != nil {
		t.Fatalf("reply is not valid JSON: %v\n%s", err, stdout)
	}
	if len(reply.Files) != 3 {
		t.Fatalf("got %d file reports", len(reply.Files))
	}

	r := reply.Files[0]
	if r.Display != "p0partA/server_impl.go" || r.Package != "p0partA" || r.ParseError != "" || r.Error != "" {
		t.Errorf("server_impl.go: %+v", r)
	}
	if *r.Lines != 16 || *r.Bytes != int64(len(src)) {
		t.Errorf("lines/bytes = %d/%d", *r.Lines, *r.Bytes)
	}
	if len(r.Imports) != 2 || r.Imports[0] != (vet.Import{Path: "fmt", Line: 4}) || r.Imports[1] != (vet.Import{Path: "sync", Line: 5}) {
		t.Errorf("imports = %+v", r.Imports)
	}
	if r.Gofmt == nil || r.Gofmt.Formatted ||
		!strings.Contains(r.Gofmt.Diff, "--- a/p0partA/server_impl.go\n+++ b/p0partA/server_impl.go\n") ||
		!strings.Contains(r.Gofmt.Diff, "-  c := make(chan int, n+1)\n+\tc := make(chan int, n+1)\n") ||
		!strings.Contains(r.Gofmt.Diff, "\\ No newline at end of file") {
		t.Errorf("gofmt = %+v", r.Gofmt)
	}
	if len(r.ChanMakes) != 2 ||
		r.ChanMakes[0].Line != 13 || !r.ChanMakes[0].Constant || *r.ChanMakes[0].Value != 4 || r.ChanMakes[0].Buffer != "n+1" ||
		r.ChanMakes[1].Line != 14 || r.ChanMakes[1].Constant || r.ChanMakes[1].Value != nil || r.ChanMakes[1].Dir != "send" {
		t.Errorf("chanMakes = %+v", r.ChanMakes)
	}
	if strings.Contains(stdout, `\u003c`) {
		t.Errorf("reply escapes '<' needlessly: %s", stdout)
	}

	if b := reply.Files[1]; !strings.HasPrefix(b.ParseError, "p0partA/broken.go:3:6: ") || b.Gofmt != nil {
		t.Errorf("broken.go: %+v", b)
	}
	if m := reply.Files[2]; m.Error == "" || strings.Contains(m.Error, dir) {
		t.Errorf("missing.go: %+v", m)
	}
}

func TestEndToEndMalformedRequest(t *testing.T) {
	bin := buildCommand(t)
	for _, in := range []string{"", "not json", `{"files":[{"path":""}]}`, `{"files":[]} trailing`} {
		stdout, stderr, code := runCommand(t, bin, in)
		if code != 2 || stdout != "" || !strings.Contains(stderr, "malformed request") {
			t.Errorf("input %q: code %d, stdout %q, stderr %q", in, code, stdout, stderr)
		}
	}
}

func TestRunInProcess(t *testing.T) {
	var stdout, stderr bytes.Buffer
	code := run(strings.NewReader(`{"files":[{"path":"../../vet/testdata/server_impl.go","display":"p0partA/server_impl.go"}]}`), &stdout, &stderr)
	if code != 0 || stderr.Len() != 0 {
		t.Fatalf("code %d, stderr %s", code, stderr.String())
	}
	var reply vet.Reply
	if err := json.Unmarshal(stdout.Bytes(), &reply); err != nil || len(reply.Files) != 1 || reply.Files[0].Package != "p0partA" {
		t.Fatalf("reply %s, err %v", stdout.String(), err)
	}
	stdout.Reset()
	if code := run(strings.NewReader("{"), &stdout, &stderr); code != 2 || stdout.Len() != 0 {
		t.Errorf("malformed: code %d, stdout %q", code, stdout.String())
	}
}

func TestEndToEndGate(t *testing.T) {
	bin := buildCommand(t)
	dir := t.TempDir()
	attack := filepath.Join(dir, "server_impl.go")
	src := "package p0partA\n\n/*\n__asm__(\".incbin \\\"server_test.go\\\"\");\n*/\nimport/**/\"C\"\n"
	if err := os.WriteFile(attack, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	asm := filepath.Join(dir, "read_amd64.s")
	if err := os.WriteFile(asm, []byte("TEXT ·read(SB),$0\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	policy := vet.DefaultGatePolicy()
	req, _ := json.Marshal(vet.Request{
		Files: []vet.FileRef{{Path: attack, Display: "p0partA/server_impl.go"}, {Path: asm, Display: "p0partA/read_amd64.s"}},
		Gate:  &policy,
	})
	stdout, stderr, code := runCommand(t, bin, string(req))
	if code != 0 {
		t.Fatalf("exit code %d, stderr: %s", code, stderr)
	}
	var reply vet.Reply
	if err := json.Unmarshal([]byte(stdout), &reply); err != nil {
		t.Fatalf("reply: %v\n%s", err, stdout)
	}
	g := reply.Files[0].Gate
	if g == nil || !g.Checked || len(g.Findings) != 1 || g.Findings[0].Rule != "C" || g.Findings[0].Line != 6 || g.Findings[0].What != `import "C" (cgo)` {
		t.Errorf("server_impl.go gate: %+v", g)
	}
	if g := reply.Files[1].Gate; g == nil || len(g.Findings) != 1 || g.Findings[0].Rule != "*.s" || g.Findings[0].Line != 0 {
		t.Errorf("read_amd64.s gate: %+v", g)
	}

	bad := `{"files":[],"gate":{"deny":[{"rule":"not a rule"}],"allow":[]}}`
	if stdout, stderr, code := runCommand(t, bin, bad); code != 2 || stdout != "" || !strings.Contains(stderr, "gate.deny[0]") {
		t.Errorf("bad policy: code %d, stdout %q, stderr %q", code, stdout, stderr)
	}
}
