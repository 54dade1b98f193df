// This file is provided by the course staff. Do not modify it: the grader uses its own copy.

package lsp

// Server is the server side of LSP: it accepts connections from many clients. NewServer
// (server_impl.go) returns one listening on a port.
type Server interface {
	// Read returns the next message from any client with that client's connection id. Messages of
	// one client come in the order it wrote them; there is no order across clients. When a
	// connection is lost or closed, Read returns (id, nil, err) for it once. Read never returns a
	// message from a connection closed with CloseConn. It blocks until something is available.
	Read() (int, []byte, error)

	// Write sends a message to a client. It never blocks; it returns an error if the connection
	// does not exist, is lost or was closed.
	Write(connID int, payload []byte) error

	// CloseConn closes one connection: messages already written to it are still delivered, but
	// no more are accepted from it and Read returns nothing more from it. It does not block; it
	// returns an error if the connection does not exist.
	CloseConn(connID int) error

	// Close blocks until every message written to every client has been acknowledged (or the
	// client is lost), then stops the server. It returns an error if a client was lost meanwhile.
	// After Close, Write returns an error and Read returns an error or blocks.
	Close() error
}
