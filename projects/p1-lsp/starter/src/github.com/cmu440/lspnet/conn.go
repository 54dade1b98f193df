package lspnet

import (
	"net"
	"sync"
)

// maxPacket is the size of the read buffer: longer packets are cut to this length.
const maxPacket = 2000

// socketBuffer is the kernel receive buffer asked for on every socket (the kernel may cap it), so
// that bursts on a busy machine are not lost before the fault injector sees them: the only losses
// are the ones a test asks for.
const socketBuffer = 4 << 20

// UDPConn is a UDP socket whose reads and writes go through the fault injector.
type UDPConn struct {
	nconn  *net.UDPConn
	side   side
	remote *net.UDPAddr // set for dialed (client) connections

	closeOnce sync.Once
	closeErr  error
}

// ListenUDP opens a server socket bound to laddr (a nil laddr or port 0 picks a free port).
func ListenUDP(network string, laddr *UDPAddr) (*UDPConn, error) {
	c, err := net.ListenUDP(network, unwrap(laddr))
	if err != nil {
		return nil, err
	}
	c.SetReadBuffer(socketBuffer)
	return &UDPConn{nconn: c, side: serverSide}, nil
}

// DialUDP opens a client socket connected to raddr (laddr may be nil).
func DialUDP(network string, laddr, raddr *UDPAddr) (*UDPConn, error) {
	c, err := net.DialUDP(network, unwrap(laddr), unwrap(raddr))
	if err != nil {
		return nil, err
	}
	c.SetReadBuffer(socketBuffer)
	return &UDPConn{nconn: c, side: clientSide, remote: unwrap(raddr)}, nil
}

// Read reads the next packet into b (cut to len(b)) on a connection made with DialUDP.
func (c *UDPConn) Read(b []byte) (int, error) {
	n, _, err := c.ReadFromUDP(b)
	return n, err
}

// ReadFromUDP reads the next packet into b (cut to len(b)) and returns its sender's address.
// Errors of the socket are returned as they are, like the course's package does: on a connection
// made with DialUDP that includes a refused connection (an ICMP "port unreachable" answering an
// earlier write, which the kernel reports on the next read or write), so code that gives up on
// such an error behaves here as it does there.
func (c *UDPConn) ReadFromUDP(b []byte) (int, *UDPAddr, error) {
	buf := make([]byte, maxPacket)
	for {
		n, from, err := c.nconn.ReadFromUDP(buf)
		if err != nil {
			return 0, nil, err
		}
		if faults.dropOnRead(c.side, buf[:n]) {
			continue
		}
		return copy(b, buf[:n]), &UDPAddr{addr: from}, nil
	}
}

// Write sends b to the peer of a connection made with DialUDP. A packet the fault injector drops
// still counts as written. Errors of the socket (a refused connection too) are returned.
func (c *UDPConn) Write(b []byte) (int, error) {
	return c.write(b, nil)
}

// WriteToUDP sends b to addr on a connection made with ListenUDP.
func (c *UDPConn) WriteToUDP(b []byte, addr *UDPAddr) (int, error) {
	if addr == nil || addr.addr == nil {
		return 0, &net.OpError{Op: "write", Net: "udp", Err: net.InvalidAddrError("nil address")}
	}
	return c.write(b, addr.addr)
}

// Close closes the socket; blocked reads return an error.
func (c *UDPConn) Close() error {
	c.closeOnce.Do(func() { c.closeErr = c.nconn.Close() })
	return c.closeErr
}

func (c *UDPConn) write(b []byte, to *net.UDPAddr) (int, error) {
	packets := faults.onWrite(c.side, b)
	for _, p := range packets {
		if p.delay {
			data, dest := p.data, to
			faults.later(func() { c.send(data, dest) })
			continue
		}
		if _, err := c.send(p.data, to); err != nil {
			return 0, err
		}
	}
	return len(b), nil
}

func (c *UDPConn) send(b []byte, to *net.UDPAddr) (int, error) {
	if to == nil {
		return c.nconn.Write(b)
	}
	return c.nconn.WriteToUDP(b, to)
}
