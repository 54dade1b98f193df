// Final tests of connection life: a server that starts late, Close and CloseConn, closing while
// the network flips between working and dead, heartbeats and the detection of lost connections.
//
// Each test names the clause of the handout (projects/p1-lsp/README.md) or of the API
// (client_api.go, server_api.go) that it enforces; helpers_test.go says which calls are allowed.
// None asserts the value Close returns unless the contract fixes it (the server's Close reports a
// client lost while it waited), and none calls anything after Close or on an id after CloseConn.

package lsp_test

import (
	"fmt"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/cmu440/lsp"
	"github.com/cmu440/lspnet"
)

// serverStartsLate starts clients first and the server a few epochs later on the same port.
func (e *env) serverStartsLate(n int) {
	e.t.Helper()
	p := params(20, 100, 5, 0, 5)
	port := e.pickPort()
	clients := make([]*client, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			cli, err := lsp.NewClient(hostport(port), i*100, p)
			if err == nil && cli != nil {
				clients[i] = e.adopt(cli)
			}
			errs[i] = err
		}(i)
	}
	time.Sleep(epochs(p, 4))
	srv := e.startServerOn(port, p)
	stop := e.echoServer(srv)
	defer stop()
	e.within(connectTimeout(p), fmt.Sprintf("NewClient of %d clients started %d epochs before the server", n, 4), wg.Wait)
	for i := range clients {
		if clients[i] == nil {
			e.fatalf("client %d started 4 epochs before the server (EpochLimit %d): NewClient returned error %v; expected a connection once the server was up", i, p.EpochLimit, errs[i])
		}
	}
	e.echoClients(clients, 10, 15*time.Second)
}

// TestServerStartsLate1..2 — API: NewClient "returns once the server has acknowledged the
// connection" and fails only "if no acknowledgment arrives within EpochLimit epochs"; handout: a
// client resends its Connect every epoch. Clients started 4 epochs before the server (EpochLimit
// 20) must connect.
func TestServerStartsLate1(t *testing.T) { setup(t).serverStartsLate(1) }
func TestServerStartsLate2(t *testing.T) { setup(t).serverStartsLate(3) }

// TestClientClose1 — API: client Close "blocks until every message written has been acknowledged
// by the server". With 40% of the client's packets lost, once Close has returned the server must
// have every message (read within 3 s, no loss any more).
func TestClientClose1(t *testing.T) {
	e := setup(t)
	p := params(30, 100, 5, 1, 5)
	l := e.newLink(p)
	lspnet.SetClientWriteDropPercent(40)
	want := e.makePayloads(0, 30)
	e.send(l, true, want)
	e.within(30*time.Second, "client Close with 30 messages pending", func() { l.cli.Close() })
	lspnet.ResetDropPercent()
	e.expect(l, true, want, 3*time.Second)
}

// TestClientClose2 — API: client and server Close "leave no goroutines behind". After three
// clients and then the server are closed, only the test's own goroutines may remain (a read pump
// per client and server still parked in a Read that began before Close).
func TestClientClose2(t *testing.T) {
	e := setup(t)
	before := runtime.NumGoroutine()
	p := params(20, 100, 5, 0, 5)
	srv, port := e.startServer(p)
	stop := e.echoServer(srv)
	clients := e.newClients(3, port, p)
	e.echoClients(clients, 20, 15*time.Second)
	for i, cli := range clients {
		e.within(10*time.Second, fmt.Sprintf("Close of client %d", i), func() { cli.Close() })
	}
	stop()
	e.within(10*time.Second, "server Close", func() { srv.Close() })
	allowed := before + len(clients) + 2 // the read pumps of the clients and the server, one more in passing
	deadline := time.Now().Add(3 * time.Second)
	for runtime.NumGoroutine() > allowed && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > allowed {
		buf := make([]byte, 1<<16)
		buf = buf[:runtime.Stack(buf, true)]
		e.fatalf("%d goroutines are running after every client and the server were closed; expected at most %d (the test's own read pumps). Stacks:\n%s", n, allowed, buf)
	}
}

// TestServerClose1 — API: server Close "blocks until every message written to every client has
// been acknowledged". With 40% of the server's packets lost, once Close has returned every client
// must have every message (read within 3 s). Nothing is called on the server afterwards.
func TestServerClose1(t *testing.T) {
	e := setup(t)
	p := params(30, 100, 5, 1, 5)
	srv, port := e.startServer(p)
	clients := e.newClients(3, port, p)
	lspnet.SetServerWriteDropPercent(40)
	wants := make([][][]byte, len(clients))
	for i, cli := range clients {
		wants[i] = e.makePayloads(i, 20)
		e.serverWriteAll(srv, cli.id, wants[i])
	}
	e.within(30*time.Second, "server Close with 60 messages pending", func() { srv.Close() })
	lspnet.ResetDropPercent()
	for i, cli := range clients {
		e.expectClientReads(fmt.Sprintf("client %d", i), cli.reads(), wants[i], 3*time.Second)
	}
}

