package main

import (
	"bufio"
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

// build compiles dsgrade-exec once per test into a temporary folder.
func build(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "dsgrade-exec")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	return bin
}

func TestRunHeaderStatusAndEnvironment(t *testing.T) {
	bin := build(t)
	cmd := exec.Command(bin, "run", "--", "/bin/sh", "-c", `echo "A=$A B=$B"; exit 3`)
	cmd.Env = []string{"A=kept", "B=dropped", "DSGRADE_EXEC_KEEP=A"}
	out, err := cmd.Output()
	ee, ok := err.(*exec.ExitError)
	if !ok || ee.ExitCode() != 3 {
		t.Fatalf("want exit 3, got %v", err)
	}
	lines := strings.Split(string(out), "\n")
	if !strings.HasPrefix(lines[0], "\x00dsgrade-exec pid=") {
		t.Fatalf("no header first: %q", out)
	}
	if lines[1] != "A=kept B=" {
		t.Fatalf("environment not filtered: %q", lines[1])
	}
}

func TestRunReportsSignalAs128PlusN(t *testing.T) {
	bin := build(t)
	cmd := exec.Command(bin, "run", "--", "/bin/sh", "-c", `kill -TERM $$`)
	err := cmd.Run()
	ee, ok := err.(*exec.ExitError)
	if !ok || ee.ExitCode() != 128+int(syscall.SIGTERM) {
		t.Fatalf("want exit %d, got %v", 128+int(syscall.SIGTERM), err)
	}
}

func TestRelayedKillReachesTheWholeGroup(t *testing.T) {
	bin := build(t)
	// The child starts a background sleeper in its group, then waits.
	cmd := exec.Command(bin, "run", "--", "/bin/sh", "-c", `sleep 60 & echo child=$!; wait`)
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	r := bufio.NewReader(stdout)
	header, _ := r.ReadString('\n')
	pid, _ := strconv.Atoi(strings.TrimSpace(strings.TrimPrefix(header, "\x00dsgrade-exec pid=")))
	line, _ := r.ReadString('\n')
	sleeper, _ := strconv.Atoi(strings.TrimSpace(strings.TrimPrefix(line, "child=")))
	if pid != cmd.Process.Pid || sleeper == 0 {
		t.Fatalf("header %q line %q", header, line)
	}
	if out, err := exec.Command(bin, "signal", strconv.Itoa(pid), "9").CombinedOutput(); err != nil {
		t.Fatalf("signal: %v %s", err, out)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 128+9 {
			t.Fatalf("want exit 137, got %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("supervisor did not exit after a relayed SIGKILL")
	}
	// SIGKILL is sent at once, but the sleeper dies when the kernel next runs it: wait for that
	// (it would otherwise sleep 60 s) instead of assuming it takes less than a fixed 100 ms.
	for deadline := time.Now().Add(10 * time.Second); alive(sleeper) && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
	if alive(sleeper) {
		t.Fatalf("the background sleeper %d survived", sleeper)
	}
}

// alive reports whether pid exists and is not a zombie (killed, not yet reaped by its new parent).
func alive(pid int) bool {
	status, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return false
	}
	for _, line := range strings.Split(string(status), "\n") {
		if strings.HasPrefix(line, "State:") {
			return !strings.Contains(line, "Z") && !strings.Contains(line, "X")
		}
	}
	return true
}

func TestStartFailureIs127(t *testing.T) {
	bin := build(t)
	out, err := exec.Command(bin, "run", "--", "/does/not/exist").CombinedOutput()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 127 || !strings.Contains(string(out), "dsgrade-exec: cannot start /does/not/exist") {
		t.Fatalf("got %v %q", err, out)
	}
}

func TestFd3FromStdin(t *testing.T) {
	bin := build(t)
	cmd := exec.Command(bin, "run", "-fd3", "--", "/bin/sh", "-c", `readlink /proc/self/fd/3 | cut -c1-7; echo "fd3=$(cat <&3)"; echo "stdin=$(cat)"`)
	cmd.Env = []string{"PATH=/usr/bin:/bin", "DSGRADE_EXEC_KEEP=PATH"}
	cmd.Stdin = strings.NewReader("dsgrade-secret 1 abc /tmp/r\nthe rest\n")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("run -fd3: %v\n%s", err, out)
	}
	_, body, _ := strings.Cut(string(out), "\n")
	body, _ = splitTrailer(t, body)
	if body != "socket:\nfd3=dsgrade-secret 1 abc /tmp/r\nstdin=the rest\n" {
		t.Fatalf("child saw %q", body)
	}
}

