package faultnet

import (
	"crypto/sha256"
	"encoding/binary"
	"math"
	"math/bits"
)

// golden is the splitmix64 increment (2^64 / phi). Adding it between draws
// spaces the counters far apart so neighbouring slots never collide.
const golden = 0x9E3779B97F4A7C15

// slotsPerMessage is the number of independent draws reserved for one message.
// Each fault kind owns a fixed slot, so enabling or tuning one fault never
// shifts the random numbers another fault sees for the same message.
const slotsPerMessage = 16

// Draw slots. The numbering is part of the determinism contract: changing it
// changes every schedule generated from a given seed.
const (
	slotDrop = iota
	slotDelay
	slotDuplicate
	slotReorder
	slotCorrupt
	slotTruncate
	slotLengthen
	slotCorruptPos
	slotCorruptVal
	slotTruncateLen
	slotLengthenLen
	slotLengthenBytes
)

// stream is a counter-based random generator for one (seed, link, direction).
// A draw is a pure function of the stream key, the message number and the
// slot, which is what makes verdicts independent of wall time and of goroutine
// scheduling: there is no generator state to advance out of order.
type stream struct {
	key uint64
}

// newStream derives the key for (seed, link, dir) from SHA-256, so that links
// with similar names still get unrelated streams.
func newStream(seed uint64, link string, dir Direction) stream {
	h := sha256.New()
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], seed)
	h.Write(b[:])
	h.Write([]byte{0})
	h.Write([]byte(link))
	h.Write([]byte{0})
	h.Write([]byte(dir.String()))
	sum := h.Sum(nil)
	return stream{key: binary.BigEndian.Uint64(sum[:8])}
}

// mix64 is the splitmix64 output function: a bijective avalanche mix.
func mix64(z uint64) uint64 {
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9
	z = (z ^ (z >> 27)) * 0x94D049BB133111EB
	return z ^ (z >> 31)
}

// draw returns the 64-bit random value for message n and the given slot.
func (s stream) draw(n uint64, slot int) uint64 {
	return mix64(s.key + (n*slotsPerMessage+uint64(slot)+1)*golden)
}

// unit maps a draw to a float64 uniformly distributed in [0, 1).
func unit(r uint64) float64 {
	return float64(r>>11) / (1 << 53)
}

// chance reports whether message n is selected for a fault with probability p.
// p <= 0 never selects and p >= 1 always selects, without consuming anything:
// draws are stateless, so skipping one has no effect on later messages.
func (s stream) chance(n uint64, slot int, p float64) bool {
	if p <= 0 {
		return false
	}
	if p >= 1 {
		return true
	}
	return unit(s.draw(n, slot)) < p
}

// intn returns a value in [0, n) for message msg and the given slot. It uses
// the multiply-shift reduction, whose bias is negligible for the small ranges
// used here (payload sizes and byte values).
func (s stream) intn(msg uint64, slot int, n int) int {
	if n <= 1 {
		return 0
	}
	hi, _ := bits.Mul64(s.draw(msg, slot), uint64(n))
	return int(hi)
}

// jitter returns a uniformly distributed offset in [-j, +j] milliseconds.
func (s stream) jitter(n uint64, j float64) float64 {
	if j <= 0 {
		return 0
	}
	return (unit(s.draw(n, slotDelay))*2 - 1) * j
}

// roundMs rounds a millisecond value to microsecond precision so the value
// written to the trace is stable across platforms.
func roundMs(ms float64) float64 {
	return math.Round(ms*1000) / 1000
}
