package proctree

import (
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"
)

func TestStatOfNameWithSpacesAndParens(t *testing.T) {
	// A command name is whatever the program chose: "a) b (c" must not shift the fields.
	cmd := exec.Command("/bin/sh", "-c", "exec -a 'x) y (z' sleep 5")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	time.Sleep(100 * time.Millisecond)
	ppid, state, ok := statOf(cmd.Process.Pid)
	if !ok || ppid != os.Getpid() || state == 0 {
		t.Fatalf("statOf: ppid %d state %q ok %v", ppid, state, ok)
	}
}

// TestKillAllReapsOrphansAndCountsThem: a child that leaves a CPU-burning grandchild behind; as a
// subreaper this process inherits the grandchild, KillAll kills and reaps it, and its CPU shows
// in the children's usage.
func TestKillAllReapsOrphansAndCountsThem(t *testing.T) {
	if err := BecomeSubreaper(); err != nil {
		t.Skipf("no subreaper here: %v", err)
	}
	before := ChildrenUsage(true)
	cmd := exec.Command("/bin/sh", "-c", `sh -c 'while :; do :; done' & exit 0`)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	r := NewReaper(cmd.Process.Pid)
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		r.Reap()
		if _, done := r.MainExited(); done {
			break
		}
	}
	if _, done := r.MainExited(); !done {
		t.Fatal("the main child was not reaped")
	}
	if len(ChildrenOf(os.Getpid())) == 0 {
		t.Fatal("the orphaned burner was not re-parented here")
	}
	time.Sleep(300 * time.Millisecond)
	if !r.KillAll(cmd.Process.Pid, time.Now().Add(5*time.Second)) {
		t.Fatal("KillAll did not reap everything")
	}
	if n := len(ChildrenOf(os.Getpid())); n != 0 {
		t.Fatalf("%d children left", n)
	}
	after := ChildrenUsage(true)
	if got := (after.UserUs + after.SysUs) - (before.UserUs + before.SysUs); got < 100_000 {
		t.Fatalf("the burner's CPU was not counted: %d µs", got)
	}
}
