package faultnet

import (
	"fmt"
	"io"
	"net"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Config configures a Proxy.
type Config struct {
	// Seed selects the random streams. The same seed and the same traffic
	// give the same decisions.
	Seed uint64
	// Trace receives the decision log as JSON lines; nil disables tracing.
	Trace io.Writer
	// TraceFlushInterval is how often buffered trace records are written
	// out (default 200 ms). The trace is always flushed on FlushTrace and Close.
	TraceFlushInterval time.Duration
}

// Proxy serves many links and owns the shared scheduler, trace and
// partition state. Control operations are serialized by one mutex; the data
// path never takes it.
type Proxy struct {
	seed  uint64
	start time.Time
	trace *tracer
	sched *scheduler

	mu     sync.Mutex
	links  map[string]*link
	order  []*link // creation order, for stable stats output
	grudge map[pair]bool
	tcpRst bool // the current partition resets TCP connections instead of stalling them
	closed bool

	done      chan struct{}
	stopOnce  sync.Once
	doneOnce  sync.Once
	stopErr   error
	flushStop chan struct{}
	flushDone chan struct{}
}

// pair is a directed node pair: messages from pair.from to pair.to.
type pair struct{ from, to string }

// New creates a proxy with no links.
func New(cfg Config) *Proxy {
	p := &Proxy{
		seed:   cfg.Seed,
		start:  time.Now(),
		links:  make(map[string]*link),
		grudge: make(map[pair]bool),
		done:   make(chan struct{}),
	}
	if cfg.Trace != nil {
		p.trace = newTracer(cfg.Trace, p.start)
		interval := cfg.TraceFlushInterval
		if interval <= 0 {
			interval = 200 * time.Millisecond
		}
		p.flushStop = make(chan struct{})
		p.flushDone = make(chan struct{})
		go p.flushLoop(interval)
	}
	p.sched = newScheduler(p.start, fireEvent)
	return p
}

// flushLoop writes the trace periodically, so a proxy killed by its parent
// still leaves most of its log behind.
func (p *Proxy) flushLoop(interval time.Duration) {
	defer close(p.flushDone)
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			p.trace.flush()
		case <-p.flushStop:
			return
		}
	}
}

// Seed returns the seed the proxy was created with.
func (p *Proxy) Seed() uint64 { return p.seed }

// Done is closed when the proxy has shut down.
func (p *Proxy) Done() <-chan struct{} { return p.done }

// LinkSpec describes a link to add.
type LinkSpec struct {
	// Name identifies the link in requests, stats and the trace; it also keys
	// the link's random streams.
	Name string `json:"name"`
	// Proto is "udp" or "tcp".
	Proto string `json:"proto"`
	// From is the node whose messages enter the link (the client).
	From string `json:"from"`
	// To is the node whose service the link forwards to.
	To string `json:"to"`
	// Target is the real host:port of To's service.
	Target string `json:"target"`
	// Listen is the local endpoint of the link (default "127.0.0.1:0").
	Listen string `json:"listen,omitempty"`
}

// LinkInfo describes an added link.
type LinkInfo struct {
	Name   string `json:"name"`
	Proto  string `json:"proto"`
	From   string `json:"from"`
	To     string `json:"to"`
	Target string `json:"target"`
	Listen string `json:"listen"`
}

// link is one directed link and its two directions.
type link struct {
	p        *Proxy
	info     LinkInfo
	nameJSON []byte
	dirs     [2]*dirState
	impl     linkImpl
}

// linkImpl is the protocol-specific half of a link.
type linkImpl interface {
	// rulesChanged applies connection-level rules (TCP reset/close, partition
	// resets) after the rules or the partition changed.
	rulesChanged()
	close()
}

// blockMode says whether, and how, a partition blocks a direction.
const (
	blockNone  int32 = iota
	blockDrop        // UDP datagrams are dropped, TCP bytes are held (stall)
	blockReset       // like blockDrop, but TCP connections are reset
)

