package rpc

import (
	"fmt"
	"hash/fnv"
	"math/rand"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Network connects ends to servers and decides the fate of every call made through them.
type Network struct {
	mu             sync.Mutex
	reliable       bool
	longDelays     bool
	longReordering bool
	latency        time.Duration
	seed           int64
	ends           map[interface{}]*ClientEnd
	enabled        map[interface{}]bool
	links          map[interface{}]interface{} // end name -> server name
	servers        map[interface{}]*Server
	totalCalls     int
	totalBytes     int64

	start time.Time
	trace *tracer
}

// ClientEnd is one end of a link: calls made through it go to the server it is connected to.
type ClientEnd struct {
	name  interface{}
	label string
	net   *Network

	mu    sync.Mutex
	rng   *rand.Rand
	calls int64
}

// How long a call through a disabled end waits before it fails.
const (
	shortFailMaxMs = 100
	longFailMaxMs  = 7000
)

// MakeNetwork returns an empty, reliable network, seeded from RPC_SEED (else DSGRADE_SEED, else
// the clock), tracing to RPC_TRACE when that names a file (see the package documentation).
func MakeNetwork() *Network {
	n := &Network{
		reliable: true,
		seed:     seedFromEnv(),
		ends:     map[interface{}]*ClientEnd{},
		enabled:  map[interface{}]bool{},
		links:    map[interface{}]interface{}{},
		servers:  map[interface{}]*Server{},
		start:    time.Now(),
	}
	n.trace = openTrace(n.start)
	n.trace.network(n.seed)
	return n
}

func seedFromEnv() int64 {
	for _, name := range []string{"RPC_SEED", "DSGRADE_SEED"} {
		if s, err := strconv.ParseInt(strings.TrimSpace(os.Getenv(name)), 10, 64); err == nil {
			return s
		}
	}
	return time.Now().UnixNano()
}

// Seed returns the seed the network's random decisions come from.
func (n *Network) Seed() int64 {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.seed
}

// SetSeed restarts every end's random stream from seed, as if the network had been made with it.
func (n *Network) SetSeed(seed int64) {
	n.mu.Lock()
	n.seed = seed
	ends := make([]*ClientEnd, 0, len(n.ends))
	for _, e := range n.ends {
		ends = append(ends, e)
	}
	n.mu.Unlock()
	for _, e := range ends {
		e.reseed(seed)
	}
	n.trace.network(seed)
}

// Reliable(false) delays every request by up to 26 ms and loses about 10% of requests and 10% of
// replies; Reliable(true) (the default) delivers everything at once.
func (n *Network) Reliable(yes bool) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.reliable = yes
}

// LongReordering(true) holds about two replies in three back for 200 ms to 2.2 s.
func (n *Network) LongReordering(yes bool) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.longReordering = yes
}

// LongDelays(true) makes a call through a disabled end wait up to 7 s before it fails (up to
// 100 ms otherwise).
func (n *Network) LongDelays(yes bool) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.longDelays = yes
}

// SetLatency makes every request and every reply take at least d.
func (n *Network) SetLatency(d time.Duration) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.latency = d
}

// MakeEnd makes a new end, disabled and connected to nothing. Names are unique per network.
func (n *Network) MakeEnd(endname interface{}) *ClientEnd {
	n.mu.Lock()
	defer n.mu.Unlock()
	if _, dup := n.ends[endname]; dup {
		stop("MakeEnd(%v): this network already has an end with that name", endname)
	}
	label := fmt.Sprint(endname)
	e := &ClientEnd{name: endname, label: label, net: n}
	e.reseed(n.seed)
	n.ends[endname] = e
	n.enabled[endname] = false
	return e
}

// AddServer adds a server under servername, replacing any server of that name (calls still
// running on the replaced one lose their replies).
func (n *Network) AddServer(servername interface{}, rs *Server) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.servers[servername] = rs
}

// DeleteServer removes a server, as if its machine had crashed: calls to it fail, and replies of
// handlers still running on it are thrown away.
func (n *Network) DeleteServer(servername interface{}) {
	n.mu.Lock()
	defer n.mu.Unlock()
	delete(n.servers, servername)
}

// Connect makes calls through endname go to servername (which may be added later).
func (n *Network) Connect(endname, servername interface{}) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.links[endname] = servername
}

// Enable turns an end on or off. Calls through a disabled end fail after a delay, and a call
// whose end is disabled while its handler runs loses its reply.
func (n *Network) Enable(endname interface{}, enabled bool) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.enabled[endname] = enabled
}

// GetCount returns how many calls were delivered to the server named servername (0 if none).
func (n *Network) GetCount(servername interface{}) int {
	n.mu.Lock()
	rs := n.servers[servername]
	n.mu.Unlock()
	if rs == nil {
		return 0
	}
	return rs.GetCount()
}

// GetTotalCount returns how many calls were delivered to any server.
func (n *Network) GetTotalCount() int {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.totalCalls
}

// GetTotalBytes returns the encoded size of every request delivered to a server and every reply
// delivered back.
func (n *Network) GetTotalBytes() int64 {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.totalBytes
}

// RecordState writes a state record to the trace when node's term or leadership changed since
// its last record. Tests call it with what GetState returned.
func (n *Network) RecordState(node interface{}, term int, isLeader bool) {
	n.trace.state(fmt.Sprint(node), term, isLeader)
}

