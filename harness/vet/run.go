package vet

import (
	"bytes"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/scanner"
	"go/token"
	"io"
	"io/fs"
	"os"
	"unicode/utf8"
)

// maxMessageBytes caps the length of error messages copied into a reply, since
// parser messages can quote arbitrarily long literals from the source.
const maxMessageBytes = 300

// Run analyses every file named in req and returns one report per file, in
// request order. It never fails as a whole: problems with individual files,
// including panics raised while analysing them, are recorded in the
// corresponding FileReport.
func Run(req Request) Reply {
	checks := AllChecks()
	if req.Checks != nil {
		checks = *req.Checks
	}
	reply := Reply{Files: make([]FileReport, 0, len(req.Files))}
	parsed := make([]*parsedSource, 0, len(req.Files))
	for _, ref := range req.Files {
		rep, p := analyzeRef(ref, checks)
		reply.Files = append(reply.Files, rep)
		parsed = append(parsed, p)
	}
	if req.Gate != nil {
		runGate(*req.Gate, reply.Files, parsed)
	}
	return reply
}

// runGate runs the static gate, turning a panic into unchecked files: a
// hostile file must never make the gate pass.
func runGate(policy GatePolicy, reports []FileReport, parsed []*parsedSource) {
	defer func() {
		if v := recover(); v != nil {
			for i := range reports {
				reports[i].Gate = &GateResult{Checked: false}
				if reports[i].Error == "" {
					reports[i].Error = truncate(fmt.Sprintf("internal error in the static gate: %v", v), maxMessageBytes)
				}
			}
		}
	}()
	compiled, err := compilePolicy(policy)
	if err != nil {
		panic(err) // DecodeRequest rejects bad policies; a caller of Run that skipped it gets unchecked files
	}
	gateFiles(compiled, reports, parsed)
}

// analyzeRef reads one file from disk and analyses it.
func analyzeRef(ref FileRef, checks Checks) (FileReport, *parsedSource) {
	return analyzeRefWith(ref, checks, readSource)
}

// sourceReader reads a file for analysis; readSource is the real implementation.
type sourceReader func(path string) (src []byte, size int64, tooLarge bool, err error)

// analyzeRefWith reads one file with read and analyses it, converting a panic
// into an error report so that one hostile file cannot abort the whole request.
func analyzeRefWith(ref FileRef, checks Checks, read sourceReader) (rep FileReport, parsed *parsedSource) {
	display := ref.Display
	if display == "" {
		display = ref.Path
	}
	defer func() {
		if v := recover(); v != nil {
			rep = FileReport{
				Display: display,
				Error:   truncate(fmt.Sprintf("internal error while analysing %s: %v", display, v), maxMessageBytes),
			}
			parsed = nil
		}
	}()
	src, size, tooLarge, err := read(ref.Path)
	if err != nil {
		rep = FileReport{Display: display, Error: fmt.Sprintf("%s: cannot read file: %v", display, err)}
		if tooLarge {
			rep.TooLarge = true
			rep.Error = fmt.Sprintf("%s: file is %d bytes, which exceeds the limit of %d bytes", display, size, MaxFileBytes)
			if checks.Lines {
				rep.Bytes = &size
			}
		}
		return rep, nil
	}
	return analyzeSource(display, src, checks)
}

// readSource reads a regular file of at most MaxFileBytes bytes. When the file
// is too large it returns tooLarge set, the file's size and a non-nil error.
// Error messages never include the on-disk path.
func readSource(path string) (src []byte, size int64, tooLarge bool, err error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, 0, false, unwrapPathError(err)
	}
	if !info.Mode().IsRegular() {
		return nil, 0, false, errors.New("not a regular file")
	}
	if info.Size() > MaxFileBytes {
		return nil, info.Size(), true, errors.New("file too large")
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, false, unwrapPathError(err)
	}
	defer f.Close()
	// The file may have grown since Stat, so the limit is enforced again here.
	src, err = io.ReadAll(io.LimitReader(f, MaxFileBytes+1))
	if err != nil {
		return nil, 0, false, unwrapPathError(err)
	}
	if len(src) > MaxFileBytes {
		return nil, int64(len(src)), true, errors.New("file too large")
	}
	return src, int64(len(src)), false, nil
}

