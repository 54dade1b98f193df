// Package fdguard runs before any code of a submission can (see below) and protects the grader's
// secret descriptor: it marks it close-on-exec, so that no process the submission starts inherits
// it, and makes the test process undumpable, so that no other process of its uid (its own
// children included) can attach to it, read its memory or take its descriptors
// (ptrace, /proc/<pid>/mem, pidfd_getfd).
//
// It must import nothing but syscall. Go (1.21 and later) initialises packages in import-path
// order among those whose imports are done, and every package that can start a process or open a
// file imports os, which imports syscall: this package's path ("dsgrade.dev/…") sorts before "os",
// so it is initialised before os, and therefore before any package of the submission that imports
// os (directly or through fmt, net, os/exec, …). Code that reaches fd 3 without os — through
// syscall, unsafe or cgo — is the static gate's to refuse.
package fdguard

import "syscall"

// SecretFDVariable names the descriptor on which dsgrade hands the test attempt its secret.
const SecretFDVariable = "DSGRADE_SECRET_FD"

func init() {
	fd, ok := secretFD()
	if !ok {
		return
	}
	guard(fd)
}

// secretFD is the descriptor named in the environment: 3 or higher (0-2 are reachable through
// os.Stdin, os.Stdout and os.Stderr by any code, so dsgrade never uses them for the secret).
func secretFD() (int, bool) {
	text, ok := syscall.Getenv(SecretFDVariable)
	if !ok || text == "" || len(text) > 4 {
		return 0, false
	}
	fd := 0
	for _, c := range text {
		if c < '0' || c > '9' {
			return 0, false
		}
		fd = fd*10 + int(c-'0')
	}
	return fd, fd >= 3
}
