package main

import (
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestParseFlags(t *testing.T) {
	o, err := parseFlags([]string{"-uid", "61001", "-gid", "61001", "-nproc", "64", "-as", "1000", "--", "/bin/true", "-x"})
	if err != nil {
		t.Fatal(err)
	}
	if o.uid != 61001 || o.gid != 61001 || o.nproc != 64 || o.as != 1000 || o.fsize != -1 || o.oomScoreAdj != 1000 {
		t.Fatalf("unexpected options %+v", o)
	}
	if strings.Join(o.argv, " ") != "/bin/true -x" {
		t.Fatalf("argv %q", o.argv)
	}
	for _, bad := range [][]string{{}, {"-uid", "1", "--", "x"}, {"-bogus"}} {
		if _, err := parseFlags(bad); err == nil {
			t.Errorf("parseFlags(%q): no error", bad)
		}
	}
}

// TestJailRunsProgram builds the jail and runs a shell under it with limits, as the current user.
func TestJailRunsProgram(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "dsgrade-jail")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	cmd := exec.Command(bin, "-fsize", "4096", "-nofile", "64", "--", "/bin/sh", "-c", `ulimit -f; ulimit -n; ulimit -c; echo "$ONLY"; cat /proc/self/status | grep NoNewPrivs`)
	cmd.Env = []string{"ONLY=this", "PATH=/usr/bin:/bin"}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("jail: %v\n%s", err, out)
	}
	want := "8\n64\n0\nthis\nNoNewPrivs:\t1\n" // ulimit -f counts 512-byte blocks
	if string(out) != want {
		t.Fatalf("got %q, want %q", out, want)
	}
	// A failure before the exec: status 125 and the prefix the grader looks for.
	cmd = exec.Command(bin, "--", "/no/such/program")
	out, _ = cmd.CombinedOutput()
	if cmd.ProcessState.ExitCode() != jailFailed || !strings.HasPrefix(string(out), "dsgrade-jail: ") {
		t.Fatalf("exit %d, output %q", cmd.ProcessState.ExitCode(), out)
	}
	// fd 3 (a test attempt's secret) reaches the program: the jail keeps it open across its exec.
	fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	ours, theirs := os.NewFile(uintptr(fds[0]), "ours"), os.NewFile(uintptr(fds[1]), "theirs")
	ours.Write([]byte("secret line\n"))
	ours.Close()
	cmd = exec.Command(bin, "-nofile", "64", "--", "/bin/sh", "-c", "cat <&3")
	cmd.ExtraFiles = []*os.File{theirs}
	out, err = cmd.CombinedOutput()
	theirs.Close()
	if err != nil || string(out) != "secret line\n" {
		t.Fatalf("fd 3 through the jail: %v %q", err, out)
	}
	_ = os.Remove(bin)
}

// TestSupervisedTreeUsage runs a program under -report-fd whose child burns CPU in a new session
// (a daemon, outside the program's group) after the program itself has exited: the jail must
// kill it, count the CPU the tree used before that, pass the exit status through, and keep the
// report descriptor away from the program.
func TestSupervisedTreeUsage(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "dsgrade-jail")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	ours, theirs := os.NewFile(uintptr(fds[0]), "ours"), os.NewFile(uintptr(fds[1]), "theirs")
	ours.Write([]byte("secret\n"))
	ours.Close()
	// The program: reads its secret, lists its descriptors, starts a CPU burner in its own
	// session that would run for a minute, burns ~0.3 s itself, and exits 7 while the burner runs.
	script := `cat <&3; ls /proc/$$/fd | sort -n | tr '\n' ' '; echo; setsid sh -c 'while :; do :; done' & end=$(($(date +%s%N)+300000000)); while [ $(date +%s%N) -lt $end ]; do :; done; echo "daemon=$!"; exit 7`
	cmd := exec.Command(bin, "-report-fd", "4", "--", "/bin/sh", "-c", script)
	cmd.Env = []string{"PATH=/usr/bin:/bin"}
	cmd.ExtraFiles = []*os.File{theirs, w}
	var out strings.Builder
	cmd.Stdout = &out
	cmd.Stderr = &out
	start := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	theirs.Close()
	w.Close()
	reportBytes, _ := io.ReadAll(r)
	err = cmd.Wait()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 7 {
		t.Fatalf("want exit 7, got %v; output %q", err, out.String())
	}
	if time.Since(start) > 20*time.Second {
		t.Fatalf("took %v: the daemon kept the jail waiting", time.Since(start))
	}
	lines := strings.Split(strings.TrimSpace(string(reportBytes)), "\n")
	if len(lines) != 2 {
		t.Fatalf("want two report lines, got %q", reportBytes)
	}
	var head struct{ Pid int }
	var final struct {
		UserUs, SysUs, MaxRssKiB int64
		Complete                 bool
		Exit                     struct{ Code, Signal *int }
	}
	if err := json.Unmarshal([]byte(lines[0]), &head); err != nil || head.Pid <= 0 {
		t.Fatalf("header %q: %v", lines[0], err)
	}
	if err := json.Unmarshal([]byte(lines[1]), &final); err != nil {
		t.Fatalf("report %q: %v", lines[1], err)
	}
	cpu := time.Duration(final.UserUs+final.SysUs) * time.Microsecond
	// The program burned 0.3 s; the daemon burned for as long as it lived (also ≥ 0.3 s of one core on an idle machine, less under load).
	if cpu < 250*time.Millisecond || !final.Complete || final.MaxRssKiB <= 0 || final.Exit.Code == nil || *final.Exit.Code != 7 {
		t.Fatalf("report %s (cpu %v)", lines[1], cpu)
	}
	text := out.String()
	if !strings.HasPrefix(text, "secret\n0 1 2 3 ") || strings.Contains(strings.SplitN(text, "\n", 3)[1], " 4 ") {
		t.Fatalf("the program saw %q: want its secret on fd 3 and no report fd", text)
	}
	daemon, _ := strconv.Atoi(strings.TrimSpace(text[strings.Index(text, "daemon=")+len("daemon="):]))
	if daemon <= 0 {
		t.Fatalf("no daemon pid in %q", text)
	}
	if b, err := os.ReadFile("/proc/" + strconv.Itoa(daemon) + "/stat"); err == nil && !strings.Contains(string(b), ") Z") {
		t.Fatalf("the daemon %d survived: %s", daemon, b)
	}
}

func TestWithoutReportFd(t *testing.T) {
	got := strings.Join(withoutReportFd([]string{"-uid", "1", "-report-fd", "4", "--report-fd=5", "-as", "9", "--", "prog", "-report-fd", "4"}), " ")
	if got != "-uid 1 -as 9 -- prog -report-fd 4" {
		t.Fatalf("got %q", got)
	}
}
