// DO NOT MODIFY THIS FILE: it belongs to the course staff.

// Command srunner runs your key-value server until you stop it (Ctrl-C).
//
//	go run github.com/cmu440/srunner [-port 9999]
package main

import (
	"flag"
	"fmt"
	"os"
	"os/signal"

	"github.com/cmu440/p0partA"
	"github.com/cmu440/p0partA/kvstore"
)

const defaultPort = 9999

func main() {
	port := flag.Int("port", defaultPort, "TCP port to listen on")
	flag.Parse()

	srv := p0partA.New(kvstore.New())
	if err := srv.Start(*port); err != nil {
		fmt.Fprintf(os.Stderr, "srunner: could not start the server on port %d: %v\n", *port, err)
		os.Exit(1)
	}
	fmt.Printf("srunner: server listening on port %d (Ctrl-C to stop)\n", *port)

	interrupt := make(chan os.Signal, 1)
	signal.Notify(interrupt, os.Interrupt)
	<-interrupt
	fmt.Printf("\nsrunner: %d client(s) connected, %d dropped; closing\n", srv.CountActive(), srv.CountDropped())
	srv.Close()
}
