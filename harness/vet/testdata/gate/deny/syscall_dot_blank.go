// want 7 syscall
// want 8 syscall
package p

import (
	"fmt"
	. "syscall"
	_ "syscall"
)

func init() { fmt.Println(Getpid()) }
