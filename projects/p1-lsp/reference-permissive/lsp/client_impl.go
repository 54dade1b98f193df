// Contains the implementation of an LSP client.
//
// One goroutine, the event loop, owns everything, ConnID included; the methods only pass requests
// to it. Once Close has been called the loop takes no further requests and ends, so a method
// called after Close waits forever: the contract says it is never called.

package lsp

import (
	"errors"
	"time"

	"github.com/cmu440/lspnet"
)

var (
	errLost     = errors.New("lsp: the connection is lost")
	errNoAnswer = errors.New("lsp: the server did not acknowledge the connection")
)

type op int

const (
	opConnID op = iota
	opRead
	opWrite
	opCloseConn
	opClose
)

// request is one method call handed to an event loop; reply has room for the one answer.
type request struct {
	op      op
	connID  int
	payload []byte
	reply   chan answer
}

type answer struct {
	connID  int
	payload []byte
	err     error
}

// ask hands a request to an event loop and waits for its answer, forever if there is none.
func ask(loop chan<- request, r request) answer {
	r.reply = make(chan answer, 1)
	loop <- r
	return <-r.reply
}

type client struct {
	requests chan request
}

// NewClient connects to the LSP server at hostport ("host:port") with initialSeqNum as the initial
// sequence number, and returns once the server has acknowledged the connection. It returns an
// error if no acknowledgment arrives within EpochLimit epochs.
func NewClient(hostport string, initialSeqNum int, params *Params) (Client, error) {
	raddr, err := lspnet.ResolveUDPAddr("udp", hostport)
	if err != nil {
		return nil, err
	}
	c := &client{requests: make(chan request)}
	l := &clientLoop{
		params:   params,
		raddr:    raddr,
		isn:      initialSeqNum,
		requests: c.requests,
		in:       make(chan datagram),
		quit:     make(chan struct{}),
	}
	connected := make(chan error, 1)
	go l.run(connected)
	if err := <-connected; err != nil {
		return nil, err
	}
	return c, nil
}

func (c *client) ConnID() int { return ask(c.requests, request{op: opConnID}).connID }

func (c *client) Read() ([]byte, error) {
	a := ask(c.requests, request{op: opRead})
	return a.payload, a.err
}

func (c *client) Write(payload []byte) error {
	return ask(c.requests, request{op: opWrite, payload: payload}).err
}

func (c *client) Close() error { return ask(c.requests, request{op: opClose}).err }

type clientLoop struct {
	params   *Params
	raddr    *lspnet.UDPAddr
	isn      int
	requests <-chan request

	// The socket. One that fails is given up: while connecting a fresh one is dialled for the
	// next Connect; once connected the failure means the connection is lost.
	conn    *lspnet.UDPConn
	socket  int  // number of the current socket; datagrams of older ones are ignored
	dead    bool // the current socket failed or was closed
	in      chan datagram
	quit    chan struct{}
	readers []chan struct{} // done channels of every reader started

	connID  int
	session *session
	lost    bool
	ready   fifo[[]byte]      // delivered in order, not read yet
	waiting fifo[chan answer] // Read calls waiting for a message
	closing chan answer       // the reply of Close, once it has been called
}

func (l *clientLoop) dial() {
	conn, err := lspnet.DialUDP("udp", nil, l.raddr)
	if err != nil {
		return // still dead: the next epoch tries again
	}
	l.conn, l.dead = conn, false
	l.socket++
	done := make(chan struct{})
	l.readers = append(l.readers, done)
	go readSocket(conn, l.socket, l.in, l.quit, done)
}

// drop gives the current socket up.
func (l *clientLoop) drop() {
	if l.conn != nil {
		l.conn.Close()
	}
	l.dead = true
}

func (l *clientLoop) transmit(m *Message) {
	if l.dead {
		return
	}
	if _, err := l.conn.Write(marshal(m)); err != nil {
		l.socketFailed()
	}
}

func (l *clientLoop) socketFailed() {
	l.drop()
	if l.connID != 0 {
		l.lost = true
	}
}

// shutdown stops every reader and closes the socket; nothing of the client runs afterwards.
func (l *clientLoop) shutdown() {
	close(l.quit)
	l.drop()
	for _, done := range l.readers {
		<-done
	}
}

func (l *clientLoop) run(connected chan<- error) {
	tick := time.NewTicker(time.Duration(l.params.EpochMillis) * time.Millisecond)
	defer tick.Stop()
	l.dial()
	l.transmit(NewConnect(l.isn))
	for epochs := 0; l.connID == 0; {
		select {
		case d := <-l.in:
			switch {
			case d.socket != l.socket:
			case d.err != nil:
				l.socketFailed()
			case d.msg.Type == MsgAck && d.msg.SeqNum == l.isn && d.msg.ConnID > 0:
				l.connID = d.msg.ConnID
			}
		case <-tick.C:
			epochs++
			if epochs >= l.params.EpochLimit {
				l.shutdown()
				connected <- errNoAnswer
				return
			}
			if l.dead {
				l.dial()
			}
			l.transmit(NewConnect(l.isn))
		}
	}
	l.session = newSession(l.params, l.connID, l.isn, l.transmit)
	connected <- nil

	for {
		l.answerReads()
		if l.closing != nil && (l.lost || l.session.drained()) {
			l.shutdown()
			var err error
			if l.lost {
				err = errLost
			}
			l.closing <- answer{err: err}
			return
		}
		select {
		case d := <-l.in:
			switch {
			case d.socket != l.socket || l.lost:
			case d.err != nil:
				l.socketFailed()
			case d.msg.ConnID == l.connID:
				for _, p := range l.session.receive(d.msg) {
					l.ready.push(p)
				}
			}
		case <-tick.C:
			if !l.lost && l.session.epoch() {
				l.lost = true
				l.drop()
			}
		case r := <-l.requests:
			l.serve(r)
		}
	}
}

func (l *clientLoop) serve(r request) {
	switch r.op {
	case opConnID:
		r.reply <- answer{connID: l.connID}
	case opRead:
		l.waiting.push(r.reply)
	case opWrite:
		switch {
		case l.closing != nil:
			// Write after Close: never answered.
		case l.lost:
			r.reply <- answer{err: errLost}
		default:
			l.session.write(r.payload)
			r.reply <- answer{}
		}
	case opClose:
		if l.closing == nil {
			l.closing = r.reply
		} // a second Close is never answered
	}
}

// answerReads gives waiting Read calls the messages that are ready, and once the connection is
// lost and nothing is left, the error.
func (l *clientLoop) answerReads() {
	for l.waiting.len() > 0 {
		switch {
		case l.ready.len() > 0:
			l.waiting.pop() <- answer{payload: l.ready.pop()}
		case l.lost:
			l.waiting.pop() <- answer{err: errLost}
		default:
			return
		}
	}
}
