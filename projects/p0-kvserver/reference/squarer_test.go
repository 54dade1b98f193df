// Squarer tests. They check only what the Squarer contract promises: the
// output carries the squares of the input's elements, and once Close has
// returned nothing of the squarer is left (no goroutine that reads, sends,
// or merely exists).

package p0partB

import (
	"runtime"
	"testing"
	"time"
)

const (
	patience = 2 * time.Second        // wait this long for what must happen
	grace    = 250 * time.Millisecond // wait this long for what must not happen
)

// newSquarer also returns the goroutine count before Initialize: the lowest
// of a few samples, so that a goroutine of an earlier test that is just
// exiting does not count.
func newSquarer() (*SquarerImpl, chan int, <-chan int, int) {
	before := runtime.NumGoroutine()
	for i := 0; i < 5; i++ {
		time.Sleep(10 * time.Millisecond)
		before = min(before, runtime.NumGoroutine())
	}
	input, sq := make(chan int), SquarerImpl{}
	return &sq, input, sq.Initialize(input), before
}

func mustSend(t *testing.T, input chan int, n int) {
	t.Helper()
	select {
	case input <- n:
	case <-time.After(patience):
		t.Fatalf("the squarer did not take %d within %v", n, patience)
	}
}

func mustReceive(t *testing.T, squares <-chan int, want int) {
	t.Helper()
	select {
	case got := <-squares:
		if got != want {
			t.Fatalf("received %d, want %d", got, want)
		}
	case <-time.After(patience):
		t.Fatalf("received nothing within %v, want %d", patience, want)
	}
}

// quiet checks that for a while the squarer neither takes input nor sends.
func quiet(t *testing.T, input chan int, squares <-chan int, why string) {
	t.Helper()
	select {
	case input <- 7:
		t.Fatalf("the squarer took a number %s", why)
	case got := <-squares:
		t.Fatalf("the squarer sent %d %s", got, why)
	case <-time.After(grace):
	}
}

// closeAndCheck calls Close (with a time limit), checks that the squarer
// stays silent, and waits for the goroutine count to fall back to before.
func closeAndCheck(t *testing.T, sq *SquarerImpl, input chan int, squares <-chan int, before int) {
	t.Helper()
	done := make(chan struct{})
	go func() { sq.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(patience):
		t.Fatalf("Close did not return within %v", patience)
	}
	quiet(t, input, squares, "after Close")
	for deadline := time.Now().Add(patience); runtime.NumGoroutine() > before; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%d goroutines %v after Close, %d before Initialize", runtime.NumGoroutine(), patience, before)
		}
	}
}

func TestSquaresInOrder(t *testing.T) {
	sq, input, squares, before := newSquarer()
	for _, n := range []int{2, -3, 0, 5} {
		mustSend(t, input, n)
		mustReceive(t, squares, n*n)
		quiet(t, nil, squares, "although it had no number to square")
	}
	closeAndCheck(t, sq, input, squares, before) // with nothing pending
}

func TestCloseWithSquarePending(t *testing.T) {
	sq, input, squares, before := newSquarer()
	mustSend(t, input, 5)
	closeAndCheck(t, sq, input, squares, before)
}
