// This file is provided by the course staff. Do not modify it: the grader uses its own copy.

package lsp

// Client is the client side of an LSP connection. NewClient (client_impl.go) returns one after the
// server has acknowledged the connection.
type Client interface {
	// ConnID returns the id the server gave this connection.
	ConnID() int

	// Read returns the next message from the server, in the order the server wrote them, with no
	// gaps and no repeats. It blocks until one is available. It returns an error once the
	// connection is lost or closed and no more messages can arrive.
	Read() ([]byte, error)

	// Write sends a message to the server. It never blocks; it returns an error if the connection
	// is lost or closed.
	Write(payload []byte) error

	// Close blocks until every message written has been acknowledged by the server or the
	// connection is lost, then closes the connection. It leaves no goroutines behind. Do not call
	// Read, Write or Close afterwards.
	Close() error
}
