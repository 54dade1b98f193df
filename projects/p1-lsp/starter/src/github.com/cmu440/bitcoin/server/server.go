// The bitcoin server: accepts miners and clients and shares the clients' requests among the
// miners. This file is yours: replace the stub.
package main

import (
	"fmt"
	"os"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintf(os.Stderr, "usage: %s PORT\n", os.Args[0])
		os.Exit(2)
	}
	fmt.Fprintln(os.Stderr, "server: not implemented yet")
	os.Exit(1)
}