// dirState is the state of one link direction: its rules, partition flag,
// message counter, random stream and statistics.
type dirState struct {
	l     *link
	dir   Direction
	rng   stream
	rules atomic.Pointer[rules]
	block atomic.Int32
	seq   atomic.Uint64
	st    counters

	// gate makes a rule or partition change take effect at one instant. The
	// data path holds the read side while it decides a message's fate from
	// the rules and block mode and stamps lastSent; a change (Proxy.change)
	// holds the write side of every direction it touches while it stores the
	// new state and reads the clock. So every message decided under the old
	// state was stamped before the change's time, and every message decided
	// after it sees the new state and is stamped after it: nothing passes a
	// direction once its partition was acknowledged. The read side is never
	// held across a socket write or a channel wait.
	gate sync.RWMutex
	// lastSent is when (ns since the proxy started) this direction last
	// passed a message on, 0 if never; stamped under gate, so it is ordered
	// against every change's effect time.
	lastSent atomic.Int64

	// changed is closed and replaced whenever the rules or the block mode
	// change, waking TCP writers that wait for a stall to end.
	chMu    sync.Mutex
	changed chan struct{}

	// Bandwidth shaping: the earliest time the next datagram may leave.
	bwMu     sync.Mutex
	nextFree int64

	// Reorder: at most one datagram is held per direction.
	holdMu  sync.Mutex
	held    *event
	hasHeld atomic.Bool
}

func newDirState(l *link, dir Direction, seed uint64) *dirState {
	d := &dirState{l: l, dir: dir, rng: newStream(seed, l.info.Name, dir), changed: make(chan struct{})}
	d.rules.Store(newRules(Faults{}))
	return d
}

// notify wakes everything waiting for a rule or partition change.
func (d *dirState) notify() {
	d.chMu.Lock()
	close(d.changed)
	d.changed = make(chan struct{})
	d.chMu.Unlock()
}

// watch returns a channel closed at the next rule or partition change.
func (d *dirState) watch() <-chan struct{} {
	d.chMu.Lock()
	defer d.chMu.Unlock()
	return d.changed
}

// markSent records that a message is passed on now. The caller holds d.gate
// (read side), so the stamp is ordered against rule and partition changes.
func (d *dirState) markSent() {
	now := d.l.p.sched.now()
	for {
		old := d.lastSent.Load()
		if now <= old || d.lastSent.CompareAndSwap(old, now) {
			return
		}
	}
}

// stalled reports whether TCP bytes must be held in this direction now.
func (d *dirState) stalled() bool {
	return d.rules.Load().Stall || d.block.Load() != blockNone
}

func (d *dirState) trace(seq uint64, size int, action string) {
	d.l.p.trace.record(d.l.nameJSON, d.dir, seq, size, action, 0, false)
}

func (d *dirState) traceDelay(seq uint64, size int, action string, ms float64) {
	d.l.p.trace.record(d.l.nameJSON, d.dir, seq, size, action, ms, true)
}

// counters are the statistics of one direction. They are atomic because the
// reverse direction of a UDP link is fed by one goroutine per client.
type counters struct {
	received, forwarded, dropped, blocked, delayed, duplicated, reordered atomic.Uint64
	corrupted, truncated, lengthened, overflow, stalled, errors           atomic.Uint64
	bytesIn, bytesOut, connections, resets, closes                        atomic.Uint64
}

