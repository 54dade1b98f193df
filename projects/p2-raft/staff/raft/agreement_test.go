// Part 2B: log replication. Each test names the handout's clauses it enforces. Every test also
// checks, on every ApplyCommand, that each peer sends every committed index once, in order from
// 1, and that no two peers commit different commands at one index.

package raft_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestBasicAgree2B — handout: "PutCommand on the leader returns the index the command will
// have"; "every peer sends each committed command on applyCh, at consecutive indices from 1";
// "nothing is committed before it is put".
func TestBasicAgree2B(t *testing.T) {
	const n = 3
	c := newCluster(t, n, nil)
	all := allPeers(n)
	c.waitLeader(all)
	for want := 1; want <= 3; want++ {
		if count, cmd := c.committed(want); count > 0 {
			c.fatalf("index %d was committed (command %v on %d peers) before any command was put there", want, cmd, count)
		}
		if got := c.agree(want*100, n, all); got != want {
			c.fatalf("expected the command to be put at index %d, PutCommand returned index %d", want, got)
		}
	}
	c.check()
}

// TestFailAgree2B — handout: "commands commit as long as a majority is connected"; "a follower
// that comes back catches up on everything it missed".
func TestFailAgree2B(t *testing.T) {
	const n = 3
	c := newCluster(t, n, nil)
	all := allPeers(n)
	c.agree(101, n, all)
	leader, _ := c.waitLeader(all)
	gone := (leader + 1) % n
	c.disconnect(gone)
	rest := c.others(gone)
	c.agree(102, n-1, rest)
	c.agree(103, n-1, rest)
	time.Sleep(time.Second)
	c.agree(104, n-1, rest)
	c.agree(105, n-1, rest)
	c.connect(gone)
	c.agree(106, n, all)
	time.Sleep(time.Second)
	c.agree(107, n, all)
	c.check()
}

// TestFailNoAgree2B — handout: "PutCommand returns at once, also on a leader that cannot reach
// a majority, with the index the command would have"; "nothing is committed without a
// majority"; "once the majority is back, commands commit again".
func TestFailNoAgree2B(t *testing.T) {
	const n = 5
	c := newCluster(t, n, nil)
	all := allPeers(n)
	c.agree(10, n, all)
	leader, _ := c.waitLeader(all)
	for k := 1; k <= 3; k++ {
		c.disconnect((leader + k) % n)
	}
	r := c.put(leader, 20)
	if !r.leader {
		c.fatalf("PutCommand on the leader (peer %d), just after 3 of 5 peers were cut off, said it was not the leader: it cannot know yet, and must accept the command", leader)
	}
	if r.index != 2 {
		c.fatalf("expected PutCommand to return index 2 (one command was committed before), got %d", r.index)
	}
	time.Sleep(2 * time.Second)
	if count, cmd := c.committed(r.index); count > 0 {
		c.fatalf("index %d was committed (command %v on %d peers) while the leader could reach only 2 of 5 peers", r.index, cmd, count)
	}
	c.heal()
	// The cut-off peers may win the next election (their logs are as up to date), and the
	// uncommitted 20 may or may not survive: the next command goes to index 2 or 3.
	deadline := time.Now().Add(agreementLimit)
	for {
		leader2, _ := c.waitLeader(all)
		r2 := c.put(leader2, 30)
		if r2.leader {
			if r2.index < 2 || r2.index > 3 {
				c.fatalf("expected the first command after the partition healed at index 2 or 3, PutCommand returned index %d", r2.index)
			}
			break
		}
		if time.Now().After(deadline) {
			c.fatalf("no leader accepted a command within %v after the partition healed", agreementLimit)
		}
		time.Sleep(pollInterval)
	}
	c.agree(1000, n, all)
	c.check()
}

