// Command faultnet-bench measures the cost of the faultnet proxy on
// loopback: the round-trip latency it adds over a direct connection (UDP and
// TCP, echo server, sequential round trips) and how many 512-byte datagrams
// per second it forwards with no faults. It prints a summary and, last, one
// JSON line with every number so a bench script can collect it.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"sort"
	"sync/atomic"
	"time"

	"dsgrade.dev/harness/faultnet"
)

// options are the parsed command-line flags.
type options struct {
	roundTrips int
	duration   time.Duration
	size       int
}

// latency summarizes one round-trip comparison in microseconds.
type latency struct {
	DirectP50Us float64 `json:"directP50Us"`
	DirectP99Us float64 `json:"directP99Us"`
	ProxyP50Us  float64 `json:"proxyP50Us"`
	ProxyP99Us  float64 `json:"proxyP99Us"`
	AddedP50Us  float64 `json:"addedP50Us"`
	AddedP99Us  float64 `json:"addedP99Us"`
	RoundTrips  int     `json:"roundTrips"`
}

// throughput is the forwarding rate with no faults.
type throughput struct {
	DatagramSize    int     `json:"datagramSize"`
	SentPerSec      float64 `json:"sentPerSec"`
	ForwardedPerSec float64 `json:"forwardedPerSec"`
	DeliveredPerSec float64 `json:"deliveredPerSec"`
	DurationSec     float64 `json:"durationSec"`
	ProxyReceived   uint64  `json:"proxyReceived"`
	ProxyForwarded  uint64  `json:"proxyForwarded"`
	TargetDelivered uint64  `json:"targetDelivered"`
}

type results struct {
	Bench      string     `json:"bench"`
	UDP        latency    `json:"udp"`
	TCP        latency    `json:"tcp"`
	Throughput throughput `json:"throughput"`
}

func main() {
	var o options
	flag.IntVar(&o.roundTrips, "n", 20000, "round trips per latency measurement")
	flag.DurationVar(&o.duration, "duration", 2*time.Second, "duration of the throughput measurement")
	flag.IntVar(&o.size, "size", 512, "datagram size for the throughput measurement")
	flag.Parse()
	if err := run(o, os.Stdout); err != nil {
		fmt.Fprintf(os.Stderr, "faultnet-bench: %v\n", err)
		os.Exit(1)
	}
}

func run(o options, out io.Writer) error {
	p := faultnet.New(faultnet.Config{Seed: 1})
	defer p.Close()
	res := results{Bench: "faultnet"}
	var err error
	if res.UDP, err = benchUDP(p, o.roundTrips); err != nil {
		return fmt.Errorf("udp latency: %w", err)
	}
	fmt.Fprintf(out, "udp round trip: direct p50 %.1fµs p99 %.1fµs, proxy p50 %.1fµs p99 %.1fµs, added p50 %.1fµs p99 %.1fµs\n",
		res.UDP.DirectP50Us, res.UDP.DirectP99Us, res.UDP.ProxyP50Us, res.UDP.ProxyP99Us, res.UDP.AddedP50Us, res.UDP.AddedP99Us)
	if res.TCP, err = benchTCP(p, o.roundTrips); err != nil {
		return fmt.Errorf("tcp latency: %w", err)
	}
	fmt.Fprintf(out, "tcp round trip: direct p50 %.1fµs p99 %.1fµs, proxy p50 %.1fµs p99 %.1fµs, added p50 %.1fµs p99 %.1fµs\n",
		res.TCP.DirectP50Us, res.TCP.DirectP99Us, res.TCP.ProxyP50Us, res.TCP.ProxyP99Us, res.TCP.AddedP50Us, res.TCP.AddedP99Us)
	if res.Throughput, err = benchThroughput(p, o.duration, o.size); err != nil {
		return fmt.Errorf("throughput: %w", err)
	}
	fmt.Fprintf(out, "udp throughput (%d B): %.0f datagrams/s forwarded, %.0f/s delivered (client sent %.0f/s)\n",
		res.Throughput.DatagramSize, res.Throughput.ForwardedPerSec, res.Throughput.DeliveredPerSec, res.Throughput.SentPerSec)
	line, _ := json.Marshal(res)
	fmt.Fprintln(out, string(line))
	return nil
}

// percentiles returns p50 and p99 of samples in microseconds.
func percentiles(samples []time.Duration) (float64, float64) {
	sort.Slice(samples, func(i, j int) bool { return samples[i] < samples[j] })
	at := func(q float64) float64 {
		return float64(samples[int(q*float64(len(samples)-1))].Nanoseconds()) / 1e3
	}
	return at(0.50), at(0.99)
}

func compare(direct, proxied []time.Duration) latency {
	var l latency
	l.RoundTrips = len(direct)
	l.DirectP50Us, l.DirectP99Us = percentiles(direct)
	l.ProxyP50Us, l.ProxyP99Us = percentiles(proxied)
	l.AddedP50Us = l.ProxyP50Us - l.DirectP50Us
	l.AddedP99Us = l.ProxyP99Us - l.DirectP99Us
	return l
}

