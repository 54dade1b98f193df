// The staff tester: a cluster of Raft peers on the staff rpc network, with partitions, a monitor
// that polls every peer's GetState, appliers that check every ApplyCommand, and failure messages
// that say what was expected, what was seen, and the seed that replays the network's decisions.
//
// The tests are an external package (raft_test), so no name in a submission can clash with the
// tester's, and they use only the handout's API: NewPeer, GetState, PutCommand, Stop and applyCh.
// GetState and PutCommand are called at any time before Stop and never after it.

package raft_test

import (
	"fmt"
	"math/rand"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cmu440/raft"
	"github.com/cmu440/rpc"
)

// The handout's timing contract.
const (
	// electionLimit: a new leader within 5 s of a failure (or of the start).
	electionLimit = 5 * time.Second
	// agreementLimit: a command put on the leader of a connected majority is committed by then.
	agreementLimit = 10 * time.Second
	// maxHeartbeatsPerSecond: at most 10 heartbeats per second to each follower.
	maxHeartbeatsPerSecond = 10
	// minElectionTimeout: election timeouts are larger than 150 ms, so a peer cut off from everyone
	// starts at most one election, one new term, per 150 ms.
	minElectionTimeout = 150 * time.Millisecond
	// callLimit: NewPeer, GetState and PutCommand return at once; a call this slow is stuck.
	callLimit = 3 * time.Second
	// stopLimit: after Stop, the goroutines a peer started are gone within this time.
	stopLimit = 5 * time.Second

	pollInterval    = 20 * time.Millisecond
	monitorInterval = 25 * time.Millisecond
)

// cluster is n peers on one network, with the test's view of them.
type cluster struct {
	t     *testing.T
	n     int
	net   *rpc.Network
	seed  int64
	rng   *rand.Rand // the test's own choices (which peers to cut off, ...), from the seed
	peers []*raft.Raft
	start time.Time

	mu        sync.Mutex
	group     []int           // partition group of each peer; -1: cut off from everyone
	cut       map[[2]int]bool // ends disabled on top of the partition (from, to)
	applied   []map[int]interface{}
	lastIndex []int // highest index each peer applied
	leaderOf  map[int]int
	lastSeen  []peerState
	failures  []string
	stopped   bool

	monitorStop chan struct{}
	monitorDone chan struct{}
}

type peerState struct {
	term   int
	leader bool
	seen   bool
}

func (s peerState) String() string {
	if !s.seen {
		return "not seen"
	}
	if s.leader {
		return fmt.Sprintf("term %d, leader", s.term)
	}
	return fmt.Sprintf("term %d, not leader", s.term)
}

func endName(from, to int) string { return fmt.Sprintf("%d->%d", from, to) }
func serverName(i int) string     { return strconv.Itoa(i) }

// newCluster starts n connected peers. setup runs on the network before any peer exists.
func newCluster(t *testing.T, n int, setup func(net *rpc.Network)) *cluster {
	t.Helper()
	net := rpc.MakeNetwork()
	if setup != nil {
		setup(net)
	}
	c := &cluster{
		t:           t,
		n:           n,
		net:         net,
		seed:        net.Seed(),
		peers:       make([]*raft.Raft, n),
		start:       time.Now(),
		group:       make([]int, n),
		cut:         map[[2]int]bool{},
		applied:     make([]map[int]interface{}, n),
		lastIndex:   make([]int, n),
		leaderOf:    map[int]int{},
		lastSeen:    make([]peerState, n),
		monitorStop: make(chan struct{}),
		monitorDone: make(chan struct{}),
	}
	c.rng = rand.New(rand.NewSource(c.seed ^ 0x5eed))
	t.Logf("rpc seed %d (replay the network's decisions with RPC_SEED=%d)", c.seed, c.seed)
	net.RecordEvent("test %s: %d peers", t.Name(), n)

	ends := make([][]*rpc.ClientEnd, n)
	for i := 0; i < n; i++ {
		ends[i] = make([]*rpc.ClientEnd, n)
		for j := 0; j < n; j++ {
			ends[i][j] = net.MakeEnd(endName(i, j))
			net.Connect(endName(i, j), serverName(j))
			net.Enable(endName(i, j), true)
		}
	}
	t.Cleanup(c.finish)
	for i := 0; i < n; i++ {
		c.applied[i] = map[int]interface{}{}
		applyCh := make(chan raft.ApplyCommand)
		go c.drain(i, applyCh)
		peer, ok := within(callLimit, func() *raft.Raft { return raft.NewPeer(ends[i], i, applyCh) })
		if !ok {
			c.fatalf("NewPeer(peers, %d, applyCh) did not return within %v: NewPeer must return at once and do long-running work in goroutines", i, callLimit)
		}
		c.peers[i] = peer
		srv := rpc.MakeServer()
		srv.AddService(rpc.MakeService(peer))
		net.AddServer(serverName(i), srv)
	}
	go c.monitor()
	return c
}

