// want 8 unsafe
//go:build ignore

// Build constraints do not exempt a file: the gate reads every handed-in .go file.
package p

import (
	"unsafe"
)

var _ = unsafe.Sizeof(0)
