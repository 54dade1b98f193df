// DO NOT MODIFY THIS FILE: it belongs to the course staff (dsgrade scenarios).

// Command kvdriver serves the student's p0partA key-value server on -port for
// dsgrade's multi-process scenarios, and reports what the server's counters
// say. It never learns what the counters should be: it reports, and dsgrade
// compares (docs/scenarios.md, "Expected values stay outside student code").
//
// It prints "kvdriver: ready port=N" once Start has returned, then
// "counts active=A dropped=D" at once and again every time CountActive() or
// CountDropped() returns something new (polled every -poll). Commands on
// stdin, one per line:
//
//	counts          prints "counts active=A dropped=D" now
//	close           calls Close and prints "closed"
//
// On SIGTERM or SIGINT it prints the counts (unless closed) and exits 0.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/cmu440/p0partA"
	"github.com/cmu440/p0partA/kvstore"
)

func main() {
	port := flag.Int("port", 9999, "TCP port to serve on")
	poll := flag.Duration("poll", 10*time.Millisecond, "how often the counters are read to report changes")
	flag.Parse()

	srv := p0partA.New(kvstore.New())
	if err := srv.Start(*port); err != nil {
		fmt.Printf("kvdriver: Start(%d) failed: %v\n", *port, err)
		os.Exit(1)
	}
	fmt.Printf("kvdriver: ready port=%d\n", *port)

	// One reporter: the counts are read and printed under one lock, so lines
	// never interleave and a printed change is never older than the last query.
	var mu sync.Mutex
	closed := false
	lastActive, lastDropped := -1, -1
	report := func(always bool) {
		mu.Lock()
		defer mu.Unlock()
		if closed {
			return // the contract says nothing about the counters after Close
		}
		active, dropped := srv.CountActive(), srv.CountDropped()
		if always || active != lastActive || dropped != lastDropped {
			fmt.Printf("counts active=%d dropped=%d\n", active, dropped)
			lastActive, lastDropped = active, dropped
		}
	}
	report(true)
	go func() {
		for range time.Tick(*poll) {
			report(false)
		}
	}()

	signals := make(chan os.Signal, 1)
	signal.Notify(signals, syscall.SIGTERM, syscall.SIGINT)
	go func() {
		<-signals
		report(true)
		os.Exit(0)
	}()

	sc := bufio.NewScanner(os.Stdin)
	for sc.Scan() {
		switch strings.TrimSpace(sc.Text()) {
		case "counts":
			report(true)
		case "close":
			mu.Lock()
			closed = true // a closed server's counters are not polled any more
			mu.Unlock()
			srv.Close()
			fmt.Println("closed")
		default:
			fmt.Printf("kvdriver: unknown command %q\n", sc.Text())
		}
	}
	// stdin closed: keep serving until a signal arrives.
	select {}
}
