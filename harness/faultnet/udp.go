package faultnet

import (
	"net"
	"net/netip"
	"sync"
)

// Bandwidth queue limits for UDP. A real link has a finite buffer; without a
// limit a flood would queue unbounded memory and unbounded latency.
const (
	maxQueueNs    = int64(1e9) // at most one second of queueing delay
	maxQueueBytes = 4 << 20    // and at most 4 MiB of queued payload
)

// udpLink forwards datagrams NAT-style: every client source address gets its
// own upstream socket, so the target sees one peer per client and its
// replies can be routed back to the right client.
type udpLink struct {
	l      *link
	conn   *net.UDPConn
	target *net.UDPAddr

	mu       sync.Mutex
	sessions map[netip.AddrPort]*udpSession
	closed   bool
	wg       sync.WaitGroup
}

// udpSession is one client's NAT entry.
type udpSession struct {
	u      *udpLink
	client netip.AddrPort
	up     *net.UDPConn // connected to the target
}

func startUDP(l *link, listen string) (*udpLink, error) {
	laddr, err := net.ResolveUDPAddr("udp", listen)
	if err != nil {
		return nil, errf(CodeInvalid, "link %q: cannot resolve listen address %q: %v", l.info.Name, listen, err)
	}
	target, err := net.ResolveUDPAddr("udp", l.info.Target)
	if err != nil {
		return nil, errf(CodeInvalid, "link %q: cannot resolve target %q: %v", l.info.Name, l.info.Target, err)
	}
	conn, err := net.ListenUDP("udp", laddr)
	if err != nil {
		return nil, errf(CodeListen, "link %q: cannot listen on %s: %v", l.info.Name, listen, err)
	}
	// Larger socket buffers absorb bursts while a reader is descheduled on a
	// busy machine; failures are harmless (the kernel caps the size).
	_ = conn.SetReadBuffer(4 << 20)
	_ = conn.SetWriteBuffer(4 << 20)
	l.info.Listen = conn.LocalAddr().String()
	u := &udpLink{l: l, conn: conn, target: target, sessions: make(map[netip.AddrPort]*udpSession)}
	u.wg.Add(1)
	go u.readClients()
	return u, nil
}

// readClients is the single reader of the link's listening socket: it owns
// the forward direction's message order.
func (u *udpLink) readClients() {
	defer u.wg.Done()
	d := u.l.dirs[Forward]
	br, err := newBatchReader(u.conn)
	if err != nil {
		d.st.errors.Add(1)
		return
	}
	// Most traffic on a link comes from one client: remembering its session
	// skips the map lock on the fast path. Sessions are never replaced while
	// the link is open, so the cached pointer stays valid.
	var last *udpSession
	for {
		k, err := br.read()
		if err != nil {
			if u.isClosed() {
				return
			}
			d.st.errors.Add(1)
			continue
		}
		for i := 0; i < k; i++ {
			buf, n, from := br.datagram(i)
			s := last
			if s == nil || s.client != from {
				s = u.session(from)
				last = s
			}
			if s == nil {
				d.st.received.Add(1)
				d.st.errors.Add(1)
				continue
			}
			handleDatagram(d, s, buf, n)
		}
	}
}

// session returns the NAT entry of a client, creating it on first contact.
func (u *udpLink) session(from netip.AddrPort) *udpSession {
	u.mu.Lock()
	defer u.mu.Unlock()
	if s, ok := u.sessions[from]; ok {
		return s
	}
	if u.closed {
		return nil
	}
	up, err := net.DialUDP("udp", nil, u.target)
	if err != nil {
		return nil
	}
	_ = up.SetReadBuffer(4 << 20)
	_ = up.SetWriteBuffer(4 << 20)
	s := &udpSession{u: u, client: from, up: up}
	u.sessions[from] = s
	u.wg.Add(1)
	go s.readReplies()
	return s
}

