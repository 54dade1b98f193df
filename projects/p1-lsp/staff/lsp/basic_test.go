// Checkpoint tests: echo with several clients, sending without resends, initial sequence numbers,
// and damaged messages (corrupted, shortened, lengthened).
//
// Each test names the clause of the handout (projects/p1-lsp/README.md, "Part A") or of the API
// (client_api.go, server_api.go) that it enforces; helpers_test.go says which calls are allowed.

package lsp_test

import (
	"fmt"
	"sort"
	"testing"
	"time"

	"github.com/cmu440/lsp"
	"github.com/cmu440/lspnet"
)

// TestBasic1..6 — API: Client.Read and Server.Read return the messages of one sender "in order,
// no gaps, no repeats"; Write "never blocks" and errors only when the connection is lost. Echo
// with 1 to 10 clients and 1 to 500 messages each on a clean network.
func TestBasic1(t *testing.T) {
	setup(t).runEcho(params(5, 2000, 1, 0, 1), 1, 1, 10*time.Second, nil)
}

func TestBasic2(t *testing.T) {
	setup(t).runEcho(params(5, 2000, 1, 0, 1), 1, 100, 15*time.Second, nil)
}

func TestBasic3(t *testing.T) {
	setup(t).runEcho(params(5, 2000, 5, 0, 5), 3, 50, 15*time.Second, nil)
}

func TestBasic4(t *testing.T) {
	setup(t).runEcho(params(5, 2000, 10, 0, 3), 5, 200, 20*time.Second, nil)
}

func TestBasic5(t *testing.T) {
	setup(t).runEcho(params(5, 2000, 10, 0, 5), 10, 100, 20*time.Second, nil)
}

func TestBasic6(t *testing.T) {
	setup(t).runEcho(params(5, 2000, 10, 0, 10), 4, 500, 30*time.Second, nil)
}

// noResendParams uses long epochs so that, on a clean network, nothing is ever due for a resend.
func noResendParams() *lsp.Params {
	return params(5, 3000, 5, 0, 5)
}

// expectExactTraffic checks the sniffed counts of a run without loss: each message sent once.
func (e *env) expectExactTraffic(res lspnet.SniffResult, data int) {
	e.t.Helper()
	if res.NumData != data {
		e.fatalf("sniffer saw %d Data messages; expected exactly %d (one per message written: on a clean network nothing needs a resend)", res.NumData, data)
	}
	if res.NumAcks+res.NumCAcks < 1 || res.NumAcks > data {
		e.fatalf("sniffer saw %d Acks and %d CAcks for %d Data messages; expected at most one Ack per Data message", res.NumAcks, res.NumCAcks, data)
	}
}

// TestSendReceive1..3 — handout, "Epochs, resends": a message is resent only while it is
// unacknowledged and its back-off has run out; with 3 s epochs on a clean network every Data
// message is sent exactly once and acknowledged by at most one Ack ("every Data message you
// accept is acknowledged").
func TestSendReceive1(t *testing.T) {
	e := setup(t)
	p := noResendParams()
	srv, port := e.startServer(p)
	msgs := srv.reads()
	cli := e.newClient(port, 100, p)
	lspnet.StartSniff()
	want := e.makePayloads(0, 50)
	e.writeAll("client", cli, want)
	e.expectServerReads(msgs, map[int][][]byte{cli.id: want}, 10*time.Second)
	time.Sleep(200 * time.Millisecond)
	e.expectExactTraffic(lspnet.StopSniff(), 50)
}

func TestSendReceive2(t *testing.T) {
	e := setup(t)
	p := noResendParams()
	srv, port := e.startServer(p)
	clients := e.newClients(3, port, p)
	lspnet.StartSniff()
	wants := make([][][]byte, len(clients))
	for i, cli := range clients {
		wants[i] = e.makePayloads(i, 30)
		e.serverWriteAll(srv, cli.id, wants[i])
	}
	for i, cli := range clients {
		e.expectClientReads(fmt.Sprintf("client %d (conn %d)", i, cli.id), cli.reads(), wants[i], 10*time.Second)
	}
	time.Sleep(200 * time.Millisecond)
	e.expectExactTraffic(lspnet.StopSniff(), 90)
}

func TestSendReceive3(t *testing.T) {
	e := setup(t)
	p := noResendParams()
	srv, port := e.startServer(p)
	stop := e.echoServer(srv)
	defer stop()
	clients := e.newClients(2, port, p)
	lspnet.StartSniff()
	e.echoClients(clients, 40, 15*time.Second)
	time.Sleep(200 * time.Millisecond)
	e.expectExactTraffic(lspnet.StopSniff(), 160)
}

// isnCheck verifies the sniffed sequence numbers of one connection: data in both directions
// starts at isn+1 and goes up by one.
func (e *env) isnCheck(res lspnet.SniffResult, connID, isn, n int) {
	e.t.Helper()
	for _, fromServer := range []bool{false, true} {
		seen := map[int]bool{}
		for _, pk := range res.Packets {
			if pk.Type == lspnet.PacketData && pk.ConnID == connID && pk.FromServer == fromServer {
				seen[pk.SeqNum] = true
			}
		}
		var got []int
		for sn := range seen {
			got = append(got, sn)
		}
		sort.Ints(got)
		side := "client"
		if fromServer {
			side = "server"
		}
		if len(got) != n || got[0] != isn+1 || got[n-1] != isn+n {
			e.fatalf("connection %d (initial sequence number %d): %s sent Data with sequence numbers %v; expected %d..%d", connID, isn, side, got, isn+1, isn+n)
		}
	}
}

