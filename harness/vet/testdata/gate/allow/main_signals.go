//go:build linux || darwin

// An honest main package: flags and arguments, a debug switch from the
// environment, a log file, signals, an exit status. None of it is refused.
package main

import (
	"errors"
	"fmt"
	"log"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"syscall"
	"time"
)

var debug = os.Getenv("LSP_DEBUG") != ""

//go:noinline
func logger() *log.Logger {
	if err := os.MkdirAll("log", 0o755); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	f, err := os.OpenFile(filepath.Join("log", "server.log"), os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o666)
	if err != nil {
		os.Exit(1)
	}
	return log.New(f, "server ", log.Lmicroseconds)
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintf(os.Stderr, "usage: %s port\n", os.Args[0])
		os.Exit(2)
	}
	port, _ := strconv.Atoi(os.Args[1])
	l := logger()
	c := make(chan os.Signal, 1)
	signal.Notify(c, syscall.SIGINT, syscall.SIGTERM, os.Interrupt)
	var sig syscall.Signal = syscall.SIGHUP
	_ = sig
	conn, err := net.Dial("tcp", net.JoinHostPort("localhost", strconv.Itoa(port)))
	var errno syscall.Errno
	if errors.Is(err, syscall.ECONNREFUSED) || errors.As(err, &errno) {
		l.Println("refused")
	}
	if conn != nil {
		conn.Close()
	}
	if debug {
		l.Println("pid", os.Getpid(), "host", os.Getenv("HOSTNAME"))
	}
	_, _ = os.ReadFile("/proc/cpuinfo")
	_, _ = os.Open("/dev/null")
	select {
	case <-c:
	case <-time.After(time.Second):
	}
	os.Exit(0)
}
