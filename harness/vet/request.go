package vet

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// DecodeRequest reads exactly one JSON request from r and validates it.
//
// A request is malformed when it is not valid JSON, is larger than
// MaxRequestBytes, contains unknown fields or trailing data, lacks the "files"
// array, names more than MaxRequestFiles files, has a file entry with an
// empty path, or has a gate policy with a rule ParseGateRule rejects. Missing or unreadable files are not malformed requests; Run
// reports them per file.
func DecodeRequest(r io.Reader) (Request, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxRequestBytes+1))
	if err != nil {
		return Request{}, fmt.Errorf("reading request: %w", err)
	}
	if len(data) > MaxRequestBytes {
		return Request{}, fmt.Errorf("request exceeds %d bytes", MaxRequestBytes)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var req Request
	if err := dec.Decode(&req); err != nil {
		return Request{}, fmt.Errorf("decoding request: %w", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return Request{}, errors.New("decoding request: unexpected data after the JSON object")
	}
	if req.Files == nil {
		return Request{}, errors.New(`request has no "files" array`)
	}
	if len(req.Files) > MaxRequestFiles {
		return Request{}, fmt.Errorf("request names %d files, more than the limit of %d", len(req.Files), MaxRequestFiles)
	}
	for i, f := range req.Files {
		if f.Path == "" {
			return Request{}, fmt.Errorf("files[%d] has an empty path", i)
		}
	}
	if req.Gate != nil {
		if _, err := compilePolicy(*req.Gate); err != nil {
			return Request{}, err
		}
	}
	return req, nil
}
