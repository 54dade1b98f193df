// want 6 unsafe
// want 9 //go:linkname
// want 13 //go:linkname
package p

import _ "unsafe"

// nanotime is the runtime's clock, reached past the export rules.
//go:linkname nanotime runtime.nanotime
func nanotime() int64

func f() {
	//go:linkname inner runtime.inner
}
