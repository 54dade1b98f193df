// The miner: joins the server, then answers every Request with the minimum hash over its range.
// It exits as soon as it loses the server.
package main

import (
	"fmt"
	"os"

	"github.com/cmu440/bitcoin"
	"github.com/cmu440/lsp"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: miner HOST:PORT")
		os.Exit(2)
	}
	conn, err := lsp.NewClient(os.Args[1], os.Getpid()%10000, lsp.NewParams())
	if err != nil {
		fmt.Fprintln(os.Stderr, "miner: no server at", os.Args[1]+":", err)
		os.Exit(1)
	}
	if conn.Write(bitcoin.Encode(bitcoin.NewJoin())) != nil {
		os.Exit(1)
	}
	for {
		payload, err := conn.Read()
		if err != nil {
			fmt.Fprintln(os.Stderr, "miner: the server is gone:", err)
			os.Exit(1)
		}
		job, err := bitcoin.Decode(payload)
		if err != nil || job.Type != bitcoin.Request || job.Upper < job.Lower {
			continue
		}
		best := bitcoin.Scan(job.Data, job.Lower, job.Upper)
		if conn.Write(bitcoin.Encode(bitcoin.NewResult(best.Hash, best.Nonce))) != nil {
			os.Exit(1)
		}
	}
}
