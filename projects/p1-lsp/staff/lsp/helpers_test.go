// Helpers shared by the staff tests: set-up with a recorded lspnet seed, servers and clients with
// time limits, read pumps, echo runs and failure messages that say what was expected and seen.
//
// The tests call the student's code only as the course's contract allows (the handout, "What
// you may assume"); the handles below enforce it for every test:
//   - A client's ConnID is read once, right after NewClient returned, and kept: it is never
//     asked again, so never after Close and never from inside a middlebox or sniffer, which run
//     in the student's send path (an event loop serving ConnID would wait for itself).
//   - After a test closes a client, no method of it is called again: its read pump stops before
//     the next Read and the clean-up does not close it a second time.
//   - After CloseConn(id) neither Write nor CloseConn is called on id; after a server's Close no
//     method of it is called again (its read pump stops, the echo server is stopped first, the
//     clean-up does not close it twice). A call that was already running when Close began may
//     go on running: whether it returns is not the test's business.
//   - Nothing is asserted about a call the contract rules out, nor about what it leaves open:
//     the return value of Close, or whether Write to a lost connection fails on the server.

package lsp_test

import (
	"fmt"
	"math/rand"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cmu440/lsp"
	"github.com/cmu440/lspnet"
)

// env is one test's context: its lspnet seed, its random source and failures from goroutines.
type env struct {
	t    *testing.T
	seed int64
	rng  *rand.Rand

	mu   sync.Mutex
	errs []string
}

// setup resets every lspnet fault, seeds lspnet and logs the seed so a run can be replayed.
func setup(t *testing.T) *env {
	t.Helper()
	seed := time.Now().UnixNano()
	if s, err := strconv.ParseInt(os.Getenv("LSPNET_SEED"), 10, 64); err == nil {
		seed = s
	}
	resetFaults()
	lspnet.SetSeed(seed)
	t.Logf("lspnet seed %d (replay with LSPNET_SEED=%d)", seed, seed)
	t.Cleanup(resetFaults)
	return &env{t: t, seed: seed, rng: rand.New(rand.NewSource(seed))}
}

func resetFaults() {
	lspnet.StopMiddlebox()
	lspnet.ResetDropPercent()
	lspnet.SetDelayMessagePercent(0)
	lspnet.SetMsgShorteningPercent(0)
	lspnet.SetMsgLengtheningPercent(0)
	lspnet.SetMsgCorrupted(false)
	lspnet.StopSniff()
}

// fatalf fails the test now; the message ends with the seed.
func (e *env) fatalf(format string, args ...any) {
	e.t.Helper()
	e.t.Fatalf("%s\n(lspnet seed %d: rerun this test with LSPNET_SEED=%d to replay the same fault decisions)", fmt.Sprintf(format, args...), e.seed, e.seed)
}

// bgFail records a failure seen by a background goroutine; check reports it.
func (e *env) bgFail(format string, args ...any) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.errs = append(e.errs, fmt.Sprintf(format, args...))
}

// check fails the test if a background goroutine recorded a failure.
func (e *env) check() {
	e.t.Helper()
	e.mu.Lock()
	errs := append([]string(nil), e.errs...)
	e.mu.Unlock()
	if len(errs) > 0 {
		if len(errs) > 5 {
			errs = append(errs[:5], fmt.Sprintf("... and %d more", len(errs)-5))
		}
		e.fatalf("%s", strings.Join(errs, "\n"))
	}
}

func params(epochLimit, epochMillis, window, maxBackOff, maxUnacked int) *lsp.Params {
	return &lsp.Params{
		EpochLimit:         epochLimit,
		EpochMillis:        epochMillis,
		WindowSize:         window,
		MaxBackOffInterval: maxBackOff,
		MaxUnackedMessages: maxUnacked,
	}
}

func epochs(p *lsp.Params, n int) time.Duration {
	return time.Duration(n*p.EpochMillis) * time.Millisecond
}

// within runs fn and fails the test if it takes longer than d (fn keeps running in the background).
func (e *env) within(d time.Duration, what string, fn func()) {
	e.t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn()
	}()
	select {
	case <-done:
	case <-time.After(d):
		e.fatalf("%s did not return within %v", what, d)
	}
}

// pickPort picks a random port for a server.
func (e *env) pickPort() int {
	return 20000 + rand.Intn(40000)
}

// closeGuard records that a test called Close on a client or a server, so that nothing calls it
// afterwards.
type closeGuard struct {
	mu     sync.Mutex
	closed bool
}

// markClosed records that Close is being called; false if it was called before.
func (g *closeGuard) markClosed() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed {
		return false
	}
	g.closed = true
	return true
}

func (g *closeGuard) isClosed() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.closed
}

