// Staff tests for the key-value server (part A).
//
// Every test starts its own server on a free port of 127.0.0.1, talks to it
// over TCP exactly as a client would, and checks the replies, the counters and
// the store's contents. Each test has its own time limit and says what it
// expected and what it saw when it fails.
//
// Each test may assert only what the contract promises (the handout and
// server_api.go), and its comment names the clauses it enforces:
//
//	[start]    Start(port) listens on the port and returns at once; it returns
//	           an error if it cannot listen.
//	[active]   CountActive is the number of clients connected right now.
//	[dropped]  CountDropped is the number of clients that have disconnected
//	           so far, for any reason (a running total).
//	[close]    Close stops listening and closes every client connection. It
//	           need not wait for the server's goroutines.
//	[protocol] Put:k:v appends, Get:k answers one line "k:v" per value in
//	           store order, Delete:k removes the key; one client's requests
//	           take effect in the order it sent them; no other replies.
//	[update]   Update:k:old:new is KVStore.Update: the first value equal to
//	           old becomes new, and new is appended when there is none.
//	[slow]     Each client has a queue of at most 500 replies; replies for a
//	           full queue are dropped; queued replies are delivered when the
//	           client reads again; a slow client slows nobody else down.
//	[race]     No data races: the store is not safe for concurrent use, and
//	           the tests run under the race detector.
//	[time]     The basic workloads finish within a time limit.
//
// What the tests call, and when: New once per server, Start once, the
// counters at any time before Close, Close at most once, and nothing on the
// server after Close (or after a Start that failed). Each test runs in a
// process of its own, so nothing depends on how soon the server's goroutines
// exit after Close, which the contract leaves open.

package p0partA

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math/rand"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cmu440/p0partA/kvstore"
)

const (
	kvtLocalHost = "127.0.0.1"

	// How long a call into the server (Start, Close, CountActive, ...) may take.
	kvtCallTimeout = 5 * time.Second
	// How long the counters may take to reflect connects and disconnects.
	kvtCountTimeout = 5 * time.Second
	// Replies a client may have outstanding in the tests that check
	// correctness (well below the server's queue limit of 500).
	kvtReplyWindow = 100
	// A key never holds more values than this in the generated workloads.
	kvtMaxValuesPerKey = 8
	// Size of the values used in the slow-client tests (the largest allowed).
	kvtBigValueLen = 4000
)

// ---------------------------------------------------------------------------
// Server and client helpers
// ---------------------------------------------------------------------------

type kvtTestServer struct {
	t      *testing.T
	srv    KeyValueServer
	data   map[string][][]byte // the store's backing map (read only after syncing)
	port   int
	closed bool
	conns  []net.Conn
}

