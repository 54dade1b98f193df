package faultnet

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// call sends one request line and decodes the reply.
func call(t *testing.T, p *Proxy, line string) (Reply, map[string]any) {
	t.Helper()
	r := p.Handle([]byte(line))
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return r, m
}

func TestControlAddLinkAndIDs(t *testing.T) {
	p := newProxy(t, 1, nil)
	srv := newUDPServer(t, false)
	r, m := call(t, p, `{"id":"req-1","op":"addLink","name":"n1->n2","proto":"udp","from":"n1","to":"n2","target":"`+srv.addr()+`"}`)
	if !r.OK || m["id"] != "req-1" {
		t.Fatalf("reply %v", m)
	}
	listen := m["result"].(map[string]any)["listen"].(string)
	if !strings.HasPrefix(listen, "127.0.0.1:") || strings.HasSuffix(listen, ":0") {
		t.Fatalf("listen = %q, want the bound 127.0.0.1 port", listen)
	}
	_, m = call(t, p, `{"id":7,"op":"info"}`)
	if m["id"] != float64(7) || m["result"].(map[string]any)["seed"] != "1" {
		t.Fatalf("info reply %v", m)
	}
}

func TestControlValidationErrorsChangeNothing(t *testing.T) {
	p := newProxy(t, 1, nil)
	srv := newUDPServer(t, false)
	addLink(t, p, "a->b", "udp", "a", "b", srv.addr())
	good := Faults{Drop: 0.5, DelayMs: 10}
	setFaults(t, p, "a->b", SelBoth, good)
	if _, err := p.Partition(PartitionSpec{Shape: "isolate", Nodes: []string{"a", "b", "c"}, Node: "c"}); err != nil {
		t.Fatal(err)
	}
	before, _ := p.Stats("")
	blockedBefore := p.blockedPairs()

	bad := []struct{ line, code string }{
		{`not json`, CodeBadRequest},
		{`{"id":1}`, CodeBadRequest},
		{`{"id":1,"op":"explode"}`, CodeUnknownOp},
		{`{"id":1,"op":"setFaults","link":"a->b","faults":{"drop":1.5}}`, CodeInvalid},
		{`{"id":1,"op":"setFaults","link":"a->b","faults":{"drop":0.1,"delayMs":-1}}`, CodeInvalid},
		{`{"id":1,"op":"setFaults","link":"a->b","faults":{"dorp":0.1}}`, CodeBadRequest},
		{`{"id":1,"op":"setFaults","link":"a->b","direction":"sideways","faults":{}}`, CodeInvalid},
		{`{"id":1,"op":"setFaults","link":"a->b"}`, CodeInvalid},
		{`{"id":1,"op":"setFaults","link":"zzz","faults":{}}`, CodeUnknownLink},
		{`{"id":1,"op":"setFaults","link":"a->b","faults":{"reset":true,"close":true}}`, CodeInvalid},
		{`{"id":1,"op":"addLink","name":"a->b","proto":"udp","from":"a","to":"b","target":"` + srv.addr() + `"}`, CodeLinkExists},
		{`{"id":1,"op":"addLink","name":"x","proto":"sctp","from":"a","to":"b","target":"127.0.0.1:1"}`, CodeInvalid},
		{`{"id":1,"op":"addLink","name":"x","proto":"udp","from":"a","to":"b","target":"nowhere"}`, CodeInvalid},
		{`{"id":1,"op":"partition","shape":"isolate","nodes":["a","b"],"node":"q"}`, CodeInvalid},
		{`{"id":1,"op":"partition","shape":"halves","nodes":["a","b"],"bogus":1}`, CodeBadRequest},
		{`{"id":1,"op":"stats","link":"zzz"}`, CodeUnknownLink},
	}
	for _, tc := range bad {
		r, m := call(t, p, tc.line)
		if r.OK || r.Error == nil || r.Error.Code != tc.code || r.Error.Message == "" {
			t.Errorf("%s: reply %v, want error code %s", tc.line, m, tc.code)
		}
		if _, ok := m["result"]; ok {
			t.Errorf("%s: error reply has a result", tc.line)
		}
	}
	after, _ := p.Stats("")
	if !reflect.DeepEqual(before, after) {
		t.Fatalf("state changed:\nbefore %+v\nafter  %+v", before, after)
	}
	if !reflect.DeepEqual(blockedBefore, p.blockedPairs()) {
		t.Fatal("partition changed")
	}
	if got := p.Links(); len(got) != 1 {
		t.Fatalf("links = %v", got)
	}
}

func TestServeControlLinesAndShutdown(t *testing.T) {
	var trace syncBuffer
	p := New(Config{Seed: 5, Trace: &trace})
	in := strings.NewReader(`{"id":1,"op":"heal"}` + "\n\n" +
		`{"id":2,"op":"partition","shape":"halves","nodes":["a","b"]}` + "\n" +
		`{"id":3,"op":"flushTrace"}` + "\n" +
		`{"id":4,"op":"shutdown"}` + "\n" +
		`{"id":5,"op":"info"}` + "\n")
	var out bytes.Buffer
	if err := p.ServeControl(in, &out); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 4 {
		t.Fatalf("replies = %q, want 4 (nothing after shutdown)", lines)
	}
	var r2 struct {
		ID     int             `json:"id"`
		OK     bool            `json:"ok"`
		Result PartitionResult `json:"result"`
	}
	json.Unmarshal([]byte(lines[1]), &r2)
	if r2.ID != 2 || !r2.OK || !reflect.DeepEqual(r2.Result.Blocked, [][2]string{{"a", "b"}, {"b", "a"}}) {
		t.Fatalf("partition reply %s", lines[1])
	}
	select {
	case <-p.Done():
	default:
		t.Fatal("proxy still running after shutdown")
	}
	if _, err := p.AddLink(LinkSpec{Name: "x", Proto: "udp", From: "a", To: "b", Target: "127.0.0.1:1"}); err == nil {
		t.Fatal("AddLink after shutdown succeeded")
	}
}
