// Words that only look like refused constructs: strings, comments, fields.
package lsp

import (
	"fmt"
	"strings"
)

// The //go:linkname directive and import "C" are refused by the autograder;
// this comment only talks about them, as does the string below.
const note = "no cgo: import \"C\" and //go:embed are not used here; see /proc/self/status"

type conn struct {
	os   string // a field named like a package
	exec func() // and one named like os/exec
}

func (c *conn) NewFile() string { return c.os }

func describe(c *conn) string {
	fd := "fd"
	return fmt.Sprint(strings.Repeat("C", 2), "embed", c.NewFile(), "/proc/self/"+fd, note)
}