// server is a test's handle on one lsp.Server. It refuses the calls the contract rules out.
type server struct {
	srv lsp.Server
	closeGuard

	connMu     sync.Mutex
	closedConn map[int]bool // CloseConn was called on these ids
	pumpOnce   sync.Once
	msgs       chan serverMsg
}

func newServerHandle(srv lsp.Server) *server {
	return &server{srv: srv, closedConn: map[int]bool{}, msgs: make(chan serverMsg)}
}

// mayWrite tells whether Write(id) is allowed: the server is open and id was not closed.
func (s *server) mayWrite(id int) bool {
	s.connMu.Lock()
	defer s.connMu.Unlock()
	return !s.isClosed() && !s.closedConn[id]
}

// Write calls the server's Write; calling it where the contract forbids is a bug of the test.
func (s *server) Write(id int, payload []byte) error {
	if !s.mayWrite(id) {
		panic(fmt.Sprintf("staff test bug: server Write(%d) after Close or CloseConn(%d)", id, id))
	}
	return s.srv.Write(id, payload)
}

// CloseConn calls the server's CloseConn once per id.
func (s *server) CloseConn(id int) error {
	s.connMu.Lock()
	if s.isClosed() || s.closedConn[id] {
		s.connMu.Unlock()
		panic(fmt.Sprintf("staff test bug: CloseConn(%d) after Close or a first CloseConn(%d)", id, id))
	}
	s.closedConn[id] = true
	s.connMu.Unlock()
	return s.srv.CloseConn(id)
}

// Close calls the server's Close (once: a test closes a server at most once).
func (s *server) Close() error {
	if !s.markClosed() {
		panic("staff test bug: server Close called twice")
	}
	return s.srv.Close()
}

// closeQuietly closes the server unless the test did, giving up after a second (the process ends
// with the test anyway).
func (s *server) closeQuietly() {
	if s.markClosed() {
		waitAtMost(time.Second, func() { s.srv.Close() })
	}
}

// serverMsg is one result of Server.Read.
type serverMsg struct {
	id   int
	data []byte
	err  error
}

// reads returns the results of the server's Read, from one pump per server that stops before
// the next Read once the server is closed.
func (s *server) reads() <-chan serverMsg {
	s.pumpOnce.Do(func() {
		go func() {
			for !s.isClosed() {
				id, data, err := s.srv.Read()
				s.msgs <- serverMsg{id, data, err}
			}
		}()
	})
	return s.msgs
}

// client is a test's handle on one lsp.Client: its id, read once right after NewClient, and a
// record of Close so that nothing calls the client afterwards.
type client struct {
	cli lsp.Client
	id  int
	closeGuard

	pumpOnce sync.Once
	msgs     chan clientMsg
}

func newClientHandle(cli lsp.Client) *client {
	return &client{cli: cli, id: cli.ConnID(), msgs: make(chan clientMsg)}
}

// Write calls the client's Write; calling it after Close is a bug of the test.
func (c *client) Write(payload []byte) error {
	if c.isClosed() {
		panic(fmt.Sprintf("staff test bug: Write on client %d after Close", c.id))
	}
	return c.cli.Write(payload)
}

// Close calls the client's Close (once).
func (c *client) Close() error {
	if !c.markClosed() {
		panic(fmt.Sprintf("staff test bug: Close of client %d called twice", c.id))
	}
	return c.cli.Close()
}

// closeQuietly closes the client unless the test did, giving up after a second.
func (c *client) closeQuietly() {
	if c.markClosed() {
		waitAtMost(time.Second, func() { c.cli.Close() })
	}
}

// clientMsg is one result of Client.Read.
type clientMsg struct {
	data []byte
	err  error
}

// reads returns the results of the client's Read, from one pump per client that stops at the
// first error, or before the next Read once the client is closed.
func (c *client) reads() <-chan clientMsg {
	c.pumpOnce.Do(func() {
		go func() {
			for !c.isClosed() {
				data, err := c.cli.Read()
				c.msgs <- clientMsg{data, err}
				if err != nil {
					return
				}
			}
		}()
	})
	return c.msgs
}

// waitAtMost runs fn and waits for it at most d.
func waitAtMost(d time.Duration, fn func()) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn()
	}()
	select {
	case <-done:
	case <-time.After(d):
	}
}

// startServer starts a server on a random free port.
func (e *env) startServer(p *lsp.Params) (*server, int) {
	e.t.Helper()
	var lastErr error
	for try := 0; try < 20; try++ {
		port := e.pickPort()
		var srv lsp.Server
		var err error
		e.within(5*time.Second, "NewServer", func() { srv, err = lsp.NewServer(port, p) })
		if err == nil && srv != nil {
			s := newServerHandle(srv)
			e.t.Cleanup(s.closeQuietly)
			return s, port
		}
		lastErr = err
	}
	e.fatalf("NewServer failed on 20 random ports; expected a server, last error: %v", lastErr)
	return nil, 0
}

