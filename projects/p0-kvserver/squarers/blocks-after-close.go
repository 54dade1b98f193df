// Buggy Squarer: while it is sending a square that nobody receives it does
// not listen for Close, so Close blocks forever.

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
	for {
		select {
		case n := <-sq.input:
			sq.output <- n * n
		case <-sq.stop:
			return
		}
	}
}
