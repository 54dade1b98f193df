package lspnet

import "net"

// UDPAddr is the address of a UDP end point.
type UDPAddr struct {
	addr *net.UDPAddr
}

// String returns the address as "host:port".
func (a *UDPAddr) String() string {
	if a == nil || a.addr == nil {
		return "<nil>"
	}
	return a.addr.String()
}

// ResolveUDPAddr parses addr ("host:port") into a UDP address. network is "udp", "udp4" or "udp6".
func ResolveUDPAddr(network, addr string) (*UDPAddr, error) {
	a, err := net.ResolveUDPAddr(network, addr)
	if err != nil {
		return nil, err
	}
	return &UDPAddr{addr: a}, nil
}

// JoinHostPort combines host and port into "host:port" ("[host]:port" for IPv6 literals).
func JoinHostPort(host, port string) string {
	return net.JoinHostPort(host, port)
}

// SplitHostPort splits "host:port" into host and port.
func SplitHostPort(hostport string) (host, port string, err error) {
	return net.SplitHostPort(hostport)
}

func unwrap(a *UDPAddr) *net.UDPAddr {
	if a == nil {
		return nil
	}
	return a.addr
}
