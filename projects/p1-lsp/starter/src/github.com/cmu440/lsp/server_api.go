// This file is provided by the course staff. Do not modify it: the grader uses its own copy.

package lsp

// Server is the server side of LSP: it accepts connections from many clients. NewServer
// (server_impl.go) returns one listening on a port.
//
// What the caller promises (the staff tests keep to it): after CloseConn(id), neither Write nor
// CloseConn is called with that id again; once Close has been called, no method of the server is
// called again. Such calls may fail or never return.
type Server interface {
	// Read returns the next message from any client with that client's connection id. Messages of
	// one client come in the order it wrote them; there is no order across clients. When a
	// connection is lost, Read returns (id, nil, err) for it once its remaining messages have been
	// read. Read never returns a message from a connection closed with CloseConn (it may report
	// the closed connection as (id, nil, err)). It blocks until something is available.
	Read() (int, []byte, error)

	// Write sends a message to a client. It never blocks. It returns an error if the connection
	// id does not exist; whether a Write to a connection that was lost fails is up to you.
	Write(connID int, payload []byte) error

	// CloseConn closes one connection without blocking: messages already written to it are still
	// sent and acknowledged, but nothing more is read from it. It returns an error if the
	// connection id does not exist.
	CloseConn(connID int) error

	// Close blocks until every message written to every client has been acknowledged (what was
	// pending for a client lost meanwhile is dropped), then stops the server. It returns an error
	// if a client was lost meanwhile. It leaves no goroutines behind.
	Close() error
}
