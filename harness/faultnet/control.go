package faultnet

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net"
	"os"
	"strconv"
	"sync"
)

// maxRequestBytes bounds one control line.
const maxRequestBytes = 1 << 20

// Reply is the answer to one control request. Exactly one of Result and
// Error is set, matching OK.
type Reply struct {
	ID     json.RawMessage `json:"id"`
	OK     bool            `json:"ok"`
	Result any             `json:"result,omitempty"`
	Error  *Error          `json:"error,omitempty"`
}

// Request envelopes. Every request carries "id" (any JSON value, echoed
// back) and "op"; the remaining fields depend on op and unknown fields are
// rejected, so a misspelt fault name is an error rather than a silent no-op.
type (
	header struct {
		ID json.RawMessage `json:"id"`
		Op string          `json:"op"`
	}
	addLinkRequest struct {
		header
		LinkSpec
	}
	setFaultsRequest struct {
		header
		Link      string  `json:"link"`
		Direction DirSel  `json:"direction"`
		Faults    *Faults `json:"faults"`
	}
	partitionRequest struct {
		header
		PartitionSpec
	}
	statsRequest struct {
		header
		Link string `json:"link,omitempty"`
	}
	emptyRequest struct {
		header
	}
)

// InfoResult is the result of the info request. The seed is a decimal
// string because JSON numbers lose precision above 2^53. NowNs is the
// proxy's clock (Proxy.Now) when it answered, for aligning other clocks.
type InfoResult struct {
	Seed  string   `json:"seed"`
	PID   int      `json:"pid"`
	Trace bool     `json:"trace"`
	Links []string `json:"links"`
	NowNs int64    `json:"nowNs"`
}

// SetFaultsResult echoes the rule set now in force, and since when (ns on
// the proxy's clock).
type SetFaultsResult struct {
	Link      string `json:"link"`
	Direction DirSel `json:"direction"`
	Faults    Faults `json:"faults"`
	AtNs      int64  `json:"atNs"`
}

// StatsResult is the result of the stats request.
type StatsResult struct {
	Links []LinkStats `json:"links"`
}

// TraceResult reports how many trace records have been written in total.
type TraceResult struct {
	Records uint64 `json:"records"`
}

// Handle executes one control request line and returns its reply. Requests
// are validated completely before any state changes; a failed request leaves
// the proxy exactly as it was. A shutdown request stops every link but leaves
// Done open so the reply can be delivered; the caller then calls Close
// (ServeControl does this itself).
func (p *Proxy) Handle(line []byte) Reply {
	var h header
	if err := json.Unmarshal(line, &h); err != nil {
		return Reply{Error: errf(CodeBadRequest, "request is not a JSON object: %v", err)}
	}
	fail := func(err error) Reply {
		var e *Error
		if !errors.As(err, &e) {
			e = errf(CodeBadRequest, "%v", err)
		}
		return Reply{ID: h.ID, Error: e}
	}
	ok := func(result any) Reply { return Reply{ID: h.ID, OK: true, Result: result} }
	decode := func(v any) error {
		dec := json.NewDecoder(bytes.NewReader(line))
		dec.DisallowUnknownFields()
		if err := dec.Decode(v); err != nil {
			return errf(CodeBadRequest, "bad %s request: %v", h.Op, err)
		}
		return nil
	}
	switch h.Op {
	case "info":
		var req emptyRequest
		if err := decode(&req); err != nil {
			return fail(err)
		}
		return ok(InfoResult{Seed: strconv.FormatUint(p.seed, 10), PID: os.Getpid(), Trace: p.trace != nil, Links: p.Links(), NowNs: p.Now()})
	case "addLink":
		var req addLinkRequest
		if err := decode(&req); err != nil {
			return fail(err)
		}
		info, err := p.AddLink(req.LinkSpec)
		if err != nil {
			return fail(err)
		}
		return ok(info)
	case "setFaults":
		var req setFaultsRequest
		if err := decode(&req); err != nil {
			return fail(err)
		}
		if req.Faults == nil {
			return fail(errf(CodeInvalid, "setFaults needs \"faults\"; send {} to clear every fault"))
		}
		if req.Direction == "" {
			req.Direction = SelBoth
		}
		at, err := p.SetFaults(req.Link, req.Direction, *req.Faults)
		if err != nil {
			return fail(err)
		}
		return ok(SetFaultsResult{Link: req.Link, Direction: req.Direction, Faults: *req.Faults, AtNs: at})
	case "partition":
		var req partitionRequest
		if err := decode(&req); err != nil {
			return fail(err)
		}
		res, err := p.Partition(req.PartitionSpec)
		if err != nil {
			return fail(err)
		}
		return ok(res)
	case "heal":
		var req emptyRequest
		if err := decode(&req); err != nil {
			return fail(err)
		}
		return ok(p.Heal())
	case "stats":
		var req statsRequest
		if err := decode(&req); err != nil {
			return fail(err)
		}
		st, err := p.Stats(req.Link)
		if err != nil {
			return fail(err)
		}
		return ok(StatsResult{Links: st})
	case "flushTrace":
		var req emptyRequest
		if err := decode(&req); err != nil {
			return fail(err)
		}
		n, err := p.FlushTrace()
		if err != nil {
			return fail(err)
		}
		return ok(TraceResult{Records: n})
	case "shutdown":
		var req emptyRequest
		if err := decode(&req); err != nil {
			return fail(err)
		}
		// Done is closed only once the reply is out (see ServeControl), so
		// the process cannot exit before its client hears back.
		if err := p.stop(); err != nil {
			return fail(err)
		}
		n, _ := p.trace.flush()
		return ok(TraceResult{Records: n})
	case "":
		return fail(errf(CodeBadRequest, "request has no \"op\""))
	default:
		return fail(errf(CodeUnknownOp, "unknown op %q: use info, addLink, setFaults, partition, heal, stats, flushTrace or shutdown", h.Op))
	}
}

// ServeControl reads JSON-line requests from r and writes one reply line per
// request to w, until r ends or the proxy shuts down. Blank lines are skipped.
func (p *Proxy) ServeControl(r io.Reader, w io.Writer) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), maxRequestBytes)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false) // link names like "n1->n2" stay readable
	for sc.Scan() {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		if err := enc.Encode(p.Handle(line)); err != nil {
			return err
		}
		if p.stopped() {
			// After a shutdown request (from any channel) nothing more is
			// served; closing Done now lets the process exit.
			p.Close()
			return nil
		}
	}
	return sc.Err()
}

// ServeUnix serves the control protocol on a unix socket at path, one
// client at a time per connection goroutine, until the proxy shuts down.
// The socket file is removed on return.
func (p *Proxy) ServeUnix(path string) error {
	_ = os.Remove(path) // a stale socket from a killed run would block Listen
	ln, err := net.Listen("unix", path)
	if err != nil {
		return err
	}
	defer os.Remove(path)
	go func() {
		<-p.done
		ln.Close()
	}()
	var wg sync.WaitGroup
	defer wg.Wait()
	for {
		c, err := ln.Accept()
		if err != nil {
			select {
			case <-p.done:
				return nil
			default:
				return err
			}
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer c.Close()
			go func() {
				<-p.done
				c.Close()
			}()
			_ = p.ServeControl(c, c)
		}()
	}
}