// startServerOn starts a server on a given port.
func (e *env) startServerOn(port int, p *lsp.Params) *server {
	e.t.Helper()
	var srv lsp.Server
	var err error
	e.within(5*time.Second, "NewServer", func() { srv, err = lsp.NewServer(port, p) })
	if err != nil || srv == nil {
		e.fatalf("NewServer(%d) failed: expected a server, got error %v", port, err)
	}
	s := newServerHandle(srv)
	e.t.Cleanup(s.closeQuietly)
	return s
}

func hostport(port int) string {
	return lspnet.JoinHostPort("localhost", strconv.Itoa(port))
}

// connectTimeout is how long NewClient may take when the server is up and the network is clean.
func connectTimeout(p *lsp.Params) time.Duration {
	return epochs(p, p.EpochLimit+2) + 5*time.Second
}

// adopt wraps a client NewClient returned (reading its id now) and closes it at the end of the test.
func (e *env) adopt(cli lsp.Client) *client {
	c := newClientHandle(cli)
	e.t.Cleanup(c.closeQuietly)
	return c
}

// newClient connects a client and fails the test if it cannot.
func (e *env) newClient(port, isn int, p *lsp.Params) *client {
	e.t.Helper()
	var c *client
	var err error
	e.within(connectTimeout(p), fmt.Sprintf("NewClient(isn %d) and ConnID", isn), func() {
		var cli lsp.Client
		cli, err = lsp.NewClient(hostport(port), isn, p)
		if err == nil && cli != nil {
			c = e.adopt(cli)
		}
	})
	if c == nil {
		e.fatalf("NewClient(%s, %d, %v) failed: expected a connection, got error %v", hostport(port), isn, p, err)
	}
	return c
}

// newClients connects n clients concurrently with random initial sequence numbers.
func (e *env) newClients(n, port int, p *lsp.Params) []*client {
	e.t.Helper()
	clients := make([]*client, n)
	isns := make([]int, n)
	for i := range isns {
		isns[i] = e.rng.Intn(10000)
	}
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			cli, err := lsp.NewClient(hostport(port), isns[i], p)
			if err == nil && cli != nil {
				clients[i] = e.adopt(cli)
			}
			errs[i] = err
		}(i)
	}
	e.within(connectTimeout(p)+time.Duration(n)*100*time.Millisecond, fmt.Sprintf("connecting %d clients", n), wg.Wait)
	for i := range clients {
		if clients[i] == nil {
			e.fatalf("client %d of %d: NewClient failed: expected a connection, got error %v", i+1, n, errs[i])
		}
	}
	return clients
}

// payload returns the i-th message of sender s: "s:i:" followed by filler of varying length.
func (e *env) payload(s, i int) []byte {
	filler := strings.Repeat(string(rune('a'+(s+i)%26)), e.rng.Intn(40))
	return []byte(fmt.Sprintf("%d:%d:%s", s, i, filler))
}

func show(b []byte) string {
	if len(b) > 60 {
		return fmt.Sprintf("%q... (%d bytes)", b[:60], len(b))
	}
	return fmt.Sprintf("%q", b)
}

// echoServer echoes every message back to its sender until the returned stop is called. stop
// waits for a Write in progress (Write never blocks), so the test may then close the server.
func (e *env) echoServer(s *server) func() {
	msgs := s.reads()
	quit := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			select {
			case <-quit:
				return
			case m := <-msgs:
				if m.err != nil || !s.mayWrite(m.id) {
					continue
				}
				if err := s.srv.Write(m.id, m.data); err != nil {
					e.bgFail("server Write(%d, %s) to a live client returned error %v; expected nil", m.id, show(m.data), err)
				}
			}
		}
	}()
	var once sync.Once
	return func() {
		once.Do(func() {
			close(quit)
			waitAtMost(5*time.Second, func() { <-done })
		})
	}
}

// runEcho has every client write n messages to an echo server and read them back in order.
func (e *env) runEcho(p *lsp.Params, nClients, n int, limit time.Duration, faults func()) {
	e.t.Helper()
	srv, port := e.startServer(p)
	stop := e.echoServer(srv)
	defer stop()
	clients := e.newClients(nClients, port, p)
	if faults != nil {
		faults()
	}
	e.echoClients(clients, n, limit)
}

