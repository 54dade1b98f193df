// want 9 C
// want 10 C
// want 11 C
// want 14 #cgo
// want 16 C
package p

import (
	c "C"
	_ "C"
	. "C"
)

// #cgo LDFLAGS: -lm
// #include <math.h>
import "C"

var _ = c.int(0)
