// want 7 embed
// want 10 //go:embed
package p0partA

import (
	"fmt"
	_ "embed"
)

//go:embed server_test.go
var staffTests string

func init() { fmt.Println(staffTests) }
