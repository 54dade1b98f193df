// Package proctree lets a supervisor account exactly for the CPU time and memory of everything
// its program started: the program, its children, and whatever they fork, daemons included.
//
// The supervisor becomes a child subreaper (PR_SET_CHILD_SUBREAPER), so every orphaned
// descendant is re-parented to it instead of to init, and reaps everything: the kernel adds the
// CPU time of each process that is waited for to its waiter's "children" usage, so once every
// descendant has been reaped, getrusage(RUSAGE_CHILDREN) of the supervisor holds the whole tree.
// One exception, stated where the figures are documented (docs/scheduling.md): a process that
// sets SIGCHLD to SIG_IGN has its children reaped by the kernel without accounting.
//
// The peak RSS the kernel keeps for children is the largest single descendant's, not the sum.
package proctree

import (
	"errors"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Usage is what the tree used, in the units the report carries.
type Usage struct {
	// UserUs and SysUs are the CPU time in user and kernel mode, in microseconds.
	UserUs int64 `json:"userUs"`
	SysUs  int64 `json:"sysUs"`
	// MaxRssKiB is the peak resident set size of the largest single process of the tree.
	MaxRssKiB int64 `json:"maxRssKiB"`
	// Complete is false when some descendant could not be reaped in time (the figures are then a
	// lower bound).
	Complete bool `json:"complete"`
}

// BecomeSubreaper makes orphaned descendants of this process its children.
func BecomeSubreaper() error {
	if _, _, e := syscall.RawSyscall6(syscall.SYS_PRCTL, 36 /* PR_SET_CHILD_SUBREAPER */, 1, 0, 0, 0, 0); e != 0 {
		return e
	}
	return nil
}

// Reaper reaps every child of this process as it exits, remembering the status of the one the
// supervisor started (its main child); orphans re-parented here are reaped too, so they never
// pile up as zombies (which count against the run uid's RLIMIT_NPROC).
type Reaper struct {
	main   int
	status syscall.WaitStatus
	done   bool
}

// NewReaper watches for the exit of main.
func NewReaper(main int) *Reaper { return &Reaper{main: main} }

// Reap waits for whatever children have exited without blocking. It returns false once this
// process has no children left at all.
func (r *Reaper) Reap() (childrenLeft bool) {
	for {
		var ws syscall.WaitStatus
		pid, err := syscall.Wait4(-1, &ws, syscall.WNOHANG, nil)
		if errors.Is(err, syscall.EINTR) {
			continue
		}
		if errors.Is(err, syscall.ECHILD) {
			return false
		}
		if err != nil || pid <= 0 {
			return true
		}
		if pid == r.main {
			r.status, r.done = ws, true
		}
	}
}

// MainExited reports whether the main child has been reaped, and its status.
func (r *Reaper) MainExited() (syscall.WaitStatus, bool) { return r.status, r.done }

// ReapUntilMainExits reaps every child as it exits (orphans included) until the main child has
// exited, waking on each SIGCHLD from chld and every 100 ms (a missed SIGCHLD costs at most
// that), and returns the main child's status.
func (r *Reaper) ReapUntilMainExits(chld <-chan os.Signal) syscall.WaitStatus {
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		r.Reap()
		if ws, exited := r.MainExited(); exited {
			return ws
		}
		select {
		case <-chld:
		case <-tick.C:
		}
	}
}

// KillAll SIGKILLs every descendant — the main child's process group first, then every child of
// this process (orphans land here, see BecomeSubreaper), round after round, until every one has
// been reaped or the deadline passes. Returns whether everything was reaped.
func (r *Reaper) KillAll(group int, deadline time.Time) bool {
	if group > 0 {
		_ = syscall.Kill(-group, syscall.SIGKILL)
	}
	self := os.Getpid()
	for {
		if !r.Reap() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		for _, pid := range ChildrenOf(self) {
			// The child's own group as well: a child that started a session took its helpers along.
			_ = syscall.Kill(-pid, syscall.SIGKILL)
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// ChildrenOf lists the live children of pid from /proc/<n>/stat (zombies excluded: they only
// need reaping).
func ChildrenOf(pid int) []int {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	var out []int
	for _, e := range entries {
		n, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		ppid, state, ok := statOf(n)
		if ok && ppid == pid && state != 'Z' && state != 'X' {
			out = append(out, n)
		}
	}
	return out
}

// statOf reads the parent pid and state from /proc/<pid>/stat; the command name may hold spaces
// and parentheses, so the fields are taken after its last ')'.
func statOf(pid int) (ppid int, state byte, ok bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, 0, false
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 || i+2 >= len(s) {
		return 0, 0, false
	}
	fields := strings.Fields(s[i+2:])
	if len(fields) < 2 {
		return 0, 0, false
	}
	ppid, err = strconv.Atoi(fields[1])
	if err != nil || len(fields[0]) == 0 {
		return 0, 0, false
	}
	return ppid, fields[0][0], true
}

// ChildrenUsage is getrusage(RUSAGE_CHILDREN): every descendant reaped so far.
func ChildrenUsage(complete bool) Usage {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_CHILDREN, &ru); err != nil {
		return Usage{}
	}
	us := func(tv syscall.Timeval) int64 { return int64(tv.Sec)*1_000_000 + int64(tv.Usec) }
	return Usage{UserUs: us(ru.Utime), SysUs: us(ru.Stime), MaxRssKiB: int64(ru.Maxrss), Complete: complete}
}

// Exit is a wait status as the report carries it: a code, or the signal that ended the process.
type Exit struct {
	Code   *int `json:"code,omitempty"`
	Signal *int `json:"signal,omitempty"`
}

// ExitOf converts a wait status.
func ExitOf(ws syscall.WaitStatus) Exit {
	if ws.Signaled() {
		s := int(ws.Signal())
		return Exit{Signal: &s}
	}
	c := ws.ExitStatus()
	return Exit{Code: &c}
}

// StatusCode is the exit status a supervisor gives for ws: the code, or 128+n for signal n.
func StatusCode(ws syscall.WaitStatus) int {
	if ws.Signaled() {
		return 128 + int(ws.Signal())
	}
	return ws.ExitStatus()
}
