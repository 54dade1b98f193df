package faultnet

import (
	"errors"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

const (
	tcpChunkSize   = 32 << 10
	tcpQueueChunks = 64 // per direction; beyond this the reader stops and TCP backpressure applies
	tcpDialTimeout = 5 * time.Second
	// tcpCatchUpNs bounds how much lateness bandwidth pacing makes up for (see writePaced).
	tcpCatchUpNs = int64(100 * time.Millisecond)
)

var chunkPool = sync.Pool{New: func() any { b := make([]byte, tcpChunkSize); return &b }}

// tcpLink accepts connections on the link's endpoint and, for each one,
// dials the target and pumps bytes both ways through the link's directions.
type tcpLink struct {
	l       *link
	ln      *net.TCPListener
	connSeq atomic.Uint64

	mu     sync.Mutex
	conns  map[*tcpConn]struct{}
	closed bool
	wg     sync.WaitGroup
}

// tcpConn is one proxied connection: client is the accepted socket (node
// "from"), server the socket dialed to the target (node "to").
type tcpConn struct {
	t      *tcpLink
	num    uint64
	client *net.TCPConn

	mu     sync.Mutex
	server *net.TCPConn
	ended  bool

	done     chan struct{}
	halfDone atomic.Int32
}

func startTCP(l *link, listen string) (*tcpLink, error) {
	laddr, err := net.ResolveTCPAddr("tcp", listen)
	if err != nil {
		return nil, errf(CodeInvalid, "link %q: cannot resolve listen address %q: %v", l.info.Name, listen, err)
	}
	ln, err := net.ListenTCP("tcp", laddr)
	if err != nil {
		return nil, errf(CodeListen, "link %q: cannot listen on %s: %v", l.info.Name, listen, err)
	}
	l.info.Listen = ln.Addr().String()
	t := &tcpLink{l: l, ln: ln, conns: make(map[*tcpConn]struct{})}
	t.wg.Add(1)
	go t.acceptLoop()
	return t, nil
}

func (t *tcpLink) acceptLoop() {
	defer t.wg.Done()
	for {
		c, err := t.ln.AcceptTCP()
		if err != nil {
			if t.isClosed() {
				return
			}
			// Transient (e.g. EMFILE): back off briefly instead of spinning.
			time.Sleep(10 * time.Millisecond)
			continue
		}
		tc := &tcpConn{t: t, num: t.connSeq.Add(1) - 1, client: c, done: make(chan struct{})}
		t.mu.Lock()
		if t.closed {
			t.mu.Unlock()
			c.Close()
			return
		}
		t.conns[tc] = struct{}{}
		t.wg.Add(1)
		t.mu.Unlock()
		go tc.run()
	}
}

func (t *tcpLink) isClosed() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.closed
}

// connRule returns the connection-level verdict in force: reset, close or none.
func (t *tcpLink) connRule() string {
	for _, d := range t.l.dirs {
		if d.rules.Load().Reset || d.block.Load() == blockReset {
			return actReset
		}
	}
	for _, d := range t.l.dirs {
		if d.rules.Load().Close {
			return actClose
		}
	}
	return ""
}

// run dials the target and starts the four goroutines of the connection.
func (c *tcpConn) run() {
	defer c.t.wg.Done()
	fwd := c.t.l.dirs[Forward]
	fwd.st.connections.Add(1)
	fwd.trace(c.num, 0, actAccept)
	if v := c.t.connRule(); v != "" {
		c.end(v)
		return
	}
	server, err := net.DialTimeout("tcp", c.t.l.info.Target, tcpDialTimeout)
	if err != nil {
		// Mirror a refused connection to the client with an RST.
		fwd.st.errors.Add(1)
		fwd.trace(c.num, 0, actRefused)
		c.end(actRefused)
		return
	}
	c.mu.Lock()
	if c.ended {
		c.mu.Unlock()
		server.Close()
		return
	}
	c.server = server.(*net.TCPConn)
	c.mu.Unlock()
	// A rule may have changed while dialing.
	if v := c.t.connRule(); v != "" {
		c.end(v)
		return
	}
	rev := c.t.l.dirs[Reverse]
	pumps := []*pump{
		{c: c, d: fwd, src: c.client, dst: c.server, q: make(chan chunk, tcpQueueChunks)},
		{c: c, d: rev, src: c.server, dst: c.client, q: make(chan chunk, tcpQueueChunks)},
	}
	c.t.wg.Add(4)
	for _, p := range pumps {
		go p.read()
		go p.write()
	}
}

