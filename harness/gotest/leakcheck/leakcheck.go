// Package leakcheck measures what a submission leaves behind after a test: goroutines that its
// own code started and that are still there once the test has ended, and the CPU they burn while
// nothing else runs. The injected TestMain calls Measure after m.Run; the result travels to the
// grader inside the attempt's authenticated record, and the grader decides what it is worth.
//
// A goroutine counts when the frame that started it (the "created by" frame of its stack) is in a
// handed-in file. The test's own goroutines never count, even when they are parked inside a
// student's method (a course's contract may let a Read block forever after Close): they were
// created by the test. Goroutines get a settle window to return, since a Close may signal them
// without waiting for them; CPU is measured only when some are still there, so a clean test pays
// one goroutine snapshot.
package leakcheck

import (
	"path"
	"runtime"
	"sort"
	"strings"
	"syscall"
	"time"
)

// Options say whose goroutines count and how long to wait.
type Options struct {
	// Root is the module root as file paths in stack traces show it.
	Root string
	// StudentFiles are the handed-in files, relative to Root ("p0partA/server_impl.go").
	StudentFiles []string
	// Settle is how long goroutines may take to return before they count as left behind.
	Settle time.Duration
	// CPUWindow is how long CPU use is measured when goroutines are left.
	CPUWindow time.Duration
	// Poll is the interval between snapshots during the settle window.
	Poll time.Duration
}

// Stack is one distinct stack of left-behind goroutines and how many had it.
type Stack struct {
	Count int    `json:"count"`
	Stack string `json:"stack"`
}

// Report is what a test left behind.
type Report struct {
	// Goroutines is the number of student goroutines still there after the settle window.
	Goroutines int `json:"goroutines"`
	// SettleMs is how long the check waited (less than the window when everything returned).
	SettleMs int64 `json:"settleMs"`
	// CPUMs is the process's CPU time during a window of WindowMs with only leftovers running.
	CPUMs    int64 `json:"cpuMs,omitempty"`
	WindowMs int64 `json:"windowMs,omitempty"`
	// Stacks are the distinct stacks (at most MaxStacks), most frequent first.
	Stacks []Stack `json:"stacks,omitempty"`
	// MoreStacks counts distinct stacks left out.
	MoreStacks int `json:"moreStacks,omitempty"`
	// Closing names the submission's Close methods still running on goroutines that are not its
	// own (a test's call to Close that has not returned yet): a contract may let Close block, for
	// example until pending data is acknowledged, and the goroutines serving it stay meanwhile.
	Closing []string `json:"closing,omitempty"`
}

// Bounds that keep a report small whatever a submission does.
const (
	MaxStacks      = 8
	maxFrames      = 16
	maxStackBytes  = 4096
	maxDumpBytes   = 64 << 20
	defaultPoll    = 20 * time.Millisecond
	firstDumpBytes = 1 << 20
)

// Measure waits up to o.Settle for the submission's goroutines to return, then, if some are left,
// measures the CPU the process burns during o.CPUWindow and reports their stacks.
func Measure(o Options) Report {
	poll := o.Poll
	if poll <= 0 {
		poll = defaultPoll
	}
	files := studentFileSet(o.Root, o.StudentFiles)
	start := time.Now()
	all := snapshot()
	left := Student(all, files)
	for len(left) > 0 && time.Since(start) < o.Settle {
		time.Sleep(poll)
		all = snapshot()
		left = Student(all, files)
	}
	r := Report{SettleMs: time.Since(start).Milliseconds()}
	if len(left) == 0 {
		return r
	}
	if o.CPUWindow > 0 {
		before, began := cpuTime(), time.Now()
		time.Sleep(o.CPUWindow)
		r.CPUMs = (cpuTime() - before).Milliseconds()
		r.WindowMs = time.Since(began).Milliseconds()
		all = snapshot()
		left = Student(all, files)
	}
	r.Goroutines = len(left)
	r.Stacks, r.MoreStacks = Distinct(left, o.Root)
	r.Closing = Closing(all, files)
	return r
}

// Closing lists, once each, the functions named Close in the student files that goroutines not
// started by the student files are executing.
func Closing(gs []Goroutine, files map[string]bool) []string {
	seen := map[string]bool{}
	var out []string
	for _, g := range gs {
		if isStudent(g, files) {
			continue
		}
		for _, f := range g.Frames {
			name := strings.TrimSuffix(f.Func, "(...)")
			if !strings.HasSuffix(name, ".Close") || !files[fileOf(f.At)] || seen[name] {
				continue
			}
			seen[name] = true
			out = append(out, name)
		}
	}
	return out
}

// Goroutine is one goroutine of a runtime.Stack dump.
type Goroutine struct {
	// State is what the header says it is doing ("chan receive", "running", "IO wait").
	State string
	// Frames are the calls on its stack, innermost first.
	Frames []Frame
	// CreatedBy is the function that started it ("" for the main goroutine).
	CreatedBy string
	// CreatedAt is the file:line of the go statement.
	CreatedAt string
}

// Frame is one call: the function without argument values and its file:line.
type Frame struct {
	Func string
	At   string
}