// within runs f in a goroutine and waits at most d for its result.
func within[T any](d time.Duration, f func() T) (T, bool) {
	done := make(chan T, 1)
	go func() { done <- f() }()
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case v := <-done:
		return v, true
	case <-timer.C:
		var zero T
		return zero, false
	}
}

// ---- failures -------------------------------------------------------------------------------

func (c *cluster) replay() string {
	return fmt.Sprintf("(rpc seed %d: rerun with RPC_SEED=%d go test -race -run '^%s$' ./raft to replay the same network decisions)", c.seed, c.seed, c.t.Name())
}

// fatalf fails the test now; only the test's goroutine may call it.
func (c *cluster) fatalf(format string, args ...interface{}) {
	c.t.Helper()
	c.mu.Lock()
	earlier := append([]string(nil), c.failures...)
	c.mu.Unlock()
	msg := fmt.Sprintf(format, args...)
	if len(earlier) > 0 {
		msg = earlier[0] + "\n(then: " + msg + ")"
	}
	c.t.Fatalf("%s\n%s", msg, c.replay())
}

// fail records a failure seen by a background goroutine; check reports it.
func (c *cluster) fail(format string, args ...interface{}) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.failures = append(c.failures, fmt.Sprintf(format, args...))
}

// failing reports whether a failure has been recorded (loops stop early: check reports it).
func (c *cluster) failing() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.failures) > 0
}

// check fails the test if a background goroutine saw a failure.
func (c *cluster) check() {
	c.t.Helper()
	c.mu.Lock()
	failures := append([]string(nil), c.failures...)
	c.mu.Unlock()
	if len(failures) == 0 {
		return
	}
	if len(failures) > 4 {
		failures = append(failures[:4], fmt.Sprintf("... and %d more", len(failures)-4))
	}
	c.t.Fatalf("%s\n%s", strings.Join(failures, "\n"), c.replay())
}

// finish stops the monitor and every peer, and reports failures seen late.
func (c *cluster) finish() {
	c.stopAll()
	c.mu.Lock()
	failures := c.failures
	c.mu.Unlock()
	if len(failures) > 0 && !c.t.Failed() {
		c.t.Errorf("%s\n%s", failures[0], c.replay())
	}
}

// stopAll stops the monitor, then calls Stop on every peer (once).
func (c *cluster) stopAll() {
	c.mu.Lock()
	if c.stopped {
		c.mu.Unlock()
		return
	}
	c.stopped = true
	c.mu.Unlock()
	close(c.monitorStop)
	<-c.monitorDone
	c.net.RecordEvent("stop every peer")
	for i, p := range c.peers {
		if p == nil {
			continue
		}
		if _, ok := within(callLimit, func() bool { p.Stop(); return true }); !ok {
			c.fail("Stop on peer %d did not return within %v", i, callLimit)
		}
	}
}

// ---- applyCh --------------------------------------------------------------------------------

