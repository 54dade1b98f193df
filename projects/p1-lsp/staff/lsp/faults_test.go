// Final tests under faults: loss, the sliding window and MaxUnackedMessages, back-off, reordering,
// gaps, duplicates and cumulative acks.
//
// Each test names the clause of the handout (projects/p1-lsp/README.md) or of the API that it
// enforces; helpers_test.go says which calls are allowed. A middlebox runs inside the student's
// send path, so the callbacks here use only the test's own values (ids read before they are
// installed), never a method of the client or server.

package lsp_test

import (
	"fmt"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/cmu440/lsp"
	"github.com/cmu440/lspnet"
)

// TestRobust1..4 — handout, "Part A": LSP delivers every message once and in order "even when the
// network loses" packets (echo with 20% of the writes, or of the reads, lost).
func TestRobust1(t *testing.T) {
	setup(t).runEcho(params(20, 100, 1, 0, 1), 1, 50, 25*time.Second, func() { lspnet.SetWriteDropPercent(20) })
}

func TestRobust2(t *testing.T) {
	setup(t).runEcho(params(20, 100, 5, 0, 5), 3, 100, 25*time.Second, func() { lspnet.SetWriteDropPercent(20) })
}

func TestRobust3(t *testing.T) {
	setup(t).runEcho(params(20, 100, 10, 2, 3), 5, 100, 25*time.Second, func() { lspnet.SetWriteDropPercent(20) })
}

func TestRobust4(t *testing.T) {
	setup(t).runEcho(params(20, 100, 5, 1, 5), 3, 100, 25*time.Second, func() { lspnet.SetReadDropPercent(20) })
}

// link is one client connected to a server, with read pumps on both ends.
type link struct {
	p       *lsp.Params
	srv     *server
	cli     *client
	isn     int
	srvMsgs <-chan serverMsg
	cliMsgs <-chan clientMsg
}

func (e *env) newLink(p *lsp.Params) *link {
	e.t.Helper()
	srv, port := e.startServer(p)
	isn := e.rng.Intn(5000)
	cli := e.newClient(port, isn, p)
	return &link{p: p, srv: srv, cli: cli, isn: isn, srvMsgs: srv.reads(), cliMsgs: cli.reads()}
}

// send writes payloads in one direction.
func (e *env) send(l *link, toServer bool, want [][]byte) {
	e.t.Helper()
	if toServer {
		e.writeAll("client", l.cli, want)
	} else {
		e.serverWriteAll(l.srv, l.cli.id, want)
	}
}

// expect reads exactly want on the receiving end of one direction. It may run after the client
// was closed: it uses the id read at connection time, never the client.
func (e *env) expect(l *link, toServer bool, want [][]byte, limit time.Duration) {
	e.t.Helper()
	if toServer {
		e.expectServerReads(l.srvMsgs, map[int][][]byte{l.cli.id: want}, limit)
	} else {
		e.expectClientReads("client", l.cliMsgs, want, limit)
	}
}

// expectNothing checks the receiving end of one direction returns nothing for d.
func (e *env) expectNothing(l *link, toServer bool, d time.Duration, why string) {
	e.t.Helper()
	if toServer {
		e.expectNoServerRead(l.srvMsgs, d, why)
		return
	}
	select {
	case m := <-l.cliMsgs:
		e.fatalf("client Read returned (%s, %v) %s; expected nothing to be readable", show(m.data), m.err, why)
	case <-time.After(d):
	}
}

// gate is a middlebox whose rule can be switched off.
type gate struct {
	mu   sync.Mutex
	open bool
}

func (g *gate) isOpen() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.open
}

func (g *gate) release() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.open = true
}

// isAckFrom tells whether pk acknowledges data (an Ack other than a heartbeat, or a CAck) written
// by the receiving end of a direction.
func isAckFrom(pk lspnet.Packet, toServer bool) bool {
	return pk.FromServer == toServer && (pk.Type == lspnet.PacketAck && pk.SeqNum != 0 || pk.Type == lspnet.PacketCAck)
}

