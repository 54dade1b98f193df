// DO NOT MODIFY THIS FILE: it belongs to the course staff. The grader always
// uses its own copy, so any change you make here is thrown away.

package p0partA

// KeyValueServer is a TCP server in front of a key-value store. Clients send
// one request per line (Put, Get, Delete, Update); the server answers Get
// requests with one line per stored value. See the handout for the details.
type KeyValueServer interface {
	// Start makes the server listen for TCP connections on the given port
	// and returns at once; the server keeps running in the background. It
	// returns an error if it cannot listen on that port.
	Start(port int) error

	// CountActive returns the number of clients that are connected right now.
	CountActive() int

	// CountDropped returns how many clients have disconnected since the
	// server started (a running total, never reset).
	CountDropped() int

	// Close shuts the server down: it stops listening and closes every
	// client connection. It does not have to wait for the server's
	// goroutines to finish.
	Close()
}
