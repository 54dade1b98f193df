// Command dsgrade-jail starts one untrusted program (a student's test binary, scenario node or
// build) the way dsgrade's sandbox wants it: resource limits, no core dumps, no new privileges,
// a new session, optionally its own network namespace with only loopback, and an unprivileged
// uid/gid with no supplementary groups; then it execs the program with exactly the environment
// dsgrade gave the jail. It never runs anything itself and keeps no state. Descriptors it
// inherits without close-on-exec reach the program: that is how a test attempt gets its secret on
// fd 3 (src/gotest/record.ts); the jail itself opens nothing that survives the exec.
//
// Usage:
//
//	dsgrade-jail [-uid N -gid N] [-nproc N] [-as BYTES] [-fsize BYTES] [-cpu SEC] [-nofile N]
//	             [-netns] [-oom-score-adj N] -- PROGRAM [ARGS...]
//	dsgrade-jail -probe            prints what this machine allows (setuid, netns) as JSON
//
// When the jail itself fails before the exec it prints "dsgrade-jail: <reason>" on stderr and
// exits with status 125, so the grader can tell a sandbox failure from the program's own exit.
//
// With -report-fd N the jail does not exec the program itself: it stays as a supervisor, the
// parent of a second jail process that does all of the above in a new session and execs the
// program, and accounts for the program's whole process tree (harness/proctree): it is a child
// subreaper, reaps everything, and when the program exits kills what the program left behind
// (daemons in other sessions included) and writes on fd N one JSON line with the tree's CPU time
// and peak RSS and the program's exit status, then exits with that status (128+n for signal n).
// Before that it writes {"pid": P}: the program's pid, which is also its process group, where
// dsgrade sends signals. The supervisor keeps the caller's uid (root in uid mode), so the
// program cannot signal it or read the report descriptor, which it never inherits.
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"
	"unsafe"

	"dsgrade.dev/harness/proctree"
)

// jailFailed is the exit status of a jail that could not start its program.
const jailFailed = 125

// options are the parsed command-line flags; -1 means "leave as is".
type options struct {
	uid, gid    int
	nproc       int64
	as          int64
	fsize       int64
	cpu         int64
	nofile      int64
	netns       bool
	oomScoreAdj int
	probe       bool
	// reportFd >= 0: supervise the program and report its usage there (see the package comment).
	reportFd int
	// parentPid > 0: this jail runs under a supervisor with that pid and dies with it.
	parentPid int
	argv      []string
}

func init() {
	// Namespaces and the exec must happen on one OS thread: unshare(2) changes only the calling
	// thread, and execve(2) runs on whichever thread calls it.
	runtime.LockOSThread()
}

func main() {
	opts, err := parseFlags(os.Args[1:])
	if err != nil {
		fail("%v", err)
	}
	if opts.probe {
		probe()
		return
	}
	if opts.reportFd >= 0 {
		os.Exit(supervise(opts, os.Args[1:]))
	}
	if err := jail(opts); err != nil {
		fail("%v", err)
	}
}

func parseFlags(args []string) (options, error) {
	var o options
	fs := flag.NewFlagSet("dsgrade-jail", flag.ContinueOnError)
	fs.IntVar(&o.uid, "uid", -1, "run as this uid (needs root)")
	fs.IntVar(&o.gid, "gid", -1, "run as this gid (needs root)")
	fs.Int64Var(&o.nproc, "nproc", -1, "RLIMIT_NPROC: processes and threads of the uid")
	fs.Int64Var(&o.as, "as", -1, "RLIMIT_AS: address space in bytes")
	fs.Int64Var(&o.fsize, "fsize", -1, "RLIMIT_FSIZE: largest file in bytes")
	fs.Int64Var(&o.cpu, "cpu", -1, "RLIMIT_CPU: CPU seconds")
	fs.Int64Var(&o.nofile, "nofile", -1, "RLIMIT_NOFILE: open files")
	fs.BoolVar(&o.netns, "netns", false, "best effort: a new network namespace with only loopback")
	fs.IntVar(&o.oomScoreAdj, "oom-score-adj", 1000, "the kernel OOM killer's preference for this process (-1000..1000)")
	fs.BoolVar(&o.probe, "probe", false, "print what this machine allows as JSON and exit")
	fs.IntVar(&o.reportFd, "report-fd", -1, "supervise the program and write its process tree's usage and exit status on this descriptor")
	fs.IntVar(&o.parentPid, "parent-pid", 0, "internal: the supervising jail's pid (die with it)")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	o.argv = fs.Args()
	if !o.probe && len(o.argv) == 0 {
		return o, errors.New("no program to run (usage: dsgrade-jail [flags] -- PROGRAM [ARGS...])")
	}
	if (o.uid < 0) != (o.gid < 0) {
		return o, errors.New("-uid and -gid go together")
	}
	if o.reportFd >= 0 && o.reportFd <= 3 {
		return o, errors.New("-report-fd must be above 3 (0-2 are the program's stdio, 3 its secret)")
	}
	return o, nil
}