// windowCapacity blocks acks (all of them, or only the one for the oldest message) and checks that
// exactly `readable` messages get through, then unblocks and checks the rest arrive in order.
func (e *env) windowCapacity(toServer bool, w, m int, oldestOnly bool, readable int) {
	e.t.Helper()
	p := params(50, 100, w, 1, m)
	l := e.newLink(p)
	g := &gate{}
	lspnet.StartMiddlebox(func(pk lspnet.Packet) []lspnet.Packet {
		if !g.isOpen() && isAckFrom(pk, toServer) && (!oldestOnly || pk.SeqNum <= l.isn+1) {
			return nil
		}
		return []lspnet.Packet{pk}
	})
	n := w + m + 10
	want := e.makePayloads(0, n)
	e.send(l, toServer, want)
	blocked := "all acks"
	if oldestOnly {
		blocked = "the ack of the oldest message"
	}
	e.expect(l, toServer, want[:readable], 10*time.Second)
	e.expectNothing(l, toServer, epochs(p, 8), fmt.Sprintf("beyond the first %d messages while %s were blocked (WindowSize %d, MaxUnackedMessages %d)", readable, blocked, w, m))
	g.release()
	e.expect(l, toServer, want[readable:], 20*time.Second)
}

// TestWindow1..6, TestMaxUnacked1..2 — handout, "The sliding window": with n the oldest
// unacknowledged message, only n … n+WindowSize−1 may be sent and at most MaxUnackedMessages be
// unacknowledged, so with acks blocked exactly min(WindowSize, MaxUnackedMessages) messages are
// readable (WindowSize when only the oldest ack is blocked and MaxUnacked allows it); the rest
// waits in order and arrives once acks flow ("Write still returns at once").
func TestWindow1(t *testing.T) { setup(t).windowCapacity(true, 5, 5, false, 5) }
func TestWindow2(t *testing.T) { setup(t).windowCapacity(true, 8, 3, false, 3) }
func TestWindow3(t *testing.T) { setup(t).windowCapacity(false, 5, 5, false, 5) }
func TestWindow4(t *testing.T) { setup(t).windowCapacity(false, 6, 2, false, 2) }
func TestWindow5(t *testing.T) { setup(t).windowCapacity(true, 5, 5, true, 5) }
func TestWindow6(t *testing.T) { setup(t).windowCapacity(false, 4, 2, true, 4) }

func TestMaxUnacked1(t *testing.T) { setup(t).windowCapacity(true, 10, 1, false, 1) }
func TestMaxUnacked2(t *testing.T) { setup(t).windowCapacity(false, 10, 4, false, 4) }

// maxInFlight checks, from sniffed traffic, that the sender never had more than m messages
// unacknowledged while a third of the acks were lost.
func (e *env) maxInFlight(toServer bool, w, m int) {
	e.t.Helper()
	p := params(50, 100, w, 0, m)
	l := e.newLink(p)
	if toServer {
		lspnet.SetServerWriteDropPercent(30)
	} else {
		lspnet.SetClientWriteDropPercent(30)
	}
	lspnet.StartSniff()
	want := e.makePayloads(0, 40)
	e.send(l, toServer, want)
	e.expect(l, toServer, want, 30*time.Second)
	res := lspnet.StopSniff()
	sent := map[int]bool{}
	acked := map[int]bool{}
	worst, at := 0, 0
	for i, pk := range res.Packets {
		if pk.ConnID != l.cli.id {
			continue
		}
		switch {
		case pk.Type == lspnet.PacketData && pk.FromServer != toServer:
			sent[pk.SeqNum] = true
		case isAckFrom(pk.Packet, toServer) && !pk.Dropped:
			if pk.Type == lspnet.PacketCAck {
				for sn := range sent {
					if sn <= pk.SeqNum {
						acked[sn] = true
					}
				}
			} else {
				acked[pk.SeqNum] = true
			}
		}
		inFlight := 0
		for sn := range sent {
			if !acked[sn] {
				inFlight++
			}
		}
		if inFlight > worst {
			worst, at = inFlight, i
		}
	}
	if worst > m {
		e.fatalf("the sender had at least %d messages unacknowledged at once (at packet %d of %d sniffed); expected at most MaxUnackedMessages = %d", worst, at, len(res.Packets), m)
	}
}

