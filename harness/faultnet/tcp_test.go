package faultnet

import (
	"bytes"
	"errors"
	"io"
	"net"
	"syscall"
	"testing"
	"time"
)

// newTCPEcho starts a TCP server that echoes every connection.
func newTCPEcho(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				io.Copy(c, c)
			}()
		}
	}()
	return ln.Addr().String()
}

func dialTCP(t *testing.T, addr string) *net.TCPConn {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c.(*net.TCPConn)
}

func TestTCPEcho(t *testing.T) {
	p := newProxy(t, 1, nil)
	info := addLink(t, p, "a->b", "tcp", "a", "b", newTCPEcho(t))
	c := dialTCP(t, info.Listen)
	msg := bytes.Repeat([]byte("0123456789"), 100_000)
	go c.Write(msg)
	got := make([]byte, len(msg))
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.ReadFull(c, got); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, msg) {
		t.Fatal("echoed stream differs")
	}
	// Half-close travels through the proxy: the echo server sees EOF, closes,
	// and the client sees EOF after all data.
	c.CloseWrite()
	if n, err := c.Read(make([]byte, 1)); n != 0 || err != io.EOF {
		t.Fatalf("after CloseWrite: read %d, %v; want EOF", n, err)
	}
}

func TestTCPDelayKeepsOrder(t *testing.T) {
	p := newProxy(t, 9, nil)
	info := addLink(t, p, "a->b", "tcp", "a", "b", newTCPEcho(t))
	setFaults(t, p, "a->b", SelForward, Faults{DelayMs: 20, JitterMs: 15})
	c := dialTCP(t, info.Listen)
	var want bytes.Buffer
	start := time.Now()
	go func() {
		for i := 0; i < 100; i++ {
			msg := []byte{byte(i), byte(i >> 8), '\n'}
			c.Write(msg)
			time.Sleep(time.Millisecond)
		}
	}()
	for i := 0; i < 100; i++ {
		want.Write([]byte{byte(i), byte(i >> 8), '\n'})
	}
	got := make([]byte, want.Len())
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.ReadFull(c, got[:3]); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < 5*time.Millisecond {
		t.Fatalf("first byte after %v, want >= delay - jitter = 5ms", d)
	}
	if _, err := io.ReadFull(c, got[3:]); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want.Bytes()) {
		t.Fatal("stream reordered or corrupted by delay with jitter")
	}
	if st := stats(t, p, "a->b").Forward; st.Delayed == 0 {
		t.Fatalf("no chunk was delayed: %+v", st)
	}
}

func TestTCPBandwidth(t *testing.T) {
	p := newProxy(t, 1, nil)
	info := addLink(t, p, "a->b", "tcp", "a", "b", newTCPEcho(t))
	const rate = 400_000
	setFaults(t, p, "a->b", SelReverse, Faults{BandwidthBps: rate})
	c := dialTCP(t, info.Listen)
	msg := make([]byte, 200_000)
	go c.Write(msg)
	start := time.Now()
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.ReadFull(c, make([]byte, len(msg))); err != nil {
		t.Fatal(err)
	}
	got := float64(len(msg)) / time.Since(start).Seconds()
	// Never faster than the limit; slower only by scheduling on a loaded machine (see the UDP test).
	if got < rate*0.4 || got > rate*1.2 {
		t.Fatalf("rate = %.0f B/s, want at most %d (+20%%) and not far below", got, rate)
	}
	t.Logf("measured %.0f B/s", got)
}

func TestTCPStallHoldsBytesAndKeepsConnection(t *testing.T) {
	p := newProxy(t, 1, nil)
	info := addLink(t, p, "a->b", "tcp", "a", "b", newTCPEcho(t))
	c := dialTCP(t, info.Listen)
	roundTrip(t, c, "before")
	setFaults(t, p, "a->b", SelForward, Faults{Stall: true})
	c.Write([]byte("held"))
	c.SetReadDeadline(time.Now().Add(150 * time.Millisecond))
	if n, err := c.Read(make([]byte, 10)); !isTimeout(err) {
		t.Fatalf("read %d bytes, %v during stall; want a timeout", n, err)
	}
	setFaults(t, p, "a->b", SelForward, Faults{})
	c.SetReadDeadline(time.Now().Add(2 * time.Second))
	got := make([]byte, 4)
	if _, err := io.ReadFull(c, got); err != nil || string(got) != "held" {
		t.Fatalf("after stall: %q, %v; want the held bytes", got, err)
	}
	roundTrip(t, c, "after")
}

func TestTCPReset(t *testing.T) {
	p := newProxy(t, 1, nil)
	info := addLink(t, p, "a->b", "tcp", "a", "b", newTCPEcho(t))
	c := dialTCP(t, info.Listen)
	roundTrip(t, c, "x")
	setFaults(t, p, "a->b", SelForward, Faults{Reset: true})
	expectReset(t, c)
	// New connections are reset while the rule is in force.
	dialExpectReset(t, info.Listen)
	setFaults(t, p, "a->b", SelForward, Faults{})
	roundTrip(t, dialTCP(t, info.Listen), "again")
	if st := stats(t, p, "a->b").Forward; st.Resets != 2 || st.Connections != 3 {
		t.Fatalf("resets %d connections %d, want 2 and 3", st.Resets, st.Connections)
	}
}

func TestTCPClose(t *testing.T) {
	p := newProxy(t, 1, nil)
	info := addLink(t, p, "a->b", "tcp", "a", "b", newTCPEcho(t))
	c := dialTCP(t, info.Listen)
	roundTrip(t, c, "x")
	setFaults(t, p, "a->b", SelBoth, Faults{Close: true})
	c.SetReadDeadline(time.Now().Add(2 * time.Second))
	if n, err := c.Read(make([]byte, 10)); n != 0 || err != io.EOF {
		t.Fatalf("read %d, %v after close; want EOF", n, err)
	}
}

func TestTCPRefusedTargetResetsClient(t *testing.T) {
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	dead := ln.Addr().String()
	ln.Close()
	p := newProxy(t, 1, nil)
	info := addLink(t, p, "a->b", "tcp", "a", "b", dead)
	dialExpectReset(t, info.Listen)
}

func roundTrip(t *testing.T, c *net.TCPConn, msg string) {
	t.Helper()
	if _, err := c.Write([]byte(msg)); err != nil {
		t.Fatal(err)
	}
	got := make([]byte, len(msg))
	c.SetReadDeadline(time.Now().Add(2 * time.Second))
	if _, err := io.ReadFull(c, got); err != nil || string(got) != msg {
		t.Fatalf("round trip: %q, %v; want %q", got, err, msg)
	}
}

func expectReset(t *testing.T, c *net.TCPConn) {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(2 * time.Second))
	_, err := c.Read(make([]byte, 10))
	if !errors.Is(err, syscall.ECONNRESET) {
		t.Fatalf("read error = %v, want connection reset", err)
	}
}

// dialExpectReset connects to addr and expects an RST, which on loopback
// may already be reported by connect itself.
func dialExpectReset(t *testing.T, addr string) {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		if !errors.Is(err, syscall.ECONNRESET) {
			t.Fatalf("dial error = %v, want connection reset", err)
		}
		return
	}
	t.Cleanup(func() { c.Close() })
	expectReset(t, c.(*net.TCPConn))
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}