// TestServerClose2 — API: server Close "returns an error if a client was lost meanwhile" (a client
// lost before it acknowledged what was pending for it), and still delivers everything to the
// other clients.
func TestServerClose2(t *testing.T) {
	e := setup(t)
	p := params(5, 100, 5, 0, 5)
	srv, port := e.startServer(p)
	clients := e.newClients(3, port, p)
	victim := clients[0].id
	lspnet.StartMiddlebox(func(pk lspnet.Packet) []lspnet.Packet {
		if pk.ConnID == victim {
			return nil
		}
		return []lspnet.Packet{pk}
	})
	wants := make([][][]byte, len(clients))
	for i, cli := range clients {
		wants[i] = e.makePayloads(i, 10)
		e.serverWriteAll(srv, cli.id, wants[i])
	}
	var err error
	e.within(epochs(p, p.EpochLimit+5)+5*time.Second, "server Close while a client is cut off", func() { err = srv.Close() })
	if err == nil {
		e.fatalf("server Close returned nil although client %d was cut off with 10 messages pending; expected an error", victim)
	}
	for i, cli := range clients[1:] {
		e.expectClientReads(fmt.Sprintf("client %d", i+1), cli.reads(), wants[i+1], 3*time.Second)
	}
}

// TestServerCloseConns1 — API: CloseConn does not block; "messages already written to it are still
// delivered"; Read "never returns a message from a connection closed with CloseConn" (it may
// return (id, nil, err) for it, or nothing); another client is unaffected. After CloseConn(id)
// nothing is called on id.
func TestServerCloseConns1(t *testing.T) {
	e := setup(t)
	p := params(20, 100, 5, 0, 5)
	srv, port := e.startServer(p)
	clients := e.newClients(2, port, p)
	closed, other := clients[0], clients[1]
	lspnet.SetServerWriteDropPercent(30)
	want := e.makePayloads(0, 15)
	e.serverWriteAll(srv, closed.id, want)
	var err error
	e.within(2*time.Second, fmt.Sprintf("CloseConn(%d)", closed.id), func() { err = srv.CloseConn(closed.id) })
	if err != nil {
		e.fatalf("CloseConn(%d) of a live connection returned %v; expected nil", closed.id, err)
	}
	e.expectClientReads("client of the closed connection", closed.reads(), want, 20*time.Second)
	lspnet.ResetDropPercent()
	closed.Write([]byte("ignored")) // the client was not closed: it may write; the server must not deliver it
	msgs := srv.reads()
	otherWant := e.makePayloads(1, 5)
	e.writeAll("other client", other, otherWant)
	deadline := time.After(10 * time.Second)
	for k := 0; k < len(otherWant); {
		select {
		case m := <-msgs:
			if m.id == closed.id && m.data != nil {
				e.fatalf("server Read returned %s from connection %d after CloseConn; expected nothing from it", show(m.data), m.id)
			}
			if m.id == other.id {
				if m.err != nil || string(m.data) != string(otherWant[k]) {
					e.fatalf("server Read from the other client returned (%s, %v) as message %d; expected %s", show(m.data), m.err, k, show(otherWant[k]))
				}
				k++
			}
		case <-deadline:
			e.fatalf("server read %d of %d messages from the other client within 10s; expected all", k, len(otherWant))
		}
	}
}

// TestServerCloseConns2 — API: CloseConn "returns an error if the connection does not exist" (id
// 999), messages written before CloseConn are still delivered, and Close after CloseConn of every
// connection returns (Close is allowed after CloseConn).
func TestServerCloseConns2(t *testing.T) {
	e := setup(t)
	p := params(20, 100, 5, 0, 5)
	srv, port := e.startServer(p)
	clients := e.newClients(3, port, p)
	wants := make([][][]byte, len(clients))
	for i, cli := range clients {
		wants[i] = e.makePayloads(i, 10)
		e.serverWriteAll(srv, cli.id, wants[i])
		if err := srv.CloseConn(cli.id); err != nil {
			e.fatalf("CloseConn(%d) returned %v; expected nil", cli.id, err)
		}
	}
	if err := srv.CloseConn(999); err == nil {
		e.fatalf("CloseConn(999) of a connection that never existed returned nil; expected an error")
	}
	for i, cli := range clients {
		e.expectClientReads(fmt.Sprintf("client %d", i), cli.reads(), wants[i], 10*time.Second)
	}
	e.within(10*time.Second, "server Close after CloseConn of every connection", func() { srv.Close() })
}

