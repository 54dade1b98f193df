// Buggy Squarer: each square is sent by a goroutine of its own while the
// worker waits for it to be received. Close stops the worker, but when a
// square is still waiting to be received its sender stays blocked on the
// output channel after Close has returned (and delivers it to whoever
// receives later).
//
// Breaks: "after Close returns, every resource of the squarer, goroutines
// included, is gone" — when Close is called with a square pending.
// Deterministic: Close waits for the worker as the correct one does, so when
// nothing is pending the squarer is gone before Close returns; when a square
// is pending its sender is always left behind.

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

// Close stops the squarer's worker and returns once it has stopped.
func (sq *SquarerImpl) Close() {
	sq.stop <- struct{}{}
}

func (sq *SquarerImpl) run() {
	// Buffered, so that a sender whose square has been received never waits
	// for the worker.
	sent := make(chan struct{}, 1)
	for {
		select {
		case n := <-sq.input:
			go func() {
				sq.output <- n * n
				sent <- struct{}{}
			}()
			select {
			case <-sent:
			case <-sq.stop:
				return // the sender is left blocked on the output channel
			}
		case <-sq.stop:
			return
		}
	}
}
