// DO NOT MODIFY THIS FILE: it belongs to the course staff.

// Command crunner is a tiny interactive client for the key-value server. Type
// a request per line (for example "Put:fruit:apple" or "Get:fruit"); every
// line the server sends back is printed as it arrives.
//
//	go run github.com/cmu440/crunner [-host localhost] [-port 9999]
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"time"
)

const (
	defaultHost = "localhost"
	defaultPort = 9999
	closeWait   = 2 * time.Second
)

func main() {
	host := flag.String("host", defaultHost, "server host")
	port := flag.Int("port", defaultPort, "server port")
	flag.Parse()

	addr := net.JoinHostPort(*host, strconv.Itoa(*port))
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		fmt.Fprintf(os.Stderr, "crunner: could not connect to %s: %v\n", addr, err)
		os.Exit(1)
	}
	defer conn.Close()
	fmt.Fprintf(os.Stderr, "crunner: connected to %s; type requests, Ctrl-D to quit\n", addr)

	// Print whatever the server sends, as it arrives.
	done := make(chan struct{})
	go func() {
		if _, err := io.Copy(os.Stdout, conn); err != nil {
			fmt.Fprintf(os.Stderr, "crunner: connection error: %v\n", err)
		} else {
			fmt.Fprintln(os.Stderr, "crunner: the server closed the connection")
		}
		close(done)
	}()

	// Send each line typed on stdin as one request.
	lines := bufio.NewScanner(os.Stdin)
	lines.Buffer(make([]byte, 64*1024), 1024*1024)
	for lines.Scan() {
		if _, err := fmt.Fprintf(conn, "%s\n", lines.Text()); err != nil {
			fmt.Fprintf(os.Stderr, "crunner: could not send: %v\n", err)
			os.Exit(1)
		}
	}

	// End of input: tell the server we are done sending, then give it a
	// moment to deliver the remaining replies and close the connection.
	if tcp, ok := conn.(*net.TCPConn); ok {
		tcp.CloseWrite()
	}
	select {
	case <-done:
	case <-time.After(closeWait):
		fmt.Fprintf(os.Stderr, "crunner: the server did not close the connection within %v\n", closeWait)
	}
}