// DirStats is a snapshot of one direction's counters. Message counts are
// datagrams for UDP and read chunks for TCP.
type DirStats struct {
	Received    uint64 `json:"received"`
	Forwarded   uint64 `json:"forwarded"`
	Dropped     uint64 `json:"dropped"`
	Blocked     uint64 `json:"blocked"`
	Delayed     uint64 `json:"delayed"`
	Duplicated  uint64 `json:"duplicated"`
	Reordered   uint64 `json:"reordered"`
	Corrupted   uint64 `json:"corrupted"`
	Truncated   uint64 `json:"truncated"`
	Lengthened  uint64 `json:"lengthened"`
	Overflow    uint64 `json:"overflow"`
	Stalled     uint64 `json:"stalled"`
	Errors      uint64 `json:"errors"`
	BytesIn     uint64 `json:"bytesIn"`
	BytesOut    uint64 `json:"bytesOut"`
	Connections uint64 `json:"connections"`
	Resets      uint64 `json:"resets"`
	Closes      uint64 `json:"closes"`
	// LastSentNs is when this direction last passed a message on, in ns
	// since the proxy started (the clock of Now and of every change's atNs);
	// 0 if it never did. A message passed on after a change took effect has
	// LastSentNs > that change's atNs; one decided before it never has.
	LastSentNs int64 `json:"lastSentNs"`
	// Partitioned is true while a partition blocks this direction.
	Partitioned bool `json:"partitioned"`
	// Faults is the rule set in force.
	Faults Faults `json:"faults"`
}

func (d *dirState) snapshot() DirStats {
	c := &d.st
	return DirStats{
		Received: c.received.Load(), Forwarded: c.forwarded.Load(), Dropped: c.dropped.Load(),
		Blocked: c.blocked.Load(), Delayed: c.delayed.Load(), Duplicated: c.duplicated.Load(),
		Reordered: c.reordered.Load(), Corrupted: c.corrupted.Load(), Truncated: c.truncated.Load(),
		Lengthened: c.lengthened.Load(), Overflow: c.overflow.Load(), Stalled: c.stalled.Load(),
		Errors: c.errors.Load(), BytesIn: c.bytesIn.Load(), BytesOut: c.bytesOut.Load(),
		Connections: c.connections.Load(), Resets: c.resets.Load(), Closes: c.closes.Load(),
		LastSentNs: d.lastSent.Load(), Partitioned: d.block.Load() != blockNone, Faults: d.rules.Load().Faults,
	}
}

// LinkStats is a snapshot of one link.
type LinkStats struct {
	LinkInfo
	Forward DirStats `json:"forward"`
	Reverse DirStats `json:"reverse"`
}

// AddLink validates spec, opens the link's listening socket and starts
// forwarding. The current partition applies to the new link at once.
func (p *Proxy) AddLink(spec LinkSpec) (LinkInfo, error) {
	if err := validateLinkSpec(&spec); err != nil {
		return LinkInfo{}, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return LinkInfo{}, errf(CodeShutDown, "cannot add link %q: the proxy is shutting down", spec.Name)
	}
	if _, ok := p.links[spec.Name]; ok {
		return LinkInfo{}, errf(CodeLinkExists, "cannot add link %q: a link with this name exists; pick another name", spec.Name)
	}
	l := &link{p: p, nameJSON: jsonString(spec.Name)}
	l.info = LinkInfo{Name: spec.Name, Proto: spec.Proto, From: spec.From, To: spec.To, Target: spec.Target}
	l.dirs[Forward] = newDirState(l, Forward, p.seed)
	l.dirs[Reverse] = newDirState(l, Reverse, p.seed)
	p.applyBlock(l)
	var err error
	switch spec.Proto {
	case "udp":
		l.impl, err = startUDP(l, spec.Listen)
	case "tcp":
		l.impl, err = startTCP(l, spec.Listen)
	}
	if err != nil {
		return LinkInfo{}, err
	}
	p.links[spec.Name] = l
	p.order = append(p.order, l)
	return l.info, nil
}

func validateLinkSpec(s *LinkSpec) error {
	if s.Name == "" {
		return errf(CodeInvalid, "link name is empty: give every link a unique name such as \"n1->n2\"")
	}
	if s.Proto != "udp" && s.Proto != "tcp" {
		return errf(CodeInvalid, "link %q: proto must be \"udp\" or \"tcp\", got %q", s.Name, s.Proto)
	}
	if s.From == "" || s.To == "" {
		return errf(CodeInvalid, "link %q: from and to must name the two nodes", s.Name)
	}
	if _, _, err := net.SplitHostPort(s.Target); err != nil {
		return errf(CodeInvalid, "link %q: target must be host:port, got %q", s.Name, s.Target)
	}
	if s.Listen == "" {
		s.Listen = "127.0.0.1:0"
	}
	if _, _, err := net.SplitHostPort(s.Listen); err != nil {
		return errf(CodeInvalid, "link %q: listen must be host:port, got %q", s.Name, s.Listen)
	}
	return nil
}

