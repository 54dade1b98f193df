// Tests of the staff network package itself (not of LSP code): it must hand socket errors to the
// caller as the course's package does, because LSP code may rely on them.

package lspnet

import (
	"errors"
	"net"
	"syscall"
	"testing"
	"time"
)

// closedPort returns a loopback UDP port on which nothing listens (it was free a moment ago).
func closedPort(t *testing.T) *UDPAddr {
	t.Helper()
	c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatalf("cannot open a UDP socket: %v", err)
	}
	addr := c.LocalAddr().String()
	c.Close()
	a, err := ResolveUDPAddr("udp", addr)
	if err != nil {
		t.Fatalf("ResolveUDPAddr(%q): %v", addr, err)
	}
	return a
}

// TestReadReturnsRefused: a client socket whose packet nobody received gets the kernel's "connection
// refused" from its next Read. The course's package returns it; code that gives up on it (for
// example a NewClient that stops when no server listens) must behave the same here. Swallowing it
// makes such code wait forever.
func TestReadReturnsRefused(t *testing.T) {
	conn, err := DialUDP("udp", nil, closedPort(t))
	if err != nil {
		t.Fatalf("DialUDP: %v", err)
	}
	defer conn.Close()
	if _, err := conn.Write([]byte(`{"Type":0,"ConnID":0,"SeqNum":1}`)); err != nil {
		t.Fatalf("first Write to a port nobody listens on returned %v; expected nil (the refusal comes later)", err)
	}
	got := make(chan error, 1)
	go func() {
		_, err := conn.Read(make([]byte, 2000))
		got <- err
	}()
	select {
	case err := <-got:
		if !errors.Is(err, syscall.ECONNREFUSED) {
			t.Fatalf("Read after a write to a closed port returned %v; expected an error wrapping ECONNREFUSED", err)
		}
	case <-time.After(3 * time.Second):
		t.Fatalf("Read after a write to a closed port did not return within 3s; expected the socket's ECONNREFUSED (the package must not swallow it)")
	}
}

// TestWriteReturnsRefused: when the refusal is still pending, the next Write reports it, as the
// socket does.
func TestWriteReturnsRefused(t *testing.T) {
	conn, err := DialUDP("udp", nil, closedPort(t))
	if err != nil {
		t.Fatalf("DialUDP: %v", err)
	}
	defer conn.Close()
	deadline := time.Now().Add(3 * time.Second)
	for {
		_, err := conn.Write([]byte(`{"Type":0,"ConnID":0,"SeqNum":1}`))
		if errors.Is(err, syscall.ECONNREFUSED) {
			return
		}
		if err != nil {
			t.Fatalf("Write to a closed port returned %v; expected nil or an error wrapping ECONNREFUSED", err)
		}
		if time.Now().After(deadline) {
			t.Fatalf("Writes to a closed port kept returning nil for 3s; expected the socket's ECONNREFUSED to reach the caller")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestReadAfterCloseReturnsError: a read blocked on a socket that is closed returns an error.
func TestReadAfterCloseReturnsError(t *testing.T) {
	addr, err := ResolveUDPAddr("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("ResolveUDPAddr: %v", err)
	}
	conn, err := ListenUDP("udp", addr)
	if err != nil {
		t.Fatalf("ListenUDP: %v", err)
	}
	got := make(chan error, 1)
	go func() {
		_, _, err := conn.ReadFromUDP(make([]byte, 2000))
		got <- err
	}()
	time.Sleep(50 * time.Millisecond)
	conn.Close()
	select {
	case err := <-got:
		if err == nil {
			t.Fatalf("ReadFromUDP on a closed socket returned nil error; expected an error")
		}
	case <-time.After(3 * time.Second):
		t.Fatalf("ReadFromUDP did not return within 3s of Close; expected an error")
	}
}