// TestConcurrentStarts2B — handout: "PutCommand may be called from many goroutines at once;
// each command accepted by the leader gets its own index and, without failures, is committed
// there".
func TestConcurrentStarts2B(t *testing.T) {
	const n = 3
	c := newCluster(t, n, nil)
	all := allPeers(n)
	for try := 0; ; try++ {
		if try == 5 {
			c.fatalf("the leader changed during each of 5 tries of putting 5 commands at once, without any failure")
		}
		if try > 0 {
			time.Sleep(3 * time.Second)
		}
		leader, _ := c.waitLeader(all)
		first := c.put(leader, 1)
		if !first.leader {
			continue
		}
		var wg sync.WaitGroup
		results := make([]putResult, 5)
		for k := range results {
			wg.Add(1)
			go func(k int) {
				defer wg.Done()
				results[k], _ = c.tryPut(leader, 100+k)
			}(k)
		}
		wg.Wait()
		c.check()
		retry := false
		seen := map[int]int{}
		for k, r := range results {
			if !r.leader || r.term != first.term {
				retry = true
				break
			}
			if other, dup := seen[r.index]; dup {
				c.fatalf("PutCommand returned index %d for both command %d and command %d", r.index, 100+other, 100+k)
			}
			seen[r.index] = k
		}
		if retry {
			continue
		}
		for k, r := range results {
			if cmd := c.waitCommitted(r.index, n, agreementLimit); cmd != 100+k {
				c.fatalf("PutCommand(%d) returned index %d, but the peers committed %v there", 100+k, r.index, cmd)
			}
		}
		break
	}
	c.check()
}

// TestRejoin2B — handout: "entries a leader put but could not commit before it was cut off are
// overwritten once it rejoins"; "a leader that learns of a newer term steps down".
func TestRejoin2B(t *testing.T) {
	const n = 3
	c := newCluster(t, n, nil)
	all := allPeers(n)
	c.agree(101, n, all)
	leader1, _ := c.waitLeader(all)
	c.disconnect(leader1)
	for _, cmd := range []int{102, 103, 104} {
		c.put(leader1, cmd)
	}
	index := c.agree(103, 2, c.others(leader1))
	leader2, _ := c.waitLeader(c.others(leader1))
	c.disconnect(leader2)
	c.connect(leader1)
	c.agree(104, 2, c.others(leader2))
	c.connect(leader2)
	c.agree(105, n, all)
	if cmd := c.waitCommitted(index, n, agreementLimit); cmd != 103 {
		c.fatalf("expected 103 committed at index %d by every peer (the old leader's 102 there was never committed), got %v", index, cmd)
	}
	c.check()
}

// TestBackup2B — handout: "a leader brings a follower whose log diverges from its own up to date
// quickly, backing up over a whole term of conflicting entries at a time (§5.3), not one entry
// per heartbeat": 150 conflicting entries must be resolved within the agreement limit.
func TestBackup2B(t *testing.T) {
	const n = 5
	const batch = 150
	c := newCluster(t, n, nil)
	all := allPeers(n)
	c.agree(c.rng.Int(), n, all)

	// The leader and one follower are cut off and get entries they can never commit.
	leader1, _ := c.waitLeader(all)
	partner := (leader1 + 1) % n
	majority := c.others(leader1, partner)
	c.partition(majority, []int{leader1, partner})
	for k := 0; k < batch; k++ {
		c.put(leader1, c.rng.Int())
	}

	// The other three commit a log of the same length.
	leader2, _ := c.waitLeader(majority)
	for k := 0; k < batch-1; k++ {
		c.put(leader2, c.rng.Int())
	}
	c.agree(c.rng.Int(), len(majority), majority)

	// One of them joins the old pair: it alone can win, and must back both up over 150 entries.
	var helper int
	for _, i := range majority {
		if i != leader2 {
			helper = i
			break
		}
	}
	back := []int{leader1, partner, helper}
	c.partition(back, c.others(back...))
	// Meanwhile the cut-off leader of the majority gets entries that will be overwritten too.
	for k := 0; k < 50; k++ {
		c.put(leader2, c.rng.Int())
	}
	start := time.Now()
	c.agree(c.rng.Int(), len(back), back)
	t.Logf("backed up 150 conflicting entries on two followers in %v", time.Since(start).Round(time.Millisecond))

	c.heal()
	c.agree(c.rng.Int(), n, all)
	c.check()
}

