package faultnet

import (
	"io"
	"reflect"
	"sort"
	"sync/atomic"
	"testing"
	"time"
)

func pairs(g map[pair]bool) []string {
	var out []string
	for p := range g {
		out = append(out, p.from+">"+p.to)
	}
	sort.Strings(out)
	return out
}

func TestGrudgeShapes(t *testing.T) {
	five := []string{"n1", "n2", "n3", "n4", "n5"}
	cases := []struct {
		name string
		spec PartitionSpec
		want []string
	}{
		{"isolate", PartitionSpec{Shape: "isolate", Nodes: []string{"a", "b", "c"}, Node: "b"},
			[]string{"a>b", "b>a", "b>c", "c>b"}},
		{"isolate one way", PartitionSpec{Shape: "isolate", Nodes: []string{"a", "b", "c"}, Node: "b", OneWay: true},
			[]string{"b>a", "b>c"}},
		{"halves", PartitionSpec{Shape: "halves", Nodes: []string{"a", "b", "c"}},
			[]string{"a>b", "a>c", "b>a", "c>a"}},
		{"halves one way", PartitionSpec{Shape: "halves", Nodes: []string{"a", "b", "c", "d"}, OneWay: true},
			[]string{"a>c", "a>d", "b>c", "b>d"}},
		{"bridge", PartitionSpec{Shape: "bridge", Nodes: five},
			[]string{"n1>n4", "n1>n5", "n2>n4", "n2>n5", "n4>n1", "n4>n2", "n5>n1", "n5>n2"}},
		{"groups", PartitionSpec{Shape: "groups", Groups: [][]string{{"a"}, {"b", "c"}, {"d"}}, OneWay: true},
			[]string{"a>b", "a>c", "a>d", "b>d", "c>d"}},
		{"majoritiesRing", PartitionSpec{Shape: "majoritiesRing", Nodes: five},
			// Each node hears itself and its two ring neighbours.
			[]string{"n1>n3", "n1>n4", "n2>n4", "n2>n5", "n3>n1", "n3>n5", "n4>n1", "n4>n2", "n5>n2", "n5>n3"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			g, err := grudgeFor(tc.spec)
			if err != nil {
				t.Fatal(err)
			}
			if got := pairs(g); !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("blocked = %v\nwant      %v", got, tc.want)
			}
		})
	}
}

func TestMajoritiesRingEveryNodeSeesAMajority(t *testing.T) {
	for n := 3; n <= 9; n++ {
		nodes := make([]string, n)
		for i := range nodes {
			nodes[i] = string(rune('a' + i))
		}
		g := majoritiesRing(nodes)
		for _, recv := range nodes {
			heard := 0
			for _, from := range nodes {
				if !g[pair{from, recv}] {
					heard++
				}
			}
			if heard != n/2+1 {
				t.Fatalf("n=%d: %s hears %d nodes, want a bare majority %d", n, recv, heard, n/2+1)
			}
		}
	}
}

func TestGrudgeValidation(t *testing.T) {
	bad := []PartitionSpec{
		{Shape: "nope", Nodes: []string{"a", "b"}},
		{Shape: "isolate", Nodes: []string{"a", "b"}, Node: "z"},
		{Shape: "halves", Nodes: []string{"a"}},
		{Shape: "halves", Nodes: []string{"a", "a"}},
		{Shape: "bridge", Nodes: []string{"a", "b"}},
		{Shape: "majoritiesRing", Nodes: []string{"a", "b", "c"}, OneWay: true},
		{Shape: "groups", Groups: [][]string{{"a"}}},
		{Shape: "groups", Groups: [][]string{{"a"}, {"a"}}},
		{Shape: "groups", Groups: [][]string{{"a"}, {"b"}}, Nodes: []string{"a", "b", "c"}},
		{Shape: "halves", Nodes: []string{"a", "b"}, TCP: "explode"},
	}
	for _, spec := range bad {
		if _, err := grudgeFor(spec); err == nil {
			t.Errorf("%+v: accepted, want an error", spec)
		} else if e, ok := err.(*Error); !ok || e.Code != CodeInvalid {
			t.Errorf("%+v: error %v, want code %s", spec, err, CodeInvalid)
		}
	}
}

