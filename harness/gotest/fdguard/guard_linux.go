//go:build linux

package fdguard

import "syscall"

func guard(fd int) {
	syscall.CloseOnExec(fd)
	// PR_SET_DUMPABLE 0: /proc/<pid>/{mem,fd,environ} and ptrace are closed to other processes of
	// this uid. The process itself keeps access to its own /proc files.
	_, _, _ = syscall.RawSyscall(syscall.SYS_PRCTL, syscall.PR_SET_DUMPABLE, 0, 0)
}
