// DO NOT MODIFY THIS FILE: it belongs to the course staff (dsgrade part B scenarios).

// Command checker judges the artifacts of a part B scenario (run by dsgrade after every process
// has stopped, in the scenario's artifacts folder).
//
//	-result NODE:MAXNONCE:MESSAGE   (repeatable) NODE's standard output must be exactly one line,
//	                                "Result HASH NONCE", where NONCE in [0, MAXNONCE] minimises
//	                                bitcoin.Hash(MESSAGE, NONCE) and HASH is that minimum. The
//	                                minimum is recomputed here with the staff bitcoin.Hash.
//	-spread M1,M2,...               every listed miner received work: counts the server-to-miner
//	                                datagrams big enough to carry a Request for -data (the proxy
//	                                trace, proxy-trace.jsonl) and asks each miner for at least one
//	                                and at least -min-share of them.
//
// Exit 0 when every check holds; otherwise one line per failed check and exit 3 when every failure
// is a wrong answer (a Result line with the wrong hash, nonce or format, or more than one line:
// no slowness of the grading machine can produce one, so dsgrade counts it even under overload),
// else 1 (nothing printed, or another line such as "Disconnected": a slow machine can cause it).
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"

	"github.com/cmu440/bitcoin"
)

type results []string

func (r *results) String() string     { return strings.Join(*r, " ") }
func (r *results) Set(v string) error { *r = append(*r, v); return nil }

func main() {
	var checks results
	dir := flag.String("artifacts", os.Getenv("DSGRADE_ARTIFACTS"), "the scenario's artifacts folder")
	flag.Var(&checks, "result", "NODE:MAXNONCE:MESSAGE (repeatable)")
	spread := flag.String("spread", "", "comma-separated miner nodes that must all receive work")
	data := flag.String("data", "", "the MESSAGE of the job whose spread is checked")
	minShare := flag.Float64("min-share", 0.15, "least share of the Requests each miner must receive")
	flag.Parse()
	if *dir == "" {
		*dir = "."
	}
	ok, wrongOnly := true, true
	for _, c := range checks {
		parts := strings.SplitN(c, ":", 3)
		if len(parts) != 3 {
			fmt.Fprintf(os.Stderr, "checker: bad -result %q\n", c)
			os.Exit(2)
		}
		max, err := strconv.ParseUint(parts[1], 10, 64)
		if err != nil {
			fmt.Fprintf(os.Stderr, "checker: bad MAXNONCE in %q\n", c)
			os.Exit(2)
		}
		if msg, wrong := checkResult(*dir, parts[0], parts[2], max); msg != "" {
			fmt.Println(msg)
			ok = false
			wrongOnly = wrongOnly && wrong
		} else {
			fmt.Printf("%s: correct result for %q in [0, %d]\n", parts[0], parts[2], max)
		}
	}
	if *spread != "" {
		if msg := checkSpread(*dir, strings.Split(*spread, ","), *data, *minShare); msg != "" {
			fmt.Println(msg)
			ok, wrongOnly = false, false
		}
	}
	if !ok && wrongOnly {
		os.Exit(3)
	}
	if !ok {
		os.Exit(1)
	}
}

// lines returns the node's standard output lines, without dsgrade's markers and blank lines.
func lines(dir, node string) ([]string, error) {
	f, err := os.Open(filepath.Join(dir, "nodes", node+".stdout.log"))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		l := strings.TrimRight(sc.Text(), "\r")
		if strings.HasPrefix(l, "--- dsgrade") || strings.TrimSpace(l) == "" {
			continue
		}
		out = append(out, l)
	}
	return out, sc.Err()
}

// checkResult says what is wrong with the node's output ("" when nothing), and whether it is a
// wrong answer rather than a missing one.
func checkResult(dir, node, msg string, max uint64) (string, bool) {
	got, err := lines(dir, node)
	if err != nil {
		return fmt.Sprintf("%s: cannot read its output: %v", node, err), false
	}
	hash, nonce := minHash(msg, max)
	want := fmt.Sprintf("Result %d %d", hash, nonce)
	switch {
	case len(got) == 0:
		return fmt.Sprintf("%s: printed nothing; expected %q", node, want), false
	case len(got) > 1:
		return fmt.Sprintf("%s: printed %d lines (%q …); the client must print exactly one line, %q", node, len(got), got[0], want), true
	case got[0] != want:
		return fmt.Sprintf("%s: printed %q; expected %q (the nonce in [0, %d] minimising Hash(%q, nonce), as \"Result HASH NONCE\")", node, got[0], want, max, msg), strings.HasPrefix(got[0], "Result")
	}
	return "", false
}

// minHash recomputes the minimum over [0, max] in parallel; ties go to the smallest nonce.
func minHash(msg string, max uint64) (uint64, uint64) {
	workers := uint64(runtime.NumCPU())
	if workers > max+1 {
		workers = max + 1
	}
	type best struct{ hash, nonce uint64 }
	res := make([]best, workers)
	var wg sync.WaitGroup
	step := (max + 1) / workers
	for w := uint64(0); w < workers; w++ {
		lo, hi := w*step, (w+1)*step-1
		if w == workers-1 {
			hi = max
		}
		wg.Add(1)
		go func(w, lo, hi uint64) {
			defer wg.Done()
			b := best{bitcoin.Hash(msg, lo), lo}
			for n := lo + 1; n <= hi && n != 0; n++ {
				if h := bitcoin.Hash(msg, n); h < b.hash {
					b = best{h, n}
				}
			}
			res[w] = b
		}(w, lo, hi)
	}
	wg.Wait()
	b := res[0]
	for _, r := range res[1:] {
		if r.hash < b.hash {
			b = r
		}
	}
	return b.hash, b.nonce
}

type traceLine struct {
	Link   string `json:"link"`
	Dir    string `json:"dir"`
	Seq    int64  `json:"seq"`
	Size   int    `json:"size"`
	Action string `json:"action"`
}

func checkSpread(dir string, miners []string, data string, minShare float64) string {
	f, err := os.Open(filepath.Join(dir, "proxy-trace.jsonl"))
	if err != nil {
		return fmt.Sprintf("cannot read the proxy trace: %v", err)
	}
	defer f.Close()
	links := map[string]string{}
	for _, m := range miners {
		links[m+"->server"] = m
	}
	type key struct {
		link string
		seq  int64
	}
	delivered := map[key]bool{}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var t traceLine
		if json.Unmarshal(sc.Bytes(), &t) != nil || t.Dir != "reverse" || links[t.Link] == "" {
			continue
		}
		// A Request carries the job's message, so it is longer than the message; acks and
		// heartbeats are not.
		if t.Size < len(data)+20 {
			continue
		}
		switch t.Action {
		case "forward", "delay", "reorder":
			delivered[key{t.Link, t.Seq}] = true
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Sprintf("cannot read the proxy trace: %v", err)
	}
	count := map[string]int{}
	total := 0
	for k := range delivered {
		count[links[k.link]]++
		total++
	}
	var parts []string
	bad := false
	for _, m := range miners {
		parts = append(parts, fmt.Sprintf("%s=%d", m, count[m]))
		if count[m] == 0 || float64(count[m]) < minShare*float64(total) {
			bad = true
		}
	}
	fmt.Printf("requests per miner: %s (of %d)\n", strings.Join(parts, " "), total)
	if bad {
		return fmt.Sprintf("work is not spread across the miners: requests per miner %s of %d; every miner must get at least one and at least %.0f%% of them", strings.Join(parts, " "), total, minShare*100)
	}
	return ""
}