func TestUDPPartitionOneWayAndHeal(t *testing.T) {
	p := newProxy(t, 1, nil)
	toB, toA := newUDPServer(t, false), newUDPServer(t, false)
	ab := addLink(t, p, "a->b", "udp", "a", "b", toB.addr())
	ba := addLink(t, p, "b->a", "udp", "b", "a", toA.addr())
	ca, cb := dialUDP(t, ab.Listen), dialUDP(t, ba.Listen)

	// One way: a's messages are lost, b's still arrive.
	res, err := p.Partition(PartitionSpec{Shape: "isolate", Nodes: []string{"a", "b"}, Node: "a", OneWay: true})
	if err != nil {
		t.Fatal(err)
	}
	if res.Directions != 2 { // a->b forward and b->a reverse
		t.Fatalf("blocked directions = %d, want 2", res.Directions)
	}
	ca.Write([]byte("from a"))
	cb.Write([]byte("from b"))
	if pk := toA.recv(t, time.Second); string(pk.data) != "from b" {
		t.Fatalf("got %q", pk.data)
	}
	toB.expectNone(t, 50*time.Millisecond)

	// Both ways.
	if _, err := p.Partition(PartitionSpec{Shape: "halves", Nodes: []string{"a", "b"}}); err != nil {
		t.Fatal(err)
	}
	ca.Write([]byte("from a"))
	cb.Write([]byte("from b"))
	toA.expectNone(t, 50*time.Millisecond)
	toB.expectNone(t, 0)

	if n := p.Heal().Directions; n != 4 {
		t.Fatalf("heal unblocked %d directions, want 4", n)
	}
	ca.Write([]byte("healed"))
	if pk := toB.recv(t, time.Second); string(pk.data) != "healed" {
		t.Fatalf("got %q", pk.data)
	}
	if st := stats(t, p, "a->b").Forward; st.Blocked != 2 || st.Partitioned {
		t.Fatalf("a->b forward stats %+v, want 2 blocked and not partitioned", st)
	}
}

func TestPartitionAppliesToLinksAddedLater(t *testing.T) {
	p := newProxy(t, 1, nil)
	if _, err := p.Partition(PartitionSpec{Shape: "isolate", Nodes: []string{"a", "b"}, Node: "a"}); err != nil {
		t.Fatal(err)
	}
	srv := newUDPServer(t, false)
	info := addLink(t, p, "a->b", "udp", "a", "b", srv.addr())
	dialUDP(t, info.Listen).Write([]byte("x"))
	srv.expectNone(t, 50*time.Millisecond)
}

func TestTCPPartitionStallsThenHeals(t *testing.T) {
	p := newProxy(t, 1, nil)
	info := addLink(t, p, "a->b", "tcp", "a", "b", newTCPEcho(t))
	c := dialTCP(t, info.Listen)
	roundTrip(t, c, "before")
	// Only b->a is blocked: the request reaches the echo server, the reply is held.
	if _, err := p.Partition(PartitionSpec{Shape: "groups", Groups: [][]string{{"b"}, {"a"}}, OneWay: true}); err != nil {
		t.Fatal(err)
	}
	c.Write([]byte("during"))
	c.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
	if _, err := c.Read(make([]byte, 10)); !isTimeout(err) {
		t.Fatalf("read during partition: %v, want timeout", err)
	}
	p.Heal()
	c.SetReadDeadline(time.Now().Add(2 * time.Second))
	got := make([]byte, 6)
	if _, err := io.ReadFull(c, got); err != nil || string(got) != "during" {
		t.Fatalf("after heal: %q, %v", got, err)
	}
}

func TestTCPPartitionReset(t *testing.T) {
	p := newProxy(t, 1, nil)
	info := addLink(t, p, "a->b", "tcp", "a", "b", newTCPEcho(t))
	c := dialTCP(t, info.Listen)
	roundTrip(t, c, "x")
	if _, err := p.Partition(PartitionSpec{Shape: "halves", Nodes: []string{"a", "b"}, TCP: "reset"}); err != nil {
		t.Fatal(err)
	}
	expectReset(t, c)
	dialExpectReset(t, info.Listen)
	p.Heal()
	roundTrip(t, dialTCP(t, info.Listen), "ok")
}

// A partition is in force when Partition returns: while a flood is being
// forwarded, no message passes a blocked direction after the returned AtNs
// (the data path decides under dirState.gate), and the unblocked direction
// keeps flowing.
func TestPartitionInForceWhenAcknowledged(t *testing.T) {
	var trace syncBuffer
	p := newProxy(t, 1, &trace)
	srv := newUDPServer(t, true)
	info := addLink(t, p, "a->b", "udp", "a", "b", srv.addr())
	c := dialUDP(t, info.Listen)
	var stop atomic.Bool
	done := make(chan struct{})
	go func() {
		defer close(done)
		msg := make([]byte, 32)
		for !stop.Load() {
			c.Write(msg)
		}
	}()
	stopFlood := func() {
		if !stop.Swap(true) {
			<-done
		}
	}
	defer stopFlood()
	waitFor(t, 5*time.Second, "traffic through the link", func() bool { return stats(t, p, "a->b").Forward.Forwarded > 100 })
	type window struct{ from, to int64 }
	var windows []window
	for i := 0; i < 20; i++ {
		res, err := p.Partition(PartitionSpec{Shape: "isolate", Nodes: []string{"a", "b"}, Node: "a", OneWay: true})
		if err != nil {
			t.Fatal(err)
		}
		time.Sleep(2 * time.Millisecond)
		if st := stats(t, p, "a->b").Forward; st.LastSentNs > res.AtNs {
			t.Fatalf("round %d: a message passed the blocked direction at %d ns, after the partition took effect at %d ns", i, st.LastSentNs, res.AtNs)
		}
		h := p.Heal()
		windows = append(windows, window{res.AtNs, h.AtNs})
		waitFor(t, 5*time.Second, "traffic after heal", func() bool { return stats(t, p, "a->b").Forward.LastSentNs > h.AtNs })
	}
	stopFlood()
	if _, err := p.FlushTrace(); err != nil {
		t.Fatal(err)
	}
	// The trace agrees: no forward decision inside a partition window (trace
	// times are whole µs, cut down from the ns stamp).
	for _, r := range parseTrace(t, trace.String()) {
		if r.Dir != "forward" || r.Action != "forward" {
			continue
		}
		for _, w := range windows {
			if r.T*1000 > w.from && (r.T+1)*1000 <= w.to {
				t.Fatalf("trace: forward of message %d at %d µs, inside the partition [%d, %d] ns", r.Seq, r.T, w.from, w.to)
			}
		}
	}
}

