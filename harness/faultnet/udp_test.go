package faultnet

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"testing"
	"time"
)

func TestUDPForwardsAndRelaysReplies(t *testing.T) {
	p := newProxy(t, 1, nil)
	srv := newUDPServer(t, true)
	info := addLink(t, p, "a->b", "udp", "a", "b", srv.addr())
	c := dialUDP(t, info.Listen)
	buf := make([]byte, 100)
	for i := 0; i < 5; i++ {
		msg := []byte(fmt.Sprintf("hello %d", i))
		if _, err := c.Write(msg); err != nil {
			t.Fatal(err)
		}
		c.SetReadDeadline(time.Now().Add(2 * time.Second))
		n, err := c.Read(buf)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(buf[:n], msg) {
			t.Fatalf("echo = %q, want %q", buf[:n], msg)
		}
	}
	// A datagram is counted once its write returned, which may be after the
	// client already read it: wait for the count instead of racing it.
	waitFor(t, 2*time.Second, "5/5 forwarded", func() bool {
		st := stats(t, p, "a->b")
		return st.Forward.Forwarded >= 5 && st.Reverse.Forwarded >= 5
	})
	if st := stats(t, p, "a->b"); st.Forward.Forwarded != 5 || st.Reverse.Forwarded != 5 {
		t.Fatalf("forwarded = %d/%d, want 5/5", st.Forward.Forwarded, st.Reverse.Forwarded)
	}
}

func TestUDPSessionsPerClient(t *testing.T) {
	p := newProxy(t, 1, nil)
	srv := newUDPServer(t, true)
	info := addLink(t, p, "a->b", "udp", "a", "b", srv.addr())
	c1, c2 := dialUDP(t, info.Listen), dialUDP(t, info.Listen)
	c1.Write([]byte("one"))
	c2.Write([]byte("two"))
	for _, tc := range []struct {
		c    interface{ Read([]byte) (int, error) }
		want string
	}{{c1, "one"}, {c2, "two"}} {
		buf := make([]byte, 10)
		tc.c.(interface{ SetReadDeadline(time.Time) error }).SetReadDeadline(time.Now().Add(2 * time.Second))
		n, err := tc.c.Read(buf)
		if err != nil || string(buf[:n]) != tc.want {
			t.Fatalf("reply = %q, %v; want %q", buf[:n], err, tc.want)
		}
	}
	a, b := <-srv.ch, <-srv.ch
	_, _ = a, b
}

func TestUDPDropRate(t *testing.T) {
	p := newProxy(t, 7, nil)
	srv := newUDPServer(t, false)
	info := addLink(t, p, "a->b", "udp", "a", "b", srv.addr())
	setFaults(t, p, "a->b", SelForward, Faults{Drop: 0.3})
	c := dialUDP(t, info.Listen)
	const n = 10000
	msg := make([]byte, 64)
	sendPaced(t, p, "a->b", c, n, func(int) []byte { return msg })
	st := stats(t, p, "a->b").Forward
	rate := float64(st.Dropped) / n
	if rate < 0.27 || rate > 0.33 {
		t.Fatalf("drop rate = %.4f, want within [0.27, 0.33]", rate)
	}
	if st.Dropped+st.Forwarded != n {
		t.Fatalf("dropped %d + forwarded %d != %d", st.Dropped, st.Forwarded, n)
	}
	t.Logf("dropped %d of %d (%.2f%%)", st.Dropped, n, rate*100)
}

func TestUDPDuplicate(t *testing.T) {
	p := newProxy(t, 3, nil)
	srv := newUDPServer(t, false)
	info := addLink(t, p, "a->b", "udp", "a", "b", srv.addr())
	setFaults(t, p, "a->b", SelForward, Faults{Duplicate: 1})
	c := dialUDP(t, info.Listen)
	c.Write([]byte("x"))
	for i := 0; i < 2; i++ {
		if got := srv.recv(t, 2*time.Second); string(got.data) != "x" {
			t.Fatalf("copy %d = %q", i, got.data)
		}
	}
	srv.expectNone(t, 50*time.Millisecond)

	setFaults(t, p, "a->b", SelForward, Faults{Duplicate: 0.2})
	const n = 2000
	sendPaced(t, p, "a->b", c, n, func(int) []byte { return []byte("y") })
	rate := float64(stats(t, p, "a->b").Forward.Duplicated-1) / n
	if rate < 0.17 || rate > 0.23 {
		t.Fatalf("duplicate rate = %.3f, want about 0.2", rate)
	}
}

