// This file is provided by the course staff. Do not modify it: the grader uses its own copy.

package lsp

import "fmt"

// MsgType tells the kind of an LSP message.
type MsgType int

// The four kinds of LSP message.
const (
	MsgConnect MsgType = iota // Asks the server for a new connection.
	MsgData                   // Carries a payload.
	MsgAck                    // Acknowledges one message (or, with SeqNum 0, is a heartbeat).
	MsgCAck                   // Acknowledges every message up to and including SeqNum.
)

// Message is one LSP message. It travels as the JSON encoding of this struct (json.Marshal), and the
// staff network package reads packets with the same field names, so no other encoding may be used.
type Message struct {
	Type     MsgType // One of the four kinds above.
	ConnID   int     // Connection id (0 in a Connect).
	SeqNum   int     // Sequence number (the initial sequence number in a Connect).
	Size     int     // Payload length in bytes (Data only).
	Checksum uint16  // Checksum of the message (Data only); see CalculateChecksum.
	Payload  []byte  // Data only.
}

// NewConnect returns a Connect message that proposes initialSeqNum as the initial sequence number.
func NewConnect(initialSeqNum int) *Message {
	return &Message{Type: MsgConnect, SeqNum: initialSeqNum}
}

// NewData returns a Data message. The caller computes the checksum with CalculateChecksum.
func NewData(connID, seqNum, size int, payload []byte, checksum uint16) *Message {
	return &Message{
		Type:     MsgData,
		ConnID:   connID,
		SeqNum:   seqNum,
		Size:     size,
		Payload:  payload,
		Checksum: checksum,
	}
}

// NewAck returns an Ack for message seqNum of connection connID (seqNum 0 makes it a heartbeat).
func NewAck(connID, seqNum int) *Message {
	return &Message{Type: MsgAck, ConnID: connID, SeqNum: seqNum}
}

// NewCAck returns a cumulative Ack for every message of connection connID up to seqNum.
func NewCAck(connID, seqNum int) *Message {
	return &Message{Type: MsgCAck, ConnID: connID, SeqNum: seqNum}
}

// String returns a short description of the message, handy in debug output.
func (m *Message) String() string {
	var name, payload, checksum string
	switch m.Type {
	case MsgConnect:
		name = "Connect"
	case MsgData:
		name = "Data"
		checksum = " " + fmt.Sprint(m.Checksum)
		payload = " " + string(m.Payload)
	case MsgAck:
		name = "Ack"
	case MsgCAck:
		name = "CAck"
	default:
		name = fmt.Sprintf("Unknown(%d)", int(m.Type))
	}
	return fmt.Sprintf("[%s %d %d%s%s]", name, m.ConnID, m.SeqNum, checksum, payload)
}
