package faultnet

import (
	"bytes"
	"fmt"
	"reflect"
	"sort"
	"testing"
	"time"
)

// decisionLog runs fixed traffic through a fresh proxy and returns the
// trace without timestamps, plus the sorted payloads the target received.
func decisionLog(t *testing.T, seed uint64) ([]string, []string) {
	t.Helper()
	var trace syncBuffer
	p := newProxy(t, seed, &trace)
	srv := newUDPServer(t, false)
	info := addLink(t, p, "n1->n2", "udp", "n1", "n2", srv.addr())
	setFaults(t, p, "n1->n2", SelForward, Faults{
		Drop: 0.1, Duplicate: 0.1, Corrupt: 0.1, Truncate: 0.1, Lengthen: 0.1,
		DelayMs: 1, JitterMs: 1,
	})
	c := dialUDP(t, info.Listen)
	const n = 500
	sendPaced(t, p, "n1->n2", c, n, func(i int) []byte {
		return []byte(fmt.Sprintf("message %04d %s", i, bytes.Repeat([]byte{'x'}, i%40)))
	})
	var want uint64
	waitFor(t, 5*time.Second, "queued datagrams to drain", func() bool {
		st := stats(t, p, "n1->n2").Forward
		want = st.Forwarded
		return p.sched.pending() == 0 && st.Forwarded == (st.Received-st.Dropped)+st.Duplicated
	})
	var payloads []string
	for i := uint64(0); i < want; i++ {
		payloads = append(payloads, string(srv.recv(t, 2*time.Second).data))
	}
	sort.Strings(payloads)
	if _, err := p.FlushTrace(); err != nil {
		t.Fatal(err)
	}
	var log []string
	for _, r := range parseTrace(t, trace.String()) {
		d := ""
		if r.DelayMs != nil {
			d = fmt.Sprint(*r.DelayMs)
		}
		log = append(log, fmt.Sprintf("%s %s %d %d %s %s", r.Link, r.Dir, r.Seq, r.Size, r.Action, d))
	}
	return log, payloads
}

func TestSameSeedSameDecisions(t *testing.T) {
	log1, pay1 := decisionLog(t, 42)
	log2, pay2 := decisionLog(t, 42)
	if len(log1) < 500 {
		t.Fatalf("only %d trace records", len(log1))
	}
	if !reflect.DeepEqual(log1, log2) {
		for i := range log1 {
			if i >= len(log2) || log1[i] != log2[i] {
				t.Fatalf("decision logs differ at record %d: %q vs %q", i, log1[i], log2[min(i, len(log2)-1)])
			}
		}
		t.Fatalf("decision logs differ in length: %d vs %d", len(log1), len(log2))
	}
	if !reflect.DeepEqual(pay1, pay2) {
		t.Fatal("same seed delivered different payloads")
	}
	log3, _ := decisionLog(t, 43)
	if reflect.DeepEqual(log1, log3) {
		t.Fatal("different seeds gave identical decision logs")
	}
}

func TestStreamIsPureFunctionOfMessageNumber(t *testing.T) {
	s := newStream(1, "a->b", Forward)
	forwards := make([]uint64, 100)
	for i := range forwards {
		forwards[i] = s.draw(uint64(i), slotDrop)
	}
	for i := 99; i >= 0; i-- {
		if s.draw(uint64(i), slotDrop) != forwards[i] {
			t.Fatalf("draw %d changed when drawn in another order", i)
		}
	}
	distinct := map[uint64]bool{}
	for _, st := range []stream{
		newStream(1, "a->b", Forward), newStream(1, "a->b", Reverse),
		newStream(2, "a->b", Forward), newStream(1, "b->a", Forward),
	} {
		distinct[st.key] = true
	}
	if len(distinct) != 4 {
		t.Fatal("seed, link and direction do not all separate the streams")
	}
}

func TestTraceFormat(t *testing.T) {
	var trace syncBuffer
	p := newProxy(t, 1, &trace)
	srv := newUDPServer(t, false)
	info := addLink(t, p, `odd "name"`, "udp", "a", "b", srv.addr())
	setFaults(t, p, info.Name, SelForward, Faults{DelayMs: 2.5})
	dialUDP(t, info.Listen).Write([]byte("abc"))
	srv.recv(t, time.Second)
	p.FlushTrace()
	recs := parseTrace(t, trace.String())
	if len(recs) != 1 {
		t.Fatalf("records = %+v", recs)
	}
	r := recs[0]
	if r.Link != `odd "name"` || r.Dir != "forward" || r.Seq != 0 || r.Size != 3 || r.Action != "delay" || r.DelayMs == nil || *r.DelayMs != 2.5 {
		t.Fatalf("record = %+v", r)
	}
}
