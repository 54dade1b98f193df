// Squarer tests, table-driven. Only the contract is tested: what comes out
// are the squares of what went in, and after Close no goroutine of the
// squarer is left (so nothing can come out or be taken any more).

package p0partB

import (
	"runtime"
	"testing"
	"time"
)

const wait = 2 * time.Second

// settled is the goroutine count once nothing from earlier tests is exiting.
func settled() int {
	n := runtime.NumGoroutine()
	for i := 0; i < 5; i++ {
		time.Sleep(10 * time.Millisecond)
		n = min(n, runtime.NumGoroutine())
	}
	return n
}

// closeCleanly closes sq and fails unless the goroutine count returns to base.
func closeCleanly(t *testing.T, sq *SquarerImpl, base int) {
	t.Helper()
	returned := make(chan bool)
	go func() { sq.Close(); returned <- true }()
	select {
	case <-returned:
	case <-time.After(wait):
		t.Fatal("Close did not return")
	}
	for end := time.Now().Add(wait); runtime.NumGoroutine() > base; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(end) {
			t.Fatalf("after Close: %d goroutines, %d before Initialize", runtime.NumGoroutine(), base)
		}
	}
}

func TestOutputIsTheSquares(t *testing.T) {
	for _, in := range [][]int{{1}, {2, 3}, {-4, 0, 6, 11, 12}} {
		base := settled()
		input, sq := make(chan int), &SquarerImpl{}
		out := sq.Initialize(input)
		go func() { // has exited once the squarer took the last number
			for _, n := range in {
				input <- n
			}
		}()
		for i, n := range in {
			select {
			case got := <-out:
				if got != n*n {
					t.Fatalf("input %v: value %d is %d, want %d", in, i, got, n*n)
				}
			case <-time.After(wait):
				t.Fatalf("input %v: value %d never came", in, i)
			}
		}
		select {
		case extra := <-out:
			t.Fatalf("input %v: an extra value %d", in, extra)
		case <-time.After(200 * time.Millisecond):
		}
		closeCleanly(t, sq, base)
	}
}

func TestCloseLeavesNothing(t *testing.T) {
	for _, pending := range []bool{false, true} {
		base := settled()
		input, sq := make(chan int), &SquarerImpl{}
		out := sq.Initialize(input)
		select {
		case input <- 9:
		case <-time.After(wait):
			t.Fatal("9 was never taken")
		}
		if !pending {
			select {
			case got := <-out:
				if got != 81 {
					t.Fatalf("got %d, want 81", got)
				}
			case <-time.After(wait):
				t.Fatal("no square for 9")
			}
		}
		closeCleanly(t, sq, base)
		select {
		case v := <-out:
			t.Fatalf("pending=%v: %d came out after Close", pending, v)
		case input <- 1:
			t.Fatalf("pending=%v: a number was taken after Close", pending)
		case <-time.After(200 * time.Millisecond):
		}
	}
}