// TestMaxUnacked3..4 — handout, "The sliding window": never more than MaxUnackedMessages sent and
// unacknowledged, checked on the sniffed traffic while 30% of the acks are lost.
func TestMaxUnacked3(t *testing.T) { setup(t).maxInFlight(true, 8, 2) }
func TestMaxUnacked4(t *testing.T) { setup(t).maxInFlight(false, 6, 3) }

// resendTicks returns how many resends the back-off rule makes in the first n epochs after a send.
func resendTicks(n, maxBackOff int) int {
	count, idle, backoff := 0, 0, 0
	for tick := 1; tick <= n; tick++ {
		idle++
		if idle > backoff {
			count++
			idle = 0
			if backoff == 0 {
				backoff = 1
			} else {
				backoff *= 2
			}
			if backoff > maxBackOff {
				backoff = maxBackOff
			}
		}
	}
	return count
}

// backoff blocks the acks of n messages for span epochs and counts how often each is resent.
func (e *env) backoff(toServer bool, maxBackOff, n, span, epochMillis int) {
	e.t.Helper()
	p := params(100, epochMillis, n, maxBackOff, n)
	l := e.newLink(p)
	lspnet.StartMiddlebox(func(pk lspnet.Packet) []lspnet.Packet {
		if isAckFrom(pk, toServer) {
			return nil
		}
		return []lspnet.Packet{pk}
	})
	lspnet.StartSniff()
	want := e.makePayloads(0, n)
	e.send(l, toServer, want)
	time.Sleep(epochs(p, span))
	res := lspnet.StopSniff()
	lspnet.StopMiddlebox()
	perSeq := map[int]int{}
	for _, pk := range res.Packets {
		if pk.Type == lspnet.PacketData && pk.FromServer != toServer && pk.ConnID == l.cli.id {
			perSeq[pk.SeqNum]++
		}
	}
	resends := 0
	for _, c := range perSeq {
		resends += c - 1
	}
	low := n * (resendTicks(span-1, maxBackOff) - 2)
	if low < 1 {
		low = 1
	}
	high := n * (resendTicks(span, maxBackOff) + 1)
	if len(perSeq) != n || resends < low || resends > high {
		e.fatalf("with every ack blocked for %d epochs (MaxBackOffInterval %d), %d messages were resent %d times in all (per sequence number, sends: %v); expected %d messages resent %d..%d times in all",
			span, maxBackOff, len(perSeq), resends, perSeq, n, low, high)
	}
	e.expect(l, toServer, want, 20*time.Second)
}

// TestBackoff1..4 — handout, "Resend with exponential back-off": each unacknowledged message has
// its own back-off starting at 0, is resent once it has waited more than it, which then doubles up
// to MaxBackOffInterval (resent on the 1st, 3rd, 6th, 11th, … epoch). With every ack blocked the
// number of resends must lie within one epoch of that rule.
func TestBackoff1(t *testing.T) { setup(t).backoff(true, 0, 1, 10, 200) }
func TestBackoff2(t *testing.T) { setup(t).backoff(true, 4, 1, 30, 100) }
func TestBackoff3(t *testing.T) { setup(t).backoff(true, 8, 5, 40, 100) }
func TestBackoff4(t *testing.T) { setup(t).backoff(false, 2, 3, 24, 100) }

// TestConnectTimeout — API: NewClient "returns an error if no acknowledgment arrives within
// EpochLimit epochs"; handout: a client "resends its Connect every epoch". With nobody listening
// the socket reports a refused connection, which a client may take as the answer and give up
// early: only the time limit and at most one Connect per epoch are checked then. With a server
// listening but every Connect lost, the client must send one Connect per epoch and give up after
// EpochLimit epochs.
func TestConnectTimeout(t *testing.T) {
	e := setup(t)
	p := params(5, 100, 1, 0, 1)
	limit := epochs(p, p.EpochLimit+3) + 3*time.Second

	lspnet.StartSniff()
	e.expectNoConnection(freeUDPPort(e), p, limit, "with no server listening")
	res := lspnet.StopSniff()
	if res.NumConnects < 1 || res.NumConnects > p.EpochLimit+2 {
		e.fatalf("NewClient with no server listening sent %d Connect messages before giving up; expected at least one and at most one per epoch (%d)", res.NumConnects, p.EpochLimit+2)
	}

	_, port := e.startServer(p)
	lspnet.StartMiddlebox(func(pk lspnet.Packet) []lspnet.Packet {
		if pk.Type == lspnet.PacketConnect {
			return nil
		}
		return []lspnet.Packet{pk}
	})
	lspnet.StartSniff()
	e.expectNoConnection(port, p, limit, "while every Connect was lost")
	res = lspnet.StopSniff()
	if res.NumConnects < p.EpochLimit-1 || res.NumConnects > p.EpochLimit+2 {
		e.fatalf("NewClient sent %d Connect messages while every Connect was lost; expected one per epoch until EpochLimit (%d) epochs had passed: %d..%d", res.NumConnects, p.EpochLimit, p.EpochLimit-1, p.EpochLimit+2)
	}
}

