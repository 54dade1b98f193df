// DO NOT MODIFY THIS FILE: it belongs to the course staff (dsgrade scenarios).

// Command kvclient is the staff client of dsgrade's P0 scenarios. It speaks
// the P0 wire protocol to -addr and checks every reply against a local model
// of the store (it only touches keys prefixed with -id, so clients never
// interfere). Modes:
//
//	normal  a workload of -ops requests generated from -seed (Put, Update,
//	        Delete and Get mixed), every reply checked; prints
//	        "done replies=N" and exits 0, or exits 1 on a wrong reply and 2
//	        when the replies do not all arrive within -timeout.
//	stream  sends -rate requests per second until "stop" arrives on stdin,
//	        checking replies and printing "progress replies=N" every -every
//	        replies; then waits for the replies still due and prints
//	        "done replies=N" (exit 0). A lost connection prints "lost: …"
//	        and exits 3.
//	slow    puts -values values of -size bytes under one key, sends -gets
//	        Gets of it, reads whatever arrives and, once nothing has arrived
//	        for -idle, prints "slow received=N of M" and exits 0.
//	probe   dials -addr once and prints "probe: refused" or "probe: accepted".
//
// Every mode prints "connected" once connected.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"hash/fnv"
	"math/rand"
	"net"
	"os"
	"strings"
	"sync"
	"time"
)

var (
	addr    = flag.String("addr", "", "server address host:port")
	mode    = flag.String("mode", "normal", "normal, stream, slow or probe")
	id      = flag.String("id", "c", "key prefix of this client")
	seed    = flag.Uint64("seed", 1, "workload seed (mixed with -id, so clients differ)")
	mix     = flag.String("mix", "all", "normal/stream: \"all\" (Put, Update, Delete, Get) or \"putget\"")
	ops     = flag.Int("ops", 1000, "normal: number of requests")
	keys    = flag.Int("keys", 10, "normal/stream: number of keys")
	rate    = flag.Int("rate", 50, "stream: requests per second")
	every   = flag.Int("every", 20, "stream: print progress every this many replies")
	values  = flag.Int("values", 10, "slow: values stored under the key")
	size    = flag.Int("size", 4000, "slow: bytes per value")
	gets    = flag.Int("gets", 1000, "slow: number of Gets")
	idle    = flag.Duration("idle", 2*time.Second, "slow: stop after no data for this long")
	timeout = flag.Duration("timeout", 20*time.Second, "normal: time limit for all replies")
)

func main() {
	flag.Parse()
	if *mode == "probe" {
		c, err := net.DialTimeout("tcp", *addr, 2*time.Second)
		if err != nil {
			fmt.Println("probe: refused")
			return
		}
		c.Close()
		fmt.Println("probe: accepted")
		return
	}
	conn, err := net.Dial("tcp", *addr)
	if err != nil {
		fmt.Printf("kvclient: cannot connect to %s: %v\n", *addr, err)
		os.Exit(3)
	}
	fmt.Println("connected")
	switch *mode {
	case "normal":
		os.Exit(normal(conn))
	case "stream":
		os.Exit(stream(conn))
	case "slow":
		os.Exit(slow(conn))
	default:
		fmt.Printf("kvclient: unknown mode %q\n", *mode)
		os.Exit(4)
	}
}

// model is the client's copy of its own keys, and the replies it expects.
type model struct {
	rng      *rand.Rand
	store    map[string][]string
	mu       sync.Mutex
	expected []string // replies due, in order
}

func newModel() *model {
	h := fnv.New64a()
	h.Write([]byte(*id))
	return &model{rng: rand.New(rand.NewSource(int64(*seed ^ h.Sum64()))), store: make(map[string][]string)}
}

func (m *model) value() string {
	const letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	b := make([]byte, 1+m.rng.Intn(24))
	for i := range b {
		b[i] = letters[m.rng.Intn(len(letters))]
	}
	return string(b)
}

// next returns the next request line and records the replies it will get.
func (m *model) next() string {
	key := fmt.Sprintf("%s_%d_k%d", *id, os.Getpid(), m.rng.Intn(*keys))
	vals := m.store[key]
	r := m.rng.Intn(100)
	if *mix == "putget" && r >= 50 && r < 65 {
		r = 0 // a Put instead of an Update or Delete
	}
	switch {
	case r < 50 || len(vals) == 0:
		v := m.value()
		m.store[key] = append(vals, v)
		return "Put:" + key + ":" + v
	case r < 60:
		old, v := vals[m.rng.Intn(len(vals))], m.value()
		for i := range vals {
			if vals[i] == old {
				vals[i] = v
				break
			}
		}
		return "Update:" + key + ":" + old + ":" + v
	case r < 65:
		delete(m.store, key)
		return "Delete:" + key
	default:
		m.mu.Lock()
		for _, v := range vals {
			m.expected = append(m.expected, key+":"+v)
		}
		m.mu.Unlock()
		return "Get:" + key
	}
}

