//go:build !(linux && (amd64 || arm64))

package faultnet

import (
	"net"
	"net/netip"
)

// batchReader reads one datagram at a time where recvmmsg is unavailable.
type batchReader struct {
	c    *net.UDPConn
	buf  []byte
	n    int
	from netip.AddrPort
}

func newBatchReader(c *net.UDPConn) (*batchReader, error) {
	return &batchReader{c: c, buf: make([]byte, maxDatagramSize+maxLengthenBy)}, nil
}

func (b *batchReader) read() (int, error) {
	n, from, err := b.c.ReadFromUDPAddrPort(b.buf[:maxDatagramSize])
	if err != nil {
		return 0, err
	}
	b.n, b.from = n, from
	return 1, nil
}

func (b *batchReader) datagram(int) ([]byte, int, netip.AddrPort) {
	return b.buf, b.n, b.from
}
