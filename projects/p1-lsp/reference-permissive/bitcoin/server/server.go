// The server: takes requests from clients and hands them out to miners in chunks. Chunks are cut
// from a request as miners become free, and the requests in progress take turns, one chunk each,
// so a small request finishes while a large one is still running. A lost miner's chunk goes back
// to its request; a lost client's request is dropped.
package main

import (
	"fmt"
	"os"
	"strconv"

	"github.com/cmu440/bitcoin"
	"github.com/cmu440/lsp"
)

// chunkNonces is how many nonces one chunk covers.
const chunkNonces = 25000

type span struct{ lower, upper uint64 }

// request is one client's job.
type request struct {
	client   int
	data     string
	next     uint64 // first nonce not cut into a chunk yet
	upper    uint64
	cut      bool   // every nonce is in a chunk
	given    []span // chunks given back by lost miners
	inFlight int    // chunks a miner is working on
	best     bitcoin.Best
}

func (r *request) hasWork() bool { return len(r.given) > 0 || !r.cut }

// take returns the request's next chunk; hasWork must be true.
func (r *request) take() span {
	if n := len(r.given); n > 0 {
		s := r.given[n-1]
		r.given = r.given[:n-1]
		return s
	}
	s := span{lower: r.next, upper: r.upper}
	if r.upper-r.next >= chunkNonces {
		s.upper = r.next + chunkNonces - 1
	}
	if s.upper == r.upper {
		r.cut = true
	} else {
		r.next = s.upper + 1
	}
	return s
}

type work struct {
	req  *request
	span span
}

type scheduler struct {
	lsp      lsp.Server
	miners   map[int]*work // nil: idle
	free     []int         // idle miners, longest idle first
	requests []*request    // in the order they take turns
	turn     int
	byClient map[int]*request
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: server PORT")
		os.Exit(2)
	}
	port, err := strconv.Atoi(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, "server: PORT is not a number:", os.Args[1])
		os.Exit(2)
	}
	srv, err := lsp.NewServer(port, lsp.NewParams())
	if err != nil {
		fmt.Fprintln(os.Stderr, "server: cannot listen:", err)
		os.Exit(1)
	}
	s := &scheduler{lsp: srv, miners: map[int]*work{}, byClient: map[int]*request{}}
	for {
		id, payload, err := srv.Read()
		if err != nil {
			s.gone(id)
		} else if m, err := bitcoin.Decode(payload); err == nil {
			s.handle(id, m)
		}
		s.dispatch()
	}
}

func (s *scheduler) handle(id int, m *bitcoin.Message) {
	switch m.Type {
	case bitcoin.Join:
		s.join(id)
	case bitcoin.Request:
		s.accept(id, m)
	case bitcoin.Result:
		s.finish(id, m.Hash, m.Nonce)
	}
}

// join makes connection id a miner, idle for now.
func (s *scheduler) join(id int) {
	if _, known := s.miners[id]; known {
		return
	}
	s.miners[id] = nil
	s.free = append(s.free, id)
}

// accept starts the job of client id; a client has one request at a time.
func (s *scheduler) accept(id int, m *bitcoin.Message) {
	if s.byClient[id] != nil || m.Lower > m.Upper {
		return
	}
	r := &request{client: id, data: m.Data, next: m.Lower, upper: m.Upper}
	s.byClient[id] = r
	s.requests = append(s.requests, r)
}

// finish takes miner id's answer for its chunk; the request's client gets the result once every
// chunk is answered.
func (s *scheduler) finish(id int, hash, nonce uint64) {
	w := s.miners[id]
	if w == nil {
		return // not a miner, or one without work
	}
	s.miners[id] = nil
	s.free = append(s.free, id)
	r := w.req
	r.inFlight--
	if s.byClient[r.client] != r {
		return // its client is gone
	}
	r.best.Offer(hash, nonce)
	if r.hasWork() || r.inFlight > 0 {
		return
	}
	s.lsp.Write(r.client, bitcoin.Encode(bitcoin.NewResult(r.best.Hash, r.best.Nonce)))
	s.drop(r)
}

// gone forgets a lost connection: a miner's chunk goes back to its request, a client's request
// is dropped.
func (s *scheduler) gone(id int) {
	if w, miner := s.miners[id]; miner {
		delete(s.miners, id)
		for i, f := range s.free {
			if f == id {
				s.free = append(s.free[:i], s.free[i+1:]...)
				break
			}
		}
		if w != nil {
			w.req.inFlight--
			w.req.given = append(w.req.given, w.span)
		}
		return
	}
	if r, ok := s.byClient[id]; ok {
		s.drop(r)
	}
}

func (s *scheduler) drop(r *request) {
	delete(s.byClient, r.client)
	for i, q := range s.requests {
		if q == r {
			s.requests = append(s.requests[:i], s.requests[i+1:]...)
			if s.turn > i {
				s.turn--
			}
			break
		}
	}
}

// dispatch gives every idle miner a chunk, the requests with work left taking turns.
func (s *scheduler) dispatch() {
	for len(s.free) > 0 {
		r := s.nextTurn()
		if r == nil {
			return
		}
		miner := s.free[0]
		s.free = s.free[1:]
		w := &work{req: r, span: r.take()}
		r.inFlight++
		s.miners[miner] = w
		s.lsp.Write(miner, bitcoin.Encode(bitcoin.NewRequest(r.data, w.span.lower, w.span.upper)))
	}
}

func (s *scheduler) nextTurn() *request {
	for tried := 0; tried < len(s.requests); tried++ {
		if s.turn >= len(s.requests) {
			s.turn = 0
		}
		r := s.requests[s.turn]
		s.turn++
		if r.hasWork() {
			return r
		}
	}
	return nil
}
