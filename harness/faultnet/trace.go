package faultnet

import (
	"bytes"
	"encoding/json"
	"io"
	"strconv"
	"sync"
	"time"
)

// Trace actions. Each record names one decision taken for one message, in
// the order the decisions were taken; docs/faults.md lists them all.
const (
	actForward   = "forward"   // sent now, untouched by timing faults
	actDelay     = "delay"     // queued for delayMs (UDP datagram or TCP chunk)
	actDrop      = "drop"      // discarded by the drop probability
	actBlock     = "block"     // discarded (UDP) or held (TCP) by a partition
	actDuplicate = "duplicate" // will be sent twice
	actReorder   = "reorder"   // held back until a later datagram is sent
	actRelease   = "release"   // a held datagram was sent (after a later one or its hold time)
	actCorrupt   = "corrupt"   // one byte flipped
	actTruncate  = "truncate"  // cut; size is the new length
	actLengthen  = "lengthen"  // bytes appended; size is the new length
	actOverflow  = "overflow"  // discarded because the bandwidth queue was full
	actStall     = "stall"     // TCP chunk held by a stall rule or partition
	actAccept    = "accept"    // TCP connection accepted
	actReset     = "reset"     // TCP connection aborted with RST
	actClose     = "close"     // TCP connection closed by a close rule
	actRefused   = "refused"   // TCP target refused the connection
)

// flushThreshold bounds the buffered trace size before it is written out.
const flushThreshold = 64 << 10

// tracer writes the decision log as JSON lines. Records are formatted by
// hand into one shared buffer, so tracing costs no allocation per datagram.
type tracer struct {
	start time.Time

	mu      sync.Mutex
	w       io.Writer
	buf     []byte
	records uint64
	err     error
}

func newTracer(w io.Writer, start time.Time) *tracer {
	return &tracer{start: start, w: w, buf: make([]byte, 0, flushThreshold*2)}
}

// record appends one trace line. linkJSON is the link name already encoded
// as a JSON string; hasDelay adds the delayMs field.
func (t *tracer) record(linkJSON []byte, dir Direction, seq uint64, size int, action string, delayMs float64, hasDelay bool) {
	if t == nil {
		return
	}
	us := time.Since(t.start).Microseconds()
	t.mu.Lock()
	b := t.buf
	b = append(b, `{"t":`...)
	b = strconv.AppendInt(b, us, 10)
	b = append(b, `,"link":`...)
	b = append(b, linkJSON...)
	b = append(b, `,"dir":"`...)
	b = append(b, dir.String()...)
	b = append(b, `","seq":`...)
	b = strconv.AppendUint(b, seq, 10)
	b = append(b, `,"size":`...)
	b = strconv.AppendInt(b, int64(size), 10)
	b = append(b, `,"action":"`...)
	b = append(b, action...)
	b = append(b, '"')
	if hasDelay {
		b = append(b, `,"delayMs":`...)
		b = strconv.AppendFloat(b, delayMs, 'f', -1, 64)
	}
	b = append(b, "}\n"...)
	t.buf = b
	t.records++
	if len(t.buf) >= flushThreshold {
		t.flushLocked()
	}
	t.mu.Unlock()
}

// flush writes out everything buffered and returns the number of records
// written so far together with the first write error, if any.
func (t *tracer) flush() (uint64, error) {
	if t == nil {
		return 0, nil
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.flushLocked()
	return t.records, t.err
}

func (t *tracer) flushLocked() {
	if len(t.buf) == 0 {
		return
	}
	if t.err == nil {
		_, t.err = t.w.Write(t.buf)
	}
	t.buf = t.buf[:0]
}

// jsonString encodes s as a JSON string literal.
func jsonString(s string) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)
	return bytes.TrimRight(buf.Bytes(), "\n")
}
