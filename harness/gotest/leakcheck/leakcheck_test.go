package leakcheck

import (
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

const dump = `goroutine 1 [running]:
main.main()
	/m/p/zz_test.go:10 +0x1d

goroutine 7 [chan receive, 2 minutes]:
github.com/x/p.(*server).loop(0xc000012345, {0x1, 0x2})
	/m/p/server.go:40 +0x55
created by github.com/x/p.(*server).Start in goroutine 6
	/m/p/server.go:22 +0x99

goroutine 8 [chan receive, 5 minutes]:
github.com/x/p.(*server).loop(0xc000099999, {0x3, 0x4})
	/m/p/server.go:40 +0x55
created by github.com/x/p.(*server).Start in goroutine 6
	/m/p/server.go:22 +0x99

goroutine 9 [select]:
github.com/x/p.(*server).Read(0xc000012345)
	/m/p/server.go:60 +0x10
github.com/x/p.pump()
	/m/p/server_test.go:30 +0x20
created by github.com/x/p.TestBasic in goroutine 5
	/m/p/server_test.go:28 +0x30

goroutine 10 [IO wait]:
internal/poll.runtime_pollWait(0x7f, 0x72)
	/usr/local/go/src/runtime/netpoll.go:351 +0x85
net.(*TCPListener).Accept(0xc0000a4000)
	/usr/local/go/src/net/tcpsock.go:387 +0x30
github.com/x/p.(*server).accept(0xc000012345)
	/m/p/server.go:80 +0x25
created by github.com/x/p.(*server).Start in goroutine 6
	/m/p/server.go:23 +0x99

goroutine 11 [chan receive]:
github.com/x/p.(*server).Close(0xc000012345)
	/m/p/server.go:90 +0x10
github.com/x/p.closeQuietly.func1()
	/m/p/helpers_test.go:12 +0x20
created by github.com/x/p.closeQuietly in goroutine 5
	/m/p/helpers_test.go:10 +0x30
`

func TestParseAndStudent(t *testing.T) {
	gs := Parse(dump)
	if len(gs) != 6 {
		t.Fatalf("parsed %d goroutines, want 6", len(gs))
	}
	if gs[1].State != "chan receive" || gs[1].CreatedBy != "github.com/x/p.(*server).Start" || gs[1].CreatedAt != "/m/p/server.go:22" {
		t.Fatalf("goroutine 7 parsed as %+v", gs[1])
	}
	if gs[1].Frames[0] != (Frame{Func: "github.com/x/p.(*server).loop(...)", At: "/m/p/server.go:40"}) {
		t.Fatalf("frame %+v", gs[1].Frames[0])
	}
	// The test's pump is parked in a student method but was started by the test: not counted.
	files := studentFileSet("/m", []string{"p/server.go"})
	left := Student(gs, files)
	if len(left) != 3 {
		t.Fatalf("student goroutines %d, want 3 (the pump parked in Read is the test's)", len(left))
	}
	stacks, more := Distinct(left, "/m")
	if more != 0 || len(stacks) != 2 || stacks[0].Count != 2 {
		t.Fatalf("distinct %+v (more %d), want one stack twice and one once", stacks, more)
	}
	// The poller's frames go; standard-library frames keep their function, not their file.
	wantAccept := "[IO wait]\nnet.(*TCPListener).Accept(...)\ngithub.com/x/p.(*server).accept(...)\n\tp/server.go:80\ncreated by github.com/x/p.(*server).Start\n\tp/server.go:23"
	if stacks[1].Stack != wantAccept {
		t.Fatalf("stack\n%s\nwant\n%s", stacks[1].Stack, wantAccept)
	}
	// A test's Close call still running inside the student's Close.
	if c := Closing(gs, files); len(c) != 1 || c[0] != "github.com/x/p.(*server).Close" {
		t.Fatalf("closing %q", c)
	}
	want := "[chan receive]\ngithub.com/x/p.(*server).loop(...)\n\tp/server.go:40\ncreated by github.com/x/p.(*server).Start\n\tp/server.go:22"
	if stacks[0].Stack != want {
		t.Fatalf("stack\n%s\nwant\n%s", stacks[0].Stack, want)
	}
}

func TestDistinctIsBounded(t *testing.T) {
	var gs []Goroutine
	for i := 0; i < MaxStacks+3; i++ {
		gs = append(gs, Goroutine{State: "select", Frames: []Frame{{Func: "f" + strings.Repeat("x", i), At: "/m/a.go:1"}}, CreatedBy: "g", CreatedAt: "/m/a.go:2"})
	}
	for i := 0; i < 200; i++ {
		gs = append(gs, Goroutine{State: "running", Frames: make([]Frame, 100), CreatedBy: "g", CreatedAt: "/m/a.go:3"})
	}
	stacks, more := Distinct(gs, "/m")
	if len(stacks) != MaxStacks || more != 4 {
		t.Fatalf("%d stacks, %d more; want %d and 4", len(stacks), more, MaxStacks)
	}
	if stacks[0].Count != 200 || !strings.Contains(stacks[0].Stack, "...\ncreated by g") {
		t.Fatalf("most frequent first, frames cut: %+v", stacks[0])
	}
}

func thisFile(t *testing.T) (root, rel string) {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	return filepath.Dir(file), filepath.Base(file)
}

func TestMeasureSettledGoroutines(t *testing.T) {
	root, rel := thisFile(t)
	stop := make(chan struct{})
	go func() { <-stop }()
	time.AfterFunc(30*time.Millisecond, func() { close(stop) })
	r := Measure(Options{Root: root, StudentFiles: []string{rel}, Settle: 2 * time.Second, CPUWindow: 100 * time.Millisecond})
	if r.Goroutines != 0 || r.CPUMs != 0 || r.WindowMs != 0 {
		t.Fatalf("a goroutine that returns within the settle window counted: %+v", r)
	}
	if r.SettleMs > 1500 {
		t.Fatalf("the check waited %d ms although everything had returned", r.SettleMs)
	}
}

func TestMeasureSpinningGoroutine(t *testing.T) {
	root, rel := thisFile(t)
	var stop atomic.Bool
	defer stop.Store(true)
	go spin(&stop)
	parked := make(chan struct{})
	defer close(parked)
	go func() { <-parked }()
	r := Measure(Options{Root: root, StudentFiles: []string{rel}, Settle: 50 * time.Millisecond, CPUWindow: 200 * time.Millisecond})
	if r.Goroutines != 2 || len(r.Stacks) != 2 {
		t.Fatalf("want the spinner and the parked goroutine: %+v", r)
	}
	// One spinning goroutine burns about one core; on a loaded machine it may get less.
	if r.WindowMs < 200 || r.CPUMs < r.WindowMs/4 {
		t.Fatalf("cpu %d ms in %d ms: the spinner was not measured", r.CPUMs, r.WindowMs)
	}
	if !strings.Contains(r.Stacks[0].Stack+r.Stacks[1].Stack, "leakcheck.spin(...)") {
		t.Fatalf("stacks do not name the spinner: %+v", r.Stacks)
	}
}

func TestMeasureIgnoresOtherFiles(t *testing.T) {
	root, _ := thisFile(t)
	parked := make(chan struct{})
	defer close(parked)
	go func() { <-parked }()
	r := Measure(Options{Root: root, StudentFiles: []string{"other.go"}, Settle: 50 * time.Millisecond, CPUWindow: 50 * time.Millisecond})
	if r.Goroutines != 0 {
		t.Fatalf("a goroutine started outside the student files counted: %+v", r)
	}
}

func spin(stop *atomic.Bool) {
	for !stop.Load() {
	}
}
