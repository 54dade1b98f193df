package main

import (
	"bufio"
	"encoding/json"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestParseFlags(t *testing.T) {
	o, err := parseFlags([]string{"-seed", "18446744073709551615", "-trace", "t.jsonl", "-control", "stdio,unix:/tmp/x.sock"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if o.seed != 1<<64-1 || !o.seedSet || o.tracePath != "t.jsonl" || !o.stdio || o.unixPath != "/tmp/x.sock" {
		t.Fatalf("options = %+v", o)
	}
	for _, bad := range [][]string{{"-seed", "-1"}, {"-control", "tcp:1"}, {"extra"}} {
		if _, err := parseFlags(bad, io.Discard); err == nil {
			t.Errorf("%v accepted", bad)
		}
	}
}

func TestRunOverStdioWritesTrace(t *testing.T) {
	dir := t.TempDir()
	tracePath := filepath.Join(dir, "trace.jsonl")
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(options{seed: 9, seedSet: true, tracePath: tracePath, stdio: true}, inR, outW, io.Discard)
		outW.Close()
	}()
	replies := bufio.NewScanner(outR)
	ask := func(line string) map[string]any {
		t.Helper()
		if _, err := io.WriteString(inW, line+"\n"); err != nil {
			t.Fatal(err)
		}
		if !replies.Scan() {
			t.Fatalf("no reply to %s", line)
		}
		var m map[string]any
		json.Unmarshal(replies.Bytes(), &m)
		return m
	}
	target, _ := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	defer target.Close()
	m := ask(`{"id":1,"op":"addLink","name":"a->b","proto":"udp","from":"a","to":"b","target":"` + target.LocalAddr().String() + `"}`)
	listen := m["result"].(map[string]any)["listen"].(string)
	c, _ := net.Dial("udp", listen)
	c.Write([]byte("hi"))
	target.SetReadDeadline(time.Now().Add(2 * time.Second))
	if _, _, err := target.ReadFrom(make([]byte, 10)); err != nil {
		t.Fatal(err)
	}
	c.Close()
	if m := ask(`{"id":2,"op":"shutdown"}`); m["ok"] != true {
		t.Fatalf("shutdown reply %v", m)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(tracePath)
	if !strings.Contains(string(b), `"action":"forward"`) {
		t.Fatalf("trace = %q", b)
	}
}

func TestRunStopsAtEndOfStdinAndServesUnixSocket(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "ctl.sock")
	inR, inW := io.Pipe()
	done := make(chan error, 1)
	go func() { done <- run(options{stdio: true, unixPath: sock}, inR, io.Discard, io.Discard) }()
	var c net.Conn
	deadline := time.Now().Add(2 * time.Second)
	for {
		var err error
		if c, err = net.Dial("unix", sock); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal(err)
		}
		time.Sleep(5 * time.Millisecond)
	}
	defer c.Close()
	io.WriteString(c, `{"id":"u","op":"info"}`+"\n")
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil || !strings.Contains(line, `"id":"u","ok":true`) {
		t.Fatalf("unix reply %q, %v", line, err)
	}
	inW.Close() // the parent went away
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(3 * time.Second):
		t.Fatal("run did not stop at the end of stdin")
	}
	if _, err := os.Stat(sock); !os.IsNotExist(err) {
		t.Fatalf("socket file left behind: %v", err)
	}
}