// endAbort ends a connection with an RST without a trace record: a socket
// error, a reset passed on from a peer, or the proxy shutting down.
const endAbort = "abort"

// end terminates the connection once: "reset", "refused" and "abort" abort both
// sockets with an RST (SO_LINGER 0), anything else closes them with a FIN.
func (c *tcpConn) end(how string) {
	c.mu.Lock()
	if c.ended {
		c.mu.Unlock()
		return
	}
	c.ended = true
	server := c.server
	c.mu.Unlock()
	close(c.done)
	fwd := c.t.l.dirs[Forward]
	switch how {
	case actReset:
		fwd.st.resets.Add(1)
		fwd.trace(c.num, 0, actReset)
	case actClose:
		fwd.st.closes.Add(1)
		fwd.trace(c.num, 0, actClose)
	}
	rst := how == actReset || how == actRefused || how == endAbort
	for _, s := range []*net.TCPConn{c.client, server} {
		if s == nil {
			continue
		}
		if rst {
			_ = s.SetLinger(0)
		}
		s.Close()
	}
	c.t.mu.Lock()
	delete(c.t.conns, c)
	c.t.mu.Unlock()
}

// halfClose records that one direction delivered its EOF; when both have,
// the connection ended normally.
func (c *tcpConn) halfClose() {
	if c.halfDone.Add(1) == 2 {
		c.end("")
	}
}

// chunk is a read buffer on its way through a pump's queue. eof marks the
// end of the stream: the writer half-closes the destination after the data
// before it, so an EOF never overtakes bytes.
type chunk struct {
	buf *[]byte
	n   int
	at  int64
	eof bool
}

// pump moves one direction of a connection. The reader forwards directly
// while nothing is queued and no timing rule applies (the fast path); as
// soon as a chunk must wait, chunks go through the queue to the writer,
// which keeps their order.
type pump struct {
	c        *tcpConn
	d        *dirState
	src, dst *net.TCPConn
	q        chan chunk
	pending  atomic.Int32 // chunks queued or being written by the writer
	lastAt   int64        // release time of the last queued chunk (reader only)
	nextFree int64        // bandwidth: earliest time the next byte may leave (writer only)
}

func (p *pump) read() {
	defer p.c.t.wg.Done()
	for {
		bp := chunkPool.Get().(*[]byte)
		n, err := p.src.Read(*bp)
		if n > 0 {
			if !p.handle(bp, n) {
				return
			}
		} else {
			chunkPool.Put(bp)
		}
		if err != nil {
			if errors.Is(err, io.EOF) {
				p.enqueueEOF()
			} else {
				// A reset from the peer (or any socket error) is passed on as a reset.
				p.c.end(endAbort)
			}
			return
		}
	}
}

// handle applies the direction's rules to one chunk and reports whether the
// connection is still alive. The fast path's decision is taken under d.gate
// (see dirState.gate); a queued chunk is checked again by the writer.
func (p *pump) handle(bp *[]byte, n int) bool {
	d := p.d
	seq := d.seq.Add(1) - 1
	d.st.received.Add(1)
	d.st.bytesIn.Add(uint64(n))
	d.gate.RLock()
	r := d.rules.Load()
	stalled := d.stalled()
	fast := r.DelayMs == 0 && r.JitterMs == 0 && r.BandwidthBps == 0 && !stalled && p.pending.Load() == 0
	if fast {
		d.trace(seq, n, actForward)
		d.markSent()
	}
	d.gate.RUnlock()
	if fast {
		_, err := p.dst.Write((*bp)[:n])
		chunkPool.Put(bp)
		if err != nil {
			p.c.end(endAbort)
			return false
		}
		d.st.forwarded.Add(1)
		d.st.bytesOut.Add(uint64(n))
		return true
	}
	delay := r.delayMs(d.rng, seq)
	now := p.c.t.l.p.sched.now()
	at := max(now+int64(delay*1e6), p.lastAt)
	p.lastAt = at
	switch {
	case d.block.Load() != blockNone:
		d.st.blocked.Add(1)
		d.trace(seq, n, actBlock)
	case stalled:
		d.st.stalled.Add(1)
		d.trace(seq, n, actStall)
	case delay > 0:
		d.st.delayed.Add(1)
		d.traceDelay(seq, n, actDelay, delay)
	default:
		d.trace(seq, n, actForward)
	}
	p.pending.Add(1)
	select {
	case p.q <- chunk{buf: bp, n: n, at: at}:
		return true
	case <-p.c.done:
		return false
	}
}

