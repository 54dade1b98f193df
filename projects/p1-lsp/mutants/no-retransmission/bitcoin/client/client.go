// The bitcoin client: asks the server for the nonce in [0, MAXNONCE] that minimises the hash of a
// message and prints "Result HASH NONCE", or "Disconnected" if the server is lost.
package main

import (
	"encoding/json"
	"fmt"
	"math/rand"
	"os"
	"strconv"

	"github.com/cmu440/bitcoin"
	"github.com/cmu440/lsp"
)

func main() {
	if len(os.Args) != 4 {
		fmt.Fprintf(os.Stderr, "usage: %s HOST:PORT MESSAGE MAXNONCE\n", os.Args[0])
		os.Exit(2)
	}
	maxNonce, err := strconv.ParseUint(os.Args[3], 10, 64)
	if err != nil {
		fmt.Fprintf(os.Stderr, "client: MAXNONCE must be a non-negative integer: %v\n", err)
		os.Exit(2)
	}
	cli, err := lsp.NewClient(os.Args[1], rand.Intn(1<<16), lsp.NewParams())
	if err != nil {
		fmt.Fprintf(os.Stderr, "client: cannot connect to %s: %v\n", os.Args[1], err)
		fmt.Println("Disconnected")
		return
	}
	defer cli.Close()
	req, _ := json.Marshal(bitcoin.NewRequest(os.Args[2], 0, maxNonce))
	if err := cli.Write(req); err != nil {
		fmt.Println("Disconnected")
		return
	}
	for {
		payload, err := cli.Read()
		if err != nil {
			fmt.Println("Disconnected")
			return
		}
		var msg bitcoin.Message
		if json.Unmarshal(payload, &msg) != nil || msg.Type != bitcoin.Result {
			continue
		}
		fmt.Println("Result", msg.Hash, msg.Nonce)
		return
	}
}
