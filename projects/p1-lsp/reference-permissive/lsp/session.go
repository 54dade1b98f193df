// The protocol state of one connection, the same on both ends: the sliding window with per-message
// back-off, the in-order delivery of what arrives, and the epoch bookkeeping (heartbeats, loss).
// A session is owned by one event loop and never blocks; it transmits through a function.

package lsp

// sent is one Data message that went out and is kept until it is acknowledged.
type sent struct {
	msg     *Message
	acked   bool
	waited  int // epochs since it was last transmitted
	backoff int // epochs it must wait before the next transmission
}

type session struct {
	params *Params
	connID int
	out    func(*Message)

	// Sending. window holds the messages base, base+1, … that were transmitted; window[0] is
	// the oldest unacknowledged one (acknowledged messages at the front are dropped at once).
	base    int
	window  []*sent
	unacked int
	backlog fifo[[]byte] // written, waiting for room in the window

	// Receiving: the next sequence number to deliver, and messages that arrived ahead of it.
	next   int
	parked map[int][]byte

	// Epochs.
	heard bool // a message arrived during this epoch
	spoke bool // a message was transmitted during this epoch
	quiet int  // epochs in a row without any message
}

func newSession(params *Params, connID, isn int, out func(*Message)) *session {
	return &session{params: params, connID: connID, out: out, base: isn + 1, next: isn + 1, parked: map[int][]byte{}}
}

func (s *session) transmit(m *Message) {
	s.spoke = true
	s.out(m)
}

// write queues a copy of payload and transmits what the window allows.
func (s *session) write(payload []byte) {
	s.backlog.push(append([]byte(nil), payload...))
	s.slide()
}

// drained tells whether everything written has been acknowledged.
func (s *session) drained() bool { return s.backlog.len() == 0 && len(s.window) == 0 }

// slide drops acknowledged messages from the front of the window and transmits waiting ones while
// both limits allow: sequence numbers below base+WindowSize, at most MaxUnackedMessages in flight.
func (s *session) slide() {
	for len(s.window) > 0 && s.window[0].acked {
		s.window[0] = nil
		s.window = s.window[1:]
		s.base++
	}
	for s.backlog.len() > 0 && len(s.window) < s.params.WindowSize && s.unacked < s.params.MaxUnackedMessages {
		payload := s.backlog.pop()
		sn := s.base + len(s.window)
		m := NewData(s.connID, sn, len(payload), payload, CalculateChecksum(s.connID, sn, len(payload), payload))
		s.window = append(s.window, &sent{msg: m})
		s.unacked++
		s.transmit(m)
	}
}

// acknowledge marks the messages first..last (clipped to the window) as acknowledged.
func (s *session) acknowledge(first, last int) {
	if first < s.base {
		first = s.base
	}
	for sn := first; sn <= last && sn-s.base < len(s.window); sn++ {
		if w := s.window[sn-s.base]; !w.acked {
			w.acked = true
			s.unacked--
		}
	}
	s.slide()
}

// receive handles one message of this connection and returns the payloads that can now be
// delivered, in order.
func (s *session) receive(m *Message) [][]byte {
	s.heard = true
	switch m.Type {
	case MsgAck:
		if m.SeqNum != 0 { // 0 is a heartbeat
			s.acknowledge(m.SeqNum, m.SeqNum)
		}
	case MsgCAck:
		s.acknowledge(s.base, m.SeqNum)
	case MsgData:
		if !wellFormed(m) {
			return nil // not acknowledged: the sender will transmit it again
		}
		s.transmit(NewAck(s.connID, m.SeqNum))
		if m.SeqNum < s.next {
			return nil // a copy of something delivered already (our Ack was lost)
		}
		if _, ok := s.parked[m.SeqNum]; !ok {
			s.parked[m.SeqNum] = m.Payload
		}
		var ready [][]byte
		for {
			p, ok := s.parked[s.next]
			if !ok {
				return ready
			}
			delete(s.parked, s.next)
			ready = append(ready, p)
			s.next++
		}
	}
	return nil
}

// epoch ends an epoch: it reports a connection silent for EpochLimit epochs as lost, otherwise
// transmits the messages whose back-off has run out and a heartbeat if nothing else went out.
func (s *session) epoch() (lost bool) {
	if s.heard {
		s.quiet = 0
	} else {
		s.quiet++
	}
	s.heard = false
	if s.quiet >= s.params.EpochLimit {
		return true
	}
	for _, w := range s.window {
		if w.acked {
			continue
		}
		w.waited++
		if w.waited <= w.backoff {
			continue
		}
		w.waited = 0
		if w.backoff == 0 {
			w.backoff = 1
		} else {
			w.backoff *= 2
		}
		if w.backoff > s.params.MaxBackOffInterval {
			w.backoff = s.params.MaxBackOffInterval
		}
		s.transmit(w.msg)
	}
	if !s.spoke {
		s.transmit(NewAck(s.connID, 0))
	}
	s.spoke = false
	return false
}
