// Command dsgrade-exec is the tiny supervisor dsgrade runs inside a sandbox
// container (docs/docker.md). It is static, so it needs nothing from the image.
//
//	dsgrade-exec init
//	    PID 1 of a sandbox container: reaps orphans until SIGTERM or until its
//	    stdin closes (dsgrade holds it open: when dsgrade dies, the container
//	    stops and, created with auto-remove, disappears).
//	dsgrade-exec run [-lifeline] [-fd3] -- FILE ARGS...
//	    Writes a header line "\x00dsgrade-exec pid=<its pid>\n" on stdout, then
//	    starts FILE in a new session (its own process group) with the same
//	    stdio, forwards signals to that group, and when FILE exits kills
//	    whatever is left in the group and exits with FILE's status (128+n when
//	    FILE was killed by signal n). Only the variables named in
//	    DSGRADE_EXEC_KEEP (comma-separated) reach FILE.
//	    With -lifeline, FILE reads /dev/null and the group is killed when the
//	    supervisor's own stdin closes.
//	    The supervisor is a child subreaper (harness/proctree): when FILE exits it
//	    kills every descendant FILE left, wherever (other sessions too), reaps
//	    them, and writes a last line on stdout,
//	    "\x00dsgrade-exec usage {JSON}\n", with the whole tree's CPU time and
//	    peak RSS (proctree.Usage). Nothing of FILE is alive by then, so a line
//	    FILE printed that looks the same is never the last one.
//	    With -fd3, the supervisor first reads one line from its stdin (a test
//	    attempt's secret: docker exec cannot pass descriptors) and gives FILE a
//	    socket holding exactly that line, then end of file, as fd 3; FILE's
//	    stdin is what follows on the supervisor's. The supervisor makes itself
//	    undumpable before it reads, so that FILE, which runs as the same uid,
//	    cannot read the line from its memory.
//	dsgrade-exec signal PID SIG
//	    Asks the supervisor PID to send signal SIG (a number) to its group.
//	dsgrade-exec listening tcp|udp PORT
//	    Exits 0 when a socket listens on PORT in this network namespace.
//	dsgrade-exec probe
//	    The load probe inside the container (docs/scheduling.md): sleeps 10 ms
//	    in a loop and prints "L <monotonic µs> <late µs>" for every wake-up, and
//	    every 100 ms "S <monotonic µs> <total µs> cgroup|system", the CPU
//	    pressure stall total (PSI "some") of the container's cgroup, else of
//	    the machine; lines are flushed every 250 ms. Exits when stdin closes.
//
// Signals that cannot be caught (SIGKILL, SIGSTOP) are asked for with a
// real-time signal: supervisor signal 34+n means "send signal n to the
// group", so every signal 1..30 can be relayed, and a supervisor is never
// stopped or killed by a request meant for its child.
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"dsgrade.dev/harness/proctree"
)

// relayBase is the first real-time signal used for relayed requests.
const relayBase = 34

func main() {
	if len(os.Args) < 2 {
		fail("usage: dsgrade-exec init | run -- FILE ARGS... | signal PID SIG")
	}
	switch os.Args[1] {
	case "init":
		runInit()
	case "run":
		args := os.Args[2:]
		lifeline, fd3 := false, false
		for len(args) > 0 && (args[0] == "-lifeline" || args[0] == "-fd3") {
			lifeline = lifeline || args[0] == "-lifeline"
			fd3 = fd3 || args[0] == "-fd3"
			args = args[1:]
		}
		if len(args) > 0 && args[0] == "--" {
			args = args[1:]
		}
		if len(args) == 0 {
			fail("run: no program given")
		}
		os.Exit(run(args, lifeline, fd3))
	case "listening":
		if len(os.Args) != 4 {
			fail("usage: dsgrade-exec listening tcp|udp PORT")
		}
		port, err := strconv.Atoi(os.Args[3])
		if err != nil {
			fail("listening: PORT must be a number")
		}
		if listening(os.Args[2], port) {
			os.Exit(0)
		}
		os.Exit(1)
	case "probe":
		runProbe(os.Stdin, os.Stdout)
	case "signal":
		if len(os.Args) != 4 {
			fail("usage: dsgrade-exec signal PID SIG")
		}
		pid, err1 := strconv.Atoi(os.Args[2])
		sig, err2 := strconv.Atoi(os.Args[3])
		if err1 != nil || err2 != nil || sig < 1 || sig > 30 {
			fail("signal: PID and SIG (1..30) must be numbers")
		}
		if err := syscall.Kill(pid, syscall.Signal(relayBase+sig)); err != nil {
			fail("signal: " + err.Error())
		}
	default:
		fail("unknown mode " + os.Args[1])
	}
}

