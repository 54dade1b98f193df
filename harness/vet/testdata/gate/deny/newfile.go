// want 14 os.NewFile
// want 15 os.NewFile
// want 16 os.NewFile
// want 17 os.StartProcess
package p

import (
	"io"
	"os"
	o "os"
)

func init() {
	f := os.NewFile(3, "secret")
	g := o.NewFile(4, "secret")
	open := os.NewFile
	_, _ = os.StartProcess("/bin/sh", []string{"sh", "-c", "cat <&3"}, &os.ProcAttr{})
	b, _ := io.ReadAll(f)
	_, _, _ = b, g, open
}