// killTreeWithin bounds the clean-up after the program exits: SIGKILLed processes die at once
// unless the kernel holds them (uninterruptible I/O); the report then says "complete": false.
const killTreeWithin = 5 * time.Second

// supervise starts a second jail (args without -report-fd, with -parent-pid) as a child in a new
// session, reaps everything, and reports on o.reportFd. Returns the exit status to exit with.
func supervise(o options, args []string) int {
	report := os.NewFile(uintptr(o.reportFd), "report")
	syscall.CloseOnExec(o.reportFd)
	// Undumpable: in rlimits mode the program runs as this uid and must not read the report fd
	// through /proc or ptrace.
	if _, _, e := syscall.RawSyscall(syscall.SYS_PRCTL, syscall.PR_SET_DUMPABLE, 0, 0); e != 0 {
		fail("prctl(PR_SET_DUMPABLE): %v", e)
	}
	if err := proctree.BecomeSubreaper(); err != nil {
		fail("prctl(PR_SET_CHILD_SUBREAPER): %v", err)
	}
	self, err := os.Executable()
	if err != nil {
		fail("cannot find own executable: %v", err)
	}
	childArgs := append([]string{"-parent-pid", strconv.Itoa(os.Getpid())}, withoutReportFd(args)...)
	var extra []*os.File
	// fd 3, the test attempt's secret, goes to the program only; this process keeps no copy.
	if _, err := fcntl(3, syscall.F_GETFD); err == nil {
		extra = append(extra, os.NewFile(3, "fd3"))
	}
	chld := make(chan os.Signal, 16)
	signal.Notify(chld, syscall.SIGCHLD)
	cmd := &exec.Cmd{
		Path:        self,
		Args:        append([]string{self}, childArgs...),
		Env:         os.Environ(),
		Stdin:       os.Stdin,
		Stdout:      os.Stdout,
		Stderr:      os.Stderr,
		ExtraFiles:  extra,
		SysProcAttr: &syscall.SysProcAttr{Setsid: true, Pdeathsig: syscall.SIGKILL},
	}
	if err := cmd.Start(); err != nil {
		fail("cannot start the jailed program: %v", err)
	}
	for _, f := range extra {
		f.Close()
	}
	pid := cmd.Process.Pid
	writeLine(report, map[string]any{"pid": pid})
	reaper := proctree.NewReaper(pid)
	ws := reaper.ReapUntilMainExits(chld)
	// The program's group is its pid (it is a session leader); whatever it left anywhere else
	// is a descendant, re-parented here.
	complete := reaper.KillAll(pid, time.Now().Add(killTreeWithin))
	writeLine(report, struct {
		proctree.Usage
		Exit proctree.Exit `json:"exit"`
	}{proctree.ChildrenUsage(complete), proctree.ExitOf(ws)})
	report.Close()
	return proctree.StatusCode(ws)
}

// withoutReportFd drops -report-fd (both spellings) from the flags before "--".
func withoutReportFd(args []string) []string {
	var out []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			return append(out, args[i:]...)
		}
		name := strings.TrimLeft(a, "-")
		if name == "report-fd" {
			i++
			continue
		}
		if strings.HasPrefix(name, "report-fd=") {
			continue
		}
		out = append(out, a)
	}
	return out
}

func writeLine(f *os.File, v any) {
	b, _ := json.Marshal(v)
	_, _ = f.Write(append(b, '\n'))
}

func fcntl(fd int, cmd int) (int, error) {
	r, _, e := syscall.Syscall(syscall.SYS_FCNTL, uintptr(fd), uintptr(cmd), 0)
	if e != 0 {
		return 0, e
	}
	return int(r), nil
}

