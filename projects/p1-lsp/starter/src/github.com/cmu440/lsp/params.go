// This file is provided by the course staff. Do not modify it: the grader uses its own copy.

package lsp

import "fmt"

// Default values of the protocol parameters.
const (
	DefaultEpochLimit         = 5
	DefaultEpochMillis        = 2000
	DefaultWindowSize         = 1
	DefaultMaxBackOffInterval = 0
	DefaultMaxUnackedMessages = 1
)

// Params holds the protocol parameters. The order of the fields is part of the API: tests build
// Params positionally.
type Params struct {
	// EpochLimit is the number of epochs in a row in which nothing is received after which a
	// connection is declared lost.
	EpochLimit int
	// EpochMillis is the length of an epoch in milliseconds.
	EpochMillis int
	// WindowSize is the size of the sliding window: with n the oldest unacknowledged sequence
	// number, only messages n .. n+WindowSize-1 may be sent.
	WindowSize int
	// MaxBackOffInterval caps the number of idle epochs between two retransmissions of a message.
	MaxBackOffInterval int
	// MaxUnackedMessages caps the number of messages sent and not yet acknowledged (at most
	// WindowSize).
	MaxUnackedMessages int
}

// NewParams returns the default parameters.
func NewParams() *Params {
	return &Params{
		EpochLimit:         DefaultEpochLimit,
		EpochMillis:        DefaultEpochMillis,
		WindowSize:         DefaultWindowSize,
		MaxBackOffInterval: DefaultMaxBackOffInterval,
		MaxUnackedMessages: DefaultMaxUnackedMessages,
	}
}

// String returns the parameters in a readable form.
func (p *Params) String() string {
	return fmt.Sprintf("[EpochLimit: %d, EpochMillis: %d, WindowSize: %d, MaxBackOffInterval: %d, MaxUnackedMessages: %d]",
		p.EpochLimit, p.EpochMillis, p.WindowSize, p.MaxBackOffInterval, p.MaxUnackedMessages)
}