func kvtFreePort() (int, error) {
	ln, err := net.Listen("tcp", net.JoinHostPort(kvtLocalHost, "0"))
	if err != nil {
		return 0, err
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	return port, nil
}

// kvtWithTimeout runs f in its own goroutine and reports whether it returned
// within d.
func kvtWithTimeout(d time.Duration, f func()) bool {
	done := make(chan struct{})
	go func() {
		f()
		close(done)
	}()
	select {
	case <-done:
		return true
	case <-time.After(d):
		return false
	}
}

// kvtStartServer creates a server on a fresh store and starts it on a free port.
func kvtStartServer(t *testing.T) *kvtTestServer {
	t.Helper()
	var lastErr error
	for attempt := 0; attempt < 5; attempt++ {
		port, err := kvtFreePort()
		if err != nil {
			lastErr = err
			continue
		}
		store, data := kvstore.CreateWithBackdoor()
		srv := New(store)
		if srv == nil {
			t.Fatalf("New returned nil")
		}
		if !kvtWithTimeout(kvtCallTimeout, func() { err = srv.Start(port) }) {
			t.Fatalf("Start(%d) did not return within %v: Start must not block (accept connections in a goroutine of their own)", port, kvtCallTimeout)
		}
		if err == nil {
			ts := &kvtTestServer{t: t, srv: srv, data: data, port: port}
			t.Cleanup(ts.cleanup)
			return ts
		}
		lastErr = err
	}
	t.Fatalf("could not start the server: Start returned an error for 5 different free ports; last error: %v", lastErr)
	return nil
}

func (ts *kvtTestServer) addr() string {
	return net.JoinHostPort(kvtLocalHost, strconv.Itoa(ts.port))
}

// close calls Close once and fails the test if it does not return in time.
func (ts *kvtTestServer) close() {
	ts.t.Helper()
	if ts.closed {
		return
	}
	ts.closed = true
	if !kvtWithTimeout(kvtCallTimeout, ts.srv.Close) {
		ts.t.Fatalf("Close() did not return within %v", kvtCallTimeout)
	}
}

func (ts *kvtTestServer) cleanup() {
	for _, c := range ts.conns {
		c.Close()
	}
	if !ts.closed {
		ts.closed = true
		if !kvtWithTimeout(kvtCallTimeout, ts.srv.Close) {
			ts.t.Logf("warning: Close() did not return within %v", kvtCallTimeout)
		}
	}
}

// count calls CountActive or CountDropped, failing the test if it hangs.
func (ts *kvtTestServer) count(name string) int {
	ts.t.Helper()
	n := 0
	f := ts.srv.CountActive
	if name == "CountDropped" {
		f = ts.srv.CountDropped
	}
	if !kvtWithTimeout(kvtCallTimeout, func() { n = f() }) {
		ts.t.Fatalf("%s() did not return within %v", name, kvtCallTimeout)
	}
	return n
}

// waitCounts polls the counters until CountActive() == active and (unless
// dropped < 0) CountDropped() == dropped.
func (ts *kvtTestServer) waitCounts(when string, active, dropped int) {
	ts.t.Helper()
	deadline := time.Now().Add(kvtCountTimeout)
	for {
		a := ts.count("CountActive")
		d := dropped
		if dropped >= 0 {
			d = ts.count("CountDropped")
		}
		if a == active && d == dropped {
			return
		}
		if time.Now().After(deadline) {
			if dropped < 0 {
				ts.t.Fatalf("%s: CountActive() = %d, want %d (still wrong after %v)", when, a, active, kvtCountTimeout)
			}
			ts.t.Fatalf("%s: CountActive() = %d, CountDropped() = %d; want %d and %d (still wrong after %v)",
				when, a, d, active, dropped, kvtCountTimeout)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

type kvtTestClient struct {
	name string
	conn net.Conn
	r    *bufio.Reader
	w    *bufio.Writer
}

func (ts *kvtTestServer) dial(name string) *kvtTestClient {
	ts.t.Helper()
	conn, err := net.DialTimeout("tcp", ts.addr(), kvtCallTimeout)
	if err != nil {
		ts.t.Fatalf("client %s could not connect to the server at %s: %v", name, ts.addr(), err)
	}
	ts.conns = append(ts.conns, conn)
	return &kvtTestClient{name: name, conn: conn, r: bufio.NewReader(conn), w: bufio.NewWriter(conn)}
}

func (ts *kvtTestServer) dialMany(prefix string, n int) []*kvtTestClient {
	ts.t.Helper()
	clients := make([]*kvtTestClient, n)
	for i := range clients {
		clients[i] = ts.dial(fmt.Sprintf("%s%d", prefix, i))
	}
	return clients
}

// kill disconnects the client, with a reset (RST) instead of an orderly close
// when abort is set.
func (c *kvtTestClient) kill(abort bool) {
	if tcp, ok := c.conn.(*net.TCPConn); ok && abort {
		tcp.SetLinger(0)
	}
	c.conn.Close()
}

// readLine reads one reply line (without its "\n").
func (c *kvtTestClient) readLine(deadline time.Time) (string, error) {
	c.conn.SetReadDeadline(deadline)
	line, err := c.r.ReadString('\n')
	if err != nil {
		var ne net.Error
		switch {
		case errors.As(err, &ne) && ne.Timeout():
			return "", errors.New("no reply arrived before the deadline")
		case err == io.EOF:
			return "", errors.New("the server closed the connection")
		}
		return "", err
	}
	return strings.TrimSuffix(line, "\n"), nil
}

// send writes request lines and flushes them.
func (c *kvtTestClient) send(deadline time.Time, lines ...string) error {
	c.conn.SetWriteDeadline(deadline)
	for _, l := range lines {
		c.w.WriteString(l + "\n")
	}
	if err := c.w.Flush(); err != nil {
		return fmt.Errorf("client %s could not send its requests: %v", c.name, err)
	}
	return nil
}

// kvtShort abbreviates long protocol lines in messages.
func kvtShort(s string) string {
	if len(s) <= 48 {
		return strconv.Quote(s)
	}
	return fmt.Sprintf("%q... (%d bytes)", s[:40], len(s))
}

// ---------------------------------------------------------------------------
// Workloads: request sequences whose replies are known in advance
// ---------------------------------------------------------------------------

type kvtRequest struct {
	line    string   // the request, without "\n"
	replies []string // the exact reply lines expected (Get only)
}

// kvtModel mirrors the store: key -> values, oldest first.
type kvtModel map[string][]string

func (m kvtModel) put(key, value string) { m[key] = append(m[key], value) }

func (m kvtModel) update(key, oldVal, newVal string) {
	for i, v := range m[key] {
		if v == oldVal {
			m[key][i] = newVal
			return
		}
	}
	m.put(key, newVal)
}

func (m kvtModel) get(key string) []string {
	replies := make([]string, len(m[key]))
	for i, v := range m[key] {
		replies[i] = key + ":" + v
	}
	return replies
}

const kvtLetters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"

func kvtRandomValue(rng *rand.Rand, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = kvtLetters[rng.Intn(len(kvtLetters))]
	}
	return string(b)
}

// kvtValueLen is mostly short, sometimes up to maxLen.
func kvtValueLen(rng *rand.Rand, maxLen int) int {
	if maxLen > 16 && rng.Intn(4) == 0 {
		return 1 + rng.Intn(maxLen)
	}
	return 1 + rng.Intn(16)
}

// kvtMix gives the percentages of Put, Get and Update requests; the rest are Deletes.
type kvtMix struct{ put, get, update int }

var (
	kvtDefaultMix = kvtMix{put: 35, get: 30, update: 20}
	kvtUpdateMix  = kvtMix{put: 25, get: 30, update: 40}
)

// kvtGenRequests makes n requests on the client's own keys (prefix + "k0", ...),
// updating m as the server should. It starts by storing a marker value and
// ends by reading it back, so that when the last reply has arrived every
// request has been handled.
func kvtGenRequests(rng *rand.Rand, prefix string, n, nkeys, maxLen int, mx kvtMix, m kvtModel) []kvtRequest {
	marker := prefix + "sync"
	m.put(marker, "ok")
	reqs := []kvtRequest{{line: "Put:" + marker + ":ok"}}
	for len(reqs) < n-1 {
		key := fmt.Sprintf("%sk%d", prefix, rng.Intn(nkeys))
		values := m[key]
		r := rng.Intn(100)
		switch {
		case len(values) >= kvtMaxValuesPerKey || r >= mx.put+mx.get+mx.update:
			delete(m, key)
			reqs = append(reqs, kvtRequest{line: "Delete:" + key})
		case r < mx.put:
			v := kvtRandomValue(rng, kvtValueLen(rng, maxLen))
			if len(values) > 0 && rng.Intn(8) == 0 {
				v = values[rng.Intn(len(values))] // a duplicate value
			}
			m.put(key, v)
			reqs = append(reqs, kvtRequest{line: "Put:" + key + ":" + v})
		case r < mx.put+mx.get:
			reqs = append(reqs, kvtRequest{line: "Get:" + key, replies: m.get(key)})
		default:
			oldVal := kvtRandomValue(rng, kvtValueLen(rng, maxLen))
			if len(values) > 0 && rng.Intn(4) != 0 {
				oldVal = values[rng.Intn(len(values))]
			}
			newVal := kvtRandomValue(rng, kvtValueLen(rng, maxLen))
			m.update(key, oldVal, newVal)
			reqs = append(reqs, kvtRequest{line: "Update:" + key + ":" + oldVal + ":" + newVal})
		}
	}
	return append(reqs, kvtRequest{line: "Get:" + marker, replies: m.get(marker)})
}

// run sends the requests while reading the replies, and checks every reply
// line in order. At most window reply lines are outstanding at any time, so
// a correct server never needs to drop anything. Lines for which skip
// returns true are ignored. Everything must finish before deadline.
func (c *kvtTestClient) run(reqs []kvtRequest, deadline time.Time, window int, skip func(string) bool) error {
	tokens := make(chan struct{}, window)
	gets := make(chan int, len(reqs)) // indexes of requests with replies, in order
	stop := make(chan struct{})
	defer close(stop)
	writeErr := make(chan error, 1)
	c.conn.SetWriteDeadline(deadline)
	go func() {
		defer close(gets)
		for i, req := range reqs {
			for range req.replies {
				select {
				case tokens <- struct{}{}:
					continue
				default:
				}
				if err := c.w.Flush(); err != nil {
					writeErr <- err
					return
				}
				select {
				case tokens <- struct{}{}:
				case <-stop:
					writeErr <- nil
					return
				}
			}
			if len(req.replies) > 0 {
				gets <- i
			}
			if _, err := c.w.WriteString(req.line + "\n"); err != nil {
				writeErr <- err
				return
			}
		}
		writeErr <- c.w.Flush()
	}()
	received := 0
	for i := range gets {
		req := reqs[i]
		for j := 0; j < len(req.replies); j++ {
			got, err := c.readLine(deadline)
			if err != nil {
				return fmt.Errorf("client %s, request #%d %s: waiting for reply line %d of %d: %v (%d reply lines received correctly before it)",
					c.name, i+1, kvtShort(req.line), j+1, len(req.replies), err, received)
			}
			if skip != nil && skip(got) {
				j--
				continue
			}
			if want := req.replies[j]; got != want {
				return fmt.Errorf("client %s, request #%d %s: reply line %d of %d is %s, want %s%s",
					c.name, i+1, kvtShort(req.line), j+1, len(req.replies), kvtShort(got), kvtShort(want), kvtHistory(reqs, i))
			}
			received++
			<-tokens
		}
	}
	if err := <-writeErr; err != nil {
		return fmt.Errorf("client %s could not send its requests: %v", c.name, err)
	}
	return nil
}

// kvtHistory lists the latest requests before reqs[i] on the same key.
func kvtHistory(reqs []kvtRequest, i int) string {
	key := strings.Split(reqs[i].line, ":")[1]
	var lines []string
	for j := i - 1; j >= 0 && len(lines) < 6; j-- {
		if strings.Split(reqs[j].line, ":")[1] == key {
			lines = append([]string{fmt.Sprintf("#%d %s", j+1, kvtShort(reqs[j].line))}, lines...)
		}
	}
	if len(lines) == 0 {
		return ""
	}
	return fmt.Sprintf("\n(latest earlier requests on key %q from this client: %s)", key, strings.Join(lines, ", "))
}

// kvtRunAll runs one request sequence per client, all at the same time, and
// returns the first error.
func kvtRunAll(clients []*kvtTestClient, reqs [][]kvtRequest, deadline time.Time) error {
	errs := make(chan error, len(clients))
	for i, c := range clients {
		go func(c *kvtTestClient, reqs []kvtRequest) {
			errs <- c.run(reqs, deadline, kvtReplyWindow, nil)
		}(c, reqs[i])
	}
	var first error
	for range clients {
		if err := <-errs; err != nil && first == nil {
			first = err
		}
	}
	return first
}

// kvtCheckStore compares the store's backing map with the expected contents.
// Keys listed in shared hold values from several clients whose interleaving
// is not known: for those only each client's own subsequence is checked.
func kvtCheckStore(data map[string][][]byte, want kvtModel, shared map[string]map[string][]string) error {
	for key, values := range data {
		if _, ok := want[key]; !ok && len(values) > 0 && shared[key] == nil {
			return fmt.Errorf("the store holds key %q (%d values) which should not exist", key, len(values))
		}
	}
	for key, wantValues := range want {
		got := data[key]
		if len(got) != len(wantValues) {
			return fmt.Errorf("the store holds %d values under key %q, want %d", len(got), key, len(wantValues))
		}
		for i := range got {
			if string(got[i]) != wantValues[i] {
				return fmt.Errorf("value %d of key %q in the store is %s, want %s", i+1, key, kvtShort(string(got[i])), kvtShort(wantValues[i]))
			}
		}
	}
	for key, perClient := range shared {
		values := make([]string, len(data[key]))
		for i, v := range data[key] {
			values[i] = string(v)
		}
		if err := kvtCheckShared(values, perClient); err != nil {
			return fmt.Errorf("in the store, key %q: %v", key, err)
		}
	}
	return nil
}

// Values on shared keys look like "c3v17" (client c3's 17th value), or
// "c3v17u" once updated.
func kvtSharedOwner(value string) string {
	i := strings.IndexByte(value, 'v')
	if i < 0 {
		return ""
	}
	return value[:i]
}

// kvtCheckShared checks values (in store order) against each client's expected
// values (in that client's order).
func kvtCheckShared(values []string, perClient map[string][]string) error {
	total := 0
	for _, v := range perClient {
		total += len(v)
	}
	if len(values) != total {
		return fmt.Errorf("found %d values, want %d", len(values), total)
	}
	got := make(map[string][]string)
	for _, v := range values {
		got[kvtSharedOwner(v)] = append(got[kvtSharedOwner(v)], v)
	}
	for owner, want := range perClient {
		g := got[owner]
		if strings.Join(g, ",") != strings.Join(want, ",") {
			return fmt.Errorf("the values written by client %s are [%s], want [%s] (in this order)",
				owner, strings.Join(g, " "), strings.Join(want, " "))
		}
	}
	return nil
}

// ---------------------------------------------------------------------------
// Basic tests
// ---------------------------------------------------------------------------

type kvtBasicConfig struct {
	clients   int
	requests  int // per client, on the client's own keys
	keys      int // own keys per client
	maxLen    int // longest value
	mix       kvtMix
	shared    int // values each client adds to the shared keys (0: no shared phase)
	seed      int64
	timeLimit time.Duration
}

const kvtSharedKeys = 3

func kvtRunBasic(t *testing.T, cfg kvtBasicConfig) {
	ts := kvtStartServer(t)
	clients := ts.dialMany("c", cfg.clients)
	ts.waitCounts(fmt.Sprintf("after %d clients connected", cfg.clients), cfg.clients, -1)
	if d := ts.count("CountDropped"); d != 0 {
		t.Fatalf("CountDropped() = %d after %d clients connected and none left, want 0", d, cfg.clients)
	}

	start := time.Now()
	deadline := start.Add(cfg.timeLimit)
	want := make(kvtModel)
	reqs := make([][]kvtRequest, cfg.clients)
	for i, c := range clients {
		rng := rand.New(rand.NewSource(cfg.seed + int64(i)))
		reqs[i] = kvtGenRequests(rng, c.name+"_", cfg.requests, cfg.keys, cfg.maxLen, cfg.mix, want)
	}
	if err := kvtRunAll(clients, reqs, deadline); err != nil {
		t.Fatalf("%v\n(%d client(s), %d requests each, time limit %v)", err, cfg.clients, cfg.requests, cfg.timeLimit)
	}

	var shared map[string]map[string][]string
	if cfg.shared > 0 {
		shared = kvtRunSharedPhase(t, clients, cfg, deadline)
	}

	// Every client has received the reply to its last request, so the
	// server has handled everything: the store must now hold exactly this.
	if err := kvtCheckStore(ts.data, want, shared); err != nil {
		t.Fatalf("after all requests were answered, %v", err)
	}
	t.Logf("%d client(s) x %d requests took %v", cfg.clients, cfg.requests, time.Since(start).Round(time.Millisecond))
}

// kvtRunSharedPhase has every client add values to a few keys that all clients
// share (and update some of them), then has every client read the shared
// keys back. Values from different clients may interleave in any way, but
// none may be lost and each client's values keep their order.
func kvtRunSharedPhase(t *testing.T, clients []*kvtTestClient, cfg kvtBasicConfig, deadline time.Time) map[string]map[string][]string {
	shared := make(map[string]map[string][]string) // key -> client -> values
	for k := 0; k < kvtSharedKeys; k++ {
		shared[fmt.Sprintf("shared_k%d", k)] = make(map[string][]string)
	}
	reqs := make([][]kvtRequest, len(clients))
	for i, c := range clients {
		rng := rand.New(rand.NewSource(cfg.seed + 1000 + int64(i)))
		mine := make(kvtModel)
		for j := 0; j < cfg.shared; j++ {
			key := fmt.Sprintf("shared_k%d", rng.Intn(kvtSharedKeys))
			v := fmt.Sprintf("%sv%d", c.name, j)
			mine.put(key, v)
			reqs[i] = append(reqs[i], kvtRequest{line: "Put:" + key + ":" + v})
			if rng.Intn(3) == 0 {
				values := mine[key]
				old := values[rng.Intn(len(values))]
				mine.update(key, old, old+"u")
				reqs[i] = append(reqs[i], kvtRequest{line: "Update:" + key + ":" + old + ":" + old + "u"})
			}
		}
		marker := c.name + "_sync"
		reqs[i] = append(reqs[i], kvtRequest{line: "Get:" + marker, replies: []string{marker + ":ok"}})
		for key, values := range mine {
			shared[key][c.name] = values
		}
	}
	if err := kvtRunAll(clients, reqs, deadline); err != nil {
		t.Fatalf("while writing to shared keys: %v", err)
	}

	// All writes are done: every client now reads every shared key.
	errs := make(chan error, len(clients))
	for _, c := range clients {
		go func(c *kvtTestClient) {
			errs <- kvtReadShared(c, shared, deadline)
		}(c)
	}
	for range clients {
		if err := <-errs; err != nil {
			t.Fatalf("after all clients finished writing to the shared keys: %v", err)
		}
	}
	return shared
}

func kvtReadShared(c *kvtTestClient, shared map[string]map[string][]string, deadline time.Time) error {
	marker := c.name + "_sync"
	for k := 0; k < kvtSharedKeys; k++ {
		key := fmt.Sprintf("shared_k%d", k)
		total := 0
		for _, v := range shared[key] {
			total += len(v)
		}
		if err := c.send(deadline, "Get:"+key, "Get:"+marker); err != nil {
			return err
		}
		values := make([]string, 0, total)
		for len(values) < total {
			line, err := c.readLine(deadline)
			if err != nil {
				return fmt.Errorf("client %s, Get:%s: waiting for reply line %d of %d: %v", c.name, key, len(values)+1, total, err)
			}
			if !strings.HasPrefix(line, key+":") {
				return fmt.Errorf("client %s, Get:%s: reply line %d of %d is %s, which is not a value of %s",
					c.name, key, len(values)+1, total, kvtShort(line), key)
			}
			values = append(values, strings.TrimPrefix(line, key+":"))
		}
		line, err := c.readLine(deadline)
		if err != nil {
			return fmt.Errorf("client %s: waiting for the reply to Get:%s: %v", c.name, marker, err)
		}
		if line != marker+":ok" {
			return fmt.Errorf("client %s, Get:%s: got more than the %d expected reply lines; next line is %s",
				c.name, key, total, kvtShort(line))
		}
		if err := kvtCheckShared(values, shared[key]); err != nil {
			return fmt.Errorf("client %s, Get:%s: %v", c.name, key, err)
		}
	}
	return nil
}

// One client, a short scripted conversation.
// Contract: [protocol] [update] [active]; the store's contents afterwards.
func TestBasic1(t *testing.T) {
	ts := kvtStartServer(t)
	c := ts.dial("c0")
	ts.waitCounts("after 1 client connected", 1, -1)
	reqs := []kvtRequest{
		{line: "Put:fruit:apple"},
		{line: "Get:fruit", replies: []string{"fruit:apple"}},
		{line: "Put:fruit:banana"},
		{line: "Put:veg:leek"},
		{line: "Get:fruit", replies: []string{"fruit:apple", "fruit:banana"}},
		{line: "Get:nothing"},
		{line: "Update:fruit:apple:cherry"},
		{line: "Get:fruit", replies: []string{"fruit:cherry", "fruit:banana"}},
		{line: "Delete:fruit"},
		{line: "Get:fruit"},
		{line: "Put:fruit:fig"},
		{line: "Get:veg", replies: []string{"veg:leek"}},
		{line: "Get:fruit", replies: []string{"fruit:fig"}},
	}
	if err := c.run(reqs, time.Now().Add(10*time.Second), kvtReplyWindow, nil); err != nil {
		t.Fatal(err)
	}
	if err := kvtCheckStore(ts.data, kvtModel{"fruit": {"fig"}, "veg": {"leek"}}, nil); err != nil {
		t.Fatalf("after all requests were answered, %v", err)
	}
}

// One client, 1500 mixed requests.
// Contract: [protocol] [update] [active] [dropped] (0 while nobody left) [time].
func TestBasic2(t *testing.T) {
	kvtRunBasic(t, kvtBasicConfig{clients: 1, requests: 1500, keys: 6, maxLen: 64, mix: kvtDefaultMix, seed: 200, timeLimit: 15 * time.Second})
}

// Three clients, 1000 requests each.
// Contract: [protocol] [update] [active] [dropped] [race] [time].
func TestBasic3(t *testing.T) {
	kvtRunBasic(t, kvtBasicConfig{clients: 3, requests: 1000, keys: 5, maxLen: 64, mix: kvtDefaultMix, seed: 300, timeLimit: 15 * time.Second})
}

// Five clients, 1500 requests each, then shared keys (whose values from
// different clients may interleave in any order).
// Contract: [protocol] [update] [active] [dropped] [race] [time].
func TestBasic4(t *testing.T) {
	kvtRunBasic(t, kvtBasicConfig{clients: 5, requests: 1500, keys: 5, maxLen: 128, mix: kvtDefaultMix, shared: 60, seed: 400, timeLimit: 15 * time.Second})
}

// Ten clients, 1500 requests each, then shared keys.
// Contract: [protocol] [update] [active] [dropped] [race] [time].
func TestBasic5(t *testing.T) {
	kvtRunBasic(t, kvtBasicConfig{clients: 10, requests: 1500, keys: 4, maxLen: 64, mix: kvtDefaultMix, shared: 40, seed: 500, timeLimit: 15 * time.Second})
}

// Ten clients with large values (up to 4 KiB, so request lines of up to
// 8 KiB).
// Contract: [protocol] [update] [active] [dropped] [race] [time].
func TestBasic6(t *testing.T) {
	kvtRunBasic(t, kvtBasicConfig{clients: 10, requests: 200, keys: 4, maxLen: 4096, mix: kvtDefaultMix, shared: 20, seed: 600, timeLimit: 15 * time.Second})
}

// ---------------------------------------------------------------------------
// Update tests
// ---------------------------------------------------------------------------

// Update replaces the first equal value only, and appends when nothing matches.
// Contract: [update] [protocol].
func TestUpdate1(t *testing.T) {
	ts := kvtStartServer(t)
	c := ts.dial("c0")
	reqs := []kvtRequest{
		{line: "Put:k:a"},
		{line: "Put:k:b"},
		{line: "Put:k:a"},
		{line: "Update:k:a:z"},
		{line: "Get:k", replies: []string{"k:z", "k:b", "k:a"}},
		{line: "Update:k:a:y"},
		{line: "Get:k", replies: []string{"k:z", "k:b", "k:y"}},
		{line: "Update:k:q:r"},
		{line: "Get:k", replies: []string{"k:z", "k:b", "k:y", "k:r"}},
		{line: "Update:k:b:b"},
		{line: "Get:k", replies: []string{"k:z", "k:b", "k:y", "k:r"}},
		{line: "Update:fresh:x:w"},
		{line: "Get:fresh", replies: []string{"fresh:w"}},
		{line: "Delete:k"},
		{line: "Update:k:z:n"},
		{line: "Get:k", replies: []string{"k:n"}},
	}
	if err := c.run(reqs, time.Now().Add(10*time.Second), kvtReplyWindow, nil); err != nil {
		t.Fatalf("%v\n(Update:key:old:new must replace the first value equal to old, or append new if there is none)", err)
	}
	if err := kvtCheckStore(ts.data, kvtModel{"k": {"n"}, "fresh": {"w"}}, nil); err != nil {
		t.Fatalf("after all requests were answered, %v", err)
	}
}

// Four clients with update-heavy workloads.
// Contract: [update] [protocol] [race] [time].
func TestUpdate2(t *testing.T) {
	kvtRunBasic(t, kvtBasicConfig{clients: 4, requests: 1000, keys: 3, maxLen: 32, mix: kvtUpdateMix, seed: 700, timeLimit: 15 * time.Second})
}

// ---------------------------------------------------------------------------
// Count tests
// ---------------------------------------------------------------------------

type kvtCountRound struct {
	add  int // clients that connect
	kill int // clients that disconnect
}

// kvtRunCount plays the rounds and checks both counters after each one. With
// traffic, every client reads a stored value before each round ends, and
// some of the clients that are killed have replies still waiting for them.
func kvtRunCount(t *testing.T, rounds []kvtCountRound, traffic bool, seed int64) {
	ts := kvtStartServer(t)
	rng := rand.New(rand.NewSource(seed))
	deadline := time.Now().Add(30 * time.Second)
	value := kvtRandomValue(rng, 200)
	if traffic {
		setup := ts.dial("setup")
		reqs := []kvtRequest{{line: "Put:data:" + value}, {line: "Get:data", replies: []string{"data:" + value}}}
		if err := setup.run(reqs, deadline, kvtReplyWindow, nil); err != nil {
			t.Fatal(err)
		}
		setup.kill(false)
	}
	base := 0
	if traffic {
		base = 1 // the setup client
	}
	var live []*kvtTestClient
	connected, dropped := 0, base
	for r, round := range rounds {
		for i := 0; i < round.add; i++ {
			live = append(live, ts.dial(fmt.Sprintf("r%dc%d", r, i)))
			connected++
		}
		if traffic {
			errs := make(chan error, len(live))
			for _, c := range live {
				go func(c *kvtTestClient) {
					errs <- c.run([]kvtRequest{{line: "Get:data", replies: []string{"data:" + value}}}, deadline, kvtReplyWindow, nil)
				}(c)
			}
			for range live {
				if err := <-errs; err != nil {
					t.Fatalf("round %d: %v", r+1, err)
				}
			}
		}
		for i := 0; i < round.kill; i++ {
			j := rng.Intn(len(live))
			c := live[j]
			live = append(live[:j], live[j+1:]...)
			if traffic && rng.Intn(2) == 0 {
				// Leave unread replies behind.
				c.send(deadline, "Get:data", "Get:data", "Get:data")
			}
			c.kill(rng.Intn(3) == 0)
			dropped++
		}
		ts.waitCounts(fmt.Sprintf("after round %d (%d clients connected in all, %d of them disconnected)",
			r+1, connected+base, dropped), len(live), dropped)
	}
}

// Clients connect and disconnect in rounds, without sending anything. The
// counters are polled for up to kvtCountTimeout after each round: the
// contract does not say how soon a server notices a connect or a disconnect.
// Contract: [active] [dropped].
func TestCount1(t *testing.T) {
	kvtRunCount(t, []kvtCountRound{{add: 3}, {add: 2, kill: 1}, {kill: 2}, {add: 4, kill: 1}, {add: 1, kill: 5}}, false, 1100)
}

// The same with traffic, and some clients killed with replies pending or
// with a reset: a disconnect for any reason counts.
// Contract: [active] [dropped] [protocol] [race].
func TestCount2(t *testing.T) {
	kvtRunCount(t, []kvtCountRound{{add: 5}, {add: 3, kill: 4}, {add: 2, kill: 2}, {kill: 3}, {add: 6, kill: 2}, {kill: 5}}, true, 1200)
}

// Many clients at once.
// Contract: [active] [dropped] [protocol] [race].
func TestCount3(t *testing.T) {
	kvtRunCount(t, []kvtCountRound{{add: 30}, {add: 10, kill: 15}, {kill: 10}, {add: 20, kill: 20}, {kill: 15}}, true, 1300)
}

// ---------------------------------------------------------------------------
// Slow-client tests
// ---------------------------------------------------------------------------

// A slow client's Gets each have a reply of exactly one line, so that "500
// messages" means the same whether a server counts reply lines or whole Get
// replies (the contract does not say which). It asks for far more than 500
// plus what the operating system buffers on the connection (a few MB here,
// more on hosts with larger socket buffers), so that "not all of them" holds
// for any server that drops.
const (
	kvtSlowPause    = 4 * time.Second // how long slow clients stop reading
	kvtSlowGets     = 6000            // Get requests each slow client sends (24 MB of replies)
	kvtBigValues    = 1               // values stored under "big"
	kvtNormalGets   = 300             // Get requests each normal client sends
	kvtSlowMinimum  = 500             // replies a slow client must still receive
	kvtDrainTimeout = 15 * time.Second
)

// kvtRunSlow has slow clients ask for far more data than the queue limit
// allows and stop reading for a while, during which normal clients must be
// served as usual. Afterwards the slow clients must receive the queued
// replies (at least 500 of them, but not all). With afterwards set, the slow
// clients must then be served normally again.
func kvtRunSlow(t *testing.T, numSlow, numNormal int, afterwards bool, seed int64) {
	ts := kvtStartServer(t)
	rng := rand.New(rand.NewSource(seed))
	setupDeadline := time.Now().Add(20 * time.Second)

	// Store the data: 8 large values under "big", a small one under
	// "small", and a marker per slow client.
	big := make(map[string]bool)
	var setupReqs []kvtRequest
	for i := 0; i < kvtBigValues; i++ {
		v := kvtRandomValue(rng, kvtBigValueLen)
		big["big:"+v] = true
		setupReqs = append(setupReqs, kvtRequest{line: "Put:big:" + v})
	}
	small := kvtRandomValue(rng, 16)
	setupReqs = append(setupReqs, kvtRequest{line: "Put:small:" + small})
	for i := 0; i < numSlow; i++ {
		setupReqs = append(setupReqs, kvtRequest{line: fmt.Sprintf("Put:mark_s%d:m", i)})
	}
	setupReqs = append(setupReqs, kvtRequest{line: "Get:small", replies: []string{"small:" + small}})
	setup := ts.dial("setup")
	if err := setup.run(setupReqs, setupDeadline, kvtReplyWindow, nil); err != nil {
		t.Fatal(err)
	}

	slow := ts.dialMany("slow", numSlow)
	normal := ts.dialMany("normal", numNormal)
	ts.waitCounts("after all clients connected", 1+numSlow+numNormal, -1)

	// The slow clients ask for slowGets*bigValues replies and stop reading.
	getBig := make([]string, kvtSlowGets)
	for i := range getBig {
		getBig[i] = "Get:big"
	}
	pauseStart := time.Now()
	resume := pauseStart.Add(kvtSlowPause)
	for _, c := range slow {
		if err := c.send(setupDeadline, getBig...); err != nil {
			t.Fatal(err)
		}
	}

	// Meanwhile the normal clients must get all their replies.
	time.Sleep(200 * time.Millisecond)
	normalReqs := make([]kvtRequest, kvtNormalGets)
	for i := range normalReqs {
		normalReqs[i] = kvtRequest{line: "Get:small", replies: []string{"small:" + small}}
	}
	normalDeadline := resume.Add(-300 * time.Millisecond)
	normalStart := time.Now()
	errs := make(chan error, numNormal)
	for _, c := range normal {
		go func(c *kvtTestClient) {
			errs <- c.run(normalReqs, normalDeadline, 50, nil)
		}(c)
	}
	for range normal {
		if err := <-errs; err != nil {
			t.Fatalf("while %d slow client(s) were not reading: %v\n(normal clients must be served within %v; a client that stops reading must not slow the others down)",
				numSlow, err, normalDeadline.Sub(pauseStart).Round(time.Millisecond))
		}
	}

	normalTime := time.Since(normalStart).Round(time.Millisecond)
	time.Sleep(time.Until(resume))

	// The slow clients read again.
	type drained struct {
		count int
		err   error
	}
	results := make(chan drained, numSlow)
	drainDeadline := time.Now().Add(kvtDrainTimeout)
	for i, c := range slow {
		go func(i int, c *kvtTestClient) {
			n, err := kvtDrain(c, fmt.Sprintf("mark_s%d", i), big, drainDeadline)
			results <- drained{n, err}
		}(i, c)
	}
	total := kvtSlowGets * kvtBigValues
	var counts []string
	for range slow {
		res := <-results
		if res.err != nil {
			t.Fatal(res.err)
		}
		counts = append(counts, strconv.Itoa(res.count))
		if res.count < kvtSlowMinimum {
			t.Fatalf("a slow client received only %d replies once it read again, want at least %d: the server must keep up to %d replies queued for a client that is not reading",
				res.count, kvtSlowMinimum, kvtSlowMinimum)
		}
		if res.count >= total {
			t.Fatalf("a slow client received all %d replies although it did not read for %v: the server must drop replies when %d are already waiting (the queue must be bounded)",
				total, kvtSlowPause, kvtSlowMinimum)
		}
	}

	if afterwards {
		isMark := func(line string) bool { return strings.HasPrefix(line, "mark_s") }
		reqs := normalReqs[:50]
		for _, c := range slow {
			go func(c *kvtTestClient) {
				errs <- c.run(reqs, drainDeadline, 10, isMark)
			}(c)
		}
		for range slow {
			if err := <-errs; err != nil {
				t.Fatalf("after the slow clients read again: %v\n(a client whose replies were dropped must be served normally once it reads again)", err)
			}
		}
	}
	t.Logf("normal clients served in %v; slow clients received %s of their %d replies", normalTime, strings.Join(counts, ", "), total)
}

// kvtDrain reads a slow client's pending replies: it keeps asking for its
// marker until the marker arrives, and returns how many "big" replies came
// before it. Each reply must be one of the stored values.
func kvtDrain(c *kvtTestClient, marker string, big map[string]bool, deadline time.Time) (int, error) {
	found := make(chan struct{})
	type result struct {
		count int
		err   error
	}
	done := make(chan result, 1)
	go func() {
		count := 0
		for {
			line, err := c.readLine(deadline)
			if err != nil {
				done <- result{count, fmt.Errorf("slow client %s, reading its queued replies after %d of them: %v", c.name, count, err)}
				return
			}
			switch {
			case line == marker+":m":
				close(found)
				done <- result{count, nil}
				return
			case big[line]:
				count++
			default:
				done <- result{count, fmt.Errorf("slow client %s: reply %d is %s, which is neither a stored value of \"big\" nor %s",
					c.name, count+1, kvtShort(line), marker+":m")}
				return
			}
		}
	}()
	ticker := time.NewTicker(100 * time.Millisecond)
	defer ticker.Stop()
	for {
		if err := c.send(deadline, "Get:"+marker); err != nil {
			return 0, err
		}
		select {
		case <-found:
		case <-ticker.C:
			continue
		case res := <-done:
			return res.count, res.err
		}
		res := <-done
		return res.count, res.err
	}
}

// One slow client, one normal client.
// Contract: [slow] (the normal client is served meanwhile; the slow one gets
// at least 500 replies but not all) [protocol].
func TestSlowClient1(t *testing.T) {
	kvtRunSlow(t, 1, 1, false, 2100)
}

// Three slow clients, five normal clients.
// Contract: [slow] [protocol].
func TestSlowClient2(t *testing.T) {
	kvtRunSlow(t, 3, 5, false, 2200)
}

// Two slow clients that must be served normally once they read again.
// Contract: [slow] (queued replies are delivered, in order, and later
// requests are answered as usual) [protocol] [race].
func TestSlowClient3(t *testing.T) {
	kvtRunSlow(t, 2, 3, true, 2300)
}

// ---------------------------------------------------------------------------
// Start and Close
// ---------------------------------------------------------------------------

// After Close the server no longer listens: new connections are refused and
// the port can be listened on again. Polled for 3 s: Close need not wait for
// the goroutine that accepts.
// Contract: [close] (stops listening).
func TestClose1(t *testing.T) {
	ts := kvtStartServer(t)
	c := ts.dialMany("c", 2)
	ts.waitCounts("after 2 clients connected", 2, -1)
	if err := c[0].run([]kvtRequest{{line: "Put:a:b"}, {line: "Get:a", replies: []string{"a:b"}}}, time.Now().Add(10*time.Second), kvtReplyWindow, nil); err != nil {
		t.Fatal(err)
	}
	ts.close()
	deadline := time.Now().Add(3 * time.Second)
	for {
		conn, err := net.DialTimeout("tcp", ts.addr(), time.Second)
		if err != nil {
			break
		}
		conn.Close()
		if time.Now().After(deadline) {
			t.Fatalf("3s after Close() returned, %s still accepts connections: Close must close the listener", ts.addr())
		}
		time.Sleep(20 * time.Millisecond)
	}
	ln, err := net.Listen("tcp", ts.addr())
	if err != nil {
		t.Fatalf("after Close(), listening on %s again failed: %v (Close must close the listener)", ts.addr(), err)
	}
	ln.Close()
}

// Close closes the connections of connected clients (within 3 s: Close need
// not wait for the goroutines that own them).
// Contract: [close] (closes every client connection).
func TestClose2(t *testing.T) {
	ts := kvtStartServer(t)
	clients := ts.dialMany("c", 3)
	ts.waitCounts("after 3 clients connected", 3, -1)
	if err := clients[0].run([]kvtRequest{{line: "Put:a:b"}, {line: "Get:a", replies: []string{"a:b"}}}, time.Now().Add(10*time.Second), kvtReplyWindow, nil); err != nil {
		t.Fatal(err)
	}
	ts.close()
	deadline := time.Now().Add(3 * time.Second)
	for _, c := range clients {
		c.conn.SetReadDeadline(deadline)
		n, err := c.r.Read(make([]byte, 64))
		var ne net.Error
		switch {
		case err == nil:
			t.Fatalf("client %s received %d unexpected bytes after Close()", c.name, n)
		case errors.As(err, &ne) && ne.Timeout():
			t.Fatalf("client %s: connection still open 3s after Close() returned: Close must close every client connection", c.name)
		}
	}
}

// Start returns an error, and returns at once, when the port is taken (here
// by a plain listener of the test's own, so that only one server exists).
// Contract: [start]. Nothing is called on the server after its Start failed.
func TestStart1(t *testing.T) {
	ln, err := net.Listen("tcp", net.JoinHostPort(kvtLocalHost, "0"))
	if err != nil {
		t.Fatalf("the test could not listen on a free port: %v", err)
	}
	defer ln.Close()
	port := ln.Addr().(*net.TCPAddr).Port
	store, _ := kvstore.CreateWithBackdoor()
	srv := New(store)
	if srv == nil {
		t.Fatalf("New returned nil")
	}
	if !kvtWithTimeout(kvtCallTimeout, func() { err = srv.Start(port) }) {
		t.Fatalf("Start(%d) did not return within %v", port, kvtCallTimeout)
	}
	if err == nil {
		t.Fatalf("Start(%d) returned nil although %s is already taken by another listener: Start must return the error it gets when it cannot listen", port, ln.Addr())
	}
}
