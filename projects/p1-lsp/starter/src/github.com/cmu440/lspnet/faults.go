package lspnet

import (
	"encoding/json"
	"log"
	"math/rand"
	"os"
	"strconv"
	"sync"
	"time"
)

// MessageDelay is how long SetDelayMessagePercent holds back a delayed packet.
const MessageDelay = 500 * time.Millisecond

type side int

const (
	clientSide side = iota
	serverSide
)

// Middlebox sees every packet written while it is installed, before any other fault, and returns
// the packets to send in its place: none drops the packet, the packet itself (changed or not)
// passes it, several inject more. Calls are serialised. Packets that do not decode as LSP
// messages bypass the middlebox. It runs on the goroutine that writes the packet, inside the LSP
// code's Write: it must not call the LSP client or server.
type Middlebox func(p Packet) []Packet

// SniffedPacket is one packet recorded by the sniffer.
type SniffedPacket struct {
	Packet
	At      time.Time // when it was written
	Dropped bool      // dropped by the middlebox or a drop rate (never reached the network)
}

// SniffResult is what the sniffer saw between StartSniff and StopSniff. The counts cover every
// packet LSP code wrote (before any fault), dropped or not.
type SniffResult struct {
	NumConnects   int
	NumData       int
	NumAcks       int // Acks other than heartbeats
	NumCAcks      int
	NumHeartbeats int // Acks with sequence number 0
	NumDropped    int // packets that never reached the network
	NumUnparsed   int // packets that were not JSON-encoded LSP messages
	Packets       []SniffedPacket
}

type pendingPacket struct {
	data  []byte
	delay bool
}

type injector struct {
	mu                  sync.Mutex
	seed                int64
	rng                 *rand.Rand
	readDrop, writeDrop [2]int // indexed by side
	delayPercent        int
	shortenPercent      int
	lengthenPercent     int
	corrupt             bool
	debug               bool
	sniffing            bool
	sniffed             SniffResult

	boxMu sync.Mutex // serialises middlebox calls
	box   Middlebox
}

var faults = newInjector()

func newInjector() *injector {
	seed := time.Now().UnixNano()
	if s, err := strconv.ParseInt(os.Getenv("LSPNET_SEED"), 10, 64); err == nil {
		seed = s
	}
	return &injector{seed: seed, rng: rand.New(rand.NewSource(seed))}
}

// SetSeed restarts the random source with seed.
func SetSeed(seed int64) {
	faults.mu.Lock()
	defer faults.mu.Unlock()
	faults.seed = seed
	faults.rng = rand.New(rand.NewSource(seed))
}

// Seed returns the seed the random source was last started with.
func Seed() int64 {
	faults.mu.Lock()
	defer faults.mu.Unlock()
	return faults.seed
}

func clampPercent(p int) int {
	if p < 0 {
		return 0
	}
	if p > 100 {
		return 100
	}
	return p
}

func (f *injector) set(fn func()) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fn()
}

// SetClientReadDropPercent drops p% of the packets client connections read.
func SetClientReadDropPercent(p int) {
	faults.set(func() { faults.readDrop[clientSide] = clampPercent(p) })
}

// SetClientWriteDropPercent drops p% of the packets client connections write.
func SetClientWriteDropPercent(p int) {
	faults.set(func() { faults.writeDrop[clientSide] = clampPercent(p) })
}

// SetServerReadDropPercent drops p% of the packets server connections read.
func SetServerReadDropPercent(p int) {
	faults.set(func() { faults.readDrop[serverSide] = clampPercent(p) })
}

// SetServerWriteDropPercent drops p% of the packets server connections write.
func SetServerWriteDropPercent(p int) {
	faults.set(func() { faults.writeDrop[serverSide] = clampPercent(p) })
}

// SetReadDropPercent drops p% of the packets every connection reads.
func SetReadDropPercent(p int) {
	faults.set(func() { faults.readDrop = [2]int{clampPercent(p), clampPercent(p)} })
}

// SetWriteDropPercent drops p% of the packets every connection writes.
func SetWriteDropPercent(p int) {
	faults.set(func() { faults.writeDrop = [2]int{clampPercent(p), clampPercent(p)} })
}

// ResetDropPercent stops dropping packets.
func ResetDropPercent() {
	faults.set(func() { faults.readDrop, faults.writeDrop = [2]int{}, [2]int{} })
}

// SetDelayMessagePercent holds back p% of the packets written for MessageDelay (500 ms), which
// reorders them.
func SetDelayMessagePercent(p int) { faults.set(func() { faults.delayPercent = clampPercent(p) }) }

// SetMsgShorteningPercent cuts the payload of p% of the Data messages written to half its length
// (Size and Checksum unchanged), so the receiver must drop them.
func SetMsgShorteningPercent(p int) { faults.set(func() { faults.shortenPercent = clampPercent(p) }) }

// SetMsgLengtheningPercent appends 1 to 4 random bytes to the payload of p% of the Data messages
// written (Size and Checksum unchanged), so the receiver must truncate them to Size.
func SetMsgLengtheningPercent(p int) {
	faults.set(func() { faults.lengthenPercent = clampPercent(p) })
}

