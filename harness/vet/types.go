// Package vet implements the static checks behind the dsgrade-vet command.
//
// The package only parses and pretty-prints Go source with the standard
// library's go/parser and go/format packages. It never compiles, links or
// executes the code it inspects, so it is safe to point at untrusted student
// submissions. Every file is analysed independently: a problem with one file
// (unreadable, too large, unparsable, or even an internal panic) is reported in
// that file's entry of the reply and never prevents the other files from being
// analysed.
//
// Hostile input is bounded in several ways. Files larger than MaxFileBytes
// are not read. The parser rejects expressions nested more than about 100,000
// levels deep and scopes nested more than 1,000 levels deep; both are reported
// as parse errors. The gofmt check is skipped, with an explanatory error, for
// files whose expressions are so long or deeply nested that go/printer's
// quadratic algorithms would take more than about a second, and it gives up
// after a time limit in any case. Constant evaluation limits recursion depth,
// literal length and the size of intermediate values, and caches constants so
// that each is evaluated once. Panics are recovered per file.
package vet

// MaxFileBytes is the largest source file, in bytes, that the checks will read.
// Larger files are reported with TooLarge set instead of being analysed.
const MaxFileBytes = 4 << 20

// MaxRequestBytes is the largest JSON request that DecodeRequest accepts.
const MaxRequestBytes = 1 << 20

// MaxRequestFiles is the largest number of files a single request may name.
const MaxRequestFiles = 10000

// Request is the JSON document that dsgrade-vet reads from standard input.
type Request struct {
	// Files lists the files to analyse, in the order the reply should use.
	Files []FileRef `json:"files"`
	// Checks selects the optional checks. When the field is absent from the
	// JSON request every check is enabled.
	Checks *Checks `json:"checks,omitempty"`
	// Gate, when present, runs the static gate with this (effective) policy
	// over every file and sets FileReport.Gate. dsgrade sends the default
	// policy (DefaultGatePolicy) merged with the project's additions.
	Gate *GatePolicy `json:"gate,omitempty"`
}

// FileRef names one file to analyse.
type FileRef struct {
	// Path is the location of the file on disk; it is only used to read the
	// file and never appears in the reply.
	Path string `json:"path"`
	// Display is the name used in the reply, in diffs and in error messages.
	// It defaults to Path when empty.
	Display string `json:"display,omitempty"`
}

// Checks selects which optional parts of a FileReport are computed. The
// package name and parse errors are always reported.
type Checks struct {
	// Imports enables FileReport.Imports.
	Imports bool `json:"imports"`
	// Gofmt enables FileReport.Gofmt.
	Gofmt bool `json:"gofmt"`
	// Chanbuf enables FileReport.ChanMakes.
	Chanbuf bool `json:"chanbuf"`
	// Lines enables FileReport.Lines and FileReport.Bytes.
	Lines bool `json:"lines"`
}

// AllChecks returns a Checks value with every check enabled.
func AllChecks() Checks {
	return Checks{Imports: true, Gofmt: true, Chanbuf: true, Lines: true}
}

// Reply is the JSON document that dsgrade-vet writes to standard output.
type Reply struct {
	// Files holds one report per requested file, in request order.
	Files []FileReport `json:"files"`
}

// FileReport holds the findings for a single file.
type FileReport struct {
	// Display is the display name from the request.
	Display string `json:"display"`
	// Package is the name in the file's package clause, when it could be parsed.
	Package string `json:"package,omitempty"`
	// Error describes why the file could not be analysed at all, for example
	// because it does not exist, is not a regular file or is too large.
	Error string `json:"error,omitempty"`
	// TooLarge is true when the file exceeds MaxFileBytes; Error is then set too.
	TooLarge bool `json:"tooLarge,omitempty"`
	// ParseError is the first syntax error, formatted as "display:line:col: msg".
	// When it is set, Gofmt, Imports and ChanMakes are omitted.
	ParseError string `json:"parseError,omitempty"`
	// Lines is the number of lines in the file: the number of newline bytes,
	// plus one if the file is non-empty and does not end with a newline.
	Lines *int `json:"lines,omitempty"`
	// Bytes is the size of the file in bytes.
	Bytes *int64 `json:"bytes,omitempty"`
	// Imports lists every import spec in source order.
	Imports []Import `json:"imports,omitempty"`
	// Gofmt reports whether the file is already formatted the way gofmt would
	// format it.
	Gofmt *GofmtResult `json:"gofmt,omitempty"`
	// ChanMakes lists every make call that creates a channel, in source order.
	ChanMakes []ChanMake `json:"chanMakes,omitempty"`
	// Gate is the static gate's verdict on the file, when the request asked for it.
	Gate *GateResult `json:"gate,omitempty"`
}

// Import describes one import spec.
type Import struct {
	// Path is the unquoted import path, for example "sync" or "C".
	Path string `json:"path"`
	// Name is the explicit local name ("_", "." or an alias), if any.
	Name string `json:"name,omitempty"`
	// Line is the 1-based line of the import path literal.
	Line int `json:"line"`
}

// GofmtResult compares a file with the output of go/format.Source.
type GofmtResult struct {
	// Formatted is true when the file is byte-for-byte identical to the
	// formatted output. It is false when Error is set, because the file was
	// then not checked; consumers should look at Error first.
	Formatted bool `json:"formatted"`
	// Diff is a unified diff from the file to its formatted form, limited to
	// the first MaxDiffLines lines; it is empty when Formatted is true.
	Diff string `json:"diff,omitempty"`
	// Truncated is true when Diff was cut short.
	Truncated bool `json:"truncated,omitempty"`
	// Error is set when the file was not checked: the formatter failed, took
	// too long, or the file's expressions are too long or deeply nested to
	// format safely (see the package documentation).
	Error string `json:"error,omitempty"`
}

// ChanMake describes one make call that creates a channel.
type ChanMake struct {
	// Line is the 1-based line of the make call.
	Line int `json:"line"`
	// Column is the 1-based byte column of the make call.
	Column int `json:"column"`
	// Type is the source text of the channel type argument.
	Type string `json:"type"`
	// Dir is the channel direction: "both", "send" (chan<- T) or "recv"
	// (<-chan T). For named types it is the direction of the underlying type.
	Dir string `json:"dir"`
	// Buffer is the source text of the buffer size argument, or "0" when the
	// argument is absent.
	Buffer string `json:"buffer"`
	// Constant is true when the buffer size could be evaluated from integer
	// literals and constant declarations in the same file.
	Constant bool `json:"constant"`
	// Value is the evaluated buffer size; it is present only when Constant is true.
	Value *int64 `json:"value,omitempty"`
}
