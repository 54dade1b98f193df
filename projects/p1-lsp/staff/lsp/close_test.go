// Final tests of connection life: a server that starts late, Close and CloseConn, closing while
// the network flips between working and dead, heartbeats and the detection of lost connections.

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
	clients := make([]lsp.Client, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			clients[i], errs[i] = lsp.NewClient(hostport(port), i*100, p)
		}(i)
	}
	time.Sleep(epochs(p, 4))
	srv := e.startServerOn(port, p)
	stop := e.echoServer(srv)
	defer stop()
	e.within(connectTimeout(p), fmt.Sprintf("NewClient of %d clients started %d epochs before the server", n, 4), wg.Wait)
	for i := range clients {
		if errs[i] != nil || clients[i] == nil {
			e.fatalf("client %d started 4 epochs before the server (EpochLimit %d): NewClient returned error %v; expected a connection once the server was up", i, p.EpochLimit, errs[i])
		}
		c := clients[i]
		e.t.Cleanup(func() { closeQuietly(c.Close) })
	}
	e.echoClients(clients, 10, 15*time.Second)
}

func TestServerStartsLate1(t *testing.T) { setup(t).serverStartsLate(1) }
func TestServerStartsLate2(t *testing.T) { setup(t).serverStartsLate(3) }

// TestClientClose1 loses packets and closes right after writing: Close must wait until the server
// has every message.
func TestClientClose1(t *testing.T) {
	e := setup(t)
	p := params(30, 100, 5, 1, 5)
	l := e.newLink(p)
	lspnet.SetClientWriteDropPercent(40)
	want := e.makePayloads(0, 30)
	e.send(l, true, want)
	var err error
	e.within(30*time.Second, "client Close with 30 messages pending", func() { err = l.cli.Close() })
	if err != nil {
		e.fatalf("client Close returned %v on a live connection; expected nil", err)
	}
	lspnet.ResetDropPercent()
	e.expect(l, true, want, 3*time.Second)
}

// TestClientClose2 checks that closed clients and a closed server leave no goroutines behind.
func TestClientClose2(t *testing.T) {
	e := setup(t)
	before := runtime.NumGoroutine()
	p := params(20, 100, 5, 0, 5)
	srv, port := e.startServer(p)
	stop := e.echoServer(srv)
	clients := e.newClients(3, port, p)
	e.echoClients(clients, 20, 15*time.Second)
	for i, cli := range clients {
		var err error
		e.within(10*time.Second, fmt.Sprintf("Close of client %d", i), func() { err = cli.Close() })
		if err != nil {
			e.fatalf("client %d: Close returned %v; expected nil", i, err)
		}
	}
	stop()
	e.within(10*time.Second, "server Close", func() { srv.Close() })
	deadline := time.Now().Add(3 * time.Second)
	for runtime.NumGoroutine() > before+2 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	// The test's own read pumps may still be parked in Read (at most one per client and server).
	if n := runtime.NumGoroutine(); n > before+len(clients)+2 {
		buf := make([]byte, 1<<16)
		buf = buf[:runtime.Stack(buf, true)]
		e.fatalf("%d goroutines are running after every client and the server were closed; expected at most %d (the test's own). Stacks:\n%s", n, before+len(clients)+2, buf)
	}
}

// TestServerClose1 loses packets and closes the server right after writing: Close must wait
// until every client has every message.
func TestServerClose1(t *testing.T) {
	e := setup(t)
	p := params(30, 100, 5, 1, 5)
	srv, port := e.startServer(p)
	clients := e.newClients(3, port, p)
	lspnet.SetServerWriteDropPercent(40)
	wants := make([][][]byte, len(clients))
	for i, cli := range clients {
		wants[i] = e.makePayloads(i, 20)
		e.serverWriteAll(srv, cli.ConnID(), wants[i])
	}
	var err error
	e.within(30*time.Second, "server Close with 60 messages pending", func() { err = srv.Close() })
	if err != nil {
		e.fatalf("server Close returned %v with every client alive; expected nil", err)
	}
	lspnet.ResetDropPercent()
	for i, cli := range clients {
		e.expectClientReads(fmt.Sprintf("client %d", i), clientPump(cli), wants[i], 3*time.Second)
	}
	if err := srv.Write(clients[0].ConnID(), []byte("late")); err == nil {
		e.fatalf("server Write after Close returned nil; expected an error")
	}
}

