// Implementation of a KeyValueServer.
//
// Design: a single "manager" goroutine owns the store, the set of connected
// clients and the counters. Every other goroutine talks to it over channels,
// so nothing is ever shared without going through the manager:
//
//   - the accept goroutine hands new connections to the manager;
//   - each client has a reader goroutine, which parses requests and passes
//     them to the manager, and a writer goroutine, which sends the replies
//     waiting in the client's queue;
//   - the queue is a channel buffered to maxQueued messages. The manager never
//     blocks on it: when a client's queue is full, the reply is dropped, so a
//     client that stops reading cannot slow anybody else down.

package p0partA

import (
	"bufio"
	"errors"
	"net"
	"strconv"
	"strings"

	"github.com/cmu440/p0partA/kvstore"
)

// maxQueued is the number of replies that may wait for one client.
const maxQueued = 500

type client struct {
	conn  net.Conn
	queue chan string   // replies not yet written, at most maxQueued
	gone  chan struct{} // closed by the manager when the client is removed
}

type request struct {
	from *client
	op   string   // Put, Get, Delete or Update
	key  string   // the key the request is about
	args []string // the values that follow the key
}

type keyValueServer struct {
	store    kvstore.KVStore
	listener net.Listener

	joins    chan *client
	leaves   chan *client
	requests chan request
	activeQ  chan chan int
	droppedQ chan chan int
	shutdown chan struct{} // closed by Close
}

// New creates and returns (but does not start) a new KeyValueServer that keeps
// its data in store.
func New(store kvstore.KVStore) KeyValueServer {
	kvs := &keyValueServer{
		store:    store,
		joins:    make(chan *client),
		leaves:   make(chan *client),
		requests: make(chan request),
		activeQ:  make(chan chan int),
		droppedQ: make(chan chan int),
		shutdown: make(chan struct{}),
	}
	go kvs.manage()
	return kvs
}

func (kvs *keyValueServer) Start(port int) error {
	ln, err := net.Listen("tcp", ":"+strconv.Itoa(port))
	if err != nil {
		return err
	}
	kvs.listener = ln
	go kvs.accept(ln)
	return nil
}

func (kvs *keyValueServer) Close() {
	if kvs.listener != nil {
		kvs.listener.Close()
	}
	close(kvs.shutdown)
}

func (kvs *keyValueServer) CountActive() int {
	return kvs.ask(kvs.activeQ)
}

func (kvs *keyValueServer) CountDropped() int {
	return kvs.ask(kvs.droppedQ)
}

// ask sends a reply channel to the manager and waits for its answer.
func (kvs *keyValueServer) ask(q chan chan int) int {
	reply := make(chan int)
	select {
	case q <- reply:
		return <-reply
	case <-kvs.shutdown:
		return 0
	}
}

// manage is the only goroutine that touches the store and the client set.
func (kvs *keyValueServer) manage() {
	clients := make(map[*client]bool)
	dropped := 0
	for {
		select {
		case c := <-kvs.joins:
			clients[c] = true
			go kvs.read(c)
			go kvs.write(c)
		case c := <-kvs.leaves:
			if clients[c] {
				delete(clients, c)
				close(c.gone)
				c.conn.Close()
				dropped++
			}
		case r := <-kvs.requests:
			kvs.handle(r)
		case reply := <-kvs.activeQ:
			reply <- len(clients)
		case reply := <-kvs.droppedQ:
			reply <- dropped
		case <-kvs.shutdown:
			for c := range clients {
				close(c.gone)
				c.conn.Close()
			}
			return
		}
	}
}

// handle applies one request to the store and queues the replies it needs.
func (kvs *keyValueServer) handle(r request) {
	switch r.op {
	case "Put":
		kvs.store.Put(r.key, []byte(r.args[0]))
	case "Get":
		for _, v := range kvs.store.Get(r.key) {
			select {
			case r.from.queue <- r.key + ":" + string(v) + "\n":
			default:
				// The client is not keeping up: drop the reply.
			}
		}
	case "Delete":
		kvs.store.Delete(r.key)
	case "Update":
		kvs.store.Put(r.key, []byte(r.args[1]))
	}
}

// accept hands every new connection to the manager until the listener closes.
func (kvs *keyValueServer) accept(ln net.Listener) {
	for {
		conn, err := ln.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			continue
		}
		c := &client{
			conn:  conn,
			queue: make(chan string, maxQueued),
			gone:  make(chan struct{}),
		}
		select {
		case kvs.joins <- c:
		case <-kvs.shutdown:
			conn.Close()
			return
		}
	}
}

// read parses the client's requests and passes them to the manager. When the
// connection ends it tells the manager that the client has left.
func (kvs *keyValueServer) read(c *client) {
	r := bufio.NewReader(c.conn)
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			select {
			case kvs.leaves <- c:
			case <-kvs.shutdown:
			}
			return
		}
		req, ok := parse(strings.TrimSuffix(line, "\n"))
		if !ok {
			continue // ignore malformed requests
		}
		req.from = c
		select {
		case kvs.requests <- req:
		case <-kvs.shutdown:
			return
		}
	}
}

// write sends the client's queued replies, flushing whenever the queue is
// empty. If writing fails it closes the connection, which ends read too.
func (kvs *keyValueServer) write(c *client) {
	w := bufio.NewWriter(c.conn)
	for {
		select {
		case msg := <-c.queue:
			if _, err := w.WriteString(msg); err != nil {
				c.conn.Close()
				return
			}
			if len(c.queue) == 0 {
				if err := w.Flush(); err != nil {
					c.conn.Close()
					return
				}
			}
		case <-c.gone:
			return
		}
	}
}

// parse splits a request line ("Put:key:value", "Get:key", "Delete:key" or
// "Update:key:old:new") into its parts.
func parse(line string) (request, bool) {
	parts := strings.Split(line, ":")
	switch {
	case parts[0] == "Put" && len(parts) == 3,
		parts[0] == "Get" && len(parts) == 2,
		parts[0] == "Delete" && len(parts) == 2,
		parts[0] == "Update" && len(parts) == 4:
		return request{op: parts[0], key: parts[1], args: parts[2:]}, true
	}
	return request{}, false
}
