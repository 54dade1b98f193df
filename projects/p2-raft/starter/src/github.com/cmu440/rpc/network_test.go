package rpc

import (
	"bufio"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

type Echo struct {
	calls atomic.Int64
	hold  chan struct{}
}

type EchoArgs struct{ X int }
type EchoReply struct{ Y int }

func (e *Echo) Double(args *EchoArgs, reply *EchoReply) {
	e.calls.Add(1)
	if e.hold != nil {
		<-e.hold
	}
	reply.Y = 2 * args.X
}

// Not an RPC method: it has a result.
func (e *Echo) Count() int { return int(e.calls.Load()) }

type BadArgs struct {
	X     int
	inner int
}

// pair makes a network with one end "c->s" connected to a server "s" offering an Echo.
func pair(t *testing.T, seed int64) (*Network, *ClientEnd, *Echo) {
	t.Helper()
	n := MakeNetwork()
	n.SetSeed(seed)
	echo := &Echo{}
	srv := MakeServer()
	srv.AddService(MakeService(echo))
	n.AddServer("s", srv)
	e := n.MakeEnd("c->s")
	n.Connect("c->s", "s")
	n.Enable("c->s", true)
	return n, e, echo
}

func TestReliableCall(t *testing.T) {
	n, e, echo := pair(t, 1)
	for i := 1; i <= 20; i++ {
		var reply EchoReply
		if !e.Call("Echo.Double", &EchoArgs{X: i}, &reply) || reply.Y != 2*i {
			t.Fatalf("call %d: want true and %d, got reply %d", i, 2*i, reply.Y)
		}
	}
	if n.GetCount("s") != 20 || n.GetTotalCount() != 20 || echo.Count() != 20 {
		t.Fatalf("want 20 calls counted, got server %d, total %d, handler %d", n.GetCount("s"), n.GetTotalCount(), echo.Count())
	}
	if n.GetTotalBytes() <= 0 {
		t.Fatalf("want bytes counted, got %d", n.GetTotalBytes())
	}
	if e.String() != "c->s" {
		t.Fatalf("String() = %q, want c->s", e.String())
	}
}

func TestDisabledEndFailsWithoutDelivery(t *testing.T) {
	n, e, echo := pair(t, 2)
	n.Enable("c->s", false)
	start := time.Now()
	var reply EchoReply
	if e.Call("Echo.Double", &EchoArgs{X: 1}, &reply) {
		t.Fatal("a call through a disabled end succeeded")
	}
	if took := time.Since(start); took > 150*time.Millisecond {
		t.Fatalf("a failing call took %v, want at most about 100 ms", took)
	}
	if echo.Count() != 0 || n.GetCount("s") != 0 {
		t.Fatalf("the handler ran %d times through a disabled end", echo.Count())
	}
	unconnected := n.MakeEnd("x")
	n.Enable("x", true)
	if unconnected.Call("Echo.Double", &EchoArgs{X: 1}, &reply) {
		t.Fatal("a call through an unconnected end succeeded")
	}
}

func TestDeletedServerLosesReply(t *testing.T) {
	n, e, echo := pair(t, 3)
	echo.hold = make(chan struct{})
	result := make(chan bool)
	go func() {
		var reply EchoReply
		result <- e.Call("Echo.Double", &EchoArgs{X: 1}, &reply)
	}()
	for echo.Count() == 0 {
		time.Sleep(time.Millisecond)
	}
	n.DeleteServer("s")
	close(echo.hold)
	select {
	case ok := <-result:
		if ok {
			t.Fatal("a reply came back from a deleted server")
		}
	case <-time.After(2 * time.Second):
		t.Fatal("the call did not return after its server was deleted")
	}
}

func TestUnreliableLosesAboutTenPercentEachWay(t *testing.T) {
	n, e, echo := pair(t, 4)
	n.Reliable(false)
	const calls = 600
	done := make(chan bool, calls)
	for i := 0; i < calls; i++ {
		go func() {
			var reply EchoReply
			done <- e.Call("Echo.Double", &EchoArgs{X: 1}, &reply)
		}()
	}
	ok := 0
	for i := 0; i < calls; i++ {
		if <-done {
			ok++
		}
	}
	ran := echo.Count()
	lostRequests, lostReplies := calls-ran, ran-ok
	if lostRequests < calls*4/100 || lostRequests > calls*16/100 || lostReplies < calls*4/100 || lostReplies > calls*16/100 {
		t.Fatalf("want about 10%% of %d requests and replies lost, got %d requests and %d replies", calls, lostRequests, lostReplies)
	}
	if n.GetCount("s") != ran {
		t.Fatalf("GetCount %d, handler ran %d times", n.GetCount("s"), ran)
	}
}

// outcomes returns which of the first k sequential calls through a fresh unreliable end succeed.
func outcomes(t *testing.T, seed int64, k int) string {
	n, e, _ := pair(t, seed)
	n.Reliable(false)
	var b strings.Builder
	for i := 0; i < k; i++ {
		var reply EchoReply
		if e.Call("Echo.Double", &EchoArgs{X: i}, &reply) {
			b.WriteByte('1')
		} else {
			b.WriteByte('0')
		}
	}
	return b.String()
}

func TestSameSeedSameFates(t *testing.T) {
	a, b, c := outcomes(t, 77, 60), outcomes(t, 77, 60), outcomes(t, 78, 60)
	if a != b {
		t.Fatalf("seed 77 gave two different sequences:\n%s\n%s", a, b)
	}
	if a == c {
		t.Fatalf("seeds 77 and 78 gave the same sequence %s", a)
	}
}

func TestLatencyAndLongReordering(t *testing.T) {
	n, e, _ := pair(t, 5)
	n.SetLatency(30 * time.Millisecond)
	start := time.Now()
	var reply EchoReply
	if !e.Call("Echo.Double", &EchoArgs{X: 1}, &reply) {
		t.Fatal("call failed")
	}
	if took := time.Since(start); took < 60*time.Millisecond {
		t.Fatalf("with 30 ms latency a call took %v, want at least 60 ms", took)
	}
	n.SetLatency(0)
	n.LongReordering(true)
	slow := 0
	for i := 0; i < 12; i++ {
		start := time.Now()
		e.Call("Echo.Double", &EchoArgs{X: 1}, &reply)
		if time.Since(start) >= 200*time.Millisecond {
			slow++
		}
	}
	if slow < 3 || slow > 11 {
		t.Fatalf("with long reordering %d of 12 replies were held back 200 ms or more, want about 8", slow)
	}
}

func TestTrace(t *testing.T) {
	file := filepath.Join(t.TempDir(), "trace.jsonl")
	t.Setenv("RPC_TRACE", file)
	n, e, _ := pair(t, 6)
	var reply EchoReply
	e.Call("Echo.Double", &EchoArgs{X: 1}, &reply)
	n.Enable("c->s", false)
	e.Call("Echo.Double", &EchoArgs{X: 1}, &reply)
	n.RecordState(2, 5, true)
	n.RecordState(2, 5, true)
	n.RecordEvent("disconnect %d", 2)
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var got []string
	for sc := bufio.NewScanner(f); sc.Scan(); {
		if strings.Contains(sc.Text(), `\u003e`) {
			t.Fatalf("the trace escapes \"->\", so grep for an end's name finds nothing: %s", sc.Text())
		}
		var r map[string]interface{}
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("not JSON: %s", sc.Text())
		}
		if r["kind"] != nil {
			got = append(got, r["kind"].(string))
		} else {
			got = append(got, r["link"].(string)+" "+r["dir"].(string)+" "+r["action"].(string)+" "+r["method"].(string)+" "+r["from"].(string)+" "+r["to"].(string))
		}
	}
	want := []string{"network", "network", "c->s forward forward Echo.Double c s", "c->s reverse forward Echo.Double c s", "c->s forward block Echo.Double c s", "state", "event"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("trace:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestStops runs calls that must stop the program in a child process and checks its message.
func TestStops(t *testing.T) {
	if which := os.Getenv("RPC_TEST_STOP"); which != "" {
		_, e, _ := pair(t, 7)
		var reply EchoReply
		switch which {
		case "unexported":
			e.Call("Echo.Double", &BadArgs{X: 1}, &reply)
		case "not-encodable":
			e.Call("Echo.Double", make(chan int), &reply)
		case "method":
			e.Call("Echo.Triple", &EchoArgs{X: 1}, &reply)
		case "reply":
			e.Call("Echo.Double", &EchoArgs{X: 1}, reply)
		}
		t.Fatal("the program did not stop")
	}
	cases := map[string]string{
		"unexported":    "unexported field BadArgs.inner",
		"not-encodable": "cannot be sent",
		"method":        `no RPC method "Triple" (it has: Double)`,
		"reply":         "must be a non-nil pointer",
	}
	for which, want := range cases {
		cmd := exec.Command(os.Args[0], "-test.run=^TestStops$")
		cmd.Env = append(os.Environ(), "RPC_TEST_STOP="+which)
		out, err := cmd.CombinedOutput()
		if code := cmd.ProcessState.ExitCode(); err == nil || code != 3 {
			t.Errorf("%s: want exit code 3, got %d (%v)", which, code, err)
		}
		if !strings.Contains(string(out), want) {
			t.Errorf("%s: want %q in the output, got:\n%s", which, want, out)
		}
	}
}
