// Buggy Squarer: every square is sent twice before the next number is read.
//
// Breaks: "Initialize returns the channel on which the squares of the
// input's elements are passed" — one number, two values. Deterministic: the
// second copy is always offered and nothing else can happen before it is
// received, so a test that reads past the first square, or sends a second
// number after it, sees it every run. Close works in every state.

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

// Close stops the squarer's goroutine and returns once it has stopped.
func (sq *SquarerImpl) Close() {
	sq.stop <- struct{}{}
}

// run offers each square until it has been received twice (the count should
// have been one).
func (sq *SquarerImpl) run() {
	in := sq.input
	var out chan int
	square, sends := 0, 0
	for {
		select {
		case n := <-in:
			square, sends = n*n, 2
			in, out = nil, sq.output
		case out <- square:
			sends--
			if sends == 0 {
				in, out = sq.input, nil
			}
		case <-sq.stop:
			return
		}
	}
}
