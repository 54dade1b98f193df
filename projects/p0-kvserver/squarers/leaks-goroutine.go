// Buggy Squarer: Initialize starts, besides the worker, a watcher goroutine
// meant to close the output channel once the worker has stopped; nothing
// ever tells it, so it is left behind by Close.
//
// Breaks: "after Close returns, every resource of the squarer, goroutines
// included, is gone". Only a goroutine count shows it: the squares and the
// worker behave exactly as in the correct Squarer. Deterministic: after
// every Close exactly one goroutine of the squarer remains, forever.

package p0partB

// SquarerImpl is a Squarer.
type SquarerImpl struct {
	input  chan int
	output chan int
	stop   chan struct{}
}

// Initialize starts the squarer's goroutines and returns its output channel.
func (sq *SquarerImpl) Initialize(input chan int) <-chan int {
	sq.input = input
	sq.output = make(chan int)
	sq.stop = make(chan struct{})
	stopped := make(chan struct{}) // never closed: run does not know about it
	go sq.run()
	go func() {
		<-stopped
		close(sq.output)
	}()
	return sq.output
}

// Close stops the squarer's worker and returns once it has stopped.
func (sq *SquarerImpl) Close() {
	sq.stop <- struct{}{}
}

// run is the correct worker.
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
		case <-sq.stop:
			return
		}
	}
}
