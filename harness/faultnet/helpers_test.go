package faultnet

import (
	"bytes"
	"encoding/json"
	"net"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a goroutine-safe bytes.Buffer for trace output.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func newProxy(t *testing.T, seed uint64, trace *syncBuffer) *Proxy {
	t.Helper()
	cfg := Config{Seed: seed}
	if trace != nil {
		cfg.Trace = trace
	}
	p := New(cfg)
	t.Cleanup(func() { p.Close() })
	return p
}

// packet is a datagram received by a udpServer.
type packet struct {
	data []byte
	at   time.Time
}

// udpServer is a UDP target that records what it receives and optionally
// echoes it back.
type udpServer struct {
	conn *net.UDPConn
	echo bool
	ch   chan packet
}

func newUDPServer(t *testing.T, echo bool) *udpServer {
	t.Helper()
	c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	_ = c.SetReadBuffer(4 << 20)
	s := &udpServer{conn: c, echo: echo, ch: make(chan packet, 100000)}
	go func() {
		buf := make([]byte, 70000)
		for {
			n, from, err := c.ReadFromUDPAddrPort(buf)
			if err != nil {
				return
			}
			at := time.Now()
			if echo {
				_, _ = c.WriteToUDPAddrPort(buf[:n], from)
			}
			s.ch <- packet{data: append([]byte(nil), buf[:n]...), at: at}
		}
	}()
	t.Cleanup(func() { c.Close() })
	return s
}

func (s *udpServer) addr() string { return s.conn.LocalAddr().String() }

// recv returns the next packet or fails after timeout.
func (s *udpServer) recv(t *testing.T, timeout time.Duration) packet {
	t.Helper()
	select {
	case p := <-s.ch:
		return p
	case <-time.After(timeout):
		t.Fatalf("no datagram within %v", timeout)
		return packet{}
	}
}

// expectNone fails if a packet arrives within d.
func (s *udpServer) expectNone(t *testing.T, d time.Duration) {
	t.Helper()
	select {
	case p := <-s.ch:
		t.Fatalf("unexpected datagram %q", p.data)
	case <-time.After(d):
	}
}

func dialUDP(t *testing.T, addr string) *net.UDPConn {
	t.Helper()
	ra, err := net.ResolveUDPAddr("udp", addr)
	if err != nil {
		t.Fatal(err)
	}
	c, err := net.DialUDP("udp", nil, ra)
	if err != nil {
		t.Fatal(err)
	}
	_ = c.SetReadBuffer(4 << 20)
	t.Cleanup(func() { c.Close() })
	return c
}

func addLink(t *testing.T, p *Proxy, name, proto, from, to, target string) LinkInfo {
	t.Helper()
	info, err := p.AddLink(LinkSpec{Name: name, Proto: proto, From: from, To: to, Target: target})
	if err != nil {
		t.Fatal(err)
	}
	return info
}

func setFaults(t *testing.T, p *Proxy, link string, sel DirSel, f Faults) {
	t.Helper()
	if _, err := p.SetFaults(link, sel, f); err != nil {
		t.Fatal(err)
	}
}

func stats(t *testing.T, p *Proxy, link string) LinkStats {
	t.Helper()
	st, err := p.Stats(link)
	if err != nil {
		t.Fatal(err)
	}
	return st[0]
}

// waitFor polls cond until it holds or fails the test after timeout.
func waitFor(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// sendPaced sends n datagrams from c, waiting for the proxy to have
// received each batch so the kernel never drops datagrams for lack of
// socket buffer (that would make counts depend on the machine's load).
func sendPaced(t *testing.T, p *Proxy, link string, c *net.UDPConn, n int, payload func(i int) []byte) {
	t.Helper()
	const batch = 100
	base := stats(t, p, link).Forward.Received
	for i := 0; i < n; i++ {
		if _, err := c.Write(payload(i)); err != nil {
			t.Fatal(err)
		}
		if (i+1)%batch == 0 || i == n-1 {
			want := base + uint64(i+1)
			waitFor(t, 5*time.Second, "proxy to receive datagrams", func() bool {
				return stats(t, p, link).Forward.Received >= want
			})
		}
	}
}

// traceRecord is one decoded trace line.
type traceRecord struct {
	T       int64    `json:"t"`
	Link    string   `json:"link"`
	Dir     string   `json:"dir"`
	Seq     uint64   `json:"seq"`
	Size    int      `json:"size"`
	Action  string   `json:"action"`
	DelayMs *float64 `json:"delayMs"`
}

func parseTrace(t *testing.T, s string) []traceRecord {
	t.Helper()
	var out []traceRecord
	for _, line := range strings.Split(strings.TrimSpace(s), "\n") {
		if line == "" {
			continue
		}
		var r traceRecord
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("bad trace line %q: %v", line, err)
		}
		out = append(out, r)
	}
	return out
}