// readReplies relays the target's replies to this session's client through
// the link's reverse direction.
func (s *udpSession) readReplies() {
	defer s.u.wg.Done()
	buf := make([]byte, maxDatagramSize+maxLengthenBy)
	d := s.u.l.dirs[Reverse]
	for {
		n, err := s.up.Read(buf[:maxDatagramSize])
		if err != nil {
			if s.u.isClosed() {
				return
			}
			// ECONNREFUSED from an ICMP port-unreachable: the target is not
			// up yet (or crashed). Keep the session; it may come back.
			d.st.errors.Add(1)
			continue
		}
		handleDatagram(d, s, buf, n)
	}
}

func (u *udpLink) isClosed() bool {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.closed
}

// write puts one datagram on the wire in direction d of session s. Its
// passage was already decided (and stamped) under d.gate.
func write(d *dirState, s *udpSession, b []byte) {
	var err error
	if d.dir == Forward {
		_, err = s.up.Write(b)
	} else {
		_, err = s.u.conn.WriteToUDPAddrPort(b, s.client)
	}
	if err != nil {
		d.st.errors.Add(1)
		return
	}
	d.st.forwarded.Add(1)
	d.st.bytesOut.Add(uint64(len(b)))
	if d.hasHeld.Load() {
		releaseHeld(d, nil)
	}
}

// deliver sends a datagram that waited in the proxy (delayed, shaped or
// held for reordering), unless a partition now blocks its direction: a
// partition in force stops what the proxy still holds, as a cut cable stops
// packets still on their way.
func deliver(d *dirState, s *udpSession, b []byte, seq uint64) {
	d.gate.RLock()
	blocked := d.block.Load() != blockNone
	if !blocked {
		d.markSent()
	}
	d.gate.RUnlock()
	if blocked {
		d.st.blocked.Add(1)
		d.trace(seq, len(b), actBlock)
		return
	}
	write(d, s, b)
}

// releaseHeld sends the datagram held for reordering. With e == nil it
// releases whatever is held (a later datagram was just sent); otherwise it
// releases e only if e is still held (its hold time expired).
func releaseHeld(d *dirState, e *event) {
	d.holdMu.Lock()
	h := d.held
	if h == nil || (e != nil && h != e) {
		d.holdMu.Unlock()
		return
	}
	d.held = nil
	d.hasHeld.Store(false)
	d.holdMu.Unlock()
	deliver(d, h.sess, h.buf, h.seq)
}

// fireEvent is the scheduler callback for a due datagram.
func fireEvent(e *event) {
	if e.held {
		releaseHeld(e.d, e)
		return
	}
	deliver(e.d, e.sess, e.buf, e.seq)
}

// handleDatagram applies direction d's rules to the datagram buf[:n] and
// forwards, queues or discards it. buf has room for maxLengthenBy extra
// bytes. Every decision is drawn from d's stream at the datagram's message
// number, in a fixed order, and logged. The decision is taken under d.gate;
// the datagrams to send at once are written after it is released.
func handleDatagram(d *dirState, s *udpSession, buf []byte, n int) {
	seq := d.seq.Add(1) - 1
	d.st.received.Add(1)
	d.st.bytesIn.Add(uint64(n))
	d.gate.RLock()
	payload, copies := decide(d, s, buf, n, seq)
	if copies > 0 {
		d.markSent()
	}
	d.gate.RUnlock()
	for i := 0; i < copies; i++ {
		write(d, s, payload)
	}
}