// SetMsgCorrupted, while on, flips every bit of the first payload byte of every non-empty Data
// message written (Checksum unchanged), so the receiver must drop them.
func SetMsgCorrupted(on bool) { faults.set(func() { faults.corrupt = on }) }

// EnableDebugLogs logs every packet written, read and dropped.
func EnableDebugLogs(on bool) { faults.set(func() { faults.debug = on }) }

// StartSniff starts recording written packets, forgetting anything recorded before.
func StartSniff() {
	faults.set(func() {
		faults.sniffing = true
		faults.sniffed = SniffResult{}
	})
}

// StopSniff stops recording and returns what was recorded since StartSniff.
func StopSniff() SniffResult {
	faults.mu.Lock()
	defer faults.mu.Unlock()
	faults.sniffing = false
	res := faults.sniffed
	faults.sniffed = SniffResult{}
	return res
}

// StartMiddlebox installs m in the write path of every connection, replacing any previous one.
func StartMiddlebox(m Middlebox) {
	faults.boxMu.Lock()
	defer faults.boxMu.Unlock()
	faults.box = m
}

// StopMiddlebox removes the middlebox.
func StopMiddlebox() {
	faults.boxMu.Lock()
	defer faults.boxMu.Unlock()
	faults.box = nil
}

// roll returns true with probability p%; f.mu must be held.
func (f *injector) roll(p int) bool {
	if p <= 0 {
		return false
	}
	if p >= 100 {
		return true
	}
	return f.rng.Intn(100) < p
}

func decode(b []byte) (Packet, bool) {
	var p Packet
	if err := json.Unmarshal(b, &p); err != nil {
		return p, false
	}
	return p, true
}

func (f *injector) dropOnRead(s side, b []byte) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	drop := f.roll(f.readDrop[s])
	if f.debug {
		p, _ := decode(b)
		p.FromServer = s == clientSide
		if drop {
			log.Printf("lspnet: read dropped %v", p)
		} else {
			log.Printf("lspnet: read %v", p)
		}
	}
	return drop
}

// onWrite decides what becomes of one written packet and returns what must be sent.
func (f *injector) onWrite(s side, b []byte) []pendingPacket {
	orig, ok := decode(b)
	orig.FromServer = s == serverSide

	// The middlebox comes first, outside f.mu so that it may call the controls.
	packets := []Packet{orig}
	changed := false
	f.boxMu.Lock()
	if f.box != nil && ok {
		packets = f.box(orig)
		changed = true
	}
	f.boxMu.Unlock()

	f.mu.Lock()
	defer f.mu.Unlock()
	if f.sniffing {
		f.record(orig, ok, len(packets) == 0)
	}
	if f.debug && len(packets) == 0 {
		log.Printf("lspnet: write dropped by middlebox %v", orig)
	}
	var out []pendingPacket
	for i, p := range packets {
		if f.roll(f.writeDrop[s]) {
			if f.sniffing && i == 0 {
				f.sniffed.NumDropped++
				if ok {
					f.markLastDropped()
				}
			}
			if f.debug {
				log.Printf("lspnet: write dropped %v", p)
			}
			continue
		}
		mutated := changed
		if ok && p.Type == PacketData {
			if f.roll(f.shortenPercent) {
				p.Payload = append([]byte(nil), p.Payload[:len(p.Payload)/2]...)
				mutated = true
			}
			if f.roll(f.lengthenPercent) {
				extra := make([]byte, 1+f.rng.Intn(4))
				f.rng.Read(extra)
				p.Payload = append(append([]byte(nil), p.Payload...), extra...)
				mutated = true
			}
			if f.corrupt && len(p.Payload) > 0 {
				p.Payload = append([]byte(nil), p.Payload...)
				p.Payload[0] ^= 0xff
				mutated = true
			}
		}
		data := b
		if mutated {
			enc, err := json.Marshal(p)
			if err != nil {
				continue
			}
			data = enc
		} else {
			data = append([]byte(nil), b...)
		}
		delay := f.roll(f.delayPercent)
		if f.debug {
			if delay {
				log.Printf("lspnet: write delayed %v", p)
			} else {
				log.Printf("lspnet: write %v", p)
			}
		}
		out = append(out, pendingPacket{data: data, delay: delay})
	}
	return out
}

// record counts one written packet; f.mu must be held.
func (f *injector) record(p Packet, ok, dropped bool) {
	r := &f.sniffed
	if !ok {
		r.NumUnparsed++
		return
	}
	switch {
	case p.Type == PacketConnect:
		r.NumConnects++
	case p.Type == PacketData:
		r.NumData++
	case p.IsHeartbeat():
		r.NumHeartbeats++
	case p.Type == PacketAck:
		r.NumAcks++
	case p.Type == PacketCAck:
		r.NumCAcks++
	}
	if dropped {
		r.NumDropped++
	}
	r.Packets = append(r.Packets, SniffedPacket{Packet: p, At: time.Now(), Dropped: dropped})
}

func (f *injector) markLastDropped() {
	if n := len(f.sniffed.Packets); n > 0 {
		f.sniffed.Packets[n-1].Dropped = true
	}
}

// later runs fn after MessageDelay.
func (f *injector) later(fn func()) {
	time.AfterFunc(MessageDelay, fn)
}
