// Buggy Squarer: Close signals the worker, but the worker never listens for
// the signal. After Close has returned the squarer goes on exactly as before:
// its goroutine is still there, reads numbers and sends their squares.
//
// Breaks: "after Close returns, every resource of the squarer, goroutines
// included, is gone". Deterministic: whatever state the squarer is in when
// Close is called, the worker survives it; a test that looks after Close
// (a goroutine count, a number it still takes, a square it still sends)
// sees the same thing every run. Otherwise identical to the correct one.

package p0partB

// SquarerImpl is a Squarer.
type SquarerImpl struct {
	input  chan int
	output chan int
	stop   chan struct{}
}

// Initialize starts the squarer's goroutine and returns its output channel.
func (sq *SquarerImpl) Initialize(input chan int) <-chan int {
	sq.input = input
	sq.output = make(chan int)
	sq.stop = make(chan struct{})
	go sq.run()
	return sq.output
}

// Close tells the worker to stop, without waiting for it.
func (sq *SquarerImpl) Close() {
	close(sq.stop)
}

// run is the correct worker without its stop case.
func (sq *SquarerImpl) run() {
	in := sq.input
	var out chan int
	square := 0
	for {
		select {
		case n := <-in:
			square = n * n
			in, out = nil, sq.output
		case out <- square:
			in, out = sq.input, nil
		}
	}
}