// check compares one reply with the next one due.
func (m *model) check(n int, line string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.expected) == 0 {
		return fmt.Errorf("bad reply #%d: got %q, expected no reply", n, line)
	}
	want := m.expected[0]
	m.expected = m.expected[1:]
	if line != want {
		return fmt.Errorf("bad reply #%d: got %q, want %q", n, line, want)
	}
	return nil
}

func (m *model) due() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.expected)
}

func normal(conn net.Conn) int {
	m := newModel()
	// At most window replies are due at any time, so a correct server never
	// has to drop a reply to this (fast) client.
	const window = 200
	written := make(chan error, 1)
	go func() {
		w := bufio.NewWriter(conn)
		for i := 0; i < *ops; i++ {
			for m.due() > window {
				if err := w.Flush(); err != nil {
					written <- err
					return
				}
				time.Sleep(time.Millisecond)
			}
			fmt.Fprintln(w, m.next())
		}
		written <- w.Flush()
	}()
	conn.SetReadDeadline(time.Now().Add(*timeout))
	lines := make(chan string)
	readErr := make(chan error, 1)
	go func() {
		r := bufio.NewReader(conn)
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				readErr <- err
				return
			}
			lines <- strings.TrimSuffix(line, "\n")
		}
	}()
	n, done := 0, false
	for !done || m.due() > 0 {
		select {
		case err := <-written:
			if err != nil {
				fmt.Println("lost:", err)
				return 3
			}
			done = true
		case line := <-lines:
			if err := m.check(n, line); err != nil {
				fmt.Println(err)
				return 1
			}
			n++
		case err := <-readErr:
			fmt.Printf("timeout replies=%d, %d still due (%v)\n", n, m.due(), err)
			return 2
		}
	}
	fmt.Printf("done replies=%d\n", n)
	return 0
}

func stream(conn net.Conn) int {
	m := newModel()
	stop := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(os.Stdin)
		for sc.Scan() {
			if sc.Text() == "stop" {
				close(stop)
				return
			}
		}
	}()
	replies := make(chan error, 1)
	count := 0
	var countMu sync.Mutex
	go func() {
		r := bufio.NewReader(conn)
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				replies <- fmt.Errorf("lost: %v", err)
				return
			}
			countMu.Lock()
			n := count
			count++
			countMu.Unlock()
			if err := m.check(n, strings.TrimSuffix(line, "\n")); err != nil {
				replies <- err
				return
			}
			if (n+1)%*every == 0 {
				fmt.Printf("progress replies=%d\n", n+1)
			}
		}
	}()
	tick := time.NewTicker(time.Second / time.Duration(*rate))
	defer tick.Stop()
	for {
		select {
		case err := <-replies:
			fmt.Println(err)
			return 3
		case <-tick.C:
			if _, err := fmt.Fprintln(conn, m.next()); err != nil {
				fmt.Println("lost:", err)
				return 3
			}
		case <-stop:
			deadline := time.After(10 * time.Second)
			for m.due() > 0 {
				select {
				case err := <-replies:
					fmt.Println(err)
					return 3
				case <-deadline:
					fmt.Printf("timeout: %d replies still due\n", m.due())
					return 2
				case <-time.After(10 * time.Millisecond):
				}
			}
			countMu.Lock()
			fmt.Printf("done replies=%d\n", count)
			countMu.Unlock()
			return 0
		}
	}
}

func slow(conn net.Conn) int {
	key := *id + "_big"
	valid := make(map[string]bool)
	w := bufio.NewWriter(conn)
	for i := 0; i < *values; i++ {
		v := strings.Repeat(string(rune('a'+i%26)), *size)
		valid[key+":"+v] = true
		fmt.Fprintf(w, "Put:%s:%s\n", key, v)
	}
	for i := 0; i < *gets; i++ {
		fmt.Fprintf(w, "Get:%s\n", key)
	}
	if err := w.Flush(); err != nil {
		fmt.Println("lost:", err)
		return 3
	}
	expected := *values * *gets
	fmt.Printf("sent gets=%d expected=%d\n", *gets, expected)
	r := bufio.NewReaderSize(idleReader{conn}, 64<<10)
	received, bad := 0, 0
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			break
		}
		if valid[strings.TrimSuffix(line, "\n")] {
			received++
		} else {
			bad++
		}
	}
	if bad > 0 {
		fmt.Printf("bad replies=%d\n", bad)
	}
	fmt.Printf("slow received=%d of %d\n", received, expected)
	return 0
}

// idleReader ends a read when no byte has arrived for -idle (a whole line may
// take longer than that behind a bandwidth limit).
type idleReader struct{ c net.Conn }

func (r idleReader) Read(p []byte) (int, error) {
	r.c.SetReadDeadline(time.Now().Add(*idle))
	return r.c.Read(p)
}
