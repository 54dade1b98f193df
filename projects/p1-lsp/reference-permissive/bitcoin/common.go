// Helpers shared by the client, the miner and the server: the encoding of messages on LSP and
// the search for the minimum hash.

package bitcoin

import (
	"encoding/json"
	"fmt"
)

// Encode returns the bytes that carry m over LSP.
func Encode(m *Message) []byte {
	b, err := json.Marshal(m)
	if err != nil {
		panic(fmt.Sprintf("bitcoin: a Message always encodes: %v", err))
	}
	return b
}

// Decode parses one message received over LSP.
func Decode(payload []byte) (*Message, error) {
	m := new(Message)
	if err := json.Unmarshal(payload, m); err != nil {
		return nil, fmt.Errorf("bitcoin: not a message: %v", err)
	}
	return m, nil
}

// Best is a candidate answer: the smallest hash found so far and its nonce.
type Best struct {
	Hash, Nonce uint64
	Found       bool
}

// Offer keeps (hash, nonce) if it beats the current best; ties go to the smaller nonce.
func (b *Best) Offer(hash, nonce uint64) {
	if !b.Found || hash < b.Hash || hash == b.Hash && nonce < b.Nonce {
		b.Hash, b.Nonce, b.Found = hash, nonce, true
	}
}

// Scan returns the minimum Hash(data, n) over lower <= n <= upper and the smallest nonce giving it.
func Scan(data string, lower, upper uint64) Best {
	var b Best
	for n := lower; ; n++ {
		b.Offer(Hash(data, n), n)
		if n == upper {
			return b
		}
	}
}