func jail(o options) error {
	file, err := exec.LookPath(o.argv[0])
	if err != nil {
		return fmt.Errorf("program not found: %v", err)
	}
	// Lower the OOM killer's regard for dsgrade: under memory pressure the student's process dies first.
	if o.oomScoreAdj != 0 {
		_ = os.WriteFile("/proc/self/oom_score_adj", []byte(strconv.Itoa(o.oomScoreAdj)), 0)
	}
	limits := []struct {
		name     string
		resource int
		value    int64
	}{
		{"RLIMIT_CORE", syscall.RLIMIT_CORE, 0},
		{"RLIMIT_NPROC", 6 /* RLIMIT_NPROC */, o.nproc},
		{"RLIMIT_AS", syscall.RLIMIT_AS, o.as},
		{"RLIMIT_FSIZE", syscall.RLIMIT_FSIZE, o.fsize},
		{"RLIMIT_CPU", syscall.RLIMIT_CPU, o.cpu},
		{"RLIMIT_NOFILE", syscall.RLIMIT_NOFILE, o.nofile},
	}
	for _, l := range limits {
		if l.value < 0 {
			continue
		}
		v := uint64(l.value)
		rl := syscall.Rlimit{Cur: v, Max: v}
		if l.resource == syscall.RLIMIT_CPU {
			// The soft limit sends SIGXCPU; the hard limit, a second later, SIGKILL.
			rl.Max = v + 1
		}
		if err := syscall.Setrlimit(l.resource, &rl); err != nil {
			return fmt.Errorf("setrlimit %s=%d: %v", l.name, l.value, err)
		}
	}
	if o.netns {
		// Best effort: without CAP_SYS_ADMIN (Gradescope) this fails and the program keeps the
		// container's network; dsgrade's probe reports that once per run.
		if err := syscall.Unshare(syscall.CLONE_NEWNET); err == nil {
			if err := loopbackUp(); err != nil {
				return fmt.Errorf("bringing up loopback in the new network namespace: %v", err)
			}
		}
	}
	// A new session, unless dsgrade already made this process a session leader.
	if _, err := syscall.Setsid(); err != nil && !errors.Is(err, syscall.EPERM) {
		return fmt.Errorf("setsid: %v", err)
	}
	if o.uid >= 0 {
		if err := syscall.Setgroups([]int{}); err != nil {
			return fmt.Errorf("setgroups: %v", err)
		}
		if err := syscall.Setresgid(o.gid, o.gid, o.gid); err != nil {
			return fmt.Errorf("setgid %d: %v", o.gid, err)
		}
		if err := syscall.Setresuid(o.uid, o.uid, o.uid); err != nil {
			return fmt.Errorf("setuid %d: %v", o.uid, err)
		}
		if syscall.Getuid() != o.uid || syscall.Geteuid() != o.uid || syscall.Getegid() != o.gid {
			return errors.New("still privileged after setuid")
		}
	}
	if o.parentPid > 0 {
		// The parent-death signal set at fork is cleared by the uid change: set it again, then make
		// sure the supervisor did not die in between (the program would outlive it unaccounted).
		if _, _, e := syscall.RawSyscall(syscall.SYS_PRCTL, syscall.PR_SET_PDEATHSIG, uintptr(syscall.SIGKILL), 0); e != 0 {
			return fmt.Errorf("prctl(PR_SET_PDEATHSIG): %v", e)
		}
		if os.Getppid() != o.parentPid {
			return errors.New("the supervising jail is gone")
		}
	}
	// Setuid-root programs on the machine (su, passwd, …) must not give privileges back.
	if _, _, e := syscall.RawSyscall6(syscall.SYS_PRCTL, 38 /* PR_SET_NO_NEW_PRIVS */, 1, 0, 0, 0, 0); e != 0 {
		return fmt.Errorf("prctl(PR_SET_NO_NEW_PRIVS): %v", e)
	}
	// The environment is exactly what dsgrade gave the jail.
	if err := syscall.Exec(file, o.argv, os.Environ()); err != nil {
		return fmt.Errorf("exec %s: %v", file, err)
	}
	return nil
}

// loopbackUp sets IFF_UP on "lo", the only interface of a new network namespace.
func loopbackUp() error {
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_DGRAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer syscall.Close(fd)
	var ifr [40]byte
	copy(ifr[:], "lo")
	if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, uintptr(fd), syscall.SIOCGIFFLAGS, uintptr(unsafe.Pointer(&ifr[0]))); e != 0 {
		return e
	}
	flags := *(*uint16)(unsafe.Pointer(&ifr[16]))
	*(*uint16)(unsafe.Pointer(&ifr[16])) = flags | syscall.IFF_UP | syscall.IFF_RUNNING
	if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, uintptr(fd), syscall.SIOCSIFFLAGS, uintptr(unsafe.Pointer(&ifr[0]))); e != 0 {
		return e
	}
	return nil
}

// probe reports what this machine allows, without changing anything in the caller.
func probe() {
	report := map[string]any{
		"uid":    syscall.Getuid(),
		"setuid": syscall.Geteuid() == 0,
	}
	// Try a network namespace in a throwaway child: this process must stay where it is.
	report["netns"] = canUnshareNet()
	_ = json.NewEncoder(os.Stdout).Encode(report)
}

// canUnshareNet tries a child in a new network namespace.
func canUnshareNet() bool {
	cmd := exec.Command("/bin/true")
	cmd.SysProcAttr = &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWNET}
	return cmd.Run() == nil
}

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "dsgrade-jail: "+format+"\n", args...)
	os.Exit(jailFailed)
}
