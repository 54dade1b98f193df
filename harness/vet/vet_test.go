package vet

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

// analyze runs every check on src under the display name "p/f.go".
func analyze(t *testing.T, src string) FileReport {
	t.Helper()
	return AnalyzeSource("p/f.go", []byte(src), AllChecks())
}

func TestImports(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want []Import
	}{
		{
			name: "none",
			src:  "package p\n",
			want: nil,
		},
		{
			name: "single",
			src:  "package p\n\nimport \"sync\"\n",
			want: []Import{{Path: "sync", Line: 3}},
		},
		{
			name: "grouped aliased dot blank",
			src: "package p\n\nimport (\n\t\"fmt\"\n\tstr \"strings\"\n\t. \"math\"\n\t_ \"embed\"\n)\n\n" +
				"var _ = fmt.Sprint\nvar _ = str.Repeat\nvar _ = Pi\n",
			want: []Import{
				{Path: "fmt", Line: 4},
				{Path: "strings", Name: "str", Line: 5},
				{Path: "math", Name: ".", Line: 6},
				{Path: "embed", Name: "_", Line: 7},
			},
		},
		{
			name: "several declarations and cgo",
			src:  "package p\n\n// #include <stdio.h>\nimport \"C\"\nimport (\n\t\"os\"\n)\nimport `net/http`\n",
			want: []Import{{Path: "C", Line: 4}, {Path: "os", Line: 6}, {Path: "net/http", Line: 8}},
		},
		{
			name: "line directive does not move lines",
			src:  "package p\n\n//line other.go:100\nimport \"os\"\n",
			want: []Import{{Path: "os", Line: 4}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep := analyze(t, tt.src)
			if rep.ParseError != "" || rep.Error != "" {
				t.Fatalf("unexpected failure: %+v", rep)
			}
			if !reflect.DeepEqual(rep.Imports, tt.want) {
				t.Errorf("imports = %+v, want %+v", rep.Imports, tt.want)
			}
		})
	}
}

func TestGofmt(t *testing.T) {
	tests := []struct {
		name          string
		src           string
		wantFormatted bool
		wantDiff      []string // substrings the diff must contain, in order
	}{
		{
			name:          "clean",
			src:           "package p\n\nfunc f() int {\n\treturn 1\n}\n",
			wantFormatted: true,
		},
		{
			name:          "space indentation",
			src:           "package p\n\nfunc f() int {\n    return 1\n}\n",
			wantFormatted: false,
			wantDiff: []string{
				"--- a/p/f.go\n+++ b/p/f.go\n",
				"@@ -1,5 +1,5 @@\n",
				" func f() int {\n-    return 1\n+\treturn 1\n }\n",
			},
		},
		{
			name:          "missing final newline",
			src:           "package p",
			wantFormatted: false,
			wantDiff: []string{
				"@@ -1 +1 @@\n-package p\n\\ No newline at end of file\n+package p\n",
			},
		},
		{
			name:          "unsorted imports",
			src:           "package p\n\nimport (\n\t\"sync\"\n\t\"fmt\"\n)\n\nvar _ = fmt.Sprint\nvar _ sync.Mutex\n",
			wantFormatted: false,
			wantDiff:      []string{"-\t\"sync\"\n", "+\t\"sync\"\n"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep := analyze(t, tt.src)
			if rep.Gofmt == nil {
				t.Fatalf("gofmt missing: %+v", rep)
			}
			if rep.Gofmt.Formatted != tt.wantFormatted {
				t.Fatalf("formatted = %v, want %v; diff:\n%s", rep.Gofmt.Formatted, tt.wantFormatted, rep.Gofmt.Diff)
			}
			if tt.wantFormatted && rep.Gofmt.Diff != "" {
				t.Errorf("clean file has a diff:\n%s", rep.Gofmt.Diff)
			}
			rest := rep.Gofmt.Diff
			for _, want := range tt.wantDiff {
				i := strings.Index(rest, want)
				if i < 0 {
					t.Fatalf("diff lacks %q; diff:\n%s", want, rep.Gofmt.Diff)
				}
				rest = rest[i+len(want):]
			}
		})
	}
}

