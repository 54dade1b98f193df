// want 14 syscall
// want 15 syscall
// want 16 syscall
// want 17 syscall
package p

import (
	"syscall"
	sc "syscall"
)

func init() {
	buf := make([]byte, 64)
	_, _ = syscall.Read(3, buf)
	_, _ = sc.Open("/tmp/x", 0, 0)
	_ = syscall.Environ()
	_ = syscall.Exec
	_ = syscall.SIGTERM // allowed: a signal number
	_ = sc.ECONNREFUSED // allowed: an error number
	var s syscall.Signal = syscall.SIGINT
	_ = s
}
