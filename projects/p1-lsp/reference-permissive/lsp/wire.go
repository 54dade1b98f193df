// Helpers between the socket and an event loop: encoding, the integrity check of a Data message,
// and the goroutine that reads a socket until it fails.

package lsp

import (
	"encoding/json"

	"github.com/cmu440/lspnet"
)

// datagram is what a socket reader hands to its event loop: one decoded message and its sender,
// or the error that made the reader give the socket up (then msg is nil).
type datagram struct {
	socket int // which socket of the loop it came from, so a loop can ignore sockets it dropped
	msg    *Message
	from   *lspnet.UDPAddr
	err    error
}

func marshal(m *Message) []byte {
	b, err := json.Marshal(m)
	if err != nil {
		panic("lsp: a Message always encodes: " + err.Error())
	}
	return b
}

func unmarshal(b []byte) (*Message, bool) {
	m := new(Message)
	if json.Unmarshal(b, m) != nil {
		return nil, false
	}
	return m, true
}

// wellFormed applies the size and checksum rules to a Data message: a payload shorter than Size
// fails, a longer one is cut to Size, and the checksum must then match.
func wellFormed(m *Message) bool {
	if m.Size < 0 || len(m.Payload) < m.Size {
		return false
	}
	m.Payload = m.Payload[:m.Size]
	return CalculateChecksum(m.ConnID, m.SeqNum, m.Size, m.Payload) == m.Checksum
}

// readSocket hands every message read from conn to out. The first error ends it: the error is
// handed over too and the socket is given up (the loop decides what that means). quit ends it
// early; done is closed when it returns.
func readSocket(conn *lspnet.UDPConn, socket int, out chan<- datagram, quit <-chan struct{}, done chan<- struct{}) {
	defer close(done)
	buf := make([]byte, 2048)
	for {
		n, from, err := conn.ReadFromUDP(buf)
		d := datagram{socket: socket, from: from, err: err}
		if err == nil {
			m, ok := unmarshal(buf[:n])
			if !ok {
				continue
			}
			d.msg = m
		}
		select {
		case out <- d:
		case <-quit:
			return
		}
		if err != nil {
			return
		}
	}
}