// drain reads peer i's applyCh for as long as the program runs (also after Stop, so a peer is
// never stuck sending) and checks every ApplyCommand.
func (c *cluster) drain(i int, applyCh chan raft.ApplyCommand) {
	for m := range applyCh {
		c.onApply(i, m)
	}
}

// onApply enforces the applyCh contract: every committed index once, in order from 1, and the
// same command at an index on every peer.
func (c *cluster) onApply(i int, m raft.ApplyCommand) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if want := c.lastIndex[i] + 1; m.Index != want {
		what := "skipped"
		if m.Index < want {
			what = "repeated or went back"
		}
		c.failures = append(c.failures, fmt.Sprintf("peer %d sent ApplyCommand index %d on applyCh after index %d (%s): every committed index must be sent once, in order, starting at 1", i, m.Index, c.lastIndex[i], what))
	}
	for j := 0; j < c.n; j++ {
		if other, ok := c.applied[j][m.Index]; ok && j != i && other != m.Command {
			c.failures = append(c.failures, fmt.Sprintf("peers %d and %d committed different commands at index %d: %v and %v — a committed entry must never change (Log Matching, Leader Completeness)", j, i, m.Index, other, m.Command))
		}
	}
	c.applied[i][m.Index] = m.Command
	if m.Index > c.lastIndex[i] {
		c.lastIndex[i] = m.Index
	}
}

// committed returns how many peers applied index and the command there (nil if none did).
func (c *cluster) committed(index int) (int, interface{}) {
	c.mu.Lock()
	defer c.mu.Unlock()
	count := 0
	var cmd interface{}
	for i := 0; i < c.n; i++ {
		if v, ok := c.applied[i][index]; ok {
			count++
			cmd = v
		}
	}
	return count, cmd
}

// ---- GetState and the monitor ---------------------------------------------------------------

// state calls GetState on peer i and checks what it returns: its own index first, and at most
// one leader per term over the whole test.
func (c *cluster) state(i int) (peerState, bool) {
	type result struct {
		me, term int
		leader   bool
	}
	r, ok := within(callLimit, func() result {
		me, term, leader := c.peers[i].GetState()
		return result{me, term, leader}
	})
	if !ok {
		c.fail("GetState on peer %d did not return within %v: GetState must return at once (is a lock held across an RPC call or a channel send?)", i, callLimit)
		return peerState{}, false
	}
	s := peerState{term: r.term, leader: r.leader, seen: true}
	c.net.RecordState(i, r.term, r.leader)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.lastSeen[i] = s
	if r.me != i {
		c.failures = append(c.failures, fmt.Sprintf("GetState on peer %d returned me=%d: it must return the index the peer was created with first", i, r.me))
	}
	if r.leader {
		if other, ok := c.leaderOf[r.term]; ok && other != i {
			c.failures = append(c.failures, fmt.Sprintf("two leaders in term %d: peers %d and %d both said they were the leader — a peer votes at most once per term, so at most one candidate can win a term (Election Safety)", r.term, other, i))
		}
		c.leaderOf[r.term] = i
	}
	return s, true
}

// monitor polls every peer until the test stops it: the leader-per-term check and the trace
// see every change, and a peer's term must never go back.
func (c *cluster) monitor() {
	defer close(c.monitorDone)
	last := make([]int, c.n)
	ticker := time.NewTicker(monitorInterval)
	defer ticker.Stop()
	for {
		select {
		case <-c.monitorStop:
			return
		case <-ticker.C:
		}
		for i := 0; i < c.n; i++ {
			s, ok := c.state(i)
			if !ok {
				return
			}
			if s.term < last[i] {
				c.fail("peer %d's term went back from %d to %d: a peer's current term only grows", i, last[i], s.term)
			}
			last[i] = s.term
		}
	}
}

func (c *cluster) describe(among []int) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	parts := make([]string, len(among))
	for k, i := range among {
		parts[k] = fmt.Sprintf("peer %d: %v", i, c.lastSeen[i])
	}
	return strings.Join(parts, "; ")
}

