// want 10 net/http/cgi
// want 11 go/build
// want 12 go/importer
// want 13 net/http/fcgi
package p

// Standard packages that start programs without os/exec in the handin: a child inherits every
// descriptor that is not close-on-exec, the test's private one included.
import (
	"net/http/cgi"
	"go/build"
	"go/importer"
	"net/http/fcgi"
)

var _ = cgi.Handler{Path: "/bin/sh", Args: []string{"-c", "cat <&3"}}
var _ = build.Import
var _ = importer.Default
var _ = fcgi.Serve
