//go:build linux && (amd64 || arm64)

package faultnet

import (
	"net"
	"net/netip"
	"syscall"
	"unsafe"
)

// batchSize is how many datagrams one recvmmsg call may return. Batching
// halves the system calls per forwarded datagram under load, which is what
// bounds a userspace proxy's packet rate; 16 buffers of 64 KiB per link keep
// the memory cost modest.
const batchSize = 16

// mmsghdr mirrors struct mmsghdr from <sys/socket.h>.
type mmsghdr struct {
	hdr syscall.Msghdr
	len uint32
	_   [4]byte
}

// batchReader reads datagrams from a UDP socket with recvmmsg(2).
type batchReader struct {
	rc    syscall.RawConn
	msgs  [batchSize]mmsghdr
	iovs  [batchSize]syscall.Iovec
	names [batchSize]syscall.RawSockaddrAny
	bufs  [batchSize][]byte
	n     int
}

func newBatchReader(c *net.UDPConn) (*batchReader, error) {
	rc, err := c.SyscallConn()
	if err != nil {
		return nil, err
	}
	b := &batchReader{rc: rc}
	for i := range b.bufs {
		b.bufs[i] = make([]byte, maxDatagramSize+maxLengthenBy)
		b.iovs[i].Base = &b.bufs[i][0]
		b.iovs[i].SetLen(maxDatagramSize)
		b.msgs[i].hdr.Iov = &b.iovs[i]
		b.msgs[i].hdr.Iovlen = 1
		b.msgs[i].hdr.Name = (*byte)(unsafe.Pointer(&b.names[i]))
	}
	return b, nil
}

// read blocks until at least one datagram is available and returns how many
// were read.
func (b *batchReader) read() (int, error) {
	var errno syscall.Errno
	err := b.rc.Read(func(fd uintptr) bool {
		for i := range b.msgs {
			b.msgs[i].hdr.Namelen = uint32(unsafe.Sizeof(b.names[i]))
			b.msgs[i].hdr.Flags = 0
		}
		r, _, e := syscall.Syscall6(syscall.SYS_RECVMMSG, fd, uintptr(unsafe.Pointer(&b.msgs[0])),
			batchSize, syscall.MSG_DONTWAIT, 0, 0)
		if e == syscall.EAGAIN || e == syscall.EINTR {
			return false // wait for readability (or retry) through the netpoller
		}
		errno, b.n = e, int(r)
		return true
	})
	if err != nil {
		return 0, err
	}
	if errno != 0 {
		return 0, errno
	}
	return b.n, nil
}

// datagram returns the buffer, length and source of datagram i of the last
// read. The buffer has maxLengthenBy spare bytes after the payload.
func (b *batchReader) datagram(i int) ([]byte, int, netip.AddrPort) {
	return b.bufs[i], int(b.msgs[i].len), sockaddrToAddrPort(&b.names[i])
}

func sockaddrToAddrPort(sa *syscall.RawSockaddrAny) netip.AddrPort {
	switch sa.Addr.Family {
	case syscall.AF_INET:
		s := (*syscall.RawSockaddrInet4)(unsafe.Pointer(sa))
		p := (*[2]byte)(unsafe.Pointer(&s.Port))
		return netip.AddrPortFrom(netip.AddrFrom4(s.Addr), uint16(p[0])<<8|uint16(p[1]))
	case syscall.AF_INET6:
		s := (*syscall.RawSockaddrInet6)(unsafe.Pointer(sa))
		p := (*[2]byte)(unsafe.Pointer(&s.Port))
		return netip.AddrPortFrom(netip.AddrFrom16(s.Addr).Unmap(), uint16(p[0])<<8|uint16(p[1]))
	}
	return netip.AddrPort{}
}
