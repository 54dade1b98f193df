// This file is provided by the course staff. Do not modify it: the grader uses its own copy.

package lsp

// Client is the client side of an LSP connection. NewClient (client_impl.go) returns one after the
// server has acknowledged the connection.
//
// What the caller promises (the staff tests keep to it): once Close has been called, no method of
// the client is called again, ConnID included.
type Client interface {
	// ConnID returns the id the server gave this connection.
	ConnID() int

	// Read returns the next message from the server, in the order the server wrote them, with no
	// gaps and no repeats. It blocks until one is available. It returns an error once the
	// connection was closed, or was lost and no message is left to read. When the server was
	// closed it may return an error or block forever.
	Read() ([]byte, error)

	// Write sends a message to the server. It never blocks. It returns an error if the connection
	// is lost. It is never called after Close (such a call may fail or never return).
	Write(payload []byte) error

	// Close blocks until every message written has been acknowledged by the server, or until the
	// connection is lost (what is still pending is then dropped), then closes the connection. It
	// leaves no goroutines behind. No method of the client is called afterwards.
	Close() error
}