// echoClients writes n messages from each client and checks the echoes come back in order.
func (e *env) echoClients(clients []*client, n int, limit time.Duration) {
	e.t.Helper()
	var wg sync.WaitGroup
	for ci, cli := range clients {
		wg.Add(1)
		sent := make([][]byte, n)
		for i := range sent {
			sent[i] = e.payload(ci, i)
		}
		go func(ci int, cli *client) {
			defer wg.Done()
			reads := cli.reads()
			for i := 0; i < n; i++ {
				if err := cli.Write(sent[i]); err != nil {
					e.bgFail("client %d: Write of message %d returned error %v; expected nil", ci, i, err)
					return
				}
			}
			for i := 0; i < n; i++ {
				m := <-reads
				if m.err != nil {
					e.bgFail("client %d: Read returned error %v after %d of %d echoes; expected all echoes", ci, m.err, i, n)
					return
				}
				if string(m.data) != string(sent[i]) {
					e.bgFail("client %d: echo %d is %s; expected %s (messages lost, repeated, reordered or corrupted)", ci, i, show(m.data), show(sent[i]))
					return
				}
			}
		}(ci, cli)
	}
	e.within(limit, fmt.Sprintf("echoing %d messages from each of %d clients", n, len(clients)), wg.Wait)
	e.check()
}

// expectServerReads reads exactly the payloads want (per connection, in order) within limit.
func (e *env) expectServerReads(msgs <-chan serverMsg, want map[int][][]byte, limit time.Duration) {
	e.t.Helper()
	deadline := time.After(limit)
	got := make(map[int]int)
	remaining := 0
	for _, w := range want {
		remaining += len(w)
	}
	for remaining > 0 {
		select {
		case m := <-msgs:
			if m.err != nil {
				e.fatalf("server Read returned (%d, nil, %v) with %d messages still expected; expected only data", m.id, m.err, remaining)
			}
			w, ok := want[m.id]
			if !ok {
				e.fatalf("server Read returned %s from connection %d, which should send nothing", show(m.data), m.id)
			}
			k := got[m.id]
			if k >= len(w) {
				e.fatalf("server Read returned an extra message %s from connection %d after all %d expected ones", show(m.data), m.id, len(w))
			}
			if string(m.data) != string(w[k]) {
				e.fatalf("server Read returned %s as message %d from connection %d; expected %s", show(m.data), k, m.id, show(w[k]))
			}
			got[m.id] = k + 1
			remaining--
		case <-deadline:
			e.fatalf("server read %v messages per connection within %v; expected %s (%d still missing)", got, limit, counts(want), remaining)
		}
	}
}

// expectClientReads reads exactly want, in order, within limit.
func (e *env) expectClientReads(name string, reads <-chan clientMsg, want [][]byte, limit time.Duration) {
	e.t.Helper()
	deadline := time.After(limit)
	for k := range want {
		select {
		case m := <-reads:
			if m.err != nil {
				e.fatalf("%s: Read returned error %v after %d of %d messages; expected all of them", name, m.err, k, len(want))
			}
			if string(m.data) != string(want[k]) {
				e.fatalf("%s: message %d is %s; expected %s", name, k, show(m.data), show(want[k]))
			}
		case <-deadline:
			e.fatalf("%s: read %d of %d messages within %v; expected all of them", name, k, len(want), limit)
		}
	}
}

// expectNoServerRead fails if the server returns anything within d.
func (e *env) expectNoServerRead(msgs <-chan serverMsg, d time.Duration, why string) {
	e.t.Helper()
	select {
	case m := <-msgs:
		e.fatalf("server Read returned (%d, %s, %v) %s; expected nothing to be readable", m.id, show(m.data), m.err, why)
	case <-time.After(d):
	}
}

func counts(want map[int][][]byte) string {
	parts := []string{}
	for id, w := range want {
		parts = append(parts, fmt.Sprintf("%d:%d", id, len(w)))
	}
	return "map[" + strings.Join(parts, " ") + "]"
}

// makePayloads returns n payloads of sender s.
func (e *env) makePayloads(s, n int) [][]byte {
	out := make([][]byte, n)
	for i := range out {
		out[i] = e.payload(s, i)
	}
	return out
}

// writeAll writes every payload from a client, failing on error.
func (e *env) writeAll(name string, cli *client, payloads [][]byte) {
	e.t.Helper()
	for i, p := range payloads {
		if err := cli.Write(p); err != nil {
			e.fatalf("%s: Write of message %d returned error %v; expected nil", name, i, err)
		}
	}
}

// serverWriteAll writes every payload to connection id, failing on error.
func (e *env) serverWriteAll(srv *server, id int, payloads [][]byte) {
	e.t.Helper()
	for i, p := range payloads {
		if err := srv.Write(id, p); err != nil {
			e.fatalf("server Write(%d) of message %d returned error %v; expected nil", id, i, err)
		}
	}
}