// DirSel selects one or both directions in SetFaults.
type DirSel string

// Direction selectors accepted by SetFaults.
const (
	SelForward DirSel = "forward"
	SelReverse DirSel = "reverse"
	SelBoth    DirSel = "both"
)

// SetFaults replaces the rule set of the selected directions of a link and
// returns the instant it took effect (Now): every message decided after it
// sees the new rules. Datagrams already queued keep their schedule.
func (p *Proxy) SetFaults(linkName string, sel DirSel, f Faults) (int64, error) {
	if err := f.validate(); err != nil {
		return 0, errf(CodeInvalid, "%s", err.Error())
	}
	var dirs []Direction
	switch sel {
	case SelForward:
		dirs = []Direction{Forward}
	case SelReverse:
		dirs = []Direction{Reverse}
	case SelBoth, "":
		dirs = []Direction{Forward, Reverse}
	default:
		return 0, errf(CodeInvalid, "direction must be \"forward\", \"reverse\" or \"both\", got %q", sel)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	l, ok := p.links[linkName]
	if !ok {
		return 0, errf(CodeUnknownLink, "unknown link %q: add it with addLink first", linkName)
	}
	r := newRules(f)
	touched := make([]*dirState, 0, len(dirs))
	for _, d := range dirs {
		touched = append(touched, l.dirs[d])
	}
	at := p.change(touched, func() {
		for _, d := range touched {
			d.rules.Store(r)
			d.notify()
		}
	})
	l.impl.rulesChanged()
	return at, nil
}

// change applies a rule or partition change to the given directions at one
// instant (see dirState.gate) and returns that instant (Now). The caller
// holds p.mu, so changes never wait for each other's gates.
func (p *Proxy) change(dirs []*dirState, apply func()) int64 {
	for _, d := range dirs {
		d.gate.Lock()
	}
	apply()
	at := p.Now()
	for _, d := range dirs {
		d.gate.Unlock()
	}
	return at
}

// Heal removes the current partition; link rules stay in force. It returns
// once the healed directions carry messages again, with the number of
// directions that were blocked and the time the heal took effect.
func (p *Proxy) Heal() PartitionResult {
	p.mu.Lock()
	defer p.mu.Unlock()
	n, at := p.setGrudge(map[pair]bool{}, false)
	return PartitionResult{Blocked: [][2]string{}, Directions: n, AtNs: at}
}

// Now is the proxy's clock: nanoseconds since it started, on the monotonic
// clock. Trace times (in µs), atNs of changes and lastSentNs use it.
func (p *Proxy) Now() int64 { return p.sched.now() }

// setGrudge replaces the partition and applies it to every link at one
// instant (see dirState.gate), which it returns with the number of link
// directions now blocked (or, with an empty grudge, the number that were
// blocked before). The caller holds p.mu.
func (p *Proxy) setGrudge(g map[pair]bool, tcpRst bool) (int, int64) {
	before := 0
	var dirs []*dirState
	for _, l := range p.order {
		for _, d := range l.dirs {
			if d.block.Load() != blockNone {
				before++
			}
			dirs = append(dirs, d)
		}
	}
	p.grudge = g
	p.tcpRst = tcpRst
	changed := make([]bool, len(p.order))
	at := p.change(dirs, func() {
		for i, l := range p.order {
			changed[i] = p.applyBlock(l)
		}
	})
	after := 0
	for i, l := range p.order {
		if changed[i] {
			l.impl.rulesChanged()
		}
		for _, d := range l.dirs {
			if d.block.Load() != blockNone {
				after++
			}
		}
	}
	if len(g) == 0 {
		return before, at
	}
	return after, at
}

// applyBlock sets the block mode of both directions of l from the current
// grudge and reports whether anything changed. The caller holds p.mu.
func (p *Proxy) applyBlock(l *link) bool {
	mode := blockDrop
	if p.tcpRst {
		mode = blockReset
	}
	changed := false
	for _, d := range l.dirs {
		pr := pair{l.info.From, l.info.To}
		if d.dir == Reverse {
			pr = pair{l.info.To, l.info.From}
		}
		want := blockNone
		if p.grudge[pr] {
			want = mode
		}
		if d.block.Swap(want) != want {
			changed = true
			d.notify()
		}
	}
	return changed
}

// Stats returns a snapshot of one link, or of every link when name is empty.
func (p *Proxy) Stats(name string) ([]LinkStats, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	var ls []*link
	if name == "" {
		ls = p.order
	} else {
		l, ok := p.links[name]
		if !ok {
			return nil, errf(CodeUnknownLink, "unknown link %q: add it with addLink first", name)
		}
		ls = []*link{l}
	}
	out := make([]LinkStats, 0, len(ls))
	for _, l := range ls {
		out = append(out, LinkStats{LinkInfo: l.info, Forward: l.dirs[Forward].snapshot(), Reverse: l.dirs[Reverse].snapshot()})
	}
	return out, nil
}

// Links returns the names of all links in creation order.
func (p *Proxy) Links() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	names := make([]string, len(p.order))
	for i, l := range p.order {
		names[i] = l.info.Name
	}
	return names
}

