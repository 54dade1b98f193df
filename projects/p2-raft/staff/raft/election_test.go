// Part 2A: leader election. Each test names the handout's clauses it enforces.

package raft_test

import (
	"testing"
	"time"

	"github.com/cmu440/rpc"
)

// TestInitialElection2A — handout: "a leader is elected within 5 s"; "every peer learns the
// leader's term"; "without failures the leader stays the leader and terms do not change";
// "at most 10 heartbeats per second".
func TestInitialElection2A(t *testing.T) {
	c := newCluster(t, 3, nil)
	all := allPeers(3)
	c.waitLeader(all)
	term := c.termsAgree(all)
	leader, term2 := c.waitLeader(all)
	if term2 != term {
		c.fatalf("the leader's term changed from %d to %d without any failure", term, term2)
	}
	const quiet = 2 * time.Second
	received := c.stable(all, leader, term, quiet)
	c.checkHeartbeats(received, quiet, "while the leader was idle")
	c.check()
}

// TestReElection2A — handout: "a new leader within 5 s of a failure"; "a leader that learns of
// a newer term steps down"; "no leader is elected without a majority".
func TestReElection2A(t *testing.T) {
	c := newCluster(t, 3, nil)
	all := allPeers(3)
	leader1, _ := c.waitLeader(all)

	c.disconnect(leader1)
	c.waitLeader(c.others(leader1))

	// The old leader comes back: exactly one leader, with the newest term.
	c.connect(leader1)
	leader3, _ := c.waitLeader(all)

	// Two of three gone: the one left must not become leader.
	next := (leader3 + 1) % 3
	c.disconnect(leader3)
	c.disconnect(next)
	alone := c.others(leader3, next)
	c.noLeader(alone, 2*time.Second, "it cannot reach a majority")

	c.connect(next)
	c.waitLeader(c.others(leader3))
	c.connect(leader3)
	c.waitLeader(all)
	c.check()
}

// TestElectionMinority2A — handout: "a leader needs the votes of a majority", so a minority
// partition never elects one, while the majority keeps (or gets) a leader within 5 s.
func TestElectionMinority2A(t *testing.T) {
	c := newCluster(t, 5, nil)
	leader, _ := c.waitLeader(allPeers(5))
	majority := []int{leader, (leader + 1) % 5, (leader + 2) % 5}
	minority := c.others(majority...)
	c.partition(majority, minority)
	c.noLeader(minority, 3*time.Second, "its side of the partition has only 2 of 5 peers")
	c.waitLeader(majority)
	c.heal()
	c.waitLeader(allPeers(5))
	c.termsAgree(allPeers(5))
	c.check()
}

// TestRejoinElection2A — handout: "election timeouts are larger than 150 ms" (so a peer cut
// off from everyone starts at most one new term per 150 ms); "peers that rejoin are brought
// back: one leader within 5 s, every peer on its term"; "without failures the leader stays".
func TestRejoinElection2A(t *testing.T) {
	c := newCluster(t, 5, nil)
	all := allPeers(5)
	leader, _ := c.waitLeader(all)
	term := c.termsAgree(all)
	away := []int{(leader + 1) % 5, (leader + 3) % 5}
	for _, i := range away {
		c.disconnect(i)
	}
	const cutOff = 3 * time.Second
	start := time.Now()
	c.waitLeader(c.others(away...))
	time.Sleep(time.Until(start.Add(cutOff)))
	elapsed := time.Since(start)
	s, _ := c.states(away)
	c.check()
	// The first timeout can come up to one heartbeat after the cut, hence the extra term.
	limit := int(elapsed/minElectionTimeout) + 2
	for k, i := range away {
		if grown := s[k].term - term; grown > limit {
			c.fatalf("peer %d, cut off for %v, went from term %d to %d: %d new terms, but with election timeouts larger than %v it can start at most %d elections", i, elapsed.Round(time.Millisecond), term, s[k].term, grown, minElectionTimeout, limit)
		}
	}
	for _, i := range away {
		c.connect(i)
	}
	c.waitLeader(all)
	c.termsAgree(all)
	// Rejoined peers may still cause an election or two; once they have settled, the leader stays.
	time.Sleep(time.Second)
	c.termsAgree(all)
	leader, term = c.waitLeader(all)
	c.stable(all, leader, term, 1500*time.Millisecond)
	c.check()
}

// TestManyElections2A — handout: "a new leader within 5 s of a failure, as long as a majority is
// connected", over many rounds of three of seven peers failing at random.
func TestManyElections2A(t *testing.T) {
	const n = 7
	c := newCluster(t, n, nil)
	c.waitLeader(allPeers(n))
	for round := 0; round < 8; round++ {
		gone := c.rng.Perm(n)[:3]
		for _, i := range gone {
			c.disconnect(i)
		}
		c.waitLeader(c.others(gone...))
		for _, i := range gone {
			c.connect(i)
		}
	}
	c.waitLeader(allPeers(n))
	c.check()
}

// TestVoteOnce2A — handout: "a peer votes for at most one candidate per term", so there is at
// most one leader per term (Election Safety). The leader's calls to both followers are cut, and
// the followers cannot reach each other, but both can still reach the old leader: the first
// follower to time out wins the next term with the old leader's vote; the second, still in the
// old term, then asks for that same term, and must be refused.
func TestVoteOnce2A(t *testing.T) {
	c := newCluster(t, 3, nil)
	all := allPeers(3)
	voter, _ := c.waitLeader(all)
	c.termsAgree(all)
	a, b := (voter+1)%3, (voter+2)%3
	c.cutEnd(a, b)
	c.cutEnd(b, a)
	c.cutEnd(voter, a)
	c.cutEnd(voter, b)
	// Both followers time out within a few election timeouts; the monitor checks every term.
	deadline := time.Now().Add(3 * time.Second)
	for time.Now().Before(deadline) {
		c.states(all)
		c.check()
		time.Sleep(pollInterval)
	}
	c.heal()
	c.waitLeader(all)
	c.check()
}

// TestElectionLatency2A — handout: "a new leader within 5 s of a failure", on a network where
// every message takes 25 ms: peers whose election timeouts are not randomized time out
// together, split the vote, and do it again every time.
func TestElectionLatency2A(t *testing.T) {
	c := newCluster(t, 3, func(net *rpc.Network) { net.SetLatency(25 * time.Millisecond) })
	all := allPeers(3)
	leader, _ := c.waitLeader(all)
	for round := 0; round < 3; round++ {
		c.disconnect(leader)
		c.waitLeader(c.others(leader))
		c.connect(leader)
		leader, _ = c.waitLeader(all)
	}
	c.check()
}