func TestUDPDelayBounds(t *testing.T) {
	var trace syncBuffer
	p := newProxy(t, 5, &trace)
	srv := newUDPServer(t, false)
	info := addLink(t, p, "a->b", "udp", "a", "b", srv.addr())
	setFaults(t, p, "a->b", SelForward, Faults{DelayMs: 50, JitterMs: 10})
	c := dialUDP(t, info.Listen)
	const n = 20
	sent := make([]time.Time, n)
	for i := 0; i < n; i++ {
		sent[i] = time.Now()
		c.Write(binary.BigEndian.AppendUint32(nil, uint32(i)))
		time.Sleep(2 * time.Millisecond)
	}
	minD := time.Hour
	for i := 0; i < n; i++ {
		pk := srv.recv(t, 2*time.Second)
		minD = min(minD, pk.at.Sub(sent[binary.BigEndian.Uint32(pk.data)]))
	}
	// Observed: never early — no datagram arrives before delay - jitter. How late it may arrive
	// depends on the machine's load (timing claims live in the benchmarks), so the upper bound
	// is checked on the delays the proxy chose, which the trace records.
	if minD < 40*time.Millisecond {
		t.Fatalf("a datagram arrived after %v, before the minimum delay of 40ms", minD)
	}
	if _, err := p.FlushTrace(); err != nil {
		t.Fatal(err)
	}
	chosen := 0
	for _, r := range parseTrace(t, trace.String()) {
		if r.Action != "delay" {
			continue
		}
		chosen++
		if r.DelayMs == nil || *r.DelayMs < 40 || *r.DelayMs > 60 {
			t.Fatalf("trace record %+v: chosen delay outside [40, 60] ms", r)
		}
	}
	if chosen != n {
		t.Fatalf("%d delay decisions in the trace, want %d", chosen, n)
	}
	t.Logf("observed delays from %v; %d chosen delays all in [40, 60] ms", minD, chosen)
}

func TestUDPReorderReleasesAfterLaterDatagram(t *testing.T) {
	p := newProxy(t, 5, nil)
	srv := newUDPServer(t, false)
	info := addLink(t, p, "a->b", "udp", "a", "b", srv.addr())
	setFaults(t, p, "a->b", SelForward, Faults{Reorder: 1, ReorderHoldMs: 5000})
	c := dialUDP(t, info.Listen)
	for i := 0; i < 4; i++ {
		c.Write([]byte{byte(i)})
		waitFor(t, 2*time.Second, "proxy to receive", func() bool {
			return stats(t, p, "a->b").Forward.Received == uint64(i+1)
		})
	}
	var got []byte
	for i := 0; i < 4; i++ {
		got = append(got, srv.recv(t, 2*time.Second).data...)
	}
	// 0 is held, 1 goes and releases 0; 2 is held, 3 goes and releases 2.
	if !bytes.Equal(got, []byte{1, 0, 3, 2}) {
		t.Fatalf("order = %v, want [1 0 3 2]", got)
	}
}

func TestUDPReorderHoldExpires(t *testing.T) {
	p := newProxy(t, 5, nil)
	srv := newUDPServer(t, false)
	info := addLink(t, p, "a->b", "udp", "a", "b", srv.addr())
	setFaults(t, p, "a->b", SelForward, Faults{Reorder: 1, ReorderHoldMs: 40})
	c := dialUDP(t, info.Listen)
	start := time.Now()
	c.Write([]byte("lonely"))
	pk := srv.recv(t, 2*time.Second)
	// Never before the hold ends; the generous upper bound only catches a hold that never expires
	// (how late it may be depends on the machine's load).
	if d := pk.at.Sub(start); d < 40*time.Millisecond || d > time.Second {
		t.Fatalf("held datagram released after %v, want about 40ms", d)
	}
}

func TestUDPPayloadFaults(t *testing.T) {
	orig := []byte("the quick brown fox jumps over the lazy dog")
	cases := []struct {
		name  string
		f     Faults
		check func(got []byte) error
	}{
		{"corrupt", Faults{Corrupt: 1}, func(got []byte) error {
			if len(got) != len(orig) {
				return fmt.Errorf("length changed to %d", len(got))
			}
			diff := 0
			for i := range got {
				if got[i] != orig[i] {
					diff++
				}
			}
			if diff != 1 {
				return fmt.Errorf("%d bytes differ, want exactly 1", diff)
			}
			return nil
		}},
		{"truncate", Faults{Truncate: 1}, func(got []byte) error {
			if len(got) >= len(orig) || !bytes.HasPrefix(orig, got) {
				return fmt.Errorf("%q is not a strict prefix", got)
			}
			return nil
		}},
		{"lengthen", Faults{Lengthen: 1}, func(got []byte) error {
			extra := len(got) - len(orig)
			if extra < 1 || extra > maxLengthenBy || !bytes.HasPrefix(got, orig) {
				return fmt.Errorf("got %d extra bytes (want 1..%d after the original)", extra, maxLengthenBy)
			}
			return nil
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := newProxy(t, 11, nil)
			srv := newUDPServer(t, false)
			info := addLink(t, p, "a->b", "udp", "a", "b", srv.addr())
			setFaults(t, p, "a->b", SelForward, tc.f)
			c := dialUDP(t, info.Listen)
			for i := 0; i < 20; i++ {
				c.Write(orig)
				if err := tc.check(srv.recv(t, 2*time.Second).data); err != nil {
					t.Fatalf("datagram %d: %v", i, err)
				}
			}
		})
	}
}