// RecordEvent writes an event record (a disconnection, a crash, a phase of a test) to the trace.
func (n *Network) RecordEvent(format string, args ...interface{}) {
	n.trace.event(fmt.Sprintf(format, args...))
}

// route is what the network says about one call at the moment it is made.
type route struct {
	enabled                              bool
	server                               *Server
	serverName                           string
	reliable, longDelays, longReordering bool
	latency                              time.Duration
}

func (n *Network) route(e *ClientEnd) route {
	n.mu.Lock()
	defer n.mu.Unlock()
	r := route{enabled: n.enabled[e.name], reliable: n.reliable, longDelays: n.longDelays, longReordering: n.longReordering, latency: n.latency}
	if sn, ok := n.links[e.name]; ok {
		r.server = n.servers[sn]
		r.serverName = fmt.Sprint(sn)
	}
	return r
}

// gone reports whether a reply from rs for a call through e must be thrown away: the end was
// disabled, or the server was deleted or replaced, while the handler ran.
func (n *Network) gone(e *ClientEnd, rs *Server) bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	if !n.enabled[e.name] {
		return true
	}
	sn, ok := n.links[e.name]
	return !ok || n.servers[sn] != rs
}

func (n *Network) delivered(bytes int) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.totalCalls++
	n.totalBytes += int64(bytes)
}

func (n *Network) replied(bytes int) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.totalBytes += int64(bytes)
}

// fate holds every random number one call may need. All of them are drawn for every call, in
// this order, so the n-th call through an end gets the same numbers whatever happened before.
type fate struct {
	seq          int64
	jitter       time.Duration
	dropRequest  bool
	dropReply    bool
	reorder      bool
	reorderDelay time.Duration
	shortFail    time.Duration
	longFail     time.Duration
}

func (e *ClientEnd) reseed(seed int64) {
	h := fnv.New64a()
	h.Write([]byte(e.label))
	e.mu.Lock()
	defer e.mu.Unlock()
	e.rng = rand.New(rand.NewSource(seed ^ int64(h.Sum64())))
}

func (e *ClientEnd) draw() fate {
	e.mu.Lock()
	defer e.mu.Unlock()
	f := fate{seq: e.calls}
	e.calls++
	f.jitter = time.Duration(e.rng.Intn(27)) * time.Millisecond
	f.dropRequest = e.rng.Intn(1000) < 100
	f.dropReply = e.rng.Intn(1000) < 100
	f.reorder = e.rng.Intn(900) < 600
	f.reorderDelay = time.Duration(200+e.rng.Intn(2001)) * time.Millisecond
	f.shortFail = time.Duration(e.rng.Intn(shortFailMaxMs)) * time.Millisecond
	f.longFail = time.Duration(e.rng.Intn(longFailMaxMs)) * time.Millisecond
	return f
}

// String returns the end's name.
func (e *ClientEnd) String() string {
	return e.label
}

// Call sends an RPC to the method svcMeth ("Service.Method") of the server the end is connected
// to and waits for the reply. It returns true if the reply arrived (and was decoded into reply),
// false if it did not. See the package documentation for what the network may do to a call.
func (e *ClientEnd) Call(svcMeth string, args interface{}, reply interface{}) bool {
	checkSendable(svcMeth, "argument", args)
	checkReplyTarget(svcMeth, reply)
	request := encode(svcMeth, "argument", args)
	n := e.net
	f := e.draw()
	r := n.route(e)
	c := callTrace{link: e.label, from: endSource(e.label), to: r.serverName, seq: f.seq, method: svcMeth}

	if !r.enabled || r.server == nil {
		wait := f.shortFail
		if r.longDelays {
			wait = f.longFail
		}
		n.trace.call(c, "forward", len(request), "block", wait)
		time.Sleep(wait)
		return false
	}
	delay := r.latency
	if !r.reliable {
		delay += f.jitter
	}
	if !r.reliable && f.dropRequest {
		n.trace.call(c, "forward", len(request), "drop", delay)
		time.Sleep(delay)
		return false
	}
	n.trace.call(c, "forward", len(request), delayAction(delay), delay)
	time.Sleep(delay)

	n.delivered(len(request))
	done := make(chan []byte, 1)
	go func() { done <- r.server.dispatch(svcMeth, request) }()
	var response []byte
	for waiting := true; waiting; {
		select {
		case response = <-done:
			waiting = false
		case <-time.After(100 * time.Millisecond):
			if n.gone(e, r.server) {
				n.trace.call(c, "reverse", 0, "block", 0)
				return false
			}
		}
	}
	if n.gone(e, r.server) {
		n.trace.call(c, "reverse", len(response), "block", 0)
		return false
	}
	if !r.reliable && f.dropReply {
		n.trace.call(c, "reverse", len(response), "drop", 0)
		return false
	}
	back := r.latency
	if r.longReordering && f.reorder {
		back += f.reorderDelay
	}
	n.trace.call(c, "reverse", len(response), delayAction(back), back)
	time.Sleep(back)
	decode(svcMeth, "reply", response, reply)
	n.replied(len(response))
	return true
}

func delayAction(d time.Duration) string {
	if d > 0 {
		return "delay"
	}
	return "forward"
}

// endSource is the calling side of an end named "<from>-><to>", or the whole name.
func endSource(label string) string {
	if i := strings.Index(label, "->"); i >= 0 {
		return label[:i]
	}
	return label
}