func benchUDP(p *faultnet.Proxy, n int) (latency, error) {
	echo, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		return latency{}, err
	}
	defer echo.Close()
	go func() {
		buf := make([]byte, 2048)
		for {
			k, from, err := echo.ReadFromUDPAddrPort(buf)
			if err != nil {
				return
			}
			echo.WriteToUDPAddrPort(buf[:k], from)
		}
	}()
	info, err := p.AddLink(faultnet.LinkSpec{Name: "bench-udp", Proto: "udp", From: "a", To: "b", Target: echo.LocalAddr().String()})
	if err != nil {
		return latency{}, err
	}
	measure := func(addr string) ([]time.Duration, error) {
		c, err := net.Dial("udp", addr)
		if err != nil {
			return nil, err
		}
		defer c.Close()
		msg := make([]byte, 64)
		buf := make([]byte, 2048)
		samples := make([]time.Duration, 0, n)
		for i := 0; i < n+n/10; i++ { // the first tenth warms up
			start := time.Now()
			c.Write(msg)
			c.SetReadDeadline(start.Add(time.Second))
			if _, err := c.Read(buf); err != nil {
				return nil, err
			}
			if i >= n/10 {
				samples = append(samples, time.Since(start))
			}
		}
		return samples, nil
	}
	direct, err := measure(echo.LocalAddr().String())
	if err != nil {
		return latency{}, err
	}
	proxied, err := measure(info.Listen)
	if err != nil {
		return latency{}, err
	}
	return compare(direct, proxied), nil
}

func benchTCP(p *faultnet.Proxy, n int) (latency, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return latency{}, err
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				io.Copy(c, c)
			}()
		}
	}()
	info, err := p.AddLink(faultnet.LinkSpec{Name: "bench-tcp", Proto: "tcp", From: "a", To: "b", Target: ln.Addr().String()})
	if err != nil {
		return latency{}, err
	}
	measure := func(addr string) ([]time.Duration, error) {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			return nil, err
		}
		defer c.Close()
		msg := make([]byte, 64)
		buf := make([]byte, 64)
		samples := make([]time.Duration, 0, n)
		for i := 0; i < n+n/10; i++ {
			start := time.Now()
			c.Write(msg)
			if _, err := io.ReadFull(c, buf); err != nil {
				return nil, err
			}
			if i >= n/10 {
				samples = append(samples, time.Since(start))
			}
		}
		return samples, nil
	}
	direct, err := measure(ln.Addr().String())
	if err != nil {
		return latency{}, err
	}
	proxied, err := measure(info.Listen)
	if err != nil {
		return latency{}, err
	}
	return compare(direct, proxied), nil
}

// benchThroughput sends datagrams as fast as one client can for d and
// counts what the proxy forwarded and what the target received.
func benchThroughput(p *faultnet.Proxy, d time.Duration, size int) (throughput, error) {
	sink, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		return throughput{}, err
	}
	defer sink.Close()
	_ = sink.SetReadBuffer(4 << 20)
	var delivered atomic.Uint64
	go func() {
		buf := make([]byte, 2048)
		for {
			if _, err := sink.Read(buf); err != nil {
				return
			}
			delivered.Add(1)
		}
	}()
	info, err := p.AddLink(faultnet.LinkSpec{Name: "bench-throughput", Proto: "udp", From: "a", To: "b", Target: sink.LocalAddr().String()})
	if err != nil {
		return throughput{}, err
	}
	c, err := net.Dial("udp", info.Listen)
	if err != nil {
		return throughput{}, err
	}
	defer c.Close()
	msg := make([]byte, size)
	stats := func() faultnet.DirStats {
		st, _ := p.Stats(info.Name)
		return st[0].Forward
	}
	// Warm up so the NAT session exists before timing starts.
	c.Write(msg)
	time.Sleep(50 * time.Millisecond)
	before, delivered0 := stats(), delivered.Load()
	start := time.Now()
	sent := 0
	for time.Since(start) < d {
		for i := 0; i < 64; i++ {
			c.Write(msg)
		}
		sent += 64
	}
	sendSec := time.Since(start).Seconds()
	time.Sleep(50 * time.Millisecond) // let the proxy drain its socket
	elapsed := time.Since(start).Seconds()
	after := stats()
	t := throughput{
		DatagramSize:    size,
		DurationSec:     elapsed,
		ProxyReceived:   after.Received - before.Received,
		ProxyForwarded:  after.Forwarded - before.Forwarded,
		TargetDelivered: delivered.Load() - delivered0,
	}
	t.SentPerSec = float64(sent) / sendSec
	t.ForwardedPerSec = float64(t.ProxyForwarded) / elapsed
	t.DeliveredPerSec = float64(t.TargetDelivered) / elapsed
	return t, nil
}