// TestServerClose2 cuts one client off while the server has messages pending for it: Close must
// return an error once that client is lost, and the other clients still get everything.
func TestServerClose2(t *testing.T) {
	e := setup(t)
	p := params(5, 100, 5, 0, 5)
	srv, port := e.startServer(p)
	clients := e.newClients(3, port, p)
	victim := clients[0].ConnID()
	lspnet.StartMiddlebox(func(pk lspnet.Packet) []lspnet.Packet {
		if pk.ConnID == victim {
			return nil
		}
		return []lspnet.Packet{pk}
	})
	wants := make([][][]byte, len(clients))
	for i, cli := range clients {
		wants[i] = e.makePayloads(i, 10)
		e.serverWriteAll(srv, cli.ConnID(), wants[i])
	}
	var err error
	e.within(epochs(p, p.EpochLimit+5)+5*time.Second, "server Close while a client is cut off", func() { err = srv.Close() })
	if err == nil {
		e.fatalf("server Close returned nil although client %d was cut off with 10 messages pending; expected an error", victim)
	}
	for i, cli := range clients[1:] {
		e.expectClientReads(fmt.Sprintf("client %d", i+1), clientPump(cli), wants[i+1], 3*time.Second)
	}
}

// TestServerCloseConns1 closes one connection: what was written to it is still delivered, and
// nothing the client writes afterwards is read; another client is unaffected.
func TestServerCloseConns1(t *testing.T) {
	e := setup(t)
	p := params(20, 100, 5, 0, 5)
	srv, port := e.startServer(p)
	clients := e.newClients(2, port, p)
	closed, other := clients[0], clients[1]
	lspnet.SetServerWriteDropPercent(30)
	want := e.makePayloads(0, 15)
	e.serverWriteAll(srv, closed.ConnID(), want)
	if err := srv.CloseConn(closed.ConnID()); err != nil {
		e.fatalf("CloseConn(%d) returned %v; expected nil", closed.ConnID(), err)
	}
	e.expectClientReads("client of the closed connection", clientPump(closed), want, 20*time.Second)
	lspnet.ResetDropPercent()
	if err := srv.Write(closed.ConnID(), []byte("after CloseConn")); err == nil {
		e.fatalf("server Write to connection %d after CloseConn returned nil; expected an error", closed.ConnID())
	}
	closed.Write([]byte("ignored"))
	msgs, stop := serverPump(srv)
	defer stop()
	otherWant := e.makePayloads(1, 5)
	e.writeAll("other client", other, otherWant)
	deadline := time.After(10 * time.Second)
	for k := 0; k < len(otherWant); {
		select {
		case m := <-msgs:
			if m.id == closed.ConnID() && m.data != nil {
				e.fatalf("server Read returned %s from connection %d after CloseConn; expected nothing from it", show(m.data), m.id)
			}
			if m.id == other.ConnID() {
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

// TestServerCloseConns2 closes every connection with messages pending, then the server.
func TestServerCloseConns2(t *testing.T) {
	e := setup(t)
	p := params(20, 100, 5, 0, 5)
	srv, port := e.startServer(p)
	clients := e.newClients(3, port, p)
	wants := make([][][]byte, len(clients))
	for i, cli := range clients {
		wants[i] = e.makePayloads(i, 10)
		e.serverWriteAll(srv, cli.ConnID(), wants[i])
		if err := srv.CloseConn(cli.ConnID()); err != nil {
			e.fatalf("CloseConn(%d) returned %v; expected nil", cli.ConnID(), err)
		}
	}
	if err := srv.CloseConn(999); err == nil {
		e.fatalf("CloseConn(999) of a connection that never existed returned nil; expected an error")
	}
	for i, cli := range clients {
		e.expectClientReads(fmt.Sprintf("client %d", i), clientPump(cli), wants[i], 10*time.Second)
	}
	var err error
	e.within(10*time.Second, "server Close after CloseConn of every connection", func() { err = srv.Close() })
	if err != nil {
		e.fatalf("server Close after CloseConn of every connection returned %v; expected nil", err)
	}
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

func TestFastClose1(t *testing.T) {
	e := setup(t)
	p := fastCloseParams()
	l := e.newLink(p)
	stopFlip := flipWrites(true, epochs(p, 3))
	defer stopFlip()
	want := e.makePayloads(0, 30)
	e.send(l, true, want)
	var err error
	e.within(30*time.Second, "client Close while client writes flip between 0% and 100% loss", func() { err = l.cli.Close() })
	if err != nil {
		e.fatalf("client Close returned %v; expected nil (the connection was never silent for EpochLimit epochs)", err)
	}
	stopFlip()
	e.expect(l, true, want, 3*time.Second)
}

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
		e.serverWriteAll(srv, cli.ConnID(), wants[i])
	}
	var err error
	e.within(30*time.Second, "server Close while server writes flip between 0% and 100% loss", func() { err = srv.Close() })
	if err != nil {
		e.fatalf("server Close returned %v; expected nil (no client was silent for EpochLimit epochs)", err)
	}
	stopFlip()
	for i, cli := range clients {
		e.expectClientReads(fmt.Sprintf("client %d", i), clientPump(cli), wants[i], 3*time.Second)
	}
}

func TestFastClose3(t *testing.T) {
	e := setup(t)
	p := fastCloseParams()
	srv, port := e.startServer(p)
	msgs, stop := serverPump(srv)
	defer stop()
	clients := e.newClients(3, port, p)
	stopFlip := flipWrites(true, epochs(p, 3))
	defer stopFlip()
	want := map[int][][]byte{}
	for i, cli := range clients {
		want[cli.ConnID()] = e.makePayloads(i, 15)
		e.writeAll(fmt.Sprintf("client %d", i), cli, want[cli.ConnID()])
	}
	var wg sync.WaitGroup
	errs := make([]error, len(clients))
	for i, cli := range clients {
		wg.Add(1)
		go func(i int, cli lsp.Client) {
			defer wg.Done()
			errs[i] = cli.Close()
		}(i, cli)
	}
	e.within(30*time.Second, "Close of 3 clients while client writes flip between 0% and 100% loss", wg.Wait)
	for i, err := range errs {
		if err != nil {
			e.fatalf("client %d: Close returned %v; expected nil", i, err)
		}
	}
	stopFlip()
	e.expectServerReads(msgs, want, 3*time.Second)
}

// TestHeartbeat1 leaves a connection idle for many times EpochLimit: heartbeats keep it alive.
func TestHeartbeat1(t *testing.T) {
	e := setup(t)
	p := params(5, 100, 1, 0, 1)
	l := e.newLink(p)
	lspnet.StartSniff()
	time.Sleep(epochs(p, 20))
	res := lspnet.StopSniff()
	fromClient, fromServer := 0, 0
	for _, pk := range res.Packets {
		if pk.IsHeartbeat() && pk.ConnID == l.cli.ConnID() {
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

// TestHeartbeat2 leaves three clients idle; none may be reported lost.
func TestHeartbeat2(t *testing.T) {
	e := setup(t)
	p := params(4, 100, 2, 0, 2)
	srv, port := e.startServer(p)
	msgs, stop := serverPump(srv)
	defer stop()
	clients := e.newClients(3, port, p)
	e.expectNoServerRead(msgs, epochs(p, 20), "while 3 clients were idle (heartbeats keep them alive)")
	want := map[int][][]byte{}
	for i, cli := range clients {
		want[cli.ConnID()] = e.makePayloads(i, 2)
		e.writeAll(fmt.Sprintf("client %d", i), cli, want[cli.ConnID()])
	}
	e.expectServerReads(msgs, want, 5*time.Second)
}

func lossLimit(p *lsp.Params) time.Duration {
	return epochs(p, p.EpochLimit+4) + 3*time.Second
}

// TestClientLost silences the server: the client's Read must report the loss.
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

// TestServerLost silences one client: the server's Read must return (id, nil, err) for it.
func TestServerLost(t *testing.T) {
	e := setup(t)
	p := params(5, 100, 1, 0, 1)
	l := e.newLink(p)
	id := l.cli.ConnID()
	lspnet.SetClientWriteDropPercent(100)
	select {
	case m := <-l.srvMsgs:
		if m.err == nil || m.id != id || m.data != nil {
			e.fatalf("server Read returned (%d, %s, %v) for a silent client; expected (%d, nil, error)", m.id, show(m.data), m.err, id)
		}
	case <-time.After(lossLimit(p)):
		e.fatalf("server Read did not report the loss of client %d, silent for %v; expected (%d, nil, error)", id, lossLimit(p), id)
	}
	if err := l.srv.Write(id, []byte("x")); err == nil {
		e.fatalf("server Write to lost connection %d returned nil; expected an error", id)
	}
}

// TestLostWithPending silences the server while the client has messages pending: Close must not
// wait for acks that can never come.
func TestLostWithPending(t *testing.T) {
	e := setup(t)
	p := params(5, 100, 2, 0, 2)
	l := e.newLink(p)
	lspnet.SetServerWriteDropPercent(100)
	e.send(l, true, e.makePayloads(0, 10))
	e.within(lossLimit(p), "client Close with messages pending to a server that went silent", func() { l.cli.Close() })
}
