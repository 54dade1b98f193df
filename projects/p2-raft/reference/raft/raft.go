// Package raft is the staff reference solution of P2: leader election and log replication as in
// Figure 2 of the Raft paper, with the fast log back-up of §5.3.
//
// Three goroutines per peer: the ticker starts elections, the replicator sends AppendEntries
// (every heartbeat, and at once when there is something new), the applier sends committed
// entries on applyCh. Every RPC is sent from a goroutine of its own; no lock is held across a
// call or a channel send.
package raft

import (
	"fmt"
	"io"
	"log"
	"math/rand"
	"os"
	"sync"
	"time"

	"github.com/cmu440/rpc"
)

const (
	enableDebugLogs = false
	logToStdout     = true
	logOutputDir    = "./raftlogs/"
)

const (
	// heartbeatInterval is the handout's limit: at most 10 heartbeats per second.
	heartbeatInterval = 100 * time.Millisecond
	// Election timeouts are drawn from [electionTimeoutMin, electionTimeoutMin+electionTimeoutSpread).
	electionTimeoutMin    = 400 * time.Millisecond
	electionTimeoutSpread = 400 * time.Millisecond
	// tickInterval is how often the ticker looks at the election deadline.
	tickInterval = 10 * time.Millisecond
)

// ApplyCommand is sent on applyCh for every committed entry, in index order.
type ApplyCommand struct {
	Index   int
	Command interface{}
}

type role int

const (
	follower role = iota
	candidate
	leader
)

func (r role) String() string {
	return [...]string{"follower", "candidate", "leader"}[r]
}

// Raft is one peer.
type Raft struct {
	mux     sync.Mutex
	peers   []*rpc.ClientEnd
	me      int
	logger  *log.Logger
	applyCh chan ApplyCommand

	currentTerm int
	votedFor    int // -1: nobody in currentTerm
	log         raftLog
	role        role
	deadline    time.Time // when a follower or candidate starts the next election

	commitIndex int
	lastApplied int // the applier's progress; only the applier writes it
	nextIndex   []int
	matchIndex  []int

	applyCond *sync.Cond    // commitIndex moved, or the peer stopped
	kick      chan struct{} // replicate now (buffer 1: kicks coalesce)
	stopped   chan struct{} // closed by Stop
	dead      bool
}

// GetState returns this peer's index, its term, and whether it believes it is the leader.
func (rf *Raft) GetState() (int, int, bool) {
	rf.mux.Lock()
	defer rf.mux.Unlock()
	return rf.me, rf.currentTerm, rf.role == leader
}

// RequestVoteArgs is the argument of RequestVote.
type RequestVoteArgs struct {
	Term         int
	CandidateID  int
	LastLogIndex int
	LastLogTerm  int
}

// RequestVoteReply is the reply of RequestVote.
type RequestVoteReply struct {
	Term        int
	VoteGranted bool
}

// AppendEntriesArgs is the argument of AppendEntries (a heartbeat when Entries is empty).
type AppendEntriesArgs struct {
	Term         int
	LeaderID     int
	PrevLogIndex int
	PrevLogTerm  int
	Entries      []LogEntry
	LeaderCommit int
}

// AppendEntriesReply is the reply of AppendEntries. When Success is false because the logs do not
// match at PrevLogIndex, ConflictIndex and ConflictTerm tell the leader how far to back up: the
// follower's log ends before PrevLogIndex (ConflictTerm -1, ConflictIndex its length), or holds
// an entry of ConflictTerm there, whose run starts at ConflictIndex.
type AppendEntriesReply struct {
	Term          int
	Success       bool
	ConflictIndex int
	ConflictTerm  int
}

// observeTerm moves to a newer term seen in a message, as a follower. It reports whether it did.
// Call with rf.mux held.
func (rf *Raft) observeTerm(term int) bool {
	if term <= rf.currentTerm {
		return false
	}
	if rf.role == leader {
		// A leader has no election deadline; give the new leader time to be heard from.
		rf.resetDeadline()
	}
	rf.currentTerm = term
	rf.votedFor = -1
	rf.role = follower
	return true
}

func (rf *Raft) resetDeadline() {
	rf.deadline = time.Now().Add(electionTimeoutMin + time.Duration(rand.Int63n(int64(electionTimeoutSpread))))
}

// RequestVote grants a vote to a candidate whose term is current and whose log is at least as up
// to date, once per term.
func (rf *Raft) RequestVote(args *RequestVoteArgs, reply *RequestVoteReply) {
	rf.mux.Lock()
	defer rf.mux.Unlock()
	if rf.dead {
		return
	}
	rf.observeTerm(args.Term)
	reply.Term = rf.currentTerm
	if args.Term < rf.currentTerm {
		return
	}
	if (rf.votedFor == -1 || rf.votedFor == args.CandidateID) && rf.log.atLeastAsUpToDate(args.LastLogTerm, args.LastLogIndex) {
		rf.votedFor = args.CandidateID
		reply.VoteGranted = true
		rf.resetDeadline()
		rf.logger.Printf("term %d: vote for %d", rf.currentTerm, args.CandidateID)
	}
}

