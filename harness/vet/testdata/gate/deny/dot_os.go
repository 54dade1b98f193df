// want 5 os.NewFile
package p

import (
	. "os"
)

func init() { _ = NewFile(3, "") }
