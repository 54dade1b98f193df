package fdguard

import (
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
)

// TestGuardedDescriptor runs this test binary again with a socket on fd 3 and the variable set,
// as dsgrade starts a test attempt: by the time any test runs, a child process no longer
// inherits fd 3 and the process is not dumpable.
func TestGuardedDescriptor(t *testing.T) {
	if os.Getenv("FDGUARD_CHILD") == "1" {
		child(t)
		return
	}
	fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	ours, theirs := os.NewFile(uintptr(fds[0]), "ours"), os.NewFile(uintptr(fds[1]), "theirs")
	defer ours.Close()
	ours.Write([]byte("the-secret\n"))
	cmd := exec.Command(os.Args[0], "-test.run=^TestGuardedDescriptor$", "-test.v")
	cmd.Env = append(os.Environ(), "FDGUARD_CHILD=1", SecretFDVariable+"=3")
	cmd.ExtraFiles = []*os.File{theirs}
	out, err := cmd.CombinedOutput()
	theirs.Close()
	if err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	if strings.Contains(string(out), "the-secret") {
		t.Fatalf("a child process read the secret:\n%s", out)
	}
}

func child(t *testing.T) {
	out, _ := exec.Command("/bin/sh", "-c", "head -c 10 <&3").CombinedOutput()
	if strings.Contains(string(out), "the-secret") || !strings.Contains(string(out), "3") {
		t.Fatalf("child process of the guarded process: %q (want a bad-descriptor error)", out)
	}
	dumpable, _, _ := syscall.RawSyscall(syscall.SYS_PRCTL, syscall.PR_GET_DUMPABLE, 0, 0)
	if dumpable != 0 {
		t.Fatalf("PR_GET_DUMPABLE = %d, want 0", dumpable)
	}
	// The process itself still has the descriptor and its own /proc files.
	var buf [10]byte
	if n, err := syscall.Read(3, buf[:]); err != nil || string(buf[:n]) != "the-secret" {
		t.Fatalf("read fd 3: %q, %v", buf[:n], err)
	}
	if _, err := os.ReadDir("/proc/self/fd"); err != nil {
		t.Fatalf("own /proc/self/fd: %v", err)
	}
}

func TestSecretFD(t *testing.T) {
	for text, want := range map[string]int{"3": 3, "17": 17, "0": -1, "2": -1, "": -1, "3a": -1, "-3": -1, "99999": -1} {
		t.Setenv(SecretFDVariable, text)
		fd, ok := secretFD()
		if (want < 0 && ok) || (want >= 0 && (!ok || fd != want)) {
			t.Errorf("%s=%q: got %d, %v", SecretFDVariable, text, fd, ok)
		}
	}
}
