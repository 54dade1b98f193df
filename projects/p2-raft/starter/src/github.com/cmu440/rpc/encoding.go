package rpc

import (
	"bytes"
	"encoding"
	"encoding/gob"
	"fmt"
	"os"
	"reflect"
	"runtime/debug"
	"sync"
)

// stop ends the program with an error: the calling code has a bug that would otherwise show up
// only as mysterious test failures (zeros where values were sent, calls that never arrive).
func stop(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "\nrpc: %s\n\nwhere it happened:\n%s\n", fmt.Sprintf(format, args...), debug.Stack())
	os.Exit(3)
}

func encode(svcMeth, what string, v interface{}) []byte {
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(v); err != nil {
		stop("Call(%q): the %s (%T) cannot be sent: %v. Everything sent over RPC must be encodable by encoding/gob: exported fields only, and a command of a type of your own stored in an interface{} must be registered with gob.Register.", svcMeth, what, v, err)
	}
	return buf.Bytes()
}

func decode(svcMeth, what string, data []byte, into interface{}) {
	if err := gob.NewDecoder(bytes.NewReader(data)).Decode(into); err != nil {
		stop("Call(%q): the %s could not be decoded into %T: %v. Do the caller and the handler use the same types?", svcMeth, what, into, err)
	}
}

// checkSendable stops the program if v's type has an unexported field anywhere inside it.
func checkSendable(svcMeth, what string, v interface{}) {
	if v == nil {
		stop("Call(%q): the %s is nil; pass a pointer to a struct such as &RequestVoteArgs{...}", svcMeth, what)
	}
	if field := unexportedField(reflect.TypeOf(v)); field != "" {
		stop("Call(%q): the %s type %T has the unexported field %s. encoding/gob does not send unexported (lower-case) fields, so its value would be lost on the way: capitalize it.", svcMeth, what, v, field)
	}
}

// checkReplyTarget stops the program unless reply is a non-nil pointer to a sendable type.
func checkReplyTarget(svcMeth string, reply interface{}) {
	v := reflect.ValueOf(reply)
	if reply == nil || v.Kind() != reflect.Ptr || v.IsNil() {
		stop("Call(%q): the reply must be a non-nil pointer (for example &reply), got %T", svcMeth, reply)
	}
	checkSendable(svcMeth, "reply", reply)
}

var (
	binaryMarshaler = reflect.TypeOf((*encoding.BinaryMarshaler)(nil)).Elem()
	gobEncoder      = reflect.TypeOf((*gob.GobEncoder)(nil)).Elem()
	fieldCache      sync.Map // reflect.Type -> string
)

// unexportedField returns "Type.field" for the first unexported struct field reachable from t
// (through pointers, slices, arrays and maps), or "" if there is none. Types that encode
// themselves (GobEncoder, BinaryMarshaler) are not looked into.
func unexportedField(t reflect.Type) string {
	if cached, ok := fieldCache.Load(t); ok {
		return cached.(string)
	}
	found := findUnexported(t, map[reflect.Type]bool{})
	fieldCache.Store(t, found)
	return found
}

func findUnexported(t reflect.Type, seen map[reflect.Type]bool) string {
	if seen[t] {
		return ""
	}
	seen[t] = true
	if t.Implements(gobEncoder) || t.Implements(binaryMarshaler) || reflect.PointerTo(t).Implements(gobEncoder) || reflect.PointerTo(t).Implements(binaryMarshaler) {
		return ""
	}
	switch t.Kind() {
	case reflect.Ptr, reflect.Slice, reflect.Array:
		return findUnexported(t.Elem(), seen)
	case reflect.Map:
		if f := findUnexported(t.Key(), seen); f != "" {
			return f
		}
		return findUnexported(t.Elem(), seen)
	case reflect.Struct:
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			if !f.IsExported() {
				return t.Name() + "." + f.Name
			}
			if inner := findUnexported(f.Type, seen); inner != "" {
				return inner
			}
		}
	}
	return ""
}
