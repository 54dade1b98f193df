// The bitcoin miner: joins the server and works on the requests it is sent. This file is yours:
// replace the stub.
package main

import (
	"fmt"
	"os"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintf(os.Stderr, "usage: %s HOST:PORT\n", os.Args[0])
		os.Exit(2)
	}
	fmt.Fprintln(os.Stderr, "miner: not implemented yet")
	os.Exit(1)
}