// TestISN1 — handout, "Messages": the server answers Connect(isn) with Ack(id, isn); Data
// sequence numbers start at isn+1 "in both directions".
func TestISN1(t *testing.T) {
	e := setup(t)
	p := params(5, 1000, 4, 0, 4)
	srv, port := e.startServer(p)
	stop := e.echoServer(srv)
	defer stop()
	lspnet.StartSniff()
	cli := e.newClient(port, 1000, p)
	e.echoClients([]*client{cli}, 10, 10*time.Second)
	res := lspnet.StopSniff()
	var ack *lspnet.SniffedPacket
	for i, pk := range res.Packets {
		if pk.FromServer && pk.Type == lspnet.PacketAck && pk.SeqNum == 1000 {
			ack = &res.Packets[i]
			break
		}
	}
	if ack == nil || ack.ConnID != cli.id {
		e.fatalf("expected the server to answer Connect(1000) with Ack(%d, 1000); sniffed %v", cli.id, ack)
	}
	e.isnCheck(res, cli.id, 1000, 10)
}

// TestISNManyClients — handout, "Messages": connection ids are given "1, 2, 3, … in order"; each
// connection's Data starts at its own isn+1 in both directions (100 clients, one at a time).
func TestISNManyClients(t *testing.T) {
	e := setup(t)
	p := params(5, 1000, 2, 0, 2)
	srv, port := e.startServer(p)
	stop := e.echoServer(srv)
	defer stop()
	lspnet.StartSniff()
	const n = 100
	clients := make([]*client, n)
	isns := make([]int, n)
	for i := range clients {
		isns[i] = i*1000 + e.rng.Intn(500)
		clients[i] = e.newClient(port, isns[i], p)
	}
	for first := 0; first < n; first += 10 {
		e.echoClients(clients[first:first+10], 2, 10*time.Second)
	}
	res := lspnet.StopSniff()
	ids := map[int]bool{}
	for i, cli := range clients {
		ids[cli.id] = true
		e.isnCheck(res, cli.id, isns[i], 2)
	}
	for id := 1; id <= n; id++ {
		if !ids[id] {
			e.fatalf("connection ids of %d clients: expected exactly 1..%d, but %d is missing (ids: %v)", n, n, id, ids)
		}
	}
}

// damaged sends messages through a fault that the receiver must reject, checks nothing is read
// while it is on, turns it off and checks every message then arrives intact and in order.
func (e *env) damaged(toServer bool, on, off func()) {
	e.t.Helper()
	p := params(20, 250, 10, 0, 10)
	srv, port := e.startServer(p)
	msgs := srv.reads()
	cli := e.newClient(port, e.rng.Intn(1000), p)
	reads := cli.reads()
	want := e.makePayloads(0, 10)
	on()
	if toServer {
		e.writeAll("client", cli, want)
		e.expectNoServerRead(msgs, epochs(p, 6), "while every Data message was damaged")
	} else {
		e.serverWriteAll(srv, cli.id, want)
		select {
		case m := <-reads:
			e.fatalf("client Read returned (%s, %v) while every Data message was damaged; expected nothing to be readable", show(m.data), m.err)
		case <-time.After(epochs(p, 6)):
		}
	}
	off()
	if toServer {
		e.expectServerReads(msgs, map[int][][]byte{cli.id: want}, 10*time.Second)
	} else {
		e.expectClientReads("client", reads, want, 10*time.Second)
	}
}

// TestCorrupted1..2, TestShortened1..2 — handout, "Checksums, sizes and damaged messages": a
// payload shorter than Size, or one whose checksum does not match, is dropped (never read, not
// acknowledged, so the sender resends it and it arrives intact once the damage stops).

func TestCorrupted1(t *testing.T) {
	setup(t).damaged(true, func() { lspnet.SetMsgCorrupted(true) }, func() { lspnet.SetMsgCorrupted(false) })
}

func TestCorrupted2(t *testing.T) {
	setup(t).damaged(false, func() { lspnet.SetMsgCorrupted(true) }, func() { lspnet.SetMsgCorrupted(false) })
}

func TestShortened1(t *testing.T) {
	setup(t).damaged(true, func() { lspnet.SetMsgShorteningPercent(100) }, func() { lspnet.SetMsgShorteningPercent(0) })
}

func TestShortened2(t *testing.T) {
	setup(t).damaged(false, func() { lspnet.SetMsgShorteningPercent(100) }, func() { lspnet.SetMsgShorteningPercent(0) })
}

// TestLengthened — handout, "Checksums, sizes and damaged messages": a payload longer than Size is
// cut to Size and then checked and delivered.
func TestLengthened(t *testing.T) {
	e := setup(t)
	e.runEcho(params(5, 2000, 5, 0, 5), 3, 30, 15*time.Second, func() { lspnet.SetMsgLengtheningPercent(100) })
}