// flipWrites makes the writes of one side (clients or servers) alternate between total loss and
// no loss every period, starting with total loss, until stopped. The first transmission of every
// third Data message from that side is also lost, so messages arrive with gaps. The other side's
// packets (acks, heartbeats) always get through.
func flipWrites(clients bool, period time.Duration) func() {
	set := lspnet.SetServerWriteDropPercent
	if clients {
		set = lspnet.SetClientWriteDropPercent
	}
	var mu sync.Mutex
	seen := map[[2]int]bool{}
	lspnet.StartMiddlebox(func(pk lspnet.Packet) []lspnet.Packet {
		if pk.Type == lspnet.PacketData && pk.FromServer != clients && pk.SeqNum%3 == 1 {
			mu.Lock()
			defer mu.Unlock()
			key := [2]int{pk.ConnID, pk.SeqNum}
			if !seen[key] {
				seen[key] = true
				return nil
			}
		}
		return []lspnet.Packet{pk}
	})
	stop := make(chan struct{})
	done := make(chan struct{})
	set(100)
	go func() {
		defer close(done)
		dead := true
		for {
			select {
			case <-stop:
				set(0)
				lspnet.StopMiddlebox()
				return
			case <-time.After(period):
			}
			dead = !dead
			if dead {
				set(100)
			} else {
				set(0)
			}
		}
	}()
	var once sync.Once
	return func() { once.Do(func() { close(stop); <-done }) }
}

// fastCloseParams keeps connections alive through the dead periods of flipWrites.
func fastCloseParams() *lsp.Params { return params(40, 100, 5, 2, 5) }

// TestFastClose1 — API: client Close blocks until everything written is acknowledged, also when
// the client's packets are lost in bursts (never for EpochLimit epochs, so the connection is
// never lost): once Close returned, the server has every message.
func TestFastClose1(t *testing.T) {
	e := setup(t)
	p := fastCloseParams()
	l := e.newLink(p)
	stopFlip := flipWrites(true, epochs(p, 3))
	defer stopFlip()
	want := e.makePayloads(0, 30)
	e.send(l, true, want)
	e.within(30*time.Second, "client Close while client writes flip between 0% and 100% loss", func() { l.cli.Close() })
	stopFlip()
	e.expect(l, true, want, 3*time.Second)
}

// TestFastClose2 — API: server Close blocks until every client acknowledged everything, with the
// server's packets lost in bursts: once Close returned, every client has every message.
func TestFastClose2(t *testing.T) {
	e := setup(t)
	p := fastCloseParams()
	srv, port := e.startServer(p)
	clients := e.newClients(2, port, p)
	stopFlip := flipWrites(false, epochs(p, 3))
	defer stopFlip()
	wants := make([][][]byte, len(clients))
	for i, cli := range clients {
		wants[i] = e.makePayloads(i, 20)
		e.serverWriteAll(srv, cli.id, wants[i])
	}
	e.within(30*time.Second, "server Close while server writes flip between 0% and 100% loss", func() { srv.Close() })
	stopFlip()
	for i, cli := range clients {
		e.expectClientReads(fmt.Sprintf("client %d", i), cli.reads(), wants[i], 3*time.Second)
	}
}

// TestFastClose3 — API: client Close blocks until acknowledged, for three clients closing at once
// while their packets are lost in bursts: the server then has every message of every client.
func TestFastClose3(t *testing.T) {
	e := setup(t)
	p := fastCloseParams()
	srv, port := e.startServer(p)
	msgs := srv.reads()
	clients := e.newClients(3, port, p)
	stopFlip := flipWrites(true, epochs(p, 3))
	defer stopFlip()
	want := map[int][][]byte{}
	for i, cli := range clients {
		want[cli.id] = e.makePayloads(i, 15)
		e.writeAll(fmt.Sprintf("client %d", i), cli, want[cli.id])
	}
	var wg sync.WaitGroup
	for _, cli := range clients {
		wg.Add(1)
		go func(cli *client) {
			defer wg.Done()
			cli.Close()
		}(cli)
	}
	e.within(30*time.Second, "Close of 3 clients while client writes flip between 0% and 100% loss", wg.Wait)
	stopFlip()
	e.expectServerReads(msgs, want, 3*time.Second)
}