func TestGofmtDiffIsCapped(t *testing.T) {
	var sb strings.Builder
	sb.WriteString("package p\n\nfunc f() {\n")
	for i := 0; i < 500; i++ {
		sb.WriteString("    _ = 1\n")
	}
	sb.WriteString("}\n")
	rep := analyze(t, sb.String())
	g := rep.Gofmt
	if g == nil || g.Formatted || !g.Truncated {
		t.Fatalf("want a truncated diff, got %+v", g)
	}
	if n := strings.Count(g.Diff, "\n"); n != MaxDiffLines+2 {
		t.Errorf("diff has %d lines, want %d", n, MaxDiffLines+2)
	}
}

func TestParseError(t *testing.T) {
	src := "package p0partA\n\nfunc f() {\n\tx := 1\n\ty z\n}\n"
	rep := AnalyzeSource("p0partA/server_impl.go", []byte(src), AllChecks())
	want := "p0partA/server_impl.go:5:4: "
	if !strings.HasPrefix(rep.ParseError, want) {
		t.Fatalf("parseError = %q, want prefix %q", rep.ParseError, want)
	}
	if rep.Gofmt != nil || rep.Imports != nil || rep.ChanMakes != nil {
		t.Errorf("analysis fields set for an unparsable file: %+v", rep)
	}
	if rep.Package != "p0partA" || rep.Lines == nil || *rep.Lines != 6 || rep.Bytes == nil || *rep.Bytes != int64(len(src)) {
		t.Errorf("package/lines/bytes wrong: %+v", rep)
	}
	if rep.Error != "" {
		t.Errorf("error = %q, want none", rep.Error)
	}
}

func TestParseErrorIgnoresLineDirectives(t *testing.T) {
	src := "package p\n\n//line fake.go:900:1\nfunc f() {\n\t)\n}\n"
	rep := analyze(t, src)
	if !strings.HasPrefix(rep.ParseError, "p/f.go:5:2: ") {
		t.Fatalf("parseError = %q", rep.ParseError)
	}
}

