// DO NOT MODIFY THIS FILE: it belongs to the course staff.

// Package p0partB holds a small concurrent component, the Squarer, for which
// you write tests (squarer_test.go).
package p0partB

// Squarer reads integers from an input channel and passes their squares on
// an output channel.
type Squarer interface {
	// Initialize is called first, and only once. It returns the channel on
	// which the squares of the input's elements are passed.
	Initialize(input chan int) <-chan int

	// Close cleans up the squarer: once Close has returned, every resource
	// of the squarer, its goroutines included, is gone.
	Close()
}
