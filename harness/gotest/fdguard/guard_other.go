//go:build !linux

package fdguard

import "syscall"

func guard(fd int) {
	syscall.CloseOnExec(fd)
}
