// Contains the implementation of an LSP server.
//
// One goroutine, the event loop, owns every connection. The calls the contract rules out are
// never answered: Write or CloseConn on an id after CloseConn(id), and any call after Close.
// Read returns (id, nil, err) for a connection closed with CloseConn, and Write to a connection
// that was lost succeeds without sending anything (its id still exists).

package lsp

import (
	"errors"
	"strconv"
	"time"

	"github.com/cmu440/lspnet"
)

var errClosedConn = errors.New("lsp: the connection was closed with CloseConn")

type server struct {
	requests chan request
}

// conn is the server's side of one connection.
type conn struct {
	id      int
	addr    *lspnet.UDPAddr
	isn     int
	session *session
	closed  bool // CloseConn was called: finish sending, take nothing more from it
}

// ended says how a connection that the loop no longer serves ended.
type ended int

const (
	endedLost ended = iota + 1
	endedClosed
)

type serverLoop struct {
	params   *Params
	sock     *lspnet.UDPConn
	requests <-chan request
	in       chan datagram
	quit     chan struct{}
	reader   chan struct{}

	conns  map[int]*conn
	byAddr map[string]*conn
	over   map[int]ended // ids of connections no longer served
	lastID int

	ready   fifo[answer]      // (id, payload) or (id, nil, err), not read yet
	waiting fifo[chan answer] // Read calls waiting
	closing chan answer       // the reply of Close, once it has been called
	lostMid bool              // a connection with unacknowledged messages was lost during Close
}

// NewServer starts an LSP server listening on port. It returns an error if it cannot listen.
func NewServer(port int, params *Params) (Server, error) {
	addr, err := lspnet.ResolveUDPAddr("udp", lspnet.JoinHostPort("", strconv.Itoa(port)))
	if err != nil {
		return nil, err
	}
	sock, err := lspnet.ListenUDP("udp", addr)
	if err != nil {
		return nil, err
	}
	s := &server{requests: make(chan request)}
	l := &serverLoop{
		params:   params,
		sock:     sock,
		requests: s.requests,
		in:       make(chan datagram),
		quit:     make(chan struct{}),
		reader:   make(chan struct{}),
		conns:    map[int]*conn{},
		byAddr:   map[string]*conn{},
		over:     map[int]ended{},
	}
	go readSocket(sock, 1, l.in, l.quit, l.reader)
	go l.run()
	return s, nil
}

func (s *server) Read() (int, []byte, error) {
	a := ask(s.requests, request{op: opRead})
	return a.connID, a.payload, a.err
}

func (s *server) Write(connID int, payload []byte) error {
	return ask(s.requests, request{op: opWrite, connID: connID, payload: payload}).err
}

func (s *server) CloseConn(connID int) error {
	return ask(s.requests, request{op: opCloseConn, connID: connID}).err
}

func (s *server) Close() error { return ask(s.requests, request{op: opClose}).err }

func (l *serverLoop) run() {
	tick := time.NewTicker(time.Duration(l.params.EpochMillis) * time.Millisecond)
	defer tick.Stop()
	for {
		if l.closing == nil {
			for l.waiting.len() > 0 && l.ready.len() > 0 {
				l.waiting.pop() <- l.ready.pop()
			}
		} else if len(l.conns) == 0 {
			close(l.quit)
			l.sock.Close()
			<-l.reader
			var err error
			if l.lostMid {
				err = errors.New("lsp: a client was lost before it acknowledged everything")
			}
			l.closing <- answer{err: err}
			return
		}
		select {
		case d := <-l.in:
			if d.err != nil {
				l.socketFailed()
			} else {
				l.receive(d.msg, d.from)
			}
		case <-tick.C:
			for _, c := range l.conns {
				if c.session.epoch() {
					l.lose(c)
				} else {
					l.retireIfDone(c)
				}
			}
		case r := <-l.requests:
			l.serve(r)
		}
	}
}