// AppendEntries accepts entries from the leader of the current term when the logs match at
// PrevLogIndex, and learns the leader's commit index.
func (rf *Raft) AppendEntries(args *AppendEntriesArgs, reply *AppendEntriesReply) {
	rf.mux.Lock()
	defer rf.mux.Unlock()
	if rf.dead {
		return
	}
	rf.observeTerm(args.Term)
	reply.Term = rf.currentTerm
	if args.Term < rf.currentTerm || rf.role == leader {
		return // an old leader; or another leader of this term, which Election Safety rules out
	}
	// A candidate that hears from the leader of its term gives up.
	rf.role = follower
	rf.resetDeadline()

	if !rf.log.has(args.PrevLogIndex) {
		reply.ConflictTerm = -1
		reply.ConflictIndex = rf.log.lastIndex() + 1
		return
	}
	if rf.log.term(args.PrevLogIndex) != args.PrevLogTerm {
		reply.ConflictTerm = rf.log.term(args.PrevLogIndex)
		reply.ConflictIndex = rf.log.firstIndexOfTerm(args.PrevLogIndex)
		return
	}
	for i, e := range args.Entries {
		index := args.PrevLogIndex + 1 + i
		if rf.log.has(index) && rf.log.term(index) == e.Term {
			continue // already there (a repeated or reordered message)
		}
		rf.log.truncate(index)
		rf.log.append(args.Entries[i:]...)
		break
	}
	reply.Success = true
	if last := args.PrevLogIndex + len(args.Entries); args.LeaderCommit > rf.commitIndex && last > rf.commitIndex {
		rf.commitIndex = min(args.LeaderCommit, last)
		rf.applyCond.Broadcast()
	}
}

// PutCommand appends command to the leader's log and returns at once.
func (rf *Raft) PutCommand(command interface{}) (int, int, bool) {
	rf.mux.Lock()
	defer rf.mux.Unlock()
	if rf.role != leader || rf.dead {
		return -1, rf.currentTerm, false
	}
	rf.log.append(LogEntry{Term: rf.currentTerm, Command: command})
	index := rf.log.lastIndex()
	rf.matchIndex[rf.me] = index
	rf.replicateNow()
	rf.logger.Printf("term %d: put %v at %d", rf.currentTerm, command, index)
	return index, rf.currentTerm, true
}

// Stop ends the peer's goroutines; its RPC handlers answer nothing from now on.
func (rf *Raft) Stop() {
	rf.mux.Lock()
	defer rf.mux.Unlock()
	if rf.dead {
		return
	}
	rf.dead = true
	close(rf.stopped)
	rf.applyCond.Broadcast()
}

// NewPeer starts peer me of the group peers.
func NewPeer(peers []*rpc.ClientEnd, me int, applyCh chan ApplyCommand) *Raft {
	rf := &Raft{
		peers:    peers,
		me:       me,
		logger:   newLogger(me, peers[me].String()),
		applyCh:  applyCh,
		votedFor: -1,
		log:      newLog(),
		kick:     make(chan struct{}, 1),
		stopped:  make(chan struct{}),
	}
	rf.applyCond = sync.NewCond(&rf.mux)
	rf.resetDeadline()
	go rf.ticker()
	go rf.replicator()
	go rf.applier()
	return rf
}

// ticker starts an election whenever a follower or candidate passes its deadline.
func (rf *Raft) ticker() {
	for {
		select {
		case <-rf.stopped:
			return
		case <-time.After(tickInterval):
		}
		rf.mux.Lock()
		if rf.role != leader && time.Now().After(rf.deadline) {
			rf.startElection()
		}
		rf.mux.Unlock()
	}
}

// startElection becomes a candidate of the next term and asks every peer for its vote.
func (rf *Raft) startElection() {
	rf.currentTerm++
	rf.role = candidate
	rf.votedFor = rf.me
	rf.resetDeadline()
	rf.logger.Printf("term %d: start election", rf.currentTerm)
	args := RequestVoteArgs{Term: rf.currentTerm, CandidateID: rf.me, LastLogIndex: rf.log.lastIndex(), LastLogTerm: rf.log.lastTerm()}
	votes := 1
	for peer := range rf.peers {
		if peer == rf.me {
			continue
		}
		go func(peer int) {
			var reply RequestVoteReply
			if !rf.peers[peer].Call("Raft.RequestVote", &args, &reply) {
				return
			}
			rf.mux.Lock()
			defer rf.mux.Unlock()
			if rf.observeTerm(reply.Term) || rf.role != candidate || rf.currentTerm != args.Term || !reply.VoteGranted {
				return
			}
			votes++
			if votes*2 > len(rf.peers) {
				rf.becomeLeader()
			}
		}(peer)
	}
}

