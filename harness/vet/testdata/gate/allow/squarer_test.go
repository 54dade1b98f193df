package p0partB

import (
	"os"
	"testing"
	"time"
)

func TestMain2(t *testing.T) {
	if os.Getenv("VERBOSE") != "" {
		t.Log("verbose")
	}
	_ = time.Second
}
