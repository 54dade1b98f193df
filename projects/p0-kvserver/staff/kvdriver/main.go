// DO NOT MODIFY THIS FILE: it belongs to the course staff (dsgrade scenarios).

// Command kvdriver serves the student's p0partA key-value server on -port for
// dsgrade's multi-process scenarios, and reports the server's counters.
//
// It prints "kvdriver: ready port=N" once Start has returned, then reads
// commands from stdin, one per line:
//
//	counts          prints "counts active=A dropped=D"
//	counts A D      polls (up to -settle) until CountActive() == A and
//	                CountDropped() == D, then prints the counts it saw last
//	close           calls Close and prints "closed"
//
// On SIGTERM or SIGINT it prints the counts and exits 0.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/cmu440/p0partA"
	"github.com/cmu440/p0partA/kvstore"
)

func main() {
	port := flag.Int("port", 9999, "TCP port to serve on")
	settle := flag.Duration("settle", 5*time.Second, "how long \"counts A D\" waits for the counters to reach A and D")
	flag.Parse()

	srv := p0partA.New(kvstore.New())
	if err := srv.Start(*port); err != nil {
		fmt.Printf("kvdriver: Start(%d) failed: %v\n", *port, err)
		os.Exit(1)
	}
	fmt.Printf("kvdriver: ready port=%d\n", *port)

	signals := make(chan os.Signal, 1)
	signal.Notify(signals, syscall.SIGTERM, syscall.SIGINT)
	go func() {
		<-signals
		fmt.Printf("counts active=%d dropped=%d\n", srv.CountActive(), srv.CountDropped())
		os.Exit(0)
	}()

	sc := bufio.NewScanner(os.Stdin)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		switch {
		case len(f) == 1 && f[0] == "counts":
			fmt.Printf("counts active=%d dropped=%d\n", srv.CountActive(), srv.CountDropped())
		case len(f) == 3 && f[0] == "counts":
			wantActive, err1 := strconv.Atoi(f[1])
			wantDropped, err2 := strconv.Atoi(f[2])
			if err1 != nil || err2 != nil {
				fmt.Printf("kvdriver: bad command %q\n", sc.Text())
				continue
			}
			deadline := time.Now().Add(*settle)
			active, dropped := srv.CountActive(), srv.CountDropped()
			for (active != wantActive || dropped != wantDropped) && time.Now().Before(deadline) {
				time.Sleep(20 * time.Millisecond)
				active, dropped = srv.CountActive(), srv.CountDropped()
			}
			fmt.Printf("counts active=%d dropped=%d\n", active, dropped)
		case len(f) == 1 && f[0] == "close":
			srv.Close()
			fmt.Println("closed")
		default:
			fmt.Printf("kvdriver: unknown command %q\n", sc.Text())
		}
	}
	// stdin closed: keep serving until a signal arrives.
	select {}
}