func (rf *Raft) becomeLeader() {
	rf.role = leader
	rf.nextIndex = make([]int, len(rf.peers))
	rf.matchIndex = make([]int, len(rf.peers))
	for i := range rf.peers {
		rf.nextIndex[i] = rf.log.lastIndex() + 1
	}
	rf.matchIndex[rf.me] = rf.log.lastIndex()
	rf.logger.Printf("term %d: leader", rf.currentTerm)
	rf.replicateNow()
}

// replicateNow wakes the replicator without waiting for the next heartbeat.
func (rf *Raft) replicateNow() {
	select {
	case rf.kick <- struct{}{}:
	default:
	}
}

// replicator sends AppendEntries to every follower on each heartbeat and each kick.
func (rf *Raft) replicator() {
	heartbeat := time.NewTicker(heartbeatInterval)
	defer heartbeat.Stop()
	for {
		select {
		case <-rf.stopped:
			return
		case <-heartbeat.C:
		case <-rf.kick:
		}
		rf.mux.Lock()
		if rf.role == leader {
			for peer := range rf.peers {
				if peer != rf.me {
					go rf.sendEntries(peer, rf.entriesFor(peer))
				}
			}
		}
		rf.mux.Unlock()
	}
}

// entriesFor builds the AppendEntries for peer from its nextIndex on.
func (rf *Raft) entriesFor(peer int) AppendEntriesArgs {
	prev := rf.nextIndex[peer] - 1
	return AppendEntriesArgs{
		Term:         rf.currentTerm,
		LeaderID:     rf.me,
		PrevLogIndex: prev,
		PrevLogTerm:  rf.log.term(prev),
		Entries:      rf.log.from(prev + 1),
		LeaderCommit: rf.commitIndex,
	}
}

func (rf *Raft) sendEntries(peer int, args AppendEntriesArgs) {
	var reply AppendEntriesReply
	if !rf.peers[peer].Call("Raft.AppendEntries", &args, &reply) {
		return
	}
	rf.mux.Lock()
	defer rf.mux.Unlock()
	if rf.observeTerm(reply.Term) || rf.role != leader || rf.currentTerm != args.Term {
		return
	}
	if reply.Success {
		if match := args.PrevLogIndex + len(args.Entries); match > rf.matchIndex[peer] {
			rf.matchIndex[peer] = match
			rf.nextIndex[peer] = max(rf.nextIndex[peer], match+1)
			rf.advanceCommit()
		}
		return
	}
	if rf.nextIndex[peer] != args.PrevLogIndex+1 {
		return // an old reply: nextIndex has moved since this was sent
	}
	rf.nextIndex[peer] = rf.backUp(args, reply)
}

// backUp is the nextIndex to try after a follower rejected args: past the whole conflicting
// term at once, instead of one entry per round trip.
func (rf *Raft) backUp(args AppendEntriesArgs, reply AppendEntriesReply) int {
	next := reply.ConflictIndex
	if reply.ConflictTerm >= 0 {
		if last := rf.log.lastIndexOfTerm(reply.ConflictTerm); last > 0 {
			next = last + 1
		}
	}
	return max(1, min(next, args.PrevLogIndex))
}

// advanceCommit commits the highest index of the current term that a majority has (§5.4.2:
// entries of earlier terms are committed only through it).
func (rf *Raft) advanceCommit() {
	for n := rf.log.lastIndex(); n > rf.commitIndex; n-- {
		if rf.log.term(n) != rf.currentTerm {
			break
		}
		count := 0
		for _, m := range rf.matchIndex {
			if m >= n {
				count++
			}
		}
		if count*2 > len(rf.peers) {
			rf.commitIndex = n
			rf.applyCond.Broadcast()
			return
		}
	}
}

// applier sends every committed entry on applyCh, in order, without holding the lock.
func (rf *Raft) applier() {
	rf.mux.Lock()
	for {
		for !rf.dead && rf.lastApplied >= rf.commitIndex {
			rf.applyCond.Wait()
		}
		if rf.dead {
			rf.mux.Unlock()
			return
		}
		first := rf.lastApplied + 1
		batch := append([]LogEntry(nil), rf.log.entries[first:rf.commitIndex+1]...)
		rf.mux.Unlock()
		for i, e := range batch {
			select {
			case rf.applyCh <- ApplyCommand{Index: first + i, Command: e.Command}:
			case <-rf.stopped:
				return
			}
		}
		rf.mux.Lock()
		rf.lastApplied = first + len(batch) - 1
	}
}

// newLogger returns a logger that writes to standard output, to a file of this peer, or nowhere.
func newLogger(me int, name string) *log.Logger {
	if !enableDebugLogs {
		return log.New(io.Discard, "", 0)
	}
	prefix := fmt.Sprintf("peer %d (%s) ", me, name)
	if logToStdout {
		return log.New(os.Stdout, prefix, log.Lmicroseconds)
	}
	if err := os.MkdirAll(logOutputDir, 0o755); err != nil {
		panic(err)
	}
	f, err := os.Create(fmt.Sprintf("%s/raft-%d.log", logOutputDir, me))
	if err != nil {
		panic(err)
	}
	return log.New(f, prefix, log.Lmicroseconds)
}
