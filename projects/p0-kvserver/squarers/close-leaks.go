// Buggy Squarer: Close does not stop the worker while it waits for input, so
// the squarer keeps reading (and squaring) numbers after Close has returned.

package p0partB

// SquarerImpl is a Squarer.
type SquarerImpl struct {
	input  chan int
	output chan int
	closed chan struct{}
}

// Initialize starts the squarer's goroutine and returns its output channel.
func (sq *SquarerImpl) Initialize(input chan int) <-chan int {
	sq.input = input
	sq.output = make(chan int)
	sq.closed = make(chan struct{})
	go sq.run()
	return sq.output
}

// Close tells the worker to stop.
func (sq *SquarerImpl) Close() {
	close(sq.closed)
}

func (sq *SquarerImpl) run() {
	for {
		n := <-sq.input
		select {
		case sq.output <- n * n:
		case <-sq.closed:
			return
		}
	}
}