func fail(msg string) {
	fmt.Fprintln(os.Stderr, "dsgrade-exec:", msg)
	os.Exit(125)
}

// runInit reaps every orphan re-parented to PID 1 until asked to stop.
func runInit() {
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, syscall.SIGINT)
	chld := make(chan os.Signal, 16)
	signal.Notify(chld, syscall.SIGCHLD)
	go func() {
		_, _ = io.Copy(io.Discard, os.Stdin)
		stop <- syscall.SIGTERM
	}()
	for {
		select {
		case <-stop:
			os.Exit(0)
		case <-chld:
			for {
				var ws syscall.WaitStatus
				pid, err := syscall.Wait4(-1, &ws, syscall.WNOHANG, nil)
				if pid <= 0 || err != nil {
					break
				}
			}
		}
	}
}

// usageTrailer starts the last line of a run's stdout (see the package comment).
const usageTrailer = "\x00dsgrade-exec usage "

// killTreeWithin bounds the clean-up after FILE exits (see proctree.KillAll).
const killTreeWithin = 5 * time.Second

func run(args []string, lifeline, fd3 bool) int {
	env := keptEnv()
	if err := proctree.BecomeSubreaper(); err != nil {
		fmt.Fprintf(os.Stderr, "dsgrade-exec: cannot start %s: prctl(PR_SET_CHILD_SUBREAPER): %v\n", args[0], err)
		return 127
	}
	// The header comes before the child exists, so the child can never forge it.
	fmt.Fprintf(os.Stdout, "\x00dsgrade-exec pid=%d\n", os.Getpid())
	var extra []*os.File
	if fd3 {
		f, err := secretSocket(os.Stdin)
		if err != nil {
			fmt.Fprintf(os.Stderr, "dsgrade-exec: cannot start %s: -fd3: %v\n", args[0], err)
			return 127
		}
		extra = append(extra, f)
	}

	relayed := make(chan os.Signal, 64)
	var relaySigs []os.Signal
	for n := 1; n <= 30; n++ {
		relaySigs = append(relaySigs, syscall.Signal(relayBase+n))
	}
	signal.Notify(relayed, relaySigs...)
	// Polite signals sent to the supervisor itself go to the child's group too.
	signal.Notify(relayed, syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP, syscall.SIGQUIT)
	chld := make(chan os.Signal, 16)
	signal.Notify(chld, syscall.SIGCHLD)

	path := args[0]
	if !strings.Contains(path, "/") {
		if p, err := exec.LookPath(path); err == nil {
			path = p
		}
	}
	cmd := &exec.Cmd{
		Path:        path,
		Args:        args,
		Env:         env,
		Stdin:       stdin(lifeline),
		Stdout:      os.Stdout,
		Stderr:      os.Stderr,
		ExtraFiles:  extra,
		SysProcAttr: &syscall.SysProcAttr{Setsid: true},
	}
	err := cmd.Start()
	for _, f := range extra {
		f.Close() // the child has its own copy
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "dsgrade-exec: cannot start %s: %v\n", args[0], err)
		return 127
	}
	pgid := cmd.Process.Pid
	if lifeline {
		go func() {
			_, _ = io.Copy(io.Discard, os.Stdin)
			_ = syscall.Kill(-pgid, syscall.SIGKILL)
		}()
	}
	done := make(chan struct{})
	go func() {
		for {
			select {
			case s := <-relayed:
				n := int(s.(syscall.Signal))
				if n > relayBase {
					n -= relayBase
				}
				_ = syscall.Kill(-pgid, syscall.Signal(n))
			case <-done:
				return
			}
		}
	}()
	// Every child is reaped here as it exits (orphans included), never through cmd.Wait.
	reaper := proctree.NewReaper(pgid)
	ws := reaper.ReapUntilMainExits(chld)
	close(done)
	// Whatever the program left, in its group or elsewhere, dies with it, so the pipes close.
	complete := reaper.KillAll(pgid, time.Now().Add(killTreeWithin))
	line, _ := json.Marshal(proctree.ChildrenUsage(complete))
	fmt.Fprintf(os.Stdout, "%s%s\n", usageTrailer, line)
	return proctree.StatusCode(ws)
}

