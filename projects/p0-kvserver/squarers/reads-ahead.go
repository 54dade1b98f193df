// Buggy Squarer: its output channel is buffered, so it reads the next number
// before the previous square has been received.

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
	sq.output = make(chan int, 1)
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
			select {
			case sq.output <- n * n:
			case <-sq.stop:
				return
			}
		case <-sq.stop:
			return
		}
	}
}