// states polls the peers in among; ok is false if a GetState got stuck (check reports it).
func (c *cluster) states(among []int) ([]peerState, bool) {
	out := make([]peerState, len(among))
	for k, i := range among {
		s, ok := c.state(i)
		if !ok {
			return nil, false
		}
		out[k] = s
	}
	return out, true
}

// oneLeader reports the only leader among the peers, if there is exactly one and no peer among
// them has a newer term (an old leader that has not yet heard of the new term does not count
// as settled).
func oneLeader(among []int, s []peerState) (int, int, bool) {
	leader, term, maxTerm, leaders := -1, 0, 0, 0
	for k, st := range s {
		maxTerm = max(maxTerm, st.term)
		if st.leader {
			leaders++
			leader, term = among[k], st.term
		}
	}
	return leader, term, leaders == 1 && term == maxTerm
}

// waitStates polls the peers among until done accepts what GetState returned, failing with
// "expected <expected> within 5 s" after electionLimit.
func (c *cluster) waitStates(among []int, expected string, done func(s []peerState) bool) {
	c.t.Helper()
	deadline := time.Now().Add(electionLimit)
	for {
		s, ok := c.states(among)
		c.check()
		if ok && done(s) {
			return
		}
		if time.Now().After(deadline) {
			c.fatalf("expected %s within %v; last seen: %s", expected, electionLimit, c.describe(among))
		}
		time.Sleep(pollInterval)
	}
}

// waitLeader waits up to electionLimit for exactly one leader among the peers, with the newest
// term among them, and returns it and its term.
func (c *cluster) waitLeader(among []int) (int, int) {
	c.t.Helper()
	var leader, term int
	c.waitStates(among, fmt.Sprintf("exactly one leader among peers %v (the handout's limit for a new leader), with the newest term among them", among), func(s []peerState) bool {
		var settled bool
		leader, term, settled = oneLeader(among, s)
		return settled
	})
	return leader, term
}

// noLeader checks for d that no peer among them says it is the leader.
func (c *cluster) noLeader(among []int, d time.Duration, why string) {
	c.t.Helper()
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		s, _ := c.states(among)
		c.check()
		for k, st := range s {
			if st.leader {
				c.fatalf("peer %d says it is the leader (term %d), but %s; peers %v: %s", among[k], st.term, why, among, c.describe(among))
			}
		}
		time.Sleep(pollInterval)
	}
}

// termsAgree waits up to electionLimit until every peer among them reports the same term.
func (c *cluster) termsAgree(among []int) int {
	c.t.Helper()
	var term int
	c.waitStates(among, fmt.Sprintf("peers %v to agree on the leader's term (a follower takes it from its first heartbeat)", among), func(s []peerState) bool {
		term = s[0].term
		for _, st := range s {
			if st.term != term {
				return false
			}
		}
		return true
	})
	return term
}

// stable checks for d that leader stays the only leader among the peers and that no term
// changes: without failures the leader keeps its leadership. It returns the RPCs each peer
// received meanwhile.
func (c *cluster) stable(among []int, leader, term int, d time.Duration) []int {
	c.t.Helper()
	before := c.rpcCounts()
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		s, _ := c.states(among)
		c.check()
		for k, st := range s {
			if st.term != term || st.leader != (among[k] == leader) {
				c.fatalf("without any failure, expected peer %d to stay the only leader and every term to stay %d for %v; after %v, peer %d has %v (peers %v: %s)", leader, term, d, d-time.Until(deadline).Round(time.Millisecond), among[k], st, among, c.describe(among))
			}
		}
		time.Sleep(pollInterval)
	}
	after := c.rpcCounts()
	for i := range after {
		after[i] -= before[i]
	}
	return after
}