// maxSecretLine bounds the line read for fd 3.
const maxSecretLine = 64 << 10

// secretSocket reads one line from r, byte by byte so that nothing after it is consumed, and
// returns one end of a socket pair holding exactly that line; the other end is closed, so the
// reader sees end of file after it. A socket (not a pipe): /proc/<pid>/fd/3 cannot reopen it.
func secretSocket(r io.Reader) (*os.File, error) {
	// Undumpable: the child runs as this uid and must not read the line from this process.
	if _, _, e := syscall.RawSyscall(syscall.SYS_PRCTL, syscall.PR_SET_DUMPABLE, 0, 0); e != 0 {
		return nil, fmt.Errorf("prctl(PR_SET_DUMPABLE): %v", e)
	}
	line := make([]byte, 0, 256)
	var b [1]byte
	for {
		n, err := r.Read(b[:])
		if n == 1 {
			line = append(line, b[0])
			if b[0] == '\n' {
				break
			}
			if len(line) > maxSecretLine {
				return nil, fmt.Errorf("the line for fd 3 is longer than %d bytes", maxSecretLine)
			}
		}
		if err != nil {
			return nil, fmt.Errorf("no complete line for fd 3 on stdin (%v)", err)
		}
	}
	fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("socketpair: %v", err)
	}
	ours := os.NewFile(uintptr(fds[0]), "fd3-writer")
	_, err = ours.Write(line)
	for i := range line {
		line[i] = 0
	}
	ours.Close()
	if err != nil {
		syscall.Close(fds[1])
		return nil, fmt.Errorf("writing the fd 3 socket: %v", err)
	}
	return os.NewFile(uintptr(fds[1]), "fd3"), nil
}

// keptEnv is the environment for the child: only the variables dsgrade named.
func keptEnv() []string {
	keep := map[string]bool{}
	for _, k := range strings.Split(os.Getenv("DSGRADE_EXEC_KEEP"), ",") {
		if k != "" {
			keep[k] = true
		}
	}
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if keep[k] {
			env = append(env, kv)
		}
	}
	return env
}

// stdin is the child's standard input: the supervisor's own, or nothing when
// the supervisor's stdin is the lifeline.
func stdin(lifeline bool) io.Reader {
	if lifeline {
		return nil
	}
	return os.Stdin
}

// listening reports whether /proc/net lists a listening socket on port
// (TCP state 0A, unconnected UDP 07), without connecting to it.
func listening(proto string, port int) bool {
	want := "0A"
	if proto == "udp" {
		want = "07"
	}
	suffix := fmt.Sprintf(":%04X", port)
	for _, f := range []string{"/proc/net/" + proto, "/proc/net/" + proto + "6"} {
		file, err := os.Open(f)
		if err != nil {
			continue
		}
		sc := bufio.NewScanner(file)
		for sc.Scan() {
			cols := strings.Fields(sc.Text())
			if len(cols) > 3 && strings.HasSuffix(cols[1], suffix) && cols[3] == want {
				file.Close()
				return true
			}
		}
		file.Close()
	}
	return false
}