// TestHeartbeat1 — handout, "Heartbeat": "if you sent nothing at all during the epoch, send a
// heartbeat", so an idle connection stays alive for 20 epochs (EpochLimit 5) with about one
// heartbeat per epoch from each side, and works afterwards.
func TestHeartbeat1(t *testing.T) {
	e := setup(t)
	p := params(5, 100, 1, 0, 1)
	l := e.newLink(p)
	lspnet.StartSniff()
	time.Sleep(epochs(p, 20))
	res := lspnet.StopSniff()
	fromClient, fromServer := 0, 0
	for _, pk := range res.Packets {
		if pk.IsHeartbeat() && pk.ConnID == l.cli.id {
			if pk.FromServer {
				fromServer++
			} else {
				fromClient++
			}
		}
	}
	if fromClient < 12 || fromServer < 12 {
		e.fatalf("in 20 idle epochs the client sent %d heartbeats and the server %d; expected about one per epoch from each (at least 12)", fromClient, fromServer)
	}
	want := e.makePayloads(0, 3)
	e.send(l, true, want)
	e.expect(l, true, want, 5*time.Second)
	e.send(l, false, want)
	e.expect(l, false, want, 5*time.Second)
}

// TestHeartbeat2 — handout, "Heartbeat" and "Loss": heartbeats keep three idle clients alive, so
// the server's Read reports no loss in 20 epochs (EpochLimit 4) and their messages arrive.
func TestHeartbeat2(t *testing.T) {
	e := setup(t)
	p := params(4, 100, 2, 0, 2)
	srv, port := e.startServer(p)
	msgs := srv.reads()
	clients := e.newClients(3, port, p)
	e.expectNoServerRead(msgs, epochs(p, 20), "while 3 clients were idle (heartbeats keep them alive)")
	want := map[int][][]byte{}
	for i, cli := range clients {
		want[cli.id] = e.makePayloads(i, 2)
		e.writeAll(fmt.Sprintf("client %d", i), cli, want[cli.id])
	}
	e.expectServerReads(msgs, want, 5*time.Second)
}

func lossLimit(p *lsp.Params) time.Duration {
	return epochs(p, p.EpochLimit+4) + 3*time.Second
}

// TestClientLost — handout, "Loss": after EpochLimit silent epochs the connection is lost; API:
// client Read "returns an error once the connection is lost" and Write "returns an error if the
// connection is lost".
func TestClientLost(t *testing.T) {
	e := setup(t)
	p := params(5, 100, 1, 0, 1)
	l := e.newLink(p)
	lspnet.SetServerWriteDropPercent(100)
	lspnet.SetServerReadDropPercent(100)
	select {
	case m := <-l.cliMsgs:
		if m.err == nil {
			e.fatalf("client Read returned %s from a silent server; expected an error", show(m.data))
		}
	case <-time.After(lossLimit(p)):
		e.fatalf("client Read did not report the loss of a server silent for %v (EpochLimit %d x %d ms); expected an error", lossLimit(p), p.EpochLimit, p.EpochMillis)
	}
	deadline := time.Now().Add(2 * time.Second)
	for l.cli.Write([]byte("x")) == nil {
		if time.Now().After(deadline) {
			e.fatalf("client Write keeps returning nil after the connection was lost; expected an error")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestServerLost — handout, "Loss", and API: when a connection is lost, server "Read returns (id,
// nil, err) for it" (here: the id with an error). Write to a lost connection must not block; the
// contract lets it succeed or fail (the course's handout: an error only if the id does not exist).
func TestServerLost(t *testing.T) {
	e := setup(t)
	p := params(5, 100, 1, 0, 1)
	l := e.newLink(p)
	id := l.cli.id
	lspnet.SetClientWriteDropPercent(100)
	select {
	case m := <-l.srvMsgs:
		if m.err == nil || m.id != id {
			e.fatalf("server Read returned (%d, %s, %v) for a silent client; expected (%d, nil, error)", m.id, show(m.data), m.err, id)
		}
	case <-time.After(lossLimit(p)):
		e.fatalf("server Read did not report the loss of client %d, silent for %v; expected (%d, nil, error)", id, lossLimit(p), id)
	}
	e.within(2*time.Second, fmt.Sprintf("server Write to lost connection %d (Write never blocks)", id), func() { l.srv.Write(id, []byte("x")) })
}

// TestLostWithPending — API: client Close waits for acknowledgments only until "the connection is
// lost": with the server silent and messages pending, Close returns within EpochLimit epochs.
func TestLostWithPending(t *testing.T) {
	e := setup(t)
	p := params(5, 100, 2, 0, 2)
	l := e.newLink(p)
	lspnet.SetServerWriteDropPercent(100)
	e.send(l, true, e.makePayloads(0, 10))
	e.within(lossLimit(p), "client Close with messages pending to a server that went silent", func() { l.cli.Close() })
}