// Parse splits a runtime.Stack(buf, true) dump into goroutines.
func Parse(dump string) []Goroutine {
	var out []Goroutine
	for _, block := range strings.Split(dump, "\n\n") {
		lines := strings.Split(strings.TrimRight(block, "\n"), "\n")
		if len(lines) == 0 || !strings.HasPrefix(lines[0], "goroutine ") {
			continue
		}
		g := Goroutine{State: headerState(lines[0])}
		for i := 1; i < len(lines); i++ {
			l := lines[i]
			if strings.HasPrefix(l, "created by ") {
				g.CreatedBy = strings.TrimPrefix(l, "created by ")
				if k := strings.Index(g.CreatedBy, " in goroutine "); k >= 0 {
					g.CreatedBy = g.CreatedBy[:k]
				}
				if i+1 < len(lines) {
					g.CreatedAt = fileLine(lines[i+1])
				}
				break
			}
			if strings.HasPrefix(l, "\t") {
				if n := len(g.Frames); n > 0 && g.Frames[n-1].At == "" {
					g.Frames[n-1].At = fileLine(l)
				}
				continue
			}
			g.Frames = append(g.Frames, Frame{Func: funcName(l)})
		}
		out = append(out, g)
	}
	return out
}

// Student keeps the goroutines started by a go statement in one of files (absolute paths).
func Student(gs []Goroutine, files map[string]bool) []Goroutine {
	var out []Goroutine
	for _, g := range gs {
		if isStudent(g, files) {
			out = append(out, g)
		}
	}
	return out
}

func isStudent(g Goroutine, files map[string]bool) bool {
	return g.CreatedAt != "" && files[fileOf(g.CreatedAt)]
}

// fileOf is "/a/b.go" in "/a/b.go:12".
func fileOf(fileLine string) string {
	if k := strings.LastIndex(fileLine, ":"); k >= 0 {
		return fileLine[:k]
	}
	return fileLine
}

// Distinct groups goroutines with the same stack (arguments, offsets and goroutine ids aside),
// most frequent first, with paths under root shortened; at most MaxStacks, and how many more.
func Distinct(gs []Goroutine, root string) ([]Stack, int) {
	counts := map[string]int{}
	var order []string
	for _, g := range gs {
		s := render(g, root)
		if counts[s] == 0 {
			order = append(order, s)
		}
		counts[s]++
	}
	sort.SliceStable(order, func(i, j int) bool { return counts[order[i]] > counts[order[j]] })
	more := 0
	if len(order) > MaxStacks {
		more = len(order) - MaxStacks
		order = order[:MaxStacks]
	}
	out := make([]Stack, 0, len(order))
	for _, s := range order {
		out = append(out, Stack{Count: counts[s], Stack: s})
	}
	return out, more
}

// render prints a goroutine the way a student reads it: its state, its frames (the function
// without argument values, the file:line without offsets), where it was started.
func render(g Goroutine, root string) string {
	var b strings.Builder
	b.WriteString("[" + g.State + "]\n")
	frames := g.Frames
	// The runtime's and the poller's own frames on top say nothing a student can act on.
	for len(frames) > 1 && (strings.HasPrefix(frames[0].Func, "runtime.") || strings.HasPrefix(frames[0].Func, "internal/")) {
		frames = frames[1:]
	}
	cut := len(frames) > maxFrames
	if cut {
		frames = frames[:maxFrames]
	}
	for _, f := range frames {
		b.WriteString(f.Func + "\n")
		// Lines in the module (the submission's, the staff's); the standard library's add nothing.
		if f.At != "" && (root == "" || strings.HasPrefix(f.At, root+"/")) {
			b.WriteString("\t" + shorten(f.At, root) + "\n")
		}
	}
	if cut {
		b.WriteString("...\n")
	}
	b.WriteString("created by " + g.CreatedBy + "\n\t" + shorten(g.CreatedAt, root))
	s := b.String()
	if len(s) > maxStackBytes {
		s = s[:maxStackBytes] + "\n..."
	}
	return s
}

// headerState is "chan receive" in "goroutine 7 [chan receive, 2 minutes]:".
func headerState(h string) string {
	i, j := strings.Index(h, "["), strings.LastIndex(h, "]")
	if i < 0 || j < i {
		return "unknown"
	}
	state := h[i+1 : j]
	if k := strings.Index(state, ","); k >= 0 {
		state = state[:k]
	}
	// A goroutine that spins is caught running or waiting for a thread, at random: one word for both.
	if state == "runnable" {
		state = "running"
	}
	return state
}

// funcName drops the argument values: "pkg.(*T).m(0xc000012345, 0x1)" → "pkg.(*T).m(...)".
func funcName(l string) string {
	l = strings.TrimSpace(l)
	if strings.HasSuffix(l, ")") {
		depth := 0
		for i := len(l) - 1; i >= 0; i-- {
			switch l[i] {
			case ')':
				depth++
			case '(':
				depth--
				if depth == 0 {
					if i+1 == len(l)-1 {
						return l
					}
					return l[:i] + "(...)"
				}
			}
		}
	}
	return l
}

// fileLine is "/a/b.go:12" in "\t/a/b.go:12 +0x1d".
func fileLine(l string) string {
	l = strings.TrimSpace(l)
	if k := strings.Index(l, " +0x"); k >= 0 {
		l = l[:k]
	}
	if k := strings.Index(l, " fp="); k >= 0 {
		l = l[:k]
	}
	return l
}

func shorten(fileLine, root string) string {
	if root != "" && strings.HasPrefix(fileLine, root+"/") {
		return strings.TrimPrefix(fileLine, root+"/")
	}
	return fileLine
}

func studentFileSet(root string, files []string) map[string]bool {
	set := map[string]bool{}
	for _, f := range files {
		if f != "" {
			set[path.Join(root, f)] = true
		}
	}
	return set
}

// snapshot is every goroutine's stack, in a buffer grown until it fits (up to a bound).
func snapshot() []Goroutine {
	buf := make([]byte, firstDumpBytes)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) || len(buf) >= maxDumpBytes {
			return Parse(string(buf[:n]))
		}
		buf = make([]byte, 2*len(buf))
	}
}

// cpuTime is the user and system CPU time of the whole process so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