// checkHeartbeats checks that no peer received more RPCs in d than the heartbeat limit allows
// (plus two, for a heartbeat on each edge of the window).
func (c *cluster) checkHeartbeats(received []int, d time.Duration, why string) {
	c.t.Helper()
	limit := int(d.Seconds()*maxHeartbeatsPerSecond) + 2
	for i, got := range received {
		if got > limit {
			c.fatalf("peer %d received %d RPCs in %v %s; at most %d heartbeats per second are allowed, so at most %d: slow down the leader's heartbeats (all counts: %v)", i, got, d, why, maxHeartbeatsPerSecond, limit, received)
		}
	}
}

// ---- PutCommand and agreement ---------------------------------------------------------------

type putResult struct {
	index, term int
	leader      bool
}

// tryPut calls PutCommand on peer i; ok is false if it did not return at once (recorded).
func (c *cluster) tryPut(i int, cmd interface{}) (putResult, bool) {
	r, ok := within(callLimit, func() putResult {
		index, term, leader := c.peers[i].PutCommand(cmd)
		return putResult{index, term, leader}
	})
	if !ok {
		c.fail("PutCommand(%v) on peer %d did not return within %v: PutCommand must return at once, without waiting for the command to be committed (also when the leader cannot reach a majority)", cmd, i, callLimit)
	}
	return r, ok
}

func (c *cluster) put(i int, cmd interface{}) putResult {
	c.t.Helper()
	r, _ := c.tryPut(i, cmd)
	c.check()
	return r
}

// agree gets cmd committed by at least want peers: it puts it on whichever peer among them
// accepts it as leader, and puts it again if it is not committed within 2 s (a leader can lose
// its leadership before replicating). It returns the index, failing after agreementLimit.
func (c *cluster) agree(cmd interface{}, want int, among []int) int {
	c.t.Helper()
	index, err := c.tryAgree(cmd, want, among)
	c.check()
	if err != "" {
		c.fatalf("%s", err)
	}
	return index
}

// tryAgree is agree for any goroutine: it returns a failure message instead of failing.
func (c *cluster) tryAgree(cmd interface{}, want int, among []int) (int, string) {
	start := time.Now()
	deadline := start.Add(agreementLimit)
	lastIndex, lastCount := -1, 0
	for round := 0; time.Now().Before(deadline) && !c.failing(); round++ {
		index := -1
		// Start with a different peer each round, so a leader that was cut off and has not yet
		// heard of its successor is not asked every time.
		for k := range among {
			i := among[(round+k)%len(among)]
			r, ok := c.tryPut(i, cmd)
			if !ok {
				return -1, "PutCommand got stuck"
			}
			if r.leader {
				index = r.index
				break
			}
		}
		if index < 0 {
			time.Sleep(50 * time.Millisecond)
			continue
		}
		lastIndex = index
		retry := time.Now().Add(2 * time.Second)
		for time.Now().Before(retry) && time.Now().Before(deadline) && !c.failing() {
			count, got := c.committed(index)
			lastCount = count
			if count > 0 && got != cmd {
				break // another command took this index: put it again
			}
			if count >= want {
				return index, ""
			}
			time.Sleep(pollInterval)
		}
	}
	if c.failing() {
		return -1, "" // the recorded failure says why
	}
	return -1, fmt.Sprintf("expected command %v to be committed by at least %d peers within %v (connected: %v); the last leader put it at index %d, which %d peers committed; peers: %s", cmd, want, agreementLimit, among, lastIndex, lastCount, c.describe(allPeers(c.n)))
}

// waitCommitted waits up to d until at least want peers committed index, and returns the command.
func (c *cluster) waitCommitted(index, want int, d time.Duration) interface{} {
	c.t.Helper()
	deadline := time.Now().Add(d)
	for {
		count, cmd := c.committed(index)
		c.check()
		if count >= want {
			return cmd
		}
		if time.Now().After(deadline) {
			c.fatalf("expected index %d to be committed by at least %d peers within %v, but %d did", index, want, d, count)
		}
		time.Sleep(pollInterval)
	}
}

// ---- the network ----------------------------------------------------------------------------

