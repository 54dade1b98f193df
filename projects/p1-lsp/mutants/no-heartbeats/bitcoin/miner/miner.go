// The bitcoin miner: joins the server and answers each request with the minimum hash over its
// nonce range. It exits when it loses the server.
package main

import (
	"encoding/json"
	"fmt"
	"math/rand"
	"os"

	"github.com/cmu440/bitcoin"
	"github.com/cmu440/lsp"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintf(os.Stderr, "usage: %s HOST:PORT\n", os.Args[0])
		os.Exit(2)
	}
	cli, err := lsp.NewClient(os.Args[1], rand.Intn(1<<16), lsp.NewParams())
	if err != nil {
		fmt.Fprintf(os.Stderr, "miner: cannot connect to %s: %v\n", os.Args[1], err)
		os.Exit(1)
	}
	defer cli.Close()
	join, _ := json.Marshal(bitcoin.NewJoin())
	if err := cli.Write(join); err != nil {
		os.Exit(1)
	}
	for {
		payload, err := cli.Read()
		if err != nil {
			fmt.Fprintln(os.Stderr, "miner: lost the server")
			os.Exit(1)
		}
		var req bitcoin.Message
		if json.Unmarshal(payload, &req) != nil || req.Type != bitcoin.Request {
			continue
		}
		hash, nonce := mine(req.Data, req.Lower, req.Upper)
		res, _ := json.Marshal(bitcoin.NewResult(hash, nonce))
		if err := cli.Write(res); err != nil {
			os.Exit(1)
		}
	}
}

// mine returns the minimum hash over the nonces lower..upper (inclusive) and the smallest nonce
// that reaches it.
func mine(data string, lower, upper uint64) (uint64, uint64) {
	best, bestNonce := bitcoin.Hash(data, lower), lower
	for n := lower; n < upper; {
		n++
		if h := bitcoin.Hash(data, n); h < best {
			best, bestNonce = h, n
		}
	}
	return best, bestNonce
}
