// Implementation of a KeyValueServer: the second reference. It is built
// differently from the main one wherever the contract leaves room:
//
//   - ownership is split: a store goroutine owns the KVStore and nothing
//     else, and a registry goroutine owns the set of clients, the counters
//     and the listener;
//   - each client's queue is an outbox goroutine holding a slice of at most
//     maxQueued messages, where a message is a whole Get reply (all its
//     lines), not one line; a writer goroutine takes one message at a time
//     from it and writes it to the connection;
//   - Close only signals: it closes the quit channel and returns. The
//     registry then closes the listener and every connection, and every
//     goroutine returns on its own, soon after Close has returned.
//
// Every goroutine is told to return by Close (quit) or by its connection
// ending; none waits for another to exit.

package p0partA

import (
	"bufio"
	"errors"
	"net"
	"strconv"
	"strings"

	"github.com/cmu440/p0partA/kvstore"
)

// maxQueued is the number of Get replies that may wait for one client.
const maxQueued = 500

type conn struct {
	nc      net.Conn
	replies chan []byte   // from the store goroutine to the outbox; never blocks for long
	ended   chan struct{} // closed by the registry when the client is gone
}

type op struct {
	from *conn
	verb string
	args []string // key first
}

type keyValueServer struct {
	store kvstore.KVStore

	ops       chan op
	listeners chan net.Listener
	arrived   chan *conn
	left      chan *conn
	counts    chan chan [2]int // answered with {active, dropped}
	quit      chan struct{}    // closed by Close
}

// New creates and returns (but does not start) a new KeyValueServer that keeps
// its data in store.
func New(store kvstore.KVStore) KeyValueServer {
	kvs := &keyValueServer{
		store:     store,
		ops:       make(chan op),
		listeners: make(chan net.Listener),
		arrived:   make(chan *conn),
		left:      make(chan *conn),
		counts:    make(chan chan [2]int),
		quit:      make(chan struct{}),
	}
	go kvs.keepStore()
	go kvs.keepRegistry()
	return kvs
}

func (kvs *keyValueServer) Start(port int) error {
	ln, err := net.Listen("tcp", net.JoinHostPort("", strconv.Itoa(port)))
	if err != nil {
		return err
	}
	select {
	case kvs.listeners <- ln:
	case <-kvs.quit:
		ln.Close()
		return nil
	}
	go kvs.accept(ln)
	return nil
}

// Close signals every goroutine to stop and returns at once.
func (kvs *keyValueServer) Close() {
	close(kvs.quit)
}

func (kvs *keyValueServer) CountActive() int {
	return kvs.count()[0]
}

func (kvs *keyValueServer) CountDropped() int {
	return kvs.count()[1]
}

func (kvs *keyValueServer) count() [2]int {
	answer := make(chan [2]int, 1)
	select {
	case kvs.counts <- answer:
		return <-answer
	case <-kvs.quit:
		return [2]int{}
	}
}

// keepRegistry owns the clients, the counters and the listener.
func (kvs *keyValueServer) keepRegistry() {
	clients := make(map[*conn]struct{})
	var listener net.Listener
	dropped := 0
	for {
		select {
		case ln := <-kvs.listeners:
			listener = ln
		case c := <-kvs.arrived:
			clients[c] = struct{}{}
			go kvs.outbox(c)
			go kvs.readRequests(c)
		case c := <-kvs.left:
			if _, ok := clients[c]; ok {
				delete(clients, c)
				close(c.ended)
				c.nc.Close()
				dropped++
			}
		case answer := <-kvs.counts:
			answer <- [2]int{len(clients), dropped}
		case <-kvs.quit:
			if listener != nil {
				listener.Close()
			}
			for c := range clients {
				close(c.ended)
				c.nc.Close()
			}
			return
		}
	}
}

// keepStore owns the store: it applies every request, in the order received.
func (kvs *keyValueServer) keepStore() {
	for {
		select {
		case o := <-kvs.ops:
			kvs.apply(o)
		case <-kvs.quit:
			return
		}
	}
}

func (kvs *keyValueServer) apply(o op) {
	key := o.args[0]
	switch o.verb {
	case "Put":
		kvs.store.Put(key, []byte(o.args[1]))
	case "Delete":
		kvs.store.Delete(key)
	case "Update":
		kvs.store.Update(key, []byte(o.args[1]), []byte(o.args[2]))
	case "Get":
		values := kvs.store.Get(key)
		if len(values) == 0 {
			return
		}
		var reply []byte
		for _, v := range values {
			reply = append(reply, key...)
			reply = append(reply, ':')
			reply = append(reply, v...)
			reply = append(reply, '\n')
		}
		select {
		case o.from.replies <- reply:
		case <-o.from.ended:
		case <-kvs.quit:
		}
	}
}

func (kvs *keyValueServer) accept(ln net.Listener) {
	for {
		nc, err := ln.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return // Close has closed the listener
			}
			continue
		}
		c := &conn{nc: nc, replies: make(chan []byte), ended: make(chan struct{})}
		select {
		case kvs.arrived <- c:
		case <-kvs.quit:
			nc.Close()
			return
		}
	}
}

// readRequests parses the client's lines; when the connection ends it tells
// the registry.
func (kvs *keyValueServer) readRequests(c *conn) {
	r := bufio.NewReaderSize(c.nc, 16<<10)
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			select {
			case kvs.left <- c:
			case <-kvs.quit:
			}
			return
		}
		o, ok := parseRequest(strings.TrimSuffix(line, "\n"))
		if !ok {
			continue
		}
		o.from = c
		select {
		case kvs.ops <- o:
		case <-c.ended:
			return
		case <-kvs.quit:
			return
		}
	}
}

// parseRequest accepts "Put:k:v", "Get:k", "Delete:k" and "Update:k:old:new".
func parseRequest(line string) (op, bool) {
	verb, rest, found := strings.Cut(line, ":")
	if !found {
		return op{}, false
	}
	args := strings.Split(rest, ":")
	want := map[string]int{"Put": 2, "Get": 1, "Delete": 1, "Update": 3}[verb]
	if want == 0 || len(args) != want {
		return op{}, false
	}
	return op{verb: verb, args: args}, true
}

// outbox holds up to maxQueued Get replies for one client and hands them,
// oldest first, to the client's writer. A reply that finds the outbox full is
// dropped, so the store goroutine never waits for a slow client.
func (kvs *keyValueServer) outbox(c *conn) {
	toWriter := make(chan []byte)
	go kvs.writeReplies(c, toWriter)
	var queue [][]byte
	for {
		var next []byte
		var out chan []byte
		if len(queue) > 0 {
			next, out = queue[0], toWriter
		}
		select {
		case reply := <-c.replies:
			if len(queue) < maxQueued {
				queue = append(queue, reply)
			}
		case out <- next:
			queue[0] = nil
			queue = queue[1:]
		case <-c.ended:
			return
		case <-kvs.quit:
			return
		}
	}
}

// writeReplies writes one reply at a time; a write error ends the connection,
// which the reader then reports.
func (kvs *keyValueServer) writeReplies(c *conn, replies <-chan []byte) {
	for {
		select {
		case reply := <-replies:
			if _, err := c.nc.Write(reply); err != nil {
				c.nc.Close()
				return
			}
		case <-c.ended:
			return
		case <-kvs.quit:
			return
		}
	}
}
