// want 24 /proc/*/fd
// want 25 /dev/fd
// want 26 /proc/*/fd
// want 27 /proc/*/fd
// want 28 /proc/*/fd
// want 29 /proc/*/fd
// want 30 /proc/*/fd
// want 31 /proc/*/task/*/fd
// want 32 /proc/*/mem
// want 33 /proc/*/fd
// want 34 /dev/fd
// want 38 /proc/*/fd
package p

import (
	"fmt"
	"os"
	fp "path/filepath"
)

const procSelf = "/proc/" + "self"

func init() {
	_, _ = os.Open("/proc/self/fd/3")
	_, _ = os.ReadFile("/dev/fd/" + "3")
	_, _ = os.Open(procSelf + "/fd/3")
	_, _ = os.Open(fp.Join(procSelf, "fd", "3"))
	_, _ = os.Open(fmt.Sprintf("/proc/%d/fd/3", os.Getpid()))
	_, _ = os.Open("../../../../../../proc/self/fd/3")
	_, _ = os.Open("/proc//self/./fd")
	_, _ = os.Open("/proc/self/task/1/fd/3")
	_, _ = os.Open("/proc/thread-self/mem")
	_ = "cat /proc/self/fd/3 > /tmp/x"
	_ = `/dev/fd`
}

const (
	base = "/proc/self/fd/"
	same
)
