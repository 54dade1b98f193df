// Contains the implementation of an LSP client.

package lsp

import (
	"errors"
	"time"

	"github.com/cmu440/lspnet"
)

type readResult struct {
	connID  int
	payload []byte
	err     error
}

type writeRequest struct {
	connID  int
	payload []byte
	reply   chan error
}

type client struct {
	conn   *lspnet.UDPConn
	params *Params
	isn    int
	connID int // set once connected, before NewClient returns

	incoming   chan *Message
	writes     chan writeRequest
	reads      chan readResult
	closes     chan chan error
	connected  chan error
	stopReader chan struct{}
	readerDone chan struct{}
	done       chan struct{}
}

// NewClient connects to the LSP server at hostport ("host:port") with initialSeqNum as the initial
// sequence number, and returns once the server has acknowledged the connection. It returns an
// error if no acknowledgment arrives within EpochLimit epochs.
func NewClient(hostport string, initialSeqNum int, params *Params) (Client, error) {
	raddr, err := lspnet.ResolveUDPAddr("udp", hostport)
	if err != nil {
		return nil, err
	}
	conn, err := lspnet.DialUDP("udp", nil, raddr)
	if err != nil {
		return nil, err
	}
	c := &client{
		conn:       conn,
		params:     params,
		isn:        initialSeqNum,
		incoming:   make(chan *Message),
		writes:     make(chan writeRequest),
		reads:      make(chan readResult),
		closes:     make(chan chan error),
		connected:  make(chan error, 1),
		stopReader: make(chan struct{}),
		readerDone: make(chan struct{}),
		done:       make(chan struct{}),
	}
	go c.readLoop()
	go c.run()
	if err := <-c.connected; err != nil {
		<-c.done
		return nil, err
	}
	return c, nil
}

func (c *client) ConnID() int {
	return c.connID
}

func (c *client) Read() ([]byte, error) {
	select {
	case r := <-c.reads:
		return r.payload, r.err
	case <-c.done:
		return nil, errClosed
	}
}

func (c *client) Write(payload []byte) error {
	req := writeRequest{payload: payload, reply: make(chan error, 1)}
	select {
	case c.writes <- req:
		return <-req.reply
	case <-c.done:
		return errClosed
	}
}

func (c *client) Close() error {
	reply := make(chan error, 1)
	select {
	case c.closes <- reply:
		err := <-reply
		<-c.done
		return err
	case <-c.done:
		return errClosed
	}
}

func (c *client) readLoop() {
	defer close(c.readerDone)
	buf := make([]byte, 2000)
	for {
		n, err := c.conn.Read(buf)
		if err != nil {
			// A refused connection (no server listening yet) is reported here too: keep reading
			// until shutdown, which closes stopReader before the socket.
			select {
			case <-c.stopReader:
				return
			default:
				continue
			}
		}
		m, ok := decodeMessage(buf[:n])
		if !ok {
			continue
		}
		select {
		case c.incoming <- m:
		case <-c.stopReader:
			return
		}
	}
}

func (c *client) send(m *Message) {
	c.conn.Write(encode(m))
}

// shutdown stops the reader and closes the socket.
func (c *client) shutdown() {
	close(c.stopReader)
	c.conn.Close()
	<-c.readerDone
}

// run is the client's event loop: it owns all the state.
func (c *client) run() {
	defer close(c.done)
	ticker := time.NewTicker(time.Duration(c.params.EpochMillis) * time.Millisecond)
	defer ticker.Stop()

	// Connecting.
	c.send(NewConnect(c.isn))
	silent := 0
	for c.connID == 0 {
		select {
		case m := <-c.incoming:
			if m.Type == MsgAck && m.SeqNum == c.isn && m.ConnID > 0 {
				c.connID = m.ConnID
			}
		case <-ticker.C:
			silent++
			if silent >= c.params.EpochLimit {
				c.shutdown()
				c.connected <- errors.New("lsp: the server did not answer")
				return
			}
			c.send(NewConnect(c.isn))
		}
	}
	c.connected <- nil

	p := newPeer(c.params, c.connID, c.isn, c.send)
	var ready [][]byte
	lost := false
	var closeReply chan error
	for {
		if closeReply != nil && (lost || p.idle()) {
			if !lost {
				c.shutdown()
				closeReply <- nil
			} else {
				closeReply <- errLost
			}
			return
		}
		var out chan readResult
		var head readResult
		if len(ready) > 0 {
			out, head = c.reads, readResult{payload: ready[0]}
		} else if lost {
			out, head = c.reads, readResult{err: errLost}
		}
		select {
		case m := <-c.incoming:
			if m.ConnID == c.connID {
				ready = append(ready, p.receive(m)...)
			}
		case <-ticker.C:
			if !lost && p.tick() {
				lost = true
				c.shutdown()
			}
		case req := <-c.writes:
			switch {
			case lost:
				req.reply <- errLost
			case closeReply != nil:
				req.reply <- errClosed
			default:
				p.write(req.payload)
				req.reply <- nil
			}
		case out <- head:
			if len(ready) > 0 {
				ready = ready[1:]
			}
		case reply := <-c.closes:
			if closeReply != nil {
				reply <- errClosed
			} else {
				closeReply = reply
			}
		}
	}
}
