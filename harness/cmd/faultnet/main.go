// Command faultnet is dsgrade's fault-injecting network proxy. One process
// serves every link of a scenario run and is driven by JSON-line requests on
// stdin/stdout and, optionally, a unix socket. See package faultnet and
// docs/faults.md for the protocol.
package main

import (
	"crypto/rand"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"

	"dsgrade.dev/harness/faultnet"
)

// options are the parsed command-line flags.
type options struct {
	seed      uint64
	seedSet   bool
	tracePath string
	stdio     bool
	unixPath  string
}

func main() {
	opts, err := parseFlags(os.Args[1:], os.Stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(0)
		}
		fmt.Fprintf(os.Stderr, "faultnet: %v\n", err)
		os.Exit(2)
	}
	if err := run(opts, os.Stdin, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintf(os.Stderr, "faultnet: %v\n", err)
		os.Exit(1)
	}
}

func parseFlags(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("faultnet", flag.ContinueOnError)
	fs.SetOutput(stderr)
	seed := fs.String("seed", "", "seed of the per-link random streams (decimal uint64; random if empty)")
	fs.StringVar(&o.tracePath, "trace", "", "write the decision log as JSON lines to this file")
	control := fs.String("control", "stdio", "control channels: stdio, unix:/path, or both separated by a comma")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected argument %q: faultnet takes flags only", fs.Arg(0))
	}
	if *seed != "" {
		v, err := strconv.ParseUint(*seed, 10, 64)
		if err != nil {
			return o, fmt.Errorf("invalid -seed %q: give a decimal number between 0 and 2^64-1", *seed)
		}
		o.seed, o.seedSet = v, true
	}
	for _, c := range strings.Split(*control, ",") {
		c = strings.TrimSpace(c)
		switch {
		case c == "stdio":
			o.stdio = true
		case strings.HasPrefix(c, "unix:") && len(c) > len("unix:"):
			o.unixPath = strings.TrimPrefix(c, "unix:")
		default:
			return o, fmt.Errorf("invalid -control %q: use stdio, unix:/path, or stdio,unix:/path", c)
		}
	}
	return o, nil
}

// run starts the proxy and serves the control channels until a shutdown
// request, the end of stdin (the parent went away) or SIGINT/SIGTERM.
func run(o options, stdin io.Reader, stdout, stderr io.Writer) error {
	if !o.seedSet {
		var b [8]byte
		if _, err := rand.Read(b[:]); err != nil {
			return fmt.Errorf("cannot pick a random seed: %w", err)
		}
		o.seed = binary.BigEndian.Uint64(b[:])
	}
	cfg := faultnet.Config{Seed: o.seed}
	if o.tracePath != "" {
		f, err := os.Create(o.tracePath)
		if err != nil {
			return fmt.Errorf("cannot create trace file: %w", err)
		}
		defer f.Close()
		cfg.Trace = f
	}
	p := faultnet.New(cfg)
	fmt.Fprintf(stderr, "faultnet: seed %d\n", o.seed)

	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	defer signal.Stop(sig)
	go func() {
		select {
		case <-sig:
			p.Close()
		case <-p.Done():
		}
	}()

	errc := make(chan error, 2)
	unixDone := make(chan struct{})
	if o.unixPath != "" {
		go func() {
			defer close(unixDone)
			if err := p.ServeUnix(o.unixPath); err != nil {
				errc <- fmt.Errorf("control socket %s: %w", o.unixPath, err)
			}
		}()
	} else {
		close(unixDone)
	}
	if o.stdio {
		go func() {
			err := p.ServeControl(stdin, stdout)
			// The end of stdin means the parent is gone: never outlive it.
			p.Close()
			if err != nil {
				errc <- fmt.Errorf("control on stdio: %w", err)
			}
		}()
	}
	select {
	case <-p.Done():
	case err := <-errc:
		p.Close()
		<-unixDone
		return err
	}
	// Wait for the socket server to remove its file before exiting.
	<-unixDone
	select {
	case err := <-errc:
		return err
	default:
		return nil
	}
}