func TestUDPBandwidth(t *testing.T) {
	p := newProxy(t, 1, nil)
	srv := newUDPServer(t, false)
	info := addLink(t, p, "a->b", "udp", "a", "b", srv.addr())
	const rate = 100_000
	setFaults(t, p, "a->b", SelForward, Faults{BandwidthBps: rate})
	c := dialUDP(t, info.Listen)
	const n, size = 50, 1000
	msg := make([]byte, size)
	sendPaced(t, p, "a->b", c, n, func(int) []byte { return msg })
	first := srv.recv(t, 2*time.Second).at
	var last time.Time
	for i := 1; i < n; i++ {
		last = srv.recv(t, 3*time.Second).at
	}
	// n-1 datagrams are serialized after the first one leaves.
	got := float64((n-1)*size) / last.Sub(first).Seconds()
	// Never faster than the limit; slower only by what a loaded machine's scheduling adds (the
	// accuracy itself is measured by `npm run bench proxy`, not asserted here).
	if got < rate*0.4 || got > rate*1.2 {
		t.Fatalf("rate = %.0f B/s, want at most %d (+20%%) and not far below", got, rate)
	}
	t.Logf("measured %.0f B/s", got)
}

func TestUDPReverseDirectionFaults(t *testing.T) {
	p := newProxy(t, 1, nil)
	srv := newUDPServer(t, true)
	info := addLink(t, p, "a->b", "udp", "a", "b", srv.addr())
	setFaults(t, p, "a->b", SelReverse, Faults{Drop: 1})
	c := dialUDP(t, info.Listen)
	c.Write([]byte("ping"))
	srv.recv(t, 2*time.Second) // the request gets through
	c.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
	if _, err := c.Read(make([]byte, 10)); err == nil {
		t.Fatal("reply got through a reverse drop of 1")
	}
	st := stats(t, p, "a->b")
	if st.Forward.Forwarded != 1 || st.Reverse.Dropped != 1 {
		t.Fatalf("stats forward %+v reverse %+v", st.Forward, st.Reverse)
	}
}

func TestRuleChangeKeepsQueuedDatagrams(t *testing.T) {
	p := newProxy(t, 1, nil)
	srv := newUDPServer(t, false)
	info := addLink(t, p, "a->b", "udp", "a", "b", srv.addr())
	setFaults(t, p, "a->b", SelForward, Faults{DelayMs: 150})
	c := dialUDP(t, info.Listen)
	start := time.Now()
	for i := 0; i < 5; i++ {
		c.Write([]byte{'q', byte(i)})
	}
	waitFor(t, 2*time.Second, "5 queued", func() bool { return stats(t, p, "a->b").Forward.Delayed == 5 })
	// Dropping everything from now on must not touch the queued datagrams.
	setFaults(t, p, "a->b", SelForward, Faults{Drop: 1})
	c.Write([]byte("dropped"))
	waitFor(t, 2*time.Second, "drop", func() bool { return stats(t, p, "a->b").Forward.Dropped == 1 })
	setFaults(t, p, "a->b", SelForward, Faults{})
	c.Write([]byte("fast"))
	// Which arrives first depends on whether the steps above took less than the 150 ms delay, so
	// only what the rules decide is asserted: every queued datagram keeps its delay, the one sent
	// under the cleared rules is not queued, the dropped one never arrives.
	queued := 0
	for i := 0; i < 6; i++ {
		pk := srv.recv(t, 2*time.Second)
		switch {
		case string(pk.data) == "fast":
		case len(pk.data) == 2 && pk.data[0] == 'q':
			queued++
			if d := pk.at.Sub(start); d < 150*time.Millisecond {
				t.Fatalf("queued datagram %q arrived after %v, want >= 150ms", pk.data, d)
			}
		default:
			t.Fatalf("unexpected datagram %q", pk.data)
		}
	}
	if queued != 5 {
		t.Fatalf("%d queued datagrams arrived, want 5", queued)
	}
	if st := stats(t, p, "a->b").Forward; st.Delayed != 5 || st.Dropped != 1 {
		t.Fatalf("stats %+v: want 5 delayed (not the last datagram) and 1 dropped", st)
	}
	srv.expectNone(t, 30*time.Millisecond)
}
