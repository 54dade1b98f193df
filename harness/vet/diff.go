package vet

import (
	"bytes"
	"fmt"
	"strings"
)

// MaxDiffLines is the largest number of lines, after the two file header
// lines, that a gofmt diff may contain before it is truncated.
const MaxDiffLines = 40

// maxDiffLineBytes caps the length of each line copied into a diff.
const maxDiffLineBytes = 200

// maxEditDistance bounds the work done by the Myers algorithm. When two files
// differ by more edits than this, the differing middle section is reported as
// one block of deletions followed by one block of insertions.
const maxEditDistance = 1000

// diffContext is the number of unchanged lines shown around each change.
const diffContext = 3

// editKind classifies one step of an edit script.
type editKind int

const (
	editEqual editKind = iota
	editDelete
	editInsert
)

// edit is one step of an edit script turning lines a into lines b. For
// editEqual both indices are meaningful; for editDelete, a is the deleted line
// and b is the insertion point in b; for editInsert, b is the inserted line and
// a is the insertion point in a.
type edit struct {
	kind editKind
	a, b int
}

// splitLines splits s into lines, keeping each line's terminating newline.
// The last line lacks the newline when s does not end with one.
func splitLines(s []byte) []string {
	var lines []string
	for len(s) > 0 {
		i := bytes.IndexByte(s, '\n')
		if i < 0 {
			lines = append(lines, string(s))
			break
		}
		lines = append(lines, string(s[:i+1]))
		s = s[i+1:]
	}
	return lines
}

// diffLines returns an edit script turning a into b. It is minimal unless the
// files differ by more than maxEditDistance edits.
func diffLines(a, b []string) []edit {
	prefix := 0
	for prefix < len(a) && prefix < len(b) && a[prefix] == b[prefix] {
		prefix++
	}
	suffix := 0
	for suffix < len(a)-prefix && suffix < len(b)-prefix && a[len(a)-1-suffix] == b[len(b)-1-suffix] {
		suffix++
	}
	edits := make([]edit, 0, len(a)+len(b))
	for i := 0; i < prefix; i++ {
		edits = append(edits, edit{editEqual, i, i})
	}
	midA, midB := a[prefix:len(a)-suffix], b[prefix:len(b)-suffix]
	mid, ok := myers(midA, midB, maxEditDistance)
	if !ok {
		mid = mid[:0]
		for i := range midA {
			mid = append(mid, edit{editDelete, i, 0})
		}
		for j := range midB {
			mid = append(mid, edit{editInsert, len(midA), j})
		}
	}
	for _, e := range mid {
		edits = append(edits, edit{e.kind, e.a + prefix, e.b + prefix})
	}
	for i := 0; i < suffix; i++ {
		edits = append(edits, edit{editEqual, len(a) - suffix + i, len(b) - suffix + i})
	}
	return edits
}

