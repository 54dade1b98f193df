// Tests for the Squarer. This is the file you hand in for part B: add tests
// that pass on a correct Squarer and fail on incorrect ones.

package p0partB

import (
	"testing"
	"time"
)

const timeoutMillis = 1000

func TestBasicCorrectness(t *testing.T) {
	format := "expected %d, got %d"
	input := make(chan int)
	sq := SquarerImpl{}
	squares := sq.Initialize(input)
	go func() {
		input <- 2
	}()
	timeout := time.After(timeoutMillis * time.Millisecond)
	select {
	case <-timeout:
		t.Fatal("timed out waiting for the square of 2")
	case result := <-squares:
		if result != 4 {
			t.Errorf(format, 4, result)
		}
	}
}

// TODO: add more tests (keep the whole file under 100 lines and deterministic).
