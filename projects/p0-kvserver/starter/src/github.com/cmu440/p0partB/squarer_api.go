// DO NOT MODIFY THIS FILE: it belongs to the course staff.

// Package p0partB holds a small concurrent component, the Squarer, for which
// you write tests (squarer_test.go).
package p0partB

// Squarer reads integers from an input channel and sends their squares on an
// output channel.
type Squarer interface {
	// Initialize starts the squarer on the given input channel and returns
	// the channel on which the squares will appear. For every number read
	// from input, exactly one value (its square) is sent on the returned
	// channel, in the order the numbers were read. The squarer holds at most
	// one number at a time: it does not read the next number until the
	// square of the previous one has been received from the output channel.
	Initialize(input chan int) <-chan int

	// Close stops the squarer. Close returns promptly, even if nobody is
	// receiving from the output channel, and once it has returned the
	// squarer neither reads from the input channel nor sends anything on the
	// output channel again.
	Close()
}