// TestCount2B — handout: "at most 10 heartbeats per second"; "no more RPCs than needed": an
// election costs a few RequestVotes per election timeout (larger than 150 ms), and agreement
// about one AppendEntries per command and follower beyond the heartbeats.
func TestCount2B(t *testing.T) {
	const n = 3
	c := newCluster(t, n, nil)
	all := allPeers(n)
	leader, _ := c.waitLeader(all)
	elapsed := time.Since(c.start)
	// Each peer asks every other for its vote at most once per election timeout; heartbeats come
	// on top once a leader is elected.
	elections := int(elapsed/minElectionTimeout) + 1
	if got, limit := sum(c.rpcCounts()), n*(n-1)*elections+(n-1)*(int(elapsed.Seconds()*maxHeartbeatsPerSecond)+2); got > limit {
		c.fatalf("the first election took %d RPCs in %v; at most %d are needed with election timeouts larger than %v and at most %d heartbeats per second", got, elapsed.Round(time.Millisecond), limit, minElectionTimeout, maxHeartbeatsPerSecond)
	}

	const commands = 10
	for try := 0; ; try++ {
		if try == 5 {
			c.fatalf("the leader changed during each of 5 tries to count the RPCs of %d commands, without any failure", commands)
		}
		if try > 0 {
			time.Sleep(3 * time.Second)
		}
		var term int
		leader, term = c.waitLeader(all)
		before := c.rpcCounts()
		start := time.Now()
		first := c.put(leader, 1)
		if !first.leader {
			continue
		}
		changed := false
		for k := 1; k <= commands && !changed; k++ {
			r := c.put(leader, 100+k)
			if !r.leader || r.term != term {
				changed = true
				break
			}
			c.waitCommitted(r.index, n, agreementLimit)
		}
		if _, term2 := c.waitLeader(all); changed || term2 != term {
			continue
		}
		took := time.Since(start)
		limit := 3*(commands+1) + int(took.Seconds()*maxHeartbeatsPerSecond) + 2
		for i, got := range c.rpcCounts() {
			if got -= before[i]; i != leader && got > limit {
				c.fatalf("follower %d received %d RPCs while %d commands were committed one after another in %v; at most %d are needed (3 per command, plus %d heartbeats per second)", i, got, commands+1, took.Round(time.Millisecond), limit, maxHeartbeatsPerSecond)
			}
		}
		break
	}

	const idle = time.Second
	leader, term := c.waitLeader(all)
	c.checkHeartbeats(c.stable(all, leader, term, idle), idle, "while the leader was idle after agreement")
	c.check()
}

// TestUnreliableAgree2B — handout: "commands commit despite lost, delayed and repeated messages"
// (requests and replies lost; a lost reply means the handler ran).
func TestUnreliableAgree2B(t *testing.T) {
	const n = 5
	c := newCluster(t, n, nil)
	all := allPeers(n)
	c.net.Reliable(false)
	var wg sync.WaitGroup
	errs := make(chan string, 100)
	for round := 1; round < 15; round++ {
		for k := 0; k < 4; k++ {
			wg.Add(1)
			go func(cmd int) {
				defer wg.Done()
				if _, err := c.tryAgree(cmd, 1, all); err != "" {
					errs <- err
				}
			}(100*round + k)
		}
		c.agree(round, 1, all)
	}
	c.net.Reliable(true)
	wg.Wait()
	close(errs)
	for err := range errs {
		c.fatalf("%s", err)
	}
	c.agree(10000, n, all)
	c.check()
}

