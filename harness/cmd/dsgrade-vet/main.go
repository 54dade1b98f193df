// Command dsgrade-vet runs dsgrade's static checks on Go source files.
//
// It reads one JSON request from standard input, writes one JSON reply to
// standard output and exits with status 0 whenever it produced a reply, even
// if some files could not be read or parsed. A malformed request makes it exit
// with status 2, and a failure to write the reply with status 1. It never
// compiles or runs the code it inspects. See package dsgrade.dev/harness/vet
// for the request and reply schema.
package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"

	"dsgrade.dev/harness/vet"
)

func main() {
	os.Exit(run(os.Stdin, os.Stdout, os.Stderr))
}

// run decodes the request from stdin, analyses the files and encodes the reply
// to stdout, returning the process exit status.
func run(stdin io.Reader, stdout, stderr io.Writer) int {
	req, err := vet.DecodeRequest(stdin)
	if err != nil {
		fmt.Fprintf(stderr, "dsgrade-vet: malformed request: %v\n", err)
		return 2
	}
	reply := vet.Run(req)
	enc := json.NewEncoder(stdout)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(reply); err != nil {
		fmt.Fprintf(stderr, "dsgrade-vet: writing reply: %v\n", err)
		return 1
	}
	return 0
}
