package vet

import (
	"math/rand"
	"strings"
	"testing"
	"time"
)

// applyEdits rebuilds both sides from an edit script and checks that every
// line is used exactly once and in order.
func applyEdits(t *testing.T, a, b []string, edits []edit) (gotA, gotB []string) {
	t.Helper()
	for _, e := range edits {
		switch e.kind {
		case editEqual:
			if a[e.a] != b[e.b] {
				t.Fatalf("equal edit joins different lines %q and %q", a[e.a], b[e.b])
			}
			gotA = append(gotA, a[e.a])
			gotB = append(gotB, b[e.b])
		case editDelete:
			gotA = append(gotA, a[e.a])
		case editInsert:
			gotB = append(gotB, b[e.b])
		}
	}
	return gotA, gotB
}

// lcsLen is the textbook dynamic-programming LCS length, used as an oracle.
func lcsLen(a, b []string) int {
	dp := make([][]int, len(a)+1)
	for i := range dp {
		dp[i] = make([]int, len(b)+1)
	}
	for i := len(a) - 1; i >= 0; i-- {
		for j := len(b) - 1; j >= 0; j-- {
			if a[i] == b[j] {
				dp[i][j] = dp[i+1][j+1] + 1
			} else {
				dp[i][j] = max(dp[i+1][j], dp[i][j+1])
			}
		}
	}
	return dp[0][0]
}

func TestDiffLinesIsMinimal(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	randLines := func() []string {
		n := rng.Intn(12)
		out := make([]string, n)
		for i := range out {
			out[i] = string(rune('a'+rng.Intn(4))) + "\n"
		}
		return out
	}
	for iter := 0; iter < 3000; iter++ {
		a, b := randLines(), randLines()
		edits := diffLines(a, b)
		gotA, gotB := applyEdits(t, a, b, edits)
		if strings.Join(gotA, "") != strings.Join(a, "") || strings.Join(gotB, "") != strings.Join(b, "") {
			t.Fatalf("edit script does not reproduce inputs: a=%q b=%q edits=%v", a, b, edits)
		}
		equal := 0
		for _, e := range edits {
			if e.kind == editEqual {
				equal++
			}
		}
		if want := lcsLen(a, b); equal != want {
			t.Fatalf("a=%q b=%q: %d equal lines, LCS is %d", a, b, equal, want)
		}
	}
}

func TestDiffLinesFallback(t *testing.T) {
	// More than maxEditDistance changes: the middle is replaced wholesale,
	// which must still be a valid edit script.
	var a, b []string
	for i := 0; i < 2*maxEditDistance; i++ {
		a = append(a, "x\n")
		b = append(b, "y\n")
	}
	a = append([]string{"same\n"}, a...)
	b = append([]string{"same\n"}, b...)
	edits := diffLines(a, b)
	gotA, gotB := applyEdits(t, a, b, edits)
	if len(gotA) != len(a) || len(gotB) != len(b) {
		t.Fatalf("fallback script lengths %d/%d, want %d/%d", len(gotA), len(gotB), len(a), len(b))
	}
}

func TestUnifiedDiffHunks(t *testing.T) {
	a := splitLines([]byte("1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n13\n14\n15\n"))
	b := splitLines([]byte("1\nTWO\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n13\n15\nnew\n"))
	got, truncated := unifiedDiff("a/f", "b/f", a, b, diffLines(a, b), 100)
	want := "--- a/f\n+++ b/f\n" +
		"@@ -1,5 +1,5 @@\n 1\n-2\n+TWO\n 3\n 4\n 5\n" +
		"@@ -11,5 +11,5 @@\n 11\n 12\n 13\n-14\n 15\n+new\n"
	if got != want || truncated {
		t.Errorf("diff =\n%s\nwant\n%s", got, want)
	}
	got, truncated = unifiedDiff("a/f", "b/f", a, b, diffLines(a, b), 4)
	if !truncated || strings.Count(got, "\n") != 6 {
		t.Errorf("capped diff (truncated=%v):\n%s", truncated, got)
	}
	// An insertion into an empty file uses a zero start line.
	got, _ = unifiedDiff("a/f", "b/f", nil, []string{"x\n"}, diffLines(nil, []string{"x\n"}), 10)
	if !strings.Contains(got, "@@ -0,0 +1 @@\n+x\n") {
		t.Errorf("insert into empty file:\n%s", got)
	}
}

func TestUnifiedDiffLongLines(t *testing.T) {
	a := []string{strings.Repeat("é", 1000) + "\n"}
	b := []string{"short\n"}
	got, _ := unifiedDiff("a/f", "b/f", a, b, diffLines(a, b), 10)
	for _, line := range strings.Split(got, "\n") {
		if len(line) > maxDiffLineBytes+len("-…") {
			t.Errorf("line of %d bytes not truncated", len(line))
		}
	}
	if !strings.Contains(got, "…") || strings.ContainsRune(got, '\uFFFD') {
		t.Errorf("truncation split a rune or did not mark the cut:\n%.300s", got)
	}
}

func TestGofmtGuardsAgainstSlowInputs(t *testing.T) {
	inputs := map[string]string{
		"binary chain": "package p\nvar x = 1" + strings.Repeat("+1", 20000) + "\n",
		"method chain": "package p\nvar x = a" + strings.Repeat(".b()", 20000) + "\n",
	}
	for name, src := range inputs {
		t.Run(name, func(t *testing.T) {
			start := time.Now()
			rep := analyze(t, src)
			if rep.ParseError != "" {
				t.Fatal(rep.ParseError)
			}
			if rep.Gofmt == nil || !strings.Contains(rep.Gofmt.Error, "too long or too deeply nested") {
				t.Errorf("gofmt = %+v", rep.Gofmt)
			}
			// Guards against a pathological (exponential) analysis, not speed: the bound is generous
			// so a loaded machine never trips it.
			if d := time.Since(start); d > 30*time.Second {
				t.Errorf("took %v", d)
			}
		})
	}
}

func TestFormatTimeout(t *testing.T) {
	src := []byte("package p\nvar x = 1" + strings.Repeat("+1", 3000) + "\n")
	_, err := formatWithTimeout(src, time.Microsecond)
	if _, ok := err.(errFormatTimeout); !ok {
		t.Fatalf("err = %v, want a timeout", err)
	}
	out, err := formatWithTimeout([]byte("package p\nvar x=1\n"), time.Minute)
	if err != nil || string(out) != "package p\n\nvar x = 1\n" {
		t.Fatalf("got %q, %v", out, err)
	}
}
