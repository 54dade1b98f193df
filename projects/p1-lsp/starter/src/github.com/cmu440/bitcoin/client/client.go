// The bitcoin client: asks the server for the nonce in [0, MAXNONCE] that minimises the hash of a
// message. This file is yours: replace the stub.
package main

import (
	"fmt"
	"os"
)

func main() {
	if len(os.Args) != 4 {
		fmt.Fprintf(os.Stderr, "usage: %s HOST:PORT MESSAGE MAXNONCE\n", os.Args[0])
		os.Exit(2)
	}
	fmt.Fprintln(os.Stderr, "client: not implemented yet")
	os.Exit(1)
}
