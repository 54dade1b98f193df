// want 8 os/exec
// want 9 plugin
// want 10 golang.org/x/sys/...
// want 11 golang.org/x/sys/...
package p

import (
	"os/exec"
	"plugin"
	"golang.org/x/sys/unix"
	xcpu "golang.org/x/sys/cpu"
)

var _ = exec.Command
var _ = plugin.Open
var _ = unix.Read
var _ = xcpu.X86
