// The protocol state of one LSP connection, shared by the client and the server. It owns no
// goroutine: the event loop of the client or server calls it and gives it a function to transmit.

package lsp

import (
	"encoding/json"
	"errors"
)

var (
	errLost   = errors.New("lsp: connection lost")
	errClosed = errors.New("lsp: connection closed")
)

// inflight is a sent Data message that has not been acknowledged yet.
type inflight struct {
	msg     *Message
	idle    int // epochs since it was last sent
	backoff int // epochs to wait (idle) before the next resend
}

type peer struct {
	params *Params
	connID int
	send   func(*Message)

	// Sending side.
	nextUnsent int      // sequence number of pending[0]
	pending    [][]byte // written, not sent yet
	unacked    map[int]*inflight

	// Receiving side.
	expect int // next sequence number to deliver
	early  map[int][]byte

	// Liveness.
	heard  bool // something arrived during this epoch
	silent int  // epochs in a row in which nothing arrived
	sent   bool // something was sent during this epoch
}

func newPeer(params *Params, connID, isn int, send func(*Message)) *peer {
	return &peer{
		params:     params,
		connID:     connID,
		send:       send,
		nextUnsent: isn + 1,
		unacked:    make(map[int]*inflight),
		expect:     isn + 1,
		early:      make(map[int][]byte),
	}
}

func (p *peer) transmit(m *Message) {
	p.sent = true
	p.send(m)
}

// write queues a payload and sends what the window allows.
func (p *peer) write(payload []byte) {
	p.pending = append(p.pending, append([]byte(nil), payload...))
	p.fill()
}

// oldest returns the oldest unacknowledged sequence number (the next unsent one if all are acked).
func (p *peer) oldest() int {
	low := p.nextUnsent
	for sn := range p.unacked {
		if sn < low {
			low = sn
		}
	}
	return low
}

// fill sends pending messages while the window and the unacknowledged limit allow it.
func (p *peer) fill() {
	if len(p.pending) == 0 {
		return
	}
	limit := p.oldest() + p.params.WindowSize
	for len(p.pending) > 0 && p.nextUnsent < limit && len(p.unacked) < p.params.MaxUnackedMessages {
		payload := p.pending[0]
		p.pending = p.pending[1:]
		sn := p.nextUnsent
		p.nextUnsent++
		m := NewData(p.connID, sn, len(payload), payload, CalculateChecksum(p.connID, sn, len(payload), payload))
		p.unacked[sn] = &inflight{msg: m}
		p.transmit(m)
	}
}

// idle tells whether everything written has been acknowledged.
func (p *peer) idle() bool {
	return len(p.pending) == 0 && len(p.unacked) == 0
}

// receive handles one message for this connection and returns the payloads now deliverable in order.
func (p *peer) receive(m *Message) [][]byte {
	p.heard = true
	switch m.Type {
	case MsgData:
		if !intact(m) {
			return nil
		}
		p.transmit(NewAck(p.connID, m.SeqNum))
		if m.SeqNum < p.expect {
			return nil
		}
		if _, dup := p.early[m.SeqNum]; !dup {
			p.early[m.SeqNum] = m.Payload
		}
		var out [][]byte
		for {
			payload, ok := p.early[p.expect]
			if !ok {
				return out
			}
			delete(p.early, p.expect)
			out = append(out, payload)
			p.expect++
		}
	case MsgAck:
		if m.SeqNum != 0 {
			delete(p.unacked, m.SeqNum)
			p.fill()
		}
	case MsgCAck:
		for sn := range p.unacked {
			if sn <= m.SeqNum {
				delete(p.unacked, sn)
			}
		}
		p.fill()
	}
	return nil
}

// intact checks the size and checksum of a Data message, truncating a payload that is too long.
func intact(m *Message) bool {
	if m.Size < 0 || len(m.Payload) < m.Size {
		return false
	}
	m.Payload = m.Payload[:m.Size]
	return CalculateChecksum(m.ConnID, m.SeqNum, m.Size, m.Payload) == m.Checksum
}

// tick ends an epoch: resends what is due, sends a heartbeat if nothing was sent, and reports
// whether the connection is now lost.
func (p *peer) tick() (lost bool) {
	if p.heard {
		p.silent = 0
	} else {
		p.silent++
	}
	p.heard = false
	if p.silent >= p.params.EpochLimit {
		return true
	}
	for _, f := range p.unacked {
		f.idle++
		if f.idle > f.backoff {
			f.idle = 0
			f.backoff = nextBackoff(f.backoff, p.params.MaxBackOffInterval)
			p.transmit(f.msg)
		}
	}
	p.sent = false
	return false
}

func nextBackoff(current, max int) int {
	next := current * 2
	if current == 0 {
		next = 1
	}
	if next > max {
		next = max
	}
	return next
}

func encode(m *Message) []byte {
	b, _ := json.Marshal(m)
	return b
}

func decodeMessage(b []byte) (*Message, bool) {
	var m Message
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, false
	}
	return &m, true
}