// myers computes a minimal edit script with Myers' O(ND) algorithm. It gives
// up, returning false, when more than maxD edits are needed.
func myers(a, b []string, maxD int) ([]edit, bool) {
	n, m := len(a), len(b)
	off := n + m + 1
	v := make([]int, 2*off+1)
	// trace[d] holds v[-d..d] after round d.
	var trace [][]int
	found := -1
	for d := 0; d <= n+m && d <= maxD; d++ {
		for k := -d; k <= d; k += 2 {
			var x int
			if k == -d || (k != d && v[off+k-1] < v[off+k+1]) {
				x = v[off+k+1]
			} else {
				x = v[off+k-1] + 1
			}
			y := x - k
			for x < n && y < m && a[x] == b[y] {
				x++
				y++
			}
			v[off+k] = x
		}
		snapshot := make([]int, 2*d+1)
		copy(snapshot, v[off-d:off+d+1])
		trace = append(trace, snapshot)
		if v[off+n-m] >= n && (n-m) >= -d && (n-m) <= d && (n-m+d)%2 == 0 {
			found = d
			break
		}
	}
	if found < 0 {
		return nil, false
	}
	// Walk back from (n, m), collecting edits in reverse.
	var rev []edit
	x, y := n, m
	for d := found; d > 0; d-- {
		prev := trace[d-1] // prev[i] is v[i-(d-1)]
		at := func(k int) int { return prev[k+d-1] }
		k := x - y
		var prevK int
		if k == -d || (k != d && at(k-1) < at(k+1)) {
			prevK = k + 1
		} else {
			prevK = k - 1
		}
		prevX := at(prevK)
		prevY := prevX - prevK
		startX, startY := prevX, prevY
		if prevK == k+1 {
			startY++ // An insertion moves down.
		} else {
			startX++ // A deletion moves right.
		}
		for x > startX && y > startY {
			x--
			y--
			rev = append(rev, edit{editEqual, x, y})
		}
		if prevK == k+1 {
			rev = append(rev, edit{editInsert, prevX, prevY})
		} else {
			rev = append(rev, edit{editDelete, prevX, prevY})
		}
		x, y = prevX, prevY
	}
	for x > 0 && y > 0 {
		x--
		y--
		rev = append(rev, edit{editEqual, x, y})
	}
	edits := make([]edit, len(rev))
	for i, e := range rev {
		edits[len(rev)-1-i] = e
	}
	return edits, true
}

// unifiedDiff renders edits as a unified diff with diffContext lines of
// context. The output has at most maxLines lines after the two file headers;
// truncated reports whether lines were dropped.
func unifiedDiff(nameA, nameB string, a, b []string, edits []edit, maxLines int) (out string, truncated bool) {
	var sb strings.Builder
	fmt.Fprintf(&sb, "--- %s\n+++ %s\n", nameA, nameB)
	written := 0
	emit := func(s string) bool {
		if written >= maxLines {
			truncated = true
			return false
		}
		sb.WriteString(s)
		sb.WriteByte('\n')
		written++
		return true
	}
	emitLine := func(prefix byte, line string) bool {
		text := strings.TrimSuffix(line, "\n")
		if !emit(string(prefix) + truncate(text, maxDiffLineBytes)) {
			return false
		}
		if !strings.HasSuffix(line, "\n") {
			return emit(`\ No newline at end of file`)
		}
		return true
	}

	for start := 0; start < len(edits); {
		// Find the next change.
		first := start
		for first < len(edits) && edits[first].kind == editEqual {
			first++
		}
		if first == len(edits) {
			break
		}
		// Extend the hunk while the gap to the next change is small.
		last := first
		for i := first + 1; i < len(edits); i++ {
			if edits[i].kind != editEqual {
				if i-last-1 > 2*diffContext {
					break
				}
				last = i
			}
		}
		lo := first - diffContext
		if lo < start {
			lo = start
		}
		if lo < 0 {
			lo = 0
		}
		hi := last + diffContext + 1
		if hi > len(edits) {
			hi = len(edits)
		}
		hunk := edits[lo:hi]
		countA, countB := 0, 0
		for _, e := range hunk {
			if e.kind != editInsert {
				countA++
			}
			if e.kind != editDelete {
				countB++
			}
		}
		startA, startB := hunk[0].a+1, hunk[0].b+1
		if countA == 0 {
			startA--
		}
		if countB == 0 {
			startB--
		}
		if !emit(fmt.Sprintf("@@ -%s +%s @@", hunkRange(startA, countA), hunkRange(startB, countB))) {
			return sb.String(), truncated
		}
		for _, e := range hunk {
			var ok bool
			switch e.kind {
			case editEqual:
				ok = emitLine(' ', a[e.a])
			case editDelete:
				ok = emitLine('-', a[e.a])
			case editInsert:
				ok = emitLine('+', b[e.b])
			}
			if !ok {
				return sb.String(), truncated
			}
		}
		start = hi
	}
	return sb.String(), truncated
}

// hunkRange formats one side of a hunk header, omitting a count of one as
// unified diffs conventionally do.
func hunkRange(start, count int) string {
	if count == 1 {
		return fmt.Sprintf("%d", start)
	}
	return fmt.Sprintf("%d,%d", start, count)
}
