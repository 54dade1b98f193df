package rpc

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// tracer appends the trace described in the package documentation to a file, one write per
// record, so nothing is lost when a test stops the program. A nil tracer records nothing.
type tracer struct {
	start time.Time

	mu     sync.Mutex
	file   *os.File
	failed bool
	states map[string]nodeState
}

type nodeState struct {
	term   int
	leader bool
}

// callTrace identifies one call in the trace.
type callTrace struct {
	link, from, to string
	seq            int64
	method         string
}

type callRecord struct {
	T       int64    `json:"t"`
	Link    string   `json:"link"`
	From    string   `json:"from"`
	To      string   `json:"to"`
	Dir     string   `json:"dir"`
	Seq     int64    `json:"seq"`
	Size    int      `json:"size"`
	Method  string   `json:"method"`
	Action  string   `json:"action"`
	DelayMs *float64 `json:"delayMs,omitempty"`
}

type stateRecord struct {
	T      int64  `json:"t"`
	Kind   string `json:"kind"`
	Node   string `json:"node"`
	Term   int    `json:"term"`
	Leader bool   `json:"leader"`
}

type eventRecord struct {
	T    int64  `json:"t"`
	Kind string `json:"kind"`
	Text string `json:"text,omitempty"`
	Seed *int64 `json:"seed,omitempty"`
}

// traceFile is the file named by RPC_TRACE, else rpc-trace.jsonl in DSGRADE_ARTIFACTS, else "".
func traceFile() string {
	if f := os.Getenv("RPC_TRACE"); f != "" {
		return f
	}
	if dir := os.Getenv("DSGRADE_ARTIFACTS"); dir != "" {
		return filepath.Join(dir, "rpc-trace.jsonl")
	}
	return ""
}

func openTrace(start time.Time) *tracer {
	name := traceFile()
	if name == "" {
		return nil
	}
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		fmt.Fprintf(os.Stderr, "rpc: not tracing: %v\n", err)
		return nil
	}
	return &tracer{start: start, file: f, states: map[string]nodeState{}}
}

func (t *tracer) now() int64 {
	return time.Since(t.start).Microseconds()
}

func (t *tracer) write(record interface{}) {
	if t.failed {
		return
	}
	var line bytes.Buffer
	enc := json.NewEncoder(&line) // one line, with "->" left as it is
	enc.SetEscapeHTML(false)
	if err := enc.Encode(record); err != nil {
		return
	}
	if _, err := t.file.Write(line.Bytes()); err != nil {
		t.failed = true
		fmt.Fprintf(os.Stderr, "rpc: tracing stopped: %v\n", err)
	}
}

func (t *tracer) call(c callTrace, dir string, size int, action string, delay time.Duration) {
	if t == nil {
		return
	}
	r := callRecord{T: t.now(), Link: c.link, From: c.from, To: c.to, Dir: dir, Seq: c.seq, Size: size, Method: c.method, Action: action}
	if delay > 0 {
		ms := float64(delay.Microseconds()) / 1000
		r.DelayMs = &ms
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.write(r)
}

func (t *tracer) network(seed int64) {
	if t == nil {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.write(eventRecord{T: t.now(), Kind: "network", Seed: &seed})
}

func (t *tracer) state(node string, term int, leader bool) {
	if t == nil {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	s := nodeState{term: term, leader: leader}
	if old, ok := t.states[node]; ok && old == s {
		return
	}
	t.states[node] = s
	t.write(stateRecord{T: t.now(), Kind: "state", Node: node, Term: term, Leader: leader})
}

func (t *tracer) event(text string) {
	if t == nil {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.write(eventRecord{T: t.now(), Kind: "event", Text: text})
}
