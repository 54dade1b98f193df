// Contains the implementation of an LSP server.

package lsp

import (
	"errors"
	"strconv"
	"time"

	"github.com/cmu440/lspnet"
)

type packet struct {
	msg  *Message
	addr *lspnet.UDPAddr
}

type serverConn struct {
	peer    *peer
	addr    *lspnet.UDPAddr
	isn     int
	closing bool // CloseConn was called: deliver what is pending, then forget the connection
}

type server struct {
	conn   *lspnet.UDPConn
	params *Params

	incoming   chan packet
	writes     chan writeRequest
	reads      chan readResult
	closeConns chan writeRequest // connID and reply only
	closes     chan chan error
	stopReader chan struct{}
	readerDone chan struct{}
	done       chan struct{}
}

// NewServer starts an LSP server listening on port. It returns an error if it cannot listen.
func NewServer(port int, params *Params) (Server, error) {
	addr, err := lspnet.ResolveUDPAddr("udp", lspnet.JoinHostPort("", strconv.Itoa(port)))
	if err != nil {
		return nil, err
	}
	conn, err := lspnet.ListenUDP("udp", addr)
	if err != nil {
		return nil, err
	}
	s := &server{
		conn:       conn,
		params:     params,
		incoming:   make(chan packet),
		writes:     make(chan writeRequest),
		reads:      make(chan readResult),
		closeConns: make(chan writeRequest),
		closes:     make(chan chan error),
		stopReader: make(chan struct{}),
		readerDone: make(chan struct{}),
		done:       make(chan struct{}),
	}
	go s.readLoop()
	go s.run()
	return s, nil
}

func (s *server) Read() (int, []byte, error) {
	select {
	case r := <-s.reads:
		return r.connID, r.payload, r.err
	case <-s.done:
		return 0, nil, errClosed
	}
}

func (s *server) Write(connID int, payload []byte) error {
	return s.request(s.writes, connID, payload)
}

func (s *server) CloseConn(connID int) error {
	return s.request(s.closeConns, connID, nil)
}

func (s *server) request(ch chan writeRequest, connID int, payload []byte) error {
	req := writeRequest{connID: connID, payload: payload, reply: make(chan error, 1)}
	select {
	case ch <- req:
		return <-req.reply
	case <-s.done:
		return errClosed
	}
}

func (s *server) Close() error {
	reply := make(chan error, 1)
	select {
	case s.closes <- reply:
		err := <-reply
		<-s.done
		return err
	case <-s.done:
		return errClosed
	}
}

func (s *server) readLoop() {
	defer close(s.readerDone)
	buf := make([]byte, 2000)
	for {
		n, addr, err := s.conn.ReadFromUDP(buf)
		if err != nil {
			return
		}
		m, ok := decodeMessage(buf[:n])
		if !ok {
			continue
		}
		select {
		case s.incoming <- packet{msg: m, addr: addr}:
		case <-s.stopReader:
			return
		}
	}
}

func (s *server) sendTo(addr *lspnet.UDPAddr) func(*Message) {
	return func(m *Message) {
		s.conn.WriteToUDP(encode(m), addr)
	}
}

// run is the server's event loop: it owns all the state.
func (s *server) run() {
	defer close(s.done)
	ticker := time.NewTicker(time.Duration(s.params.EpochMillis) * time.Millisecond)
	defer ticker.Stop()

	conns := make(map[int]*serverConn)
	byAddr := make(map[string]int)
	nextID := 1
	var ready []readResult
	var closeReply chan error
	var closeErr error

	forget := func(id int) {
		delete(byAddr, conns[id].addr.String())
		delete(conns, id)
	}
	for {
		if closeReply != nil && len(conns) == 0 {
			close(s.stopReader)
			s.conn.Close()
			<-s.readerDone
			closeReply <- closeErr
			return
		}
		var out chan readResult
		var head readResult
		if len(ready) > 0 && closeReply == nil {
			out, head = s.reads, ready[0]
		}
		select {
		case pk := <-s.incoming:
			m := pk.msg
			key := pk.addr.String()
			if m.Type == MsgConnect {
				if id, ok := byAddr[key]; ok {
					c := conns[id]
					c.peer.heard = true
					c.peer.transmit(NewAck(id, c.isn))
				} else if closeReply == nil {
					id := nextID
					nextID++
					c := &serverConn{addr: pk.addr, isn: m.SeqNum}
					c.peer = newPeer(s.params, id, m.SeqNum, s.sendTo(pk.addr))
					conns[id] = c
					byAddr[key] = id
					c.peer.heard = true
					c.peer.transmit(NewAck(id, m.SeqNum))
				}
				break
			}
			c, ok := conns[m.ConnID]
			if !ok || c.addr.String() != key {
				break
			}
			got := c.peer.receive(m)
			if !c.closing {
				for _, payload := range got {
					ready = append(ready, readResult{connID: m.ConnID, payload: payload})
				}
			}
			if (c.closing || closeReply != nil) && c.peer.idle() {
				forget(m.ConnID)
			}
		case <-ticker.C:
			for id, c := range conns {
				if c.peer.tick() {
					if closeReply != nil {
						closeErr = errors.New("lsp: a client was lost before all its messages were acknowledged")
					}
					if !c.closing {
						ready = append(ready, readResult{connID: id, err: errLost})
					}
					forget(id)
				} else if (c.closing || closeReply != nil) && c.peer.idle() {
					forget(id)
				}
			}
		case req := <-s.writes:
			c, ok := conns[req.connID]
			switch {
			case closeReply != nil:
				req.reply <- errClosed
			case !ok || c.closing:
				req.reply <- errors.New("lsp: no such connection: " + strconv.Itoa(req.connID))
			default:
				c.peer.write(req.payload)
				req.reply <- nil
			}
		case req := <-s.closeConns:
			c, ok := conns[req.connID]
			if !ok || c.closing {
				req.reply <- errors.New("lsp: no such connection: " + strconv.Itoa(req.connID))
				break
			}
			c.closing = true
			kept := ready[:0]
			for _, r := range ready {
				if r.connID != req.connID {
					kept = append(kept, r)
				}
			}
			ready = kept
			if c.peer.idle() {
				forget(req.connID)
			}
			req.reply <- nil
		case out <- head:
			ready = ready[1:]
		case reply := <-s.closes:
			if closeReply != nil {
				reply <- errClosed
				break
			}
			closeReply = reply
			for id, c := range conns {
				if c.peer.idle() {
					forget(id)
				}
			}
		}
	}
}