func (p *pump) enqueueEOF() {
	d := p.d
	d.gate.RLock()
	now := p.pending.Load() == 0 && !d.stalled()
	if now {
		d.markSent()
	}
	d.gate.RUnlock()
	if now {
		_ = p.dst.CloseWrite()
		p.c.halfClose()
		return
	}
	p.pending.Add(1)
	select {
	case p.q <- chunk{eof: true, at: p.lastAt}:
	case <-p.c.done:
	}
}

// pass waits until the direction may carry bytes (no stall rule, no
// partition) and stamps them as sent; false when the connection ended.
// The check and the stamp happen under d.gate, so bytes never leave after
// a stall or partition was acknowledged.
func (p *pump) pass() bool {
	d := p.d
	for {
		w := d.watch()
		d.gate.RLock()
		open := !d.stalled()
		if open {
			d.markSent()
		}
		d.gate.RUnlock()
		if open {
			return true
		}
		select {
		case <-w:
		case <-p.c.done:
			return false
		}
	}
}

// write releases queued chunks at their time, holds them while the
// direction is stalled and paces them to the bandwidth limit.
func (p *pump) write() {
	defer p.c.t.wg.Done()
	sched := p.c.t.l.p.sched
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	sleep := func(ns int64) bool {
		if ns <= 0 {
			return true
		}
		timer.Reset(time.Duration(ns))
		select {
		case <-timer.C:
			return true
		case <-p.c.done:
			timer.Stop()
			return false
		}
	}
	for {
		var ch chunk
		select {
		case ch = <-p.q:
		case <-p.c.done:
			return
		}
		if !sleep(ch.at - sched.now()) {
			return
		}
		if ch.eof {
			if !p.pass() {
				return
			}
			_ = p.dst.CloseWrite()
			p.pending.Add(-1)
			p.c.halfClose()
			return
		}
		ok, alive := p.writePaced((*ch.buf)[:ch.n], sleep)
		chunkPool.Put(ch.buf)
		p.pending.Add(-1)
		if !alive {
			return
		}
		if !ok {
			p.c.end(endAbort)
			return
		}
		p.d.st.forwarded.Add(1)
		p.d.st.bytesOut.Add(uint64(ch.n))
	}
}

// writePaced writes b, split into slices of about 20 ms worth of bytes when
// a bandwidth limit is in force, so the rate holds at sub-second scale. Each
// slice passes the gate on its own, so a stall or partition that comes into
// force mid-chunk holds the rest. It reports whether the writes succeeded
// and whether the connection is still alive.
func (p *pump) writePaced(b []byte, sleep func(int64) bool) (ok, alive bool) {
	sched := p.c.t.l.p.sched
	for len(b) > 0 {
		if bps := p.d.rules.Load().BandwidthBps; bps > 0 && !sleep(p.nextFree-sched.now()) {
			return false, false
		}
		if !p.pass() {
			return false, false
		}
		bps := p.d.rules.Load().BandwidthBps
		if bps == 0 {
			_, err := p.dst.Write(b)
			return err == nil, true
		}
		slice := max(1, int(bps/50))
		slice = min(slice, len(b))
		// The slice leaves at its planned time, or late when this goroutine was not run in
		// time. A late slice does not push every later one back: up to tcpCatchUpNs of
		// lateness is made up by the next slices, so the average rate is the limit on a
		// loaded machine too. Beyond that (an idle connection) pacing starts afresh, so no
		// credit is banked for a burst.
		now := sched.now()
		from := p.nextFree
		if from == 0 || now-from > tcpCatchUpNs {
			from = now
		}
		if _, err := p.dst.Write(b[:slice]); err != nil {
			return false, true
		}
		p.nextFree = from + int64(float64(slice)*1e9/bps)
		b = b[slice:]
	}
	return true, true
}

// rulesChanged ends every open connection when a reset or close rule, or a
// resetting partition, came into force.
func (t *tcpLink) rulesChanged() {
	v := t.connRule()
	if v == "" {
		return
	}
	t.mu.Lock()
	conns := make([]*tcpConn, 0, len(t.conns))
	for c := range t.conns {
		conns = append(conns, c)
	}
	t.mu.Unlock()
	for _, c := range conns {
		c.end(v)
	}
}

// close stops accepting, resets every open connection and waits for all
// goroutines of the link.
func (t *tcpLink) close() {
	t.mu.Lock()
	t.closed = true
	conns := make([]*tcpConn, 0, len(t.conns))
	for c := range t.conns {
		conns = append(conns, c)
	}
	t.mu.Unlock()
	t.ln.Close()
	for _, c := range conns {
		c.end(endAbort)
	}
	t.wg.Wait()
}
