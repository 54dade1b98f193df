// This file is provided by the course staff. Do not modify it: the grader uses its own copy.

package bitcoin

import "fmt"

// MsgType tells the kind of a bitcoin message.
type MsgType int

// The three kinds of bitcoin message.
const (
	Join    MsgType = iota // A miner offers to work (miner to server).
	Request                // Find the nonce in [Lower, Upper] minimising Hash(Data, nonce) (client to server, server to miner).
	Result                 // The minimum Hash and its Nonce (miner to server, server to client).
)

// Message is one bitcoin message; it travels over LSP as its JSON encoding.
type Message struct {
	Type         MsgType
	Data         string
	Lower, Upper uint64
	Hash, Nonce  uint64
}

// NewRequest returns a Request for the nonces lower..upper (inclusive) of data.
func NewRequest(data string, lower, upper uint64) *Message {
	return &Message{Type: Request, Data: data, Lower: lower, Upper: upper}
}

// NewResult returns a Result carrying a hash and the nonce that produced it.
func NewResult(hash, nonce uint64) *Message {
	return &Message{Type: Result, Hash: hash, Nonce: nonce}
}

// NewJoin returns a Join message.
func NewJoin() *Message {
	return &Message{Type: Join}
}

// String returns a short description of the message.
func (m *Message) String() string {
	switch m.Type {
	case Request:
		return fmt.Sprintf("[Request %s %d %d]", m.Data, m.Lower, m.Upper)
	case Result:
		return fmt.Sprintf("[Result %d %d]", m.Hash, m.Nonce)
	case Join:
		return "[Join]"
	default:
		return fmt.Sprintf("[Unknown(%d)]", int(m.Type))
	}
}
