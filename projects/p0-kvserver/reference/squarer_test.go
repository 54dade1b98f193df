// Squarer tests: pass on a correct Squarer, fail on one that reads ahead,
// repeats or invents outputs, or misbehaves on Close.

package p0partB

import (
	"testing"
	"time"
)

const (
	patience = time.Second            // wait this long for what must happen
	grace    = 250 * time.Millisecond // wait this long for what must not happen
)

func newSquarer() (*SquarerImpl, chan int, <-chan int) {
	input, sq := make(chan int), SquarerImpl{}
	return &sq, input, sq.Initialize(input)
}

func mustSend(t *testing.T, input chan int, n int) {
	t.Helper()
	select {
	case input <- n:
	case <-time.After(patience):
		t.Fatalf("the squarer did not read %d within %v", n, patience)
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

// quiet checks that for a while the squarer neither reads input nor sends.
func quiet(t *testing.T, input chan int, squares <-chan int, why string) {
	t.Helper()
	select {
	case input <- 7:
		t.Fatalf("the squarer read a number %s", why)
	case got := <-squares:
		t.Fatalf("the squarer sent %d %s", got, why)
	case <-time.After(grace):
	}
}

func closeWithin(t *testing.T, sq *SquarerImpl) {
	t.Helper()
	done := make(chan struct{})
	go func() { sq.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(patience):
		t.Fatalf("Close did not return within %v", patience)
	}
}

func TestSquaresInOrder(t *testing.T) {
	sq, input, squares := newSquarer()
	for _, n := range []int{2, -3, 0, 5} {
		mustSend(t, input, n)
		mustReceive(t, squares, n*n)
		quiet(t, nil, squares, "although it had no number to square")
	}
	closeWithin(t, sq)
}

func TestReadsOneAtATime(t *testing.T) {
	sq, input, squares := newSquarer()
	mustSend(t, input, 3)
	quiet(t, input, nil, "before the previous square was received")
	mustReceive(t, squares, 9)
	mustSend(t, input, 4)
	mustReceive(t, squares, 16)
	closeWithin(t, sq)
}

func TestCloseStopsSquarer(t *testing.T) {
	sq, input, squares := newSquarer()
	mustSend(t, input, 2)
	mustReceive(t, squares, 4)
	closeWithin(t, sq)
	quiet(t, input, squares, "after Close")
}

func TestCloseWhileSending(t *testing.T) {
	sq, input, squares := newSquarer()
	mustSend(t, input, 5)
	closeWithin(t, sq)
	quiet(t, input, squares, "after Close")
}