// decide takes every decision for one datagram and returns the payload and
// how many copies of it to send now (0: blocked, dropped, queued or held).
// The caller holds d.gate (read side).
func decide(d *dirState, s *udpSession, buf []byte, n int, seq uint64) ([]byte, int) {
	if d.block.Load() != blockNone {
		d.st.blocked.Add(1)
		d.trace(seq, n, actBlock)
		return nil, 0
	}
	r := d.rules.Load()
	if r.plain {
		// Fast path: no draws, no copies, no scheduler.
		d.trace(seq, n, actForward)
		return buf[:n], 1
	}
	rng := d.rng
	if rng.chance(seq, slotDrop, r.Drop) {
		d.st.dropped.Add(1)
		d.trace(seq, n, actDrop)
		return nil, 0
	}
	size := n
	if size > 0 && rng.chance(seq, slotCorrupt, r.Corrupt) {
		pos := rng.intn(seq, slotCorruptPos, size)
		v := byte(rng.draw(seq, slotCorruptVal))
		if v == 0 {
			v = 0xff // a zero mask would leave the byte unchanged
		}
		buf[pos] ^= v
		d.st.corrupted.Add(1)
		d.trace(seq, size, actCorrupt)
	}
	if size > 0 && rng.chance(seq, slotTruncate, r.Truncate) {
		size = rng.intn(seq, slotTruncateLen, size)
		d.st.truncated.Add(1)
		d.trace(seq, size, actTruncate)
	}
	if rng.chance(seq, slotLengthen, r.Lengthen) {
		k := 1 + rng.intn(seq, slotLengthenLen, maxLengthenBy)
		x := rng.draw(seq, slotLengthenBytes)
		for i := 0; i < k; i++ {
			buf[size+i] = byte(mix64(x + uint64(i)*golden))
		}
		size += k
		d.st.lengthened.Add(1)
		d.trace(seq, size, actLengthen)
	}
	payload := buf[:size]
	copies := 1
	if rng.chance(seq, slotDuplicate, r.Duplicate) {
		copies = 2
		d.st.duplicated.Add(1)
		d.trace(seq, size, actDuplicate)
	}
	sched := d.l.p.sched
	if rng.chance(seq, slotReorder, r.Reorder) && holdForReorder(d, s, payload, r, seq) {
		// A held datagram is released once; its duplicate, if any, goes now.
		copies--
	}
	if copies == 0 {
		return nil, 0
	}
	delay := r.delayMs(rng, seq)
	if delay == 0 && r.BandwidthBps == 0 {
		d.trace(seq, size, actForward)
		return payload, copies
	}
	now := sched.now()
	at := now + int64(delay*1e6)
	if r.BandwidthBps > 0 {
		var ok bool
		if at, ok = shape(d, r, at, size*copies); !ok {
			d.st.overflow.Add(1)
			d.trace(seq, size, actOverflow)
			return nil, 0
		}
	}
	d.st.delayed.Add(1)
	d.traceDelay(seq, size, actDelay, delay)
	cp := make([]byte, size)
	copy(cp, payload)
	for i := 0; i < copies; i++ {
		sched.push(&event{at: at, d: d, sess: s, buf: cp, seq: seq})
	}
	return nil, 0
}

// holdForReorder holds a copy of the datagram until a later datagram of
// the same direction is sent or the hold time expires. Only one datagram is
// held per direction; if one is already held it returns false and the new
// datagram is forwarded normally (which releases the held one right after).
func holdForReorder(d *dirState, s *udpSession, payload []byte, r *rules, seq uint64) bool {
	d.holdMu.Lock()
	if d.held != nil {
		d.holdMu.Unlock()
		return false
	}
	cp := make([]byte, len(payload))
	copy(cp, payload)
	sched := d.l.p.sched
	e := &event{at: sched.now() + r.holdNs, d: d, sess: s, buf: cp, seq: seq, held: true}
	d.held = e
	d.hasHeld.Store(true)
	d.holdMu.Unlock()
	d.st.reordered.Add(1)
	d.trace(seq, len(payload), actReorder)
	sched.push(e)
	return true
}

// shape applies the bandwidth limit: a datagram of size bytes that would
// leave at `at` leaves when the link has finished sending the previous ones.
// It returns false when the queue is full.
func shape(d *dirState, r *rules, at int64, size int) (int64, bool) {
	d.bwMu.Lock()
	defer d.bwMu.Unlock()
	dep := max(at, d.nextFree)
	backlog := dep - at
	if backlog > maxQueueNs || float64(backlog)*r.BandwidthBps/1e9 > maxQueueBytes {
		return 0, false
	}
	d.nextFree = dep + int64(float64(size)*1e9/r.BandwidthBps)
	return dep, true
}

func (u *udpLink) rulesChanged() {}

// close stops the readers and closes every socket of the link.
func (u *udpLink) close() {
	u.mu.Lock()
	u.closed = true
	sessions := u.sessions
	u.sessions = map[netip.AddrPort]*udpSession{}
	u.mu.Unlock()
	u.conn.Close()
	for _, s := range sessions {
		s.up.Close()
	}
	u.wg.Wait()
}
