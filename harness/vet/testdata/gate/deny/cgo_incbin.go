// want 6 #cgo
// want 10 C
package p0partA

/*
#cgo CFLAGS: -O2
__asm__(".section .rodata\n.global staff\nstaff:\n.incbin \"server_test.go\"\n.byte 0\n");
extern char staff[];
*/
import/**/"C"

import "fmt"

func init() { fmt.Println(C.GoString(&C.staff[0])) }