// expectNoConnection calls NewClient, which must return an error within limit.
func (e *env) expectNoConnection(port int, p *lsp.Params, limit time.Duration, why string) {
	e.t.Helper()
	var err error
	var cli lsp.Client
	e.within(limit, "NewClient "+why, func() { cli, err = lsp.NewClient(hostport(port), 7, p) })
	if cli != nil {
		e.adopt(cli)
	}
	if err == nil || cli != nil {
		e.fatalf("NewClient %s returned (%v, %v); expected an error within EpochLimit (%d) epochs", why, cli, err, p.EpochLimit)
	}
}

// freeUDPPort returns a port on which no UDP socket listens (it was free a moment ago), so that
// no server of another test answers.
func freeUDPPort(e *env) int {
	c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		e.fatalf("cannot open a UDP socket to find a free port: %v", err)
	}
	defer c.Close()
	return c.LocalAddr().(*net.UDPAddr).Port
}

// TestOutOfOrder1..3 — handout, "The sliding window": "the receiver delivers messages strictly in
// order"; with 50% of the packets delayed 500 ms (so they arrive out of order), Read still returns
// every message once and in order, in either direction.
func TestOutOfOrder1(t *testing.T) {
	e := setup(t)
	l := e.newLink(params(20, 100, 10, 0, 10))
	lspnet.SetDelayMessagePercent(50)
	want := e.makePayloads(0, 30)
	e.send(l, true, want)
	e.expect(l, true, want, 20*time.Second)
}

func TestOutOfOrder2(t *testing.T) {
	e := setup(t)
	p := params(20, 100, 10, 0, 10)
	srv, port := e.startServer(p)
	clients := e.newClients(3, port, p)
	lspnet.SetDelayMessagePercent(50)
	var wg sync.WaitGroup
	for i, cli := range clients {
		want := e.makePayloads(i, 30)
		e.serverWriteAll(srv, cli.id, want)
		wg.Add(1)
		go func(i int, cli *client) {
			defer wg.Done()
			reads := cli.reads()
			for k := range want {
				m := <-reads
				if m.err != nil || string(m.data) != string(want[k]) {
					e.bgFail("client %d: message %d is (%s, %v); expected %s", i, k, show(m.data), m.err, show(want[k]))
					return
				}
			}
		}(i, cli)
	}
	e.within(25*time.Second, "reading 30 messages on each of 3 clients with 50% of packets delayed", wg.Wait)
	e.check()
}

func TestOutOfOrder3(t *testing.T) {
	setup(t).runEcho(params(20, 100, 5, 0, 3), 3, 20, 25*time.Second, func() { lspnet.SetDelayMessagePercent(50) })
}

// dataFrom tells whether pk is Data written by the sending end of a direction on connection id.
func dataFrom(pk lspnet.Packet, toServer bool, id int) bool {
	return pk.Type == lspnet.PacketData && pk.FromServer != toServer && pk.ConnID == id
}

// scattered drops the first transmission of every third message so later ones arrive first.
func (e *env) scattered(toServer bool) {
	e.t.Helper()
	l := e.newLink(params(30, 100, 10, 0, 10))
	id := l.cli.id
	seen := map[int]bool{}
	lspnet.StartMiddlebox(func(pk lspnet.Packet) []lspnet.Packet {
		if dataFrom(pk, toServer, id) && (pk.SeqNum-l.isn)%3 == 1 && !seen[pk.SeqNum] {
			seen[pk.SeqNum] = true
			return nil
		}
		return []lspnet.Packet{pk}
	})
	want := e.makePayloads(0, 30)
	e.send(l, toServer, want)
	e.expect(l, toServer, want, 20*time.Second)
}

