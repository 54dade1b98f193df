package vet

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/format"
	"time"
)

// maxFormatCost bounds the expression-nesting cost (see expressionCost) of
// files that are passed to go/format. The go/printer package takes quadratic
// time on long chains of binary operators or method calls, so a hostile
// 4 MiB file could otherwise keep the formatter busy for hours. Ordinary
// source, even generated source of several megabytes, stays far below it.
const maxFormatCost = 20_000_000

// formatTimeout is a last-resort bound on the time spent formatting one file.
// If it expires, the formatting goroutine is abandoned and keeps running
// until it finishes or the process exits.
var formatTimeout = 10 * time.Second

// checkGofmt compares src with the output of go/format.Source, which formats a
// complete file the same way gofmt does without the -s flag. When they differ
// it includes a truncated unified diff labelled with display. Files whose
// expressions are too deeply chained to format in reasonable time are not
// formatted; Error explains why.
func checkGofmt(display string, src []byte, file *ast.File) GofmtResult {
	if expressionCost(file, maxFormatCost) > maxFormatCost {
		return GofmtResult{Error: "not checked: the file contains expressions too long or too deeply nested to format safely"}
	}
	formatted, err := formatWithTimeout(src, formatTimeout)
	if err != nil {
		return GofmtResult{Error: truncate(err.Error(), maxMessageBytes)}
	}
	if bytes.Equal(src, formatted) {
		return GofmtResult{Formatted: true}
	}
	a, b := splitLines(src), splitLines(formatted)
	diff, truncated := unifiedDiff("a/"+display, "b/"+display, a, b, diffLines(a, b), MaxDiffLines)
	return GofmtResult{Diff: diff, Truncated: truncated}
}

// errFormatTimeout is returned by formatWithTimeout when formatting takes too long.
type errFormatTimeout struct{ d time.Duration }

func (e errFormatTimeout) Error() string {
	return "not checked: formatting took longer than " + e.d.String()
}

// formatWithTimeout runs format.Source in a separate goroutine and gives up
// after d.
func formatWithTimeout(src []byte, d time.Duration) ([]byte, error) {
	type result struct {
		out []byte
		err error
	}
	done := make(chan result, 1)
	go func() {
		defer func() {
			if v := recover(); v != nil {
				done <- result{err: errPanic{v}}
			}
		}()
		out, err := format.Source(src)
		done <- result{out, err}
	}()
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case r := <-done:
		return r.out, r.err
	case <-timer.C:
		return nil, errFormatTimeout{d}
	}
}

// errPanic wraps a value recovered from a panic inside the formatter.
type errPanic struct{ v any }

func (e errPanic) Error() string {
	return fmt.Sprintf("internal error while formatting: %v", e.v)
}

// expressionCost returns the sum, over every expression node in file, of the
// number of expression nodes on the path from it up to the nearest enclosing
// non-expression node (itself included). This equals the total size of all
// expression subtrees and bounds the work of the printer's quadratic
// algorithms. The walk stops early once the cost exceeds limit.
func expressionCost(file *ast.File, limit int64) int64 {
	var cost int64
	var runs []int64 // the run length of each node on the current path
	ast.Inspect(file, func(n ast.Node) bool {
		if n == nil {
			runs = runs[:len(runs)-1]
			return true
		}
		if cost > limit {
			return false
		}
		var run int64
		if _, ok := n.(ast.Expr); ok {
			run = 1
			if len(runs) > 0 {
				run += runs[len(runs)-1]
			}
		}
		cost += run
		runs = append(runs, run)
		return true
	})
	return cost
}