func TestFd3WithoutALineFails(t *testing.T) {
	bin := build(t)
	cmd := exec.Command(bin, "run", "-fd3", "--", "/bin/true")
	cmd.Stdin = strings.NewReader("no newline")
	out, err := cmd.CombinedOutput()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 127 || !strings.Contains(string(out), "no complete line for fd 3") {
		t.Fatalf("got %v %q", err, out)
	}
}

// splitTrailer separates a run's output from its last line, the usage trailer.
func splitTrailer(t *testing.T, out string) (string, map[string]any) {
	t.Helper()
	i := strings.LastIndex(out, usageTrailer)
	if i < 0 || !strings.HasSuffix(out, "\n") {
		t.Fatalf("no usage trailer at the end of %q", out)
	}
	var u map[string]any
	if err := json.Unmarshal([]byte(out[i+len(usageTrailer):]), &u); err != nil {
		t.Fatalf("trailer %q: %v", out[i:], err)
	}
	return out[:i], u
}

// TestUsageTrailerCountsTheWholeTree: a daemon in its own session burns CPU after FILE printed a
// forged trailer and exited; the supervisor kills it, counts its CPU, and its trailer comes last.
func TestUsageTrailerCountsTheWholeTree(t *testing.T) {
	bin := build(t)
	script := `printf '\000dsgrade-exec usage {"userUs":1}\n'; setsid sh -c 'while :; do :; done' & end=$(($(date +%s%N)+300000000)); while [ $(date +%s%N) -lt $end ]; do :; done; echo "daemon=$!"; exit 4`
	cmd := exec.Command(bin, "run", "--", "/bin/sh", "-c", script)
	cmd.Env = []string{"PATH=/usr/bin:/bin", "DSGRADE_EXEC_KEEP=PATH"}
	start := time.Now()
	out, err := cmd.Output()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 4 {
		t.Fatalf("want exit 4, got %v", err)
	}
	if time.Since(start) > 20*time.Second {
		t.Fatalf("took %v: the daemon kept the supervisor waiting", time.Since(start))
	}
	body, u := splitTrailer(t, string(out))
	cpuUs := u["userUs"].(float64) + u["sysUs"].(float64)
	if cpuUs < 250_000 || u["complete"] != true || u["maxRssKiB"].(float64) <= 0 {
		t.Fatalf("usage %v", u)
	}
	i := strings.Index(body, "daemon=")
	daemon, _ := strconv.Atoi(strings.TrimSpace(body[i+len("daemon="):]))
	if i < 0 || daemon <= 0 {
		t.Fatalf("no daemon pid in %q", body)
	}
	if alive(daemon) {
		t.Fatalf("the daemon %d survived", daemon)
	}
}

func TestProbeSamplesUntilStdinCloses(t *testing.T) {
	bin := build(t)
	cmd := exec.Command(bin, "probe")
	in, _ := cmd.StdinPipe()
	out, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(600 * time.Millisecond)
	in.Close()
	b, _ := io.ReadAll(out)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("probe: %v", err)
	}
	late, stall := 0, 0
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		f := strings.Fields(line)
		switch {
		case len(f) == 3 && f[0] == "L":
			late++
		case len(f) == 4 && f[0] == "S" && (f[3] == "cgroup" || f[3] == "system"):
			stall++
		default:
			t.Fatalf("unexpected line %q", line)
		}
	}
	// ~60 wake-ups in 0.6 s on an idle machine; a loaded one gives fewer.
	if late < 10 {
		t.Fatalf("%d wake-ups in 0.6 s", late)
	}
	if _, err := os.Stat("/proc/pressure/cpu"); err == nil && stall == 0 {
		t.Fatal("PSI is there but no stall line was printed")
	}
}