func allPeers(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i
	}
	return out
}

// others returns every peer except the given ones, in order.
func (c *cluster) others(except ...int) []int {
	var out []int
	for i := 0; i < c.n; i++ {
		skip := false
		for _, e := range except {
			skip = skip || e == i
		}
		if !skip {
			out = append(out, i)
		}
	}
	return out
}

// applyLinks enables exactly the ends between peers of one group, minus the cut ones. A peer cut
// off from everyone cannot even call itself, as in the course's tester.
func (c *cluster) applyLinks() {
	for i := 0; i < c.n; i++ {
		for j := 0; j < c.n; j++ {
			on := c.group[i] >= 0 && c.group[i] == c.group[j] && !c.cut[[2]int{i, j}]
			c.net.Enable(endName(i, j), on)
		}
	}
}

// partition splits the peers into the given groups; peers in none are cut off from everyone.
func (c *cluster) partition(groups ...[]int) {
	c.mu.Lock()
	for i := range c.group {
		c.group[i] = -1
	}
	for g, members := range groups {
		for _, i := range members {
			c.group[i] = g
		}
	}
	c.applyLinks()
	c.mu.Unlock()
	c.net.RecordEvent("partition %v", groups)
}

// disconnect cuts peer i off from everyone.
func (c *cluster) disconnect(i int) {
	c.mu.Lock()
	c.group[i] = -1
	c.applyLinks()
	c.mu.Unlock()
	c.net.RecordEvent("disconnect %d", i)
}

// connect puts peer i back into group 0.
func (c *cluster) connect(i int) {
	c.mu.Lock()
	c.group[i] = 0
	c.applyLinks()
	c.mu.Unlock()
	c.net.RecordEvent("connect %d", i)
}

// cutEnd disables the end from->to only: from can no longer call to, the other way still works.
func (c *cluster) cutEnd(from, to int) {
	c.mu.Lock()
	c.cut[[2]int{from, to}] = true
	c.applyLinks()
	c.mu.Unlock()
	c.net.RecordEvent("cut %s", endName(from, to))
}

// heal connects every peer to every other.
func (c *cluster) heal() {
	c.mu.Lock()
	for i := range c.group {
		c.group[i] = 0
	}
	c.cut = map[[2]int]bool{}
	c.applyLinks()
	c.mu.Unlock()
	c.net.RecordEvent("heal")
}

func (c *cluster) rpcCounts() []int {
	out := make([]int, c.n)
	for i := range out {
		out[i] = c.net.GetCount(serverName(i))
	}
	return out
}

func sum(xs []int) int {
	s := 0
	for _, x := range xs {
		s += x
	}
	return s
}

// ---- goroutines -----------------------------------------------------------------------------

// raftGoroutines returns the goroutines running code of package raft (the submission), each as
// its first lines, skipping those whose ids are in ignore.
func raftGoroutines(ignore map[string]bool) map[string]string {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	out := map[string]string{}
	for _, g := range strings.Split(string(buf), "\n\n") {
		lines := strings.Split(g, "\n")
		if len(lines) == 0 || !strings.HasPrefix(lines[0], "goroutine ") {
			continue
		}
		id := strings.Fields(lines[0])[1]
		if ignore[id] {
			continue
		}
		ours := false
		for _, l := range lines[1:] {
			l = strings.TrimPrefix(l, "created by ")
			if strings.HasPrefix(l, "github.com/cmu440/raft.") {
				ours = true
				break
			}
		}
		if ours {
			out[id] = strings.Join(lines[:min(len(lines), 9)], "\n")
		}
	}
	return out
}

func goroutineIDs(gs map[string]string) map[string]bool {
	ids := map[string]bool{}
	for id := range gs {
		ids[id] = true
	}
	return ids
}

func sortedStacks(gs map[string]string) []string {
	out := make([]string, 0, len(gs))
	for _, s := range gs {
		out = append(out, s)
	}
	sort.Strings(out)
	return out
}