// unwrapPathError strips the path from *fs.PathError values so that host paths
// do not leak into replies.
func unwrapPathError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// AnalyzeSource runs the selected checks on src, which is reported under the
// name display. It is the in-memory core of Run and does not touch the file
// system. Sources larger than MaxFileBytes are reported as too large.
func AnalyzeSource(display string, src []byte, checks Checks) FileReport {
	rep, _ := analyzeSource(display, src, checks)
	return rep
}

// analyzeSource is AnalyzeSource that also returns the parsed file (nil when
// it did not parse) for the gate's pass over all files.
func analyzeSource(display string, src []byte, checks Checks) (FileReport, *parsedSource) {
	rep := FileReport{Display: display}
	size := int64(len(src))
	if checks.Lines {
		rep.Bytes = &size
	}
	if size > MaxFileBytes {
		rep.TooLarge = true
		rep.Error = fmt.Sprintf("%s: file is %d bytes, which exceeds the limit of %d bytes", display, size, MaxFileBytes)
		return rep, nil
	}
	if checks.Lines {
		n := CountLines(src)
		rep.Lines = &n
	}

	fset := token.NewFileSet()
	file, err := parser.ParseFile(fset, display, src, parser.ParseComments)
	if file != nil && file.Name != nil && file.Name.Name != "_" && file.Name.Name != "" {
		rep.Package = file.Name.Name
	}
	if err != nil {
		rep.ParseError = formatParseError(display, src, err)
		return rep, nil
	}

	if checks.Imports {
		rep.Imports = collectImports(fset, file)
	}
	if checks.Chanbuf {
		rep.ChanMakes = collectChanMakes(fset, file, src)
	}
	if checks.Gofmt {
		g := checkGofmt(display, src, file)
		rep.Gofmt = &g
	}
	return rep, &parsedSource{display: display, fset: fset, file: file}
}

// CountLines returns the number of newline bytes in src, plus one when src is
// non-empty and does not end with a newline.
func CountLines(src []byte) int {
	n := bytes.Count(src, []byte{'\n'})
	if len(src) > 0 && src[len(src)-1] != '\n' {
		n++
	}
	return n
}

// formatParseError renders the first syntax error as "display:line:col: msg".
// The line and column are recomputed from the raw byte offset so that //line
// directives in the source cannot move the reported position.
func formatParseError(display string, src []byte, err error) string {
	var list scanner.ErrorList
	if errors.As(err, &list) && len(list) > 0 {
		list.Sort()
		first := list[0]
		line, col := rawPosition(src, first.Pos.Offset)
		return truncate(fmt.Sprintf("%s:%d:%d: %s", display, line, col, first.Msg), maxMessageBytes)
	}
	return truncate(fmt.Sprintf("%s: %v", display, err), maxMessageBytes)
}

// rawPosition converts a byte offset in src to a 1-based line and byte column.
func rawPosition(src []byte, offset int) (line, col int) {
	if offset < 0 {
		offset = 0
	}
	if offset > len(src) {
		offset = len(src)
	}
	before := src[:offset]
	line = 1 + bytes.Count(before, []byte{'\n'})
	col = offset - bytes.LastIndexByte(before, '\n')
	return line, col
}

// position returns the line and column of pos, ignoring //line directives.
func position(fset *token.FileSet, pos token.Pos) (line, col int) {
	p := fset.PositionFor(pos, false)
	return p.Line, p.Column
}

// sourceText returns the source text spanned by node, truncated to max bytes.
func sourceText(fset *token.FileSet, src []byte, node ast.Node, max int) string {
	start := fset.PositionFor(node.Pos(), false).Offset
	end := fset.PositionFor(node.End(), false).Offset
	if start < 0 || end > len(src) || start > end {
		return ""
	}
	return truncate(string(src[start:end]), max)
}

// truncate shortens s to at most max bytes without splitting a UTF-8
// sequence, appending an ellipsis when it cuts.
func truncate(s string, max int) string {
	if len(s) <= max {
		return s
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}
