// Buggy Squarer: the worker starts in the "sending" state, so it sends a 0
// before it has read any number.
//
// Breaks: "Initialize returns the channel on which the squares of the
// input's elements are passed" — the first value passed is the square of no
// element. Deterministic: until that 0 is received the worker does nothing
// else (it does not even read), so the first value a test receives, or the
// first number it tries to send, shows it every run.

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

// Close stops the squarer's goroutine.
func (sq *SquarerImpl) Close() {
	sq.stop <- struct{}{}
}

func (sq *SquarerImpl) run() {
	var in chan int
	out := sq.output
	square := 0
	for {
		select {
		case n := <-in:
			square = n * n
			in, out = nil, sq.output
		case out <- square:
			in, out = sq.input, nil
		case <-sq.stop:
			return
		}
	}
}
