// Tests for the Squarer: it squares numbers one after the other and can be
// closed.

package p0partB

import (
	"testing"
	"time"
)

func TestSquares(t *testing.T) {
	input := make(chan int)
	sq := SquarerImpl{}
	squares := sq.Initialize(input)
	for _, n := range []int{3, -4, 0, 10} {
		select {
		case input <- n:
		case <-time.After(time.Second):
			t.Fatalf("the squarer did not read %d within 1s", n)
		}
		select {
		case got := <-squares:
			if got != n*n {
				t.Fatalf("squaring %d gave %d, want %d", n, got, n*n)
			}
		case <-time.After(time.Second):
			t.Fatalf("no square for %d after 1s", n)
		}
	}
	sq.Close()
}

func TestCloseReturns(t *testing.T) {
	input := make(chan int)
	sq := SquarerImpl{}
	sq.Initialize(input)
	done := make(chan struct{})
	go func() { sq.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(time.Second):
		t.Fatal("Close did not return within 1s")
	}
}
