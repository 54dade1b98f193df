// Package p0partA is a fixture for the dsgrade-vet tests.
package p0partA

import (
	"bufio"
	"net"
	"sync"
)

const queueSize = 100

type server struct {
	mu      sync.Mutex
	conns   map[int]net.Conn
	msgs    chan []byte
	replies chan<- string
}

func newServer() *server {
	return &server{
		conns:   make(map[int]net.Conn),
		msgs:    make(chan []byte, queueSize),
		replies: make(chan string),
	}
}

func (s *server) read(c net.Conn) {
	r := bufio.NewReader(c)
	_, _ = r.ReadString('\n')
}