func TestChanMakes(t *testing.T) {
	i64 := func(v int64) *int64 { return &v }
	const header = "package p\n\n"
	tests := []struct {
		name string
		src  string
		want []ChanMake
	}{
		{
			name: "unbuffered",
			src:  header + "var c = make(chan int)\n",
			want: []ChanMake{{Line: 3, Column: 9, Type: "chan int", Dir: "both", Buffer: "0", Constant: true, Value: i64(0)}},
		},
		{
			name: "literals",
			src:  header + "var a, b, c, d = make(chan int, 3), make(chan int, 0x10), make(chan int, 1_000), make(chan byte, 'x')\n",
			want: []ChanMake{
				{Line: 3, Column: 18, Type: "chan int", Dir: "both", Buffer: "3", Constant: true, Value: i64(3)},
				{Line: 3, Column: 37, Type: "chan int", Dir: "both", Buffer: "0x10", Constant: true, Value: i64(16)},
				{Line: 3, Column: 59, Type: "chan int", Dir: "both", Buffer: "1_000", Constant: true, Value: i64(1000)},
				{Line: 3, Column: 82, Type: "chan byte", Dir: "both", Buffer: "'x'", Constant: true, Value: i64('x')},
			},
		},
		{
			name: "constant expressions",
			src: header + "const size = 4\nconst (\n\tzero = iota\n\tone\n\ttwo\n)\n\n" +
				"func f() {\n\t_ = make(chan int, size*2+one)\n\t_ = make(chan int, (size-two)*-1)\n\t_ = make(chan int, int(two)<<3)\n}\n",
			want: []ChanMake{
				{Line: 11, Column: 6, Type: "chan int", Dir: "both", Buffer: "size*2+one", Constant: true, Value: i64(9)},
				{Line: 12, Column: 6, Type: "chan int", Dir: "both", Buffer: "(size-two)*-1", Constant: true, Value: i64(-2)},
				{Line: 13, Column: 6, Type: "chan int", Dir: "both", Buffer: "int(two)<<3", Constant: true, Value: i64(16)},
			},
		},
		{
			name: "variables and non-constants",
			src: header + "import \"runtime\"\n\nconst n = 2\n\nfunc f(k int) {\n\tn := 5\n\t_ = make(chan int, k)\n\t_ = make(chan int, n)\n" +
				"\t_ = make(chan int, runtime.NumCPU())\n\t_ = make(chan int, 1/0)\n}\n",
			want: []ChanMake{
				{Line: 9, Column: 6, Type: "chan int", Dir: "both", Buffer: "k"},
				{Line: 10, Column: 6, Type: "chan int", Dir: "both", Buffer: "n"},
				{Line: 11, Column: 6, Type: "chan int", Dir: "both", Buffer: "runtime.NumCPU()"},
				{Line: 12, Column: 6, Type: "chan int", Dir: "both", Buffer: "1/0"},
			},
		},
		{
			name: "local constant",
			src:  header + "func f() {\n\tconst k = 3\n\t_ = make(chan int, k+1)\n}\n",
			want: []ChanMake{{Line: 5, Column: 6, Type: "chan int", Dir: "both", Buffer: "k+1", Constant: true, Value: i64(4)}},
		},
		{
			name: "directional",
			src:  header + "var s = make(chan<- int, 1)\nvar r = make(<-chan int)\n",
			want: []ChanMake{
				{Line: 3, Column: 9, Type: "chan<- int", Dir: "send", Buffer: "1", Constant: true, Value: i64(1)},
				{Line: 4, Column: 9, Type: "<-chan int", Dir: "recv", Buffer: "0", Constant: true, Value: i64(0)},
			},
		},
		{
			name: "closures generics and named types",
			src: header + "type Pipe chan string\ntype Alias = Pipe\ntype Gen[T any] chan<- T\ntype NotChan []int\n\n" +
				"func g[T any]() {\n\tgo func() {\n\t\t_ = make(chan T, 2)\n\t}()\n\t_ = make(Alias, 1)\n\t_ = make(Gen[T])\n\t_ = make(NotChan, 3)\n\t_ = make(map[int]chan int)\n}\n",
			want: []ChanMake{
				{Line: 10, Column: 7, Type: "chan T", Dir: "both", Buffer: "2", Constant: true, Value: i64(2)},
				{Line: 12, Column: 6, Type: "Alias", Dir: "both", Buffer: "1", Constant: true, Value: i64(1)},
				{Line: 13, Column: 6, Type: "Gen[T]", Dir: "send", Buffer: "0", Constant: true, Value: i64(0)},
			},
		},
		{
			name: "shadowed make",
			src:  header + "func make(x interface{}, n int) int { return n }\n\nvar _ = make(chan int(nil), 1)\n",
			want: nil,
		},
		{
			name: "cyclic constants",
			src:  header + "const a = b\nconst b = a\n\nvar _ = make(chan int, a)\n",
			want: []ChanMake{{Line: 6, Column: 9, Type: "chan int", Dir: "both", Buffer: "a"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep := analyze(t, tt.src)
			if rep.ParseError != "" {
				t.Fatalf("parse error: %s", rep.ParseError)
			}
			if !reflect.DeepEqual(rep.ChanMakes, tt.want) {
				got, _ := json.MarshalIndent(rep.ChanMakes, "", "  ")
				want, _ := json.MarshalIndent(tt.want, "", "  ")
				t.Errorf("chanMakes =\n%s\nwant\n%s", got, want)
			}
		})
	}
}

func TestHostileConstants(t *testing.T) {
	// Each constant squares the previous one: evaluated naively this would
	// need 2^60 bits; evaluated without memoisation it would take 2^60 steps.
	var sb strings.Builder
	sb.WriteString("package p\n\nconst c0 = 3\n")
	for i := 1; i <= 60; i++ {
		sb.WriteString("const c" + strconv.Itoa(i) + " = c" + strconv.Itoa(i-1) + " * c" + strconv.Itoa(i-1) + "\n")
	}
	sb.WriteString("var _ = make(chan int, c60)\nvar _ = make(chan int, c2)\n")
	sb.WriteString("var _ = make(chan int, " + strings.Repeat("9", 5000) + ")\n")
	sb.WriteString("var _ = make(chan int, 1" + strings.Repeat("+1", 20000) + ")\n")
	rep := analyze(t, sb.String())
	if rep.ParseError != "" {
		t.Fatal(rep.ParseError)
	}
	if len(rep.ChanMakes) != 4 {
		t.Fatalf("got %d chan makes", len(rep.ChanMakes))
	}
	if rep.ChanMakes[0].Constant {
		t.Errorf("c60 reported constant: %+v", rep.ChanMakes[0])
	}
	if m := rep.ChanMakes[1]; !m.Constant || *m.Value != 81 {
		t.Errorf("c2 = %+v, want 81", m)
	}
	if rep.ChanMakes[2].Constant {
		t.Errorf("huge literal reported constant")
	}
	if len(rep.ChanMakes[2].Buffer) > maxSourceText+len("…") {
		t.Errorf("buffer text not truncated: %d bytes", len(rep.ChanMakes[2].Buffer))
	}
	if rep.ChanMakes[3].Constant {
		t.Errorf("expression deeper than maxEvalDepth reported constant")
	}
}

func TestCountLines(t *testing.T) {
	tests := []struct {
		src  string
		want int
	}{
		{"", 0},
		{"\n", 1},
		{"a", 1},
		{"a\n", 1},
		{"a\nb", 2},
		{"a\nb\n", 2},
		{"\n\n\n", 3},
		{"a\r\nb\r\n", 2},
	}
	for _, tt := range tests {
		if got := CountLines([]byte(tt.src)); got != tt.want {
			t.Errorf("CountLines(%q) = %d, want %d", tt.src, got, tt.want)
		}
	}
}

func TestEmptyFile(t *testing.T) {
	rep := analyze(t, "")
	if *rep.Lines != 0 || *rep.Bytes != 0 {
		t.Errorf("lines/bytes = %d/%d, want 0/0", *rep.Lines, *rep.Bytes)
	}
	if !strings.HasPrefix(rep.ParseError, "p/f.go:1:1: ") {
		t.Errorf("parseError = %q", rep.ParseError)
	}
}

func TestGarbageBytes(t *testing.T) {
	inputs := map[string][]byte{
		"nul and high bytes": {0, 1, 2, 0xff, 0xfe, '\n', 0x80, 'p', 'a', 'c', 'k'},
		"package then junk":  append([]byte("package p\n\nvar s = \""), 0xff, 0x00, '"', '\n'),
		"unbalanced":         []byte("package p\nfunc f() { { { { ( [ \n"),
		"deep nesting":       []byte("package p\nvar x = " + strings.Repeat("(", 200000) + "1" + strings.Repeat(")", 200000) + "\n"),
		"long string literal": append(append([]byte("package p\nvar s = \""), []byte(strings.Repeat("x", 1<<20))...),
			[]byte("\"\nfunc {\n")...),
	}
	for name, src := range inputs {
		t.Run(name, func(t *testing.T) {
			rep := AnalyzeSource("g.go", src, AllChecks())
			if rep.ParseError == "" {
				t.Fatalf("garbage parsed without error: %+v", rep)
			}
			if !strings.HasPrefix(rep.ParseError, "g.go:") || len(rep.ParseError) > maxMessageBytes+len("…") {
				t.Errorf("parseError = %q", rep.ParseError)
			}
			if _, err := json.Marshal(rep); err != nil {
				t.Errorf("report does not encode: %v", err)
			}
		})
	}
}

func TestDeepButValidNesting(t *testing.T) {
	src := "package p\nvar c = make(chan int, " + strings.Repeat("(", 5000) + "1" + strings.Repeat(")", 5000) + ")\n"
	rep := analyze(t, src)
	if rep.ParseError != "" {
		t.Fatal(rep.ParseError)
	}
	if len(rep.ChanMakes) != 1 || !rep.ChanMakes[0].Constant || *rep.ChanMakes[0].Value != 1 {
		t.Errorf("chanMakes = %+v", rep.ChanMakes)
	}
}

func TestChecksSelection(t *testing.T) {
	src := []byte("package p\nimport \"os\"\nvar c = make(chan int)\nvar _ = os.Args\n")
	rep := AnalyzeSource("f.go", src, Checks{})
	if rep.Package != "p" || rep.Imports != nil || rep.Gofmt != nil || rep.ChanMakes != nil || rep.Lines != nil || rep.Bytes != nil {
		t.Errorf("disabled checks produced output: %+v", rep)
	}
	rep = AnalyzeSource("f.go", src, Checks{Chanbuf: true})
	if len(rep.ChanMakes) != 1 || rep.Imports != nil {
		t.Errorf("only chanbuf wanted: %+v", rep)
	}
}

func TestRunFiles(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := write("good.go", []byte("package good\n"))
	huge := write("huge.go", append([]byte("package huge\n//"), make([]byte, MaxFileBytes)...))
	missing := filepath.Join(dir, "missing.go")

	reply := Run(Request{Files: []FileRef{
		{Path: good, Display: "p/good.go"},
		{Path: missing, Display: "p/missing.go"},
		{Path: huge, Display: "p/huge.go"},
		{Path: dir, Display: "p/dir"},
		{Path: good},
	}})
	if len(reply.Files) != 5 {
		t.Fatalf("got %d reports", len(reply.Files))
	}
	r := reply.Files
	if r[0].Display != "p/good.go" || r[0].Package != "good" || r[0].Error != "" || r[0].Gofmt == nil || !r[0].Gofmt.Formatted {
		t.Errorf("good: %+v", r[0])
	}
	if r[1].Error != "p/missing.go: cannot read file: no such file or directory" || r[1].Package != "" {
		t.Errorf("missing: %+v", r[1])
	}
	if strings.Contains(r[1].Error, dir) {
		t.Errorf("error leaks the host path: %q", r[1].Error)
	}
	if !r[2].TooLarge || !strings.Contains(r[2].Error, "exceeds the limit") || r[2].Bytes == nil || *r[2].Bytes != int64(MaxFileBytes+15) {
		t.Errorf("huge: %+v", r[2])
	}
	if !strings.Contains(r[3].Error, "not a regular file") {
		t.Errorf("dir: %+v", r[3])
	}
	if r[4].Display != good {
		t.Errorf("display should default to the path: %+v", r[4])
	}
}

func TestAnalyzeSourceTooLarge(t *testing.T) {
	rep := AnalyzeSource("big.go", make([]byte, MaxFileBytes+1), AllChecks())
	if !rep.TooLarge || rep.Error == "" || rep.ParseError != "" {
		t.Errorf("got %+v", rep)
	}
}

func TestFixtureFile(t *testing.T) {
	reply := Run(Request{Files: []FileRef{{Path: "testdata/server_impl.go", Display: "p0partA/server_impl.go"}}})
	rep := reply.Files[0]
	if rep.Error != "" || rep.ParseError != "" || rep.Package != "p0partA" {
		t.Fatalf("got %+v", rep)
	}
	wantImports := []Import{{Path: "bufio", Line: 5}, {Path: "net", Line: 6}, {Path: "sync", Line: 7}}
	if !reflect.DeepEqual(rep.Imports, wantImports) {
		t.Errorf("imports = %+v", rep.Imports)
	}
	if rep.Gofmt == nil || !rep.Gofmt.Formatted {
		t.Errorf("gofmt = %+v", rep.Gofmt)
	}
	if len(rep.ChanMakes) != 2 || *rep.ChanMakes[0].Value != 100 || rep.ChanMakes[0].Buffer != "queueSize" || *rep.ChanMakes[1].Value != 0 {
		t.Errorf("chanMakes = %+v", rep.ChanMakes)
	}
	if *rep.Lines != 30 {
		t.Errorf("lines = %d", *rep.Lines)
	}
}

func TestPanicIsContained(t *testing.T) {
	// No known input makes the analysis panic, so inject a panicking reader.
	rep := func() (rep FileReport) {
		defer func() {
			if v := recover(); v != nil {
				t.Fatalf("panic escaped: %v", v)
			}
		}()
		rep, parsed := analyzeRefWith(FileRef{Path: "x", Display: "x.go"}, AllChecks(), func(string) ([]byte, int64, bool, error) {
			panic("boom")
		})
		if parsed != nil {
			t.Errorf("a file whose analysis panicked is handed to the gate as parsed")
		}
		return rep
	}()
	if !strings.Contains(rep.Error, "internal error") || !strings.Contains(rep.Error, "boom") {
		t.Errorf("got %+v", rep)
	}
}
