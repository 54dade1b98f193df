// The bitcoin server: accepts miners and clients, splits each client's request into chunks and
// shares them among the miners. A chunk of a lost miner goes back to the queue; the work of a lost
// client is dropped. The request with the fewest chunks left is served first, so a small request
// is not stuck behind an earlier large one.
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"strconv"

	"github.com/cmu440/bitcoin"
	"github.com/cmu440/lsp"
)

// chunkSize is the number of nonces in one chunk of work.
const chunkSize = 20000

type chunk struct {
	job          *job
	lower, upper uint64
}

type job struct {
	client     int
	data       string
	queue      []chunk // not assigned yet
	running    int     // assigned to a miner, result not back
	best, nonc uint64
	haveBest   bool
}

type server struct {
	lsp    lsp.Server
	miners map[int]*chunk // miner id -> its chunk (nil when idle)
	idle   []int          // idle miners, in the order they became idle
	jobs   map[int]*job   // client id -> job
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintf(os.Stderr, "usage: %s PORT\n", os.Args[0])
		os.Exit(2)
	}
	port, err := strconv.Atoi(os.Args[1])
	if err != nil {
		fmt.Fprintf(os.Stderr, "server: PORT must be a number: %v\n", err)
		os.Exit(2)
	}
	ls, err := lsp.NewServer(port, lsp.NewParams())
	if err != nil {
		fmt.Fprintf(os.Stderr, "server: cannot listen on port %d: %v\n", port, err)
		os.Exit(1)
	}
	s := &server{lsp: ls, miners: make(map[int]*chunk), jobs: make(map[int]*job)}
	for {
		id, payload, err := ls.Read()
		if err != nil {
			s.lost(id)
		} else {
			var msg bitcoin.Message
			if json.Unmarshal(payload, &msg) == nil {
				s.handle(id, &msg)
			}
		}
		s.schedule()
	}
}

func (s *server) handle(id int, msg *bitcoin.Message) {
	switch msg.Type {
	case bitcoin.Join:
		if _, ok := s.miners[id]; !ok {
			s.miners[id] = nil
			s.idle = append(s.idle, id)
		}
	case bitcoin.Request:
		if _, busy := s.jobs[id]; busy || msg.Upper < msg.Lower {
			return
		}
		j := &job{client: id, data: msg.Data}
		for lo := msg.Lower; ; lo += chunkSize {
			hi := lo + chunkSize - 1
			if hi < lo || hi > msg.Upper {
				hi = msg.Upper
			}
			j.queue = append(j.queue, chunk{job: j, lower: lo, upper: hi})
			if hi == msg.Upper {
				break
			}
		}
		s.jobs[id] = j
	case bitcoin.Result:
		c, ok := s.miners[id]
		if !ok || c == nil {
			return
		}
		s.miners[id] = nil
		s.idle = append(s.idle, id)
		j := c.job
		j.running--
		if s.jobs[j.client] != j {
			return // the client was lost
		}
		if !j.haveBest || msg.Hash < j.best || msg.Hash == j.best && msg.Nonce < j.nonc {
			j.best, j.nonc, j.haveBest = msg.Hash, msg.Nonce, true
		}
		if len(j.queue) == 0 && j.running == 0 {
			res, _ := json.Marshal(bitcoin.NewResult(j.best, j.nonc))
			s.lsp.Write(j.client, res)
			delete(s.jobs, j.client)
		}
	}
}

// lost forgets a connection: a miner's chunk goes back to the front of its job's queue, a
// client's job is dropped.
func (s *server) lost(id int) {
	if c, ok := s.miners[id]; ok {
		delete(s.miners, id)
		for i, m := range s.idle {
			if m == id {
				s.idle = append(s.idle[:i], s.idle[i+1:]...)
				break
			}
		}
		if c != nil {
			c.job.running--
			c.job.queue = append([]chunk{*c}, c.job.queue...)
		}
		return
	}
	delete(s.jobs, id)
}

// schedule gives idle miners chunks, from the job with the fewest chunks left first.
func (s *server) schedule() {
	for len(s.idle) > 0 {
		var next *job
		for _, j := range s.jobs {
			if len(j.queue) == 0 {
				continue
			}
			if next == nil || len(j.queue)+j.running < len(next.queue)+next.running ||
				len(j.queue)+j.running == len(next.queue)+next.running && j.client < next.client {
				next = j
			}
		}
		if next == nil {
			return
		}
		miner := s.idle[0]
		s.idle = s.idle[1:]
		c := next.queue[0]
		next.queue = next.queue[1:]
		next.running++
		s.miners[miner] = &c
		req, _ := json.Marshal(bitcoin.NewRequest(c.job.data, c.lower, c.upper))
		if s.lsp.Write(miner, req) != nil {
			s.lost(miner)
		}
	}
}