// A partition also stops datagrams the proxy already holds: a datagram
// queued for its delay before the partition is discarded when it falls due
// (traced as block), and the heal lets new traffic through.
func TestPartitionStopsQueuedDatagrams(t *testing.T) {
	var trace syncBuffer
	p := newProxy(t, 1, &trace)
	srv := newUDPServer(t, false)
	info := addLink(t, p, "a->b", "udp", "a", "b", srv.addr())
	setFaults(t, p, "a->b", SelForward, Faults{DelayMs: 150})
	c := dialUDP(t, info.Listen)
	for i := 0; i < 3; i++ {
		c.Write([]byte("queued"))
	}
	waitFor(t, 5*time.Second, "three delayed datagrams", func() bool { return stats(t, p, "a->b").Forward.Delayed == 3 })
	res, err := p.Partition(PartitionSpec{Shape: "isolate", Nodes: []string{"a", "b"}, Node: "b"})
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, "the queued datagrams to fall due", func() bool { return stats(t, p, "a->b").Forward.Blocked == 3 })
	srv.expectNone(t, 20*time.Millisecond)
	if st := stats(t, p, "a->b").Forward; st.Forwarded != 0 || st.LastSentNs != 0 {
		t.Fatalf("stats %+v: nothing may pass a partition in force since %d ns", st, res.AtNs)
	}
	p.FlushTrace()
	var actions []string
	for _, r := range parseTrace(t, trace.String()) {
		if r.Seq == 0 {
			actions = append(actions, r.Action)
		}
	}
	if !reflect.DeepEqual(actions, []string{"delay", "block"}) {
		t.Fatalf("trace of message 0: %v, want [delay block]", actions)
	}
	h := p.Heal()
	c.Write([]byte("after"))
	if pk := srv.recv(t, 2*time.Second); string(pk.data) != "after" {
		t.Fatalf("after heal: %q", pk.data)
	}
	if st := stats(t, p, "a->b").Forward; st.LastSentNs <= h.AtNs {
		t.Fatalf("lastSentNs %d, want after the heal at %d", st.LastSentNs, h.AtNs)
	}
}

// TCP bytes the proxy holds for a delay stay held by a partition that comes
// into force meanwhile, and flow, in order, after the heal.
func TestTCPPartitionHoldsDelayedChunks(t *testing.T) {
	p := newProxy(t, 1, nil)
	info := addLink(t, p, "a->b", "tcp", "a", "b", newTCPEcho(t))
	c := dialTCP(t, info.Listen)
	roundTrip(t, c, "before")
	setFaults(t, p, "a->b", SelReverse, Faults{DelayMs: 100})
	c.Write([]byte("held"))
	waitFor(t, 5*time.Second, "the reply to be queued", func() bool { return stats(t, p, "a->b").Reverse.Delayed == 1 })
	res, err := p.Partition(PartitionSpec{Shape: "halves", Nodes: []string{"a", "b"}})
	if err != nil {
		t.Fatal(err)
	}
	c.SetReadDeadline(time.Now().Add(250 * time.Millisecond))
	if n, err := c.Read(make([]byte, 10)); !isTimeout(err) {
		t.Fatalf("read %d bytes, %v during the partition; want a timeout", n, err)
	}
	if st := stats(t, p, "a->b").Reverse; st.LastSentNs > res.AtNs {
		t.Fatalf("reverse lastSentNs %d after the partition took effect at %d", st.LastSentNs, res.AtNs)
	}
	h := p.Heal()
	c.SetReadDeadline(time.Now().Add(2 * time.Second))
	got := make([]byte, 4)
	if _, err := io.ReadFull(c, got); err != nil || string(got) != "held" {
		t.Fatalf("after heal: %q, %v", got, err)
	}
	if st := stats(t, p, "a->b").Reverse; st.LastSentNs <= h.AtNs {
		t.Fatalf("reverse lastSentNs %d, want after the heal at %d", st.LastSentNs, h.AtNs)
	}
}
