package vet

import (
	"strings"
	"testing"
)

func TestDecodeRequest(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		wantErr string // empty when the request is valid
	}{
		{name: "full", in: `{"files":[{"path":"/a.go","display":"p/a.go"}],"checks":{"imports":true,"gofmt":false,"chanbuf":true,"lines":true}}`},
		{name: "no checks", in: `{"files":[{"path":"/a.go"}]}`},
		{name: "empty file list", in: `{"files":[]}`},
		{name: "trailing whitespace", in: "{\"files\":[]}\n\n"},
		{name: "not json", in: `files: a.go`, wantErr: "decoding request"},
		{name: "empty input", in: ``, wantErr: "decoding request"},
		{name: "missing files", in: `{"checks":{"gofmt":true}}`, wantErr: `no "files"`},
		{name: "null files", in: `{"files":null}`, wantErr: `no "files"`},
		{name: "empty path", in: `{"files":[{"display":"x"}]}`, wantErr: "empty path"},
		{name: "unknown field", in: `{"files":[],"chekcs":{}}`, wantErr: "unknown field"},
		{name: "unknown check", in: `{"files":[],"checks":{"gofmtt":true}}`, wantErr: "unknown field"},
		{name: "wrong type", in: `{"files":"a.go"}`, wantErr: "decoding request"},
		{name: "two objects", in: `{"files":[]}{"files":[]}`, wantErr: "unexpected data"},
		{name: "too many files", in: `{"files":[` + strings.Repeat(`{"path":"a"},`, MaxRequestFiles) + `{"path":"a"}]}`, wantErr: "more than the limit"},
		{name: "too large", in: `{"files":[` + strings.Repeat(`{"path":"a"},`, MaxRequestBytes/10) + `{"path":"a"}]}`, wantErr: "exceeds"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := DecodeRequest(strings.NewReader(tt.in))
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				if req.Files == nil {
					t.Errorf("files is nil")
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v, want it to mention %q", err, tt.wantErr)
			}
		})
	}
}

func TestRunDefaultsToAllChecks(t *testing.T) {
	reply := Run(Request{Files: []FileRef{{Path: "testdata/server_impl.go"}}})
	r := reply.Files[0]
	if r.Imports == nil || r.Gofmt == nil || r.ChanMakes == nil || r.Lines == nil {
		t.Errorf("not every check ran: %+v", r)
	}
	reply = Run(Request{Files: []FileRef{{Path: "testdata/server_impl.go"}}, Checks: &Checks{Gofmt: true}})
	r = reply.Files[0]
	if r.Imports != nil || r.Gofmt == nil || r.ChanMakes != nil || r.Lines != nil {
		t.Errorf("only gofmt wanted: %+v", r)
	}
	if empty := Run(Request{Files: []FileRef{}}); empty.Files == nil {
		t.Errorf("empty request must produce an empty, non-nil file list")
	}
}
