// Buggy Squarer: after sending a square it forgets to disable the send case,
// so the same square can be sent again to a receiver that is waiting.

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
	in := sq.input
	var out chan int
	square := 0
	for {
		select {
		case n := <-in:
			square = n * n
			in, out = nil, sq.output
		case out <- square:
			in = sq.input
		case <-sq.stop:
			return
		}
	}
}