func (l *serverLoop) sender(addr *lspnet.UDPAddr) func(*Message) {
	return func(m *Message) {
		// A failed send is a lost packet: the back-off sends it again.
		l.sock.WriteToUDP(marshal(m), addr)
	}
}

func (l *serverLoop) receive(m *Message, from *lspnet.UDPAddr) {
	key := from.String()
	if m.Type == MsgConnect {
		if c, ok := l.byAddr[key]; ok {
			c.session.heard = true
			c.session.transmit(NewAck(c.id, c.isn)) // our first Ack was lost
			return
		}
		if l.closing != nil {
			return
		}
		l.lastID++
		c := &conn{id: l.lastID, addr: from, isn: m.SeqNum}
		c.session = newSession(l.params, c.id, m.SeqNum, l.sender(from))
		l.conns[c.id], l.byAddr[key] = c, c
		c.session.heard = true
		c.session.transmit(NewAck(c.id, m.SeqNum))
		return
	}
	c, ok := l.conns[m.ConnID]
	if !ok || c.addr.String() != key {
		return
	}
	for _, p := range c.session.receive(m) {
		if !c.closed && l.closing == nil {
			l.ready.push(answer{connID: c.id, payload: p})
		}
	}
	l.retireIfDone(c)
}

// retireIfDone stops serving a connection that is being closed once everything sent on it is
// acknowledged.
func (l *serverLoop) retireIfDone(c *conn) {
	if (c.closed || l.closing != nil) && c.session.drained() {
		l.retire(c, endedClosed)
	}
}

func (l *serverLoop) retire(c *conn, how ended) {
	delete(l.conns, c.id)
	delete(l.byAddr, c.addr.String())
	if c.closed {
		how = endedClosed
	}
	l.over[c.id] = how
}

func (l *serverLoop) lose(c *conn) {
	if l.closing != nil && !c.session.drained() {
		l.lostMid = true
	}
	if !c.closed {
		l.ready.push(answer{connID: c.id, err: errLost})
	}
	l.retire(c, endedLost)
}

// socketFailed gives the socket up: no connection can go on.
func (l *serverLoop) socketFailed() {
	for _, c := range l.conns {
		l.lose(c)
	}
}

func (l *serverLoop) serve(r request) {
	if l.closing != nil && r.op != opRead {
		return // a call after Close: never answered
	}
	c, live := l.conns[r.connID]
	gone := l.over[r.connID]
	switch r.op {
	case opRead:
		l.waiting.push(r.reply)
	case opWrite:
		switch {
		case live && !c.closed:
			c.session.write(r.payload)
			r.reply <- answer{}
		case live || gone == endedClosed:
			// Write after CloseConn: never answered.
		case gone == endedLost:
			r.reply <- answer{} // the id exists; what is written to a lost connection goes nowhere
		default:
			r.reply <- answer{err: noConnection(r.connID)}
		}
	case opCloseConn:
		switch {
		case live && !c.closed:
			c.closed = true
			l.forgetReads(c.id)
			l.retireIfDone(c)
			r.reply <- answer{}
		case live || gone == endedClosed:
			// CloseConn twice: never answered.
		case gone == endedLost:
			l.over[r.connID] = endedClosed
			l.forgetReads(r.connID)
			r.reply <- answer{}
		default:
			r.reply <- answer{err: noConnection(r.connID)}
		}
	case opClose:
		l.closing = r.reply
		for _, c := range l.conns {
			l.retireIfDone(c)
		}
	}
}

func noConnection(id int) error {
	return errors.New("lsp: no connection with id " + strconv.Itoa(id))
}

// forgetReads drops what connection id had ready to read: Read returns nothing of a connection
// closed with CloseConn but the error saying so.
func (l *serverLoop) forgetReads(id int) {
	l.ready.filter(func(a answer) bool { return a.connID != id })
	l.ready.push(answer{connID: id, err: errClosedConn})
}
