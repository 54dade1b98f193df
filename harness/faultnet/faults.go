package faultnet

import (
	"fmt"
	"math"
)

// Direction names one half of a link. Forward carries the requests of the
// link's "from" node to the "to" node's service; Reverse carries the replies.
type Direction int

const (
	// Forward is the direction from the link's client (node "from") to its target (node "to").
	Forward Direction = iota
	// Reverse is the direction from the target back to the client.
	Reverse
)

// String returns "forward" or "reverse", the names used on the control
// channel and in the trace.
func (d Direction) String() string {
	if d == Reverse {
		return "reverse"
	}
	return "forward"
}

// Limits that keep a rule set sane. They are part of validation, so a bad
// request is refused before any state changes.
const (
	maxDelayMs      = 600_000 // ten minutes: longer than any scenario epoch
	defaultHoldMs   = 100     // reorder hold time when reorderHoldMs is 0
	maxLengthenBy   = 16      // lengthen appends between 1 and this many bytes
	maxDatagramSize = 65535
)

// Faults is the rule set of one link direction. The zero value forwards
// everything untouched. Probabilities are in [0, 1]; times are milliseconds.
// A setFaults request replaces the whole rule set, so omitted fields are zero.
type Faults struct {
	// Drop is the probability that a UDP datagram is discarded.
	Drop float64 `json:"drop,omitempty"`
	// DelayMs is the base one-way delay added to every datagram (UDP) or chunk (TCP).
	DelayMs float64 `json:"delayMs,omitempty"`
	// JitterMs spreads the delay uniformly over [DelayMs-JitterMs, DelayMs+JitterMs].
	// UDP datagrams may be reordered by jitter; TCP chunks keep their order.
	JitterMs float64 `json:"jitterMs,omitempty"`
	// Duplicate is the probability that a UDP datagram is sent twice.
	Duplicate float64 `json:"duplicate,omitempty"`
	// Reorder is the probability that a UDP datagram is held back and released
	// after the next datagram of the same direction, or after ReorderHoldMs.
	Reorder float64 `json:"reorder,omitempty"`
	// ReorderHoldMs is the longest a reordered datagram is held (default 100).
	ReorderHoldMs float64 `json:"reorderHoldMs,omitempty"`
	// Corrupt is the probability that one byte of a UDP datagram is flipped.
	Corrupt float64 `json:"corrupt,omitempty"`
	// Truncate is the probability that a UDP datagram is cut to a random shorter length.
	Truncate float64 `json:"truncate,omitempty"`
	// Lengthen is the probability that 1 to 16 random bytes are appended to a UDP datagram.
	Lengthen float64 `json:"lengthen,omitempty"`
	// BandwidthBps limits the direction to this many payload bytes per second (0 = unlimited).
	BandwidthBps float64 `json:"bandwidthBps,omitempty"`
	// Stall stops forwarding TCP bytes in this direction while keeping the
	// connection open; held bytes flow again when the stall is lifted.
	Stall bool `json:"stall,omitempty"`
	// Reset aborts every TCP connection of the link with an RST, now and on
	// every new connection while the rule is in force.
	Reset bool `json:"reset,omitempty"`
	// Close closes every TCP connection of the link gracefully (FIN), now and on
	// every new connection while the rule is in force.
	Close bool `json:"close,omitempty"`
}

// validate checks every field and returns the first problem found, naming
// the field so the caller can fix the request.
func (f *Faults) validate() error {
	probs := []struct {
		name string
		v    float64
	}{
		{"drop", f.Drop}, {"duplicate", f.Duplicate}, {"reorder", f.Reorder},
		{"corrupt", f.Corrupt}, {"truncate", f.Truncate}, {"lengthen", f.Lengthen},
	}
	for _, p := range probs {
		if math.IsNaN(p.v) || p.v < 0 || p.v > 1 {
			return fmt.Errorf("faults.%s must be a probability in [0, 1], got %v", p.name, p.v)
		}
	}
	times := []struct {
		name string
		v    float64
	}{
		{"delayMs", f.DelayMs}, {"jitterMs", f.JitterMs}, {"reorderHoldMs", f.ReorderHoldMs},
	}
	for _, t := range times {
		if math.IsNaN(t.v) || t.v < 0 || t.v > maxDelayMs {
			return fmt.Errorf("faults.%s must be between 0 and %d ms, got %v", t.name, maxDelayMs, t.v)
		}
	}
	if math.IsNaN(f.BandwidthBps) || math.IsInf(f.BandwidthBps, 0) || f.BandwidthBps < 0 {
		return fmt.Errorf("faults.bandwidthBps must be >= 0 (0 means unlimited), got %v", f.BandwidthBps)
	}
	if f.BandwidthBps > 0 && f.BandwidthBps < 1 {
		return fmt.Errorf("faults.bandwidthBps must be at least 1 byte/s, got %v", f.BandwidthBps)
	}
	if f.Reset && f.Close {
		return fmt.Errorf("faults.reset and faults.close are exclusive: pick one way to end connections")
	}
	return nil
}

// rules is the immutable, preprocessed form of a Faults value. A direction
// holds a pointer to its current rules and swaps it atomically, so the data
// path never locks to read them.
type rules struct {
	Faults
	// plain is true when no per-message fault applies, which lets the UDP fast
	// path skip every draw.
	plain bool
	// holdNs is the reorder hold time in nanoseconds.
	holdNs int64
}

func newRules(f Faults) *rules {
	r := &rules{Faults: f}
	r.plain = f.Drop == 0 && f.DelayMs == 0 && f.JitterMs == 0 && f.Duplicate == 0 &&
		f.Reorder == 0 && f.Corrupt == 0 && f.Truncate == 0 && f.Lengthen == 0 &&
		f.BandwidthBps == 0
	hold := f.ReorderHoldMs
	if hold == 0 {
		hold = defaultHoldMs
	}
	r.holdNs = int64(hold * 1e6)
	return r
}

// delayNs returns the delay for message n: DelayMs plus its jitter, never negative.
func (r *rules) delayMs(s stream, n uint64) float64 {
	d := r.DelayMs + s.jitter(n, r.JitterMs)
	if d < 0 {
		d = 0
	}
	return roundMs(d)
}
