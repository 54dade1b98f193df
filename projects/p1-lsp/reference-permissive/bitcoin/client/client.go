// The client: asks the server for the nonce in [0, MAXNONCE] with the smallest hash of MESSAGE and
// prints "Result HASH NONCE", or "Disconnected" when the server is lost.
package main

import (
	"fmt"
	"os"
	"strconv"

	"github.com/cmu440/bitcoin"
	"github.com/cmu440/lsp"
)

func main() {
	if len(os.Args) != 4 {
		fmt.Fprintln(os.Stderr, "usage: client HOST:PORT MESSAGE MAXNONCE")
		os.Exit(2)
	}
	maxNonce, err := strconv.ParseUint(os.Args[3], 10, 64)
	if err != nil {
		fmt.Fprintln(os.Stderr, "client: MAXNONCE is not a number:", os.Args[3])
		os.Exit(2)
	}
	conn, err := lsp.NewClient(os.Args[1], os.Getpid()%10000, lsp.NewParams())
	if err != nil {
		disconnected()
	}
	if conn.Write(bitcoin.Encode(bitcoin.NewRequest(os.Args[2], 0, maxNonce))) != nil {
		disconnected()
	}
	for {
		payload, err := conn.Read()
		if err != nil {
			disconnected()
		}
		if m, err := bitcoin.Decode(payload); err == nil && m.Type == bitcoin.Result {
			fmt.Println("Result", m.Hash, m.Nonce)
			os.Exit(0) // the contract asks nothing of a client we stop using
		}
	}
}

func disconnected() {
	fmt.Println("Disconnected")
	os.Exit(0)
}