// TestPartitionsUnreliable2B — handout: "commands commit, and committed entries never change,
// while leaders are cut off and rejoin on an unreliable network that delays and reorders
// replies"; "once the network heals, a command commits on every peer".
func TestPartitionsUnreliable2B(t *testing.T) {
	const n = 5
	c := newCluster(t, n, nil)
	all := allPeers(n)
	c.agree(c.rng.Int(), 1, all)
	c.net.Reliable(false)
	c.net.LongReordering(true)
	connected := n
	up := make([]bool, n)
	for i := range up {
		up[i] = true
	}
	for round := 0; round < 100; round++ {
		leader := -1
		for i := 0; i < n; i++ {
			if r := c.put(i, c.rng.Int()); r.leader && up[i] {
				leader = i
			}
		}
		if c.rng.Intn(1000) < 100 {
			time.Sleep(time.Duration(c.rng.Intn(500)) * time.Millisecond)
		} else {
			time.Sleep(time.Duration(c.rng.Intn(13)) * time.Millisecond)
		}
		if leader >= 0 && c.rng.Intn(2) == 0 {
			c.disconnect(leader)
			up[leader] = false
			connected--
		}
		if connected < 3 {
			i := c.rng.Intn(n)
			if !up[i] {
				c.connect(i)
				up[i] = true
				connected++
			}
		}
	}
	c.heal()
	c.net.Reliable(true)
	c.net.LongReordering(false)
	c.agree(c.rng.Int(), n, all)
	c.check()
}

// TestFigure8_2B — handout: "a leader commits an entry of an earlier term only by committing an
// entry of its own term after it" (Figure 8 of the Raft paper, §5.4.2). An entry of an old term
// that a majority holds can still be overwritten, so it must not be applied on its own.
func TestFigure8_2B(t *testing.T) {
	const n = 5
	c := newCluster(t, n, nil)
	all := allPeers(n)
	c.agree(1, n, all)

	// (a) leader1 puts x; only its partner can get it.
	leader1, _ := c.waitLeader(all)
	partner := (leader1 + 1) % n
	rest := c.others(leader1, partner)
	c.partition([]int{leader1, partner}, rest)
	c.put(leader1, "x (term of leader1, never committed)")
	time.Sleep(300 * time.Millisecond)

	// (b) the other three elect leader2, which is cut off at once and puts y, of a newer term.
	leader2, _ := c.waitLeader(rest)
	c.disconnect(leader2)
	c.put(leader2, "y (newer term)")
	var b, d int
	if others := c.others(leader1, partner, leader2); len(others) == 2 {
		b, d = others[0], others[1]
	}

	// (c) leader1 and its partner, with b: only they hold x, so one of them leads and copies x to
	// b. x is now on 3 of 5 peers, but in an old term: it must not be committed.
	c.partition([]int{leader1, partner, b})
	c.waitLeader([]int{leader1, partner, b})
	time.Sleep(1500 * time.Millisecond)

	// (d) leader2, b and d: leader2's y is of the newest term, so only leader2 can win, and it
	// replaces x at index 2 with y. Had x been committed in (c), two commands would share index 2.
	c.partition([]int{leader2, b, d})
	c.agree("z", 3, []int{leader2, b, d})

	c.heal()
	c.agree("w", n, all)
	c.check()
}

// TestStop2B — handout: "Stop shuts the peer down: every goroutine it started exits within a
// few seconds" (the tester calls nothing on a peer after Stop, and keeps reading applyCh).
func TestStop2B(t *testing.T) {
	const n = 3
	before := goroutineIDs(raftGoroutines(nil))
	c := newCluster(t, n, nil)
	all := allPeers(n)
	c.agree(1, n, all)
	leader, _ := c.waitLeader(all)
	c.disconnect((leader + 1) % n)
	c.agree(2, n-1, c.others((leader+1)%n))
	c.check()
	c.stopAll()
	deadline := time.Now().Add(stopLimit)
	for {
		left := raftGoroutines(before)
		if len(left) == 0 {
			break
		}
		if time.Now().After(deadline) {
			stacks := sortedStacks(left)
			if len(stacks) > 5 {
				stacks = append(stacks[:5], fmt.Sprintf("... and %d more", len(left)-5))
			}
			c.fatalf("%d goroutines of package raft were still running %v after Stop was called on every peer; Stop must make every goroutine a peer started exit (check a stop flag or channel in every loop). Where they are:\n%s", len(left), stopLimit, strings.Join(stacks, "\n\n"))
		}
		time.Sleep(100 * time.Millisecond)
	}
	c.check()
}