// TestScattered1..2 — handout, "The sliding window": a message that arrives early "waits until
// every earlier one has been read": with the first transmission of every third message lost,
// Read returns all 30 in order, without gaps.
func TestScattered1(t *testing.T) { setup(t).scattered(true) }
func TestScattered2(t *testing.T) { setup(t).scattered(false) }

// TestScattered3 — handout, "The sliding window": strict in-order delivery; with the first
// message held back nothing may be read (messages 2..10 have arrived), then all in order.
func TestScattered3(t *testing.T) {
	e := setup(t)
	l := e.newLink(params(30, 100, 10, 0, 10))
	id := l.cli.id
	g := &gate{}
	lspnet.StartMiddlebox(func(pk lspnet.Packet) []lspnet.Packet {
		if !g.isOpen() && dataFrom(pk, true, id) && pk.SeqNum == l.isn+1 {
			return nil
		}
		return []lspnet.Packet{pk}
	})
	want := e.makePayloads(0, 10)
	e.send(l, true, want)
	e.expectNothing(l, true, epochs(l.p, 6), "while the first message was held back (messages 2..10 had arrived)")
	g.release()
	e.expect(l, true, want, 10*time.Second)
}

// TestDuplicates — API: Read returns messages with "no repeats"; handout: copies of messages
// already received are acknowledged again. The first two acks of every message are lost, so
// each arrives three times and must be read once.
func TestDuplicates(t *testing.T) {
	e := setup(t)
	l := e.newLink(params(30, 100, 5, 0, 5))
	acks := map[int]int{}
	lspnet.StartMiddlebox(func(pk lspnet.Packet) []lspnet.Packet {
		if isAckFrom(pk, true) && pk.Type == lspnet.PacketAck && acks[pk.SeqNum] < 2 {
			acks[pk.SeqNum]++
			return nil
		}
		return []lspnet.Packet{pk}
	})
	want := e.makePayloads(0, 20)
	e.send(l, true, want)
	e.expect(l, true, want, 20*time.Second)
	e.expectNothing(l, true, epochs(l.p, 5), "after all 20 messages (each was received three times and must be read once)")
}

// cack turns the receiver's ack of the last message into a CAck and drops the other acks: the
// sender must then stop resending everything.
func (e *env) cack(toServer bool) {
	e.t.Helper()
	p := params(30, 100, 10, 0, 10)
	l := e.newLink(p)
	id := l.cli.id
	last := l.isn + 10
	lspnet.StartMiddlebox(func(pk lspnet.Packet) []lspnet.Packet {
		if isAckFrom(pk, toServer) && pk.ConnID == id {
			if pk.Type == lspnet.PacketAck && pk.SeqNum == last {
				pk.Type = lspnet.PacketCAck
				return []lspnet.Packet{pk}
			}
			if pk.SeqNum < last {
				return nil
			}
		}
		return []lspnet.Packet{pk}
	})
	want := e.makePayloads(0, 10)
	e.send(l, toServer, want)
	e.expect(l, toServer, want, 10*time.Second)
	time.Sleep(epochs(p, 3))
	lspnet.StartSniff()
	time.Sleep(epochs(p, 6))
	res := lspnet.StopSniff()
	resent := 0
	for _, pk := range res.Packets {
		if dataFrom(pk.Packet, toServer, id) {
			resent++
		}
	}
	if resent != 0 {
		e.fatalf("after CAck(%d, %d) acknowledged all 10 messages, the sender resent %d Data messages in 6 epochs; expected none", id, last, resent)
	}
}

// TestCAck1..2 — handout, "Messages": "CAck (CAck, id, sn) acknowledges every message up to and
// including sn … you must handle them": after one CAck covers all 10 messages, nothing is resent.
func TestCAck1(t *testing.T) { setup(t).cack(true) }
func TestCAck2(t *testing.T) { setup(t).cack(false) }