// FlushTrace writes buffered trace records and returns how many records
// have been written in total.
func (p *Proxy) FlushTrace() (uint64, error) {
	n, err := p.trace.flush()
	if err != nil {
		return n, errf(CodeTrace, "cannot write the trace: %v", err)
	}
	return n, nil
}

// Close stops every link, discards queued datagrams, flushes the trace and
// then closes Done. It is safe to call more than once.
func (p *Proxy) Close() error {
	err := p.stop()
	p.doneOnce.Do(func() { close(p.done) })
	return err
}

// stop is the first half of Close: everything except closing Done, so a
// shutdown request can still write its reply before the process may exit.
func (p *Proxy) stop() error {
	p.stopOnce.Do(func() {
		p.mu.Lock()
		p.closed = true
		links := p.order
		p.mu.Unlock()
		for _, l := range links {
			l.impl.close()
		}
		p.sched.close()
		if p.trace != nil {
			close(p.flushStop)
			<-p.flushDone
			_, p.stopErr = p.FlushTrace()
		}
	})
	return p.stopErr
}

// stopped reports whether stop has run.
func (p *Proxy) stopped() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.closed
}

// blockedPairs returns the current grudge as sorted [from, to] pairs.
func (p *Proxy) blockedPairs() [][2]string {
	out := make([][2]string, 0, len(p.grudge))
	for pr := range p.grudge {
		out = append(out, [2]string{pr.from, pr.to})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i][0] != out[j][0] {
			return out[i][0] < out[j][0]
		}
		return out[i][1] < out[j][1]
	})
	return out
}

// Error is a structured failure with a stable code, returned by every
// Proxy method and sent as {code, message} on the control channel.
type Error struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// Error codes. They are stable: clients branch on them.
const (
	CodeBadRequest  = "BAD_REQUEST" // the line is not a JSON object, or has unknown fields
	CodeUnknownOp   = "UNKNOWN_OP"  // op names no request
	CodeInvalid     = "INVALID_ARGUMENT"
	CodeUnknownLink = "UNKNOWN_LINK"
	CodeLinkExists  = "LINK_EXISTS"
	CodeListen      = "LISTEN_FAILED" // the link's local endpoint could not be opened
	CodeTrace       = "TRACE_FAILED"
	CodeShutDown    = "SHUT_DOWN"
)

func errf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: strings.TrimSpace(fmt.Sprintf(format, args...))}
}
