// DO NOT MODIFY THIS FILE: it belongs to the course staff. It is a correct
// Squarer; the grader also runs your tests against incorrect versions of it.

package p0partB

// SquarerImpl is a Squarer. Use it as `sq := SquarerImpl{}` and then
// `squares := sq.Initialize(input)`.
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

// run alternates between two states: waiting for a number (receive enabled,
// send disabled) and offering its square (send enabled, receive disabled).
// A nil channel disables its case in the select.
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
