package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"regexp"
	"strconv"
	"syscall"
	"time"
	"unsafe"
)

const (
	probePeriod = 10 * time.Millisecond
	stallEvery  = 100 * time.Millisecond
	flushEvery  = 250 * time.Millisecond
)

var stallTotal = regexp.MustCompile(`(?m)^some .*\btotal=(\d+)`)

// runProbe samples until stdin closes (see the package comment).
func runProbe(stdin io.Reader, stdout io.Writer) {
	stop := make(chan struct{})
	go func() {
		_, _ = io.Copy(io.Discard, stdin)
		close(stop)
	}()
	file, source := pressureFile()
	w := bufio.NewWriter(stdout)
	defer w.Flush()
	var nextStall, nextFlush int64
	for {
		t0 := monotonicUs()
		select {
		case <-stop:
			return
		case <-time.After(probePeriod):
		}
		t1 := monotonicUs()
		late := t1 - t0 - probePeriod.Microseconds()
		if late < 0 {
			late = 0
		}
		fmt.Fprintf(w, "L %d %d\n", t1, late)
		if file != "" && t1 >= nextStall {
			nextStall = t1 + stallEvery.Microseconds()
			if total, ok := readStall(file); ok {
				fmt.Fprintf(w, "S %d %d %s\n", monotonicUs(), total, source)
			}
		}
		if t1 >= nextFlush {
			nextFlush = t1 + flushEvery.Microseconds()
			if w.Flush() != nil {
				return
			}
		}
	}
}

// pressureFile is the container's cgroup v2 cpu.pressure, else the machine's PSI, else none.
func pressureFile() (string, string) {
	if _, ok := readStall("/sys/fs/cgroup/cpu.pressure"); ok {
		return "/sys/fs/cgroup/cpu.pressure", "cgroup"
	}
	if _, ok := readStall("/proc/pressure/cpu"); ok {
		return "/proc/pressure/cpu", "system"
	}
	return "", ""
}

func readStall(file string) (int64, bool) {
	b, err := os.ReadFile(file)
	if err != nil {
		return 0, false
	}
	m := stallTotal.FindSubmatch(b)
	if m == nil {
		return 0, false
	}
	n, err := strconv.ParseInt(string(m[1]), 10, 64)
	return n, err == nil
}

// monotonicUs is CLOCK_MONOTONIC in µs: the clock dsgrade reads too (process.hrtime), shared by
// every container on the machine.
func monotonicUs() int64 {
	var ts syscall.Timespec
	_, _, _ = syscall.Syscall(syscall.SYS_CLOCK_GETTIME, 1 /* CLOCK_MONOTONIC */, uintptr(unsafe.Pointer(&ts)), 0)
	return ts.Sec*1_000_000 + ts.Nsec/1000
}
