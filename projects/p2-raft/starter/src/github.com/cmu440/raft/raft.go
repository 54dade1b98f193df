// Package raft is your implementation of the Raft consensus protocol (leader election and log
// replication). The tests create the peers with NewPeer and talk to them only through the methods
// below; the peers talk to one another only through the rpc package.
//
// The API, in short:
//
//	rf := NewPeer(peers, me, applyCh)      // start a peer; return at once
//	me, term, isLeader := rf.GetState()     // this peer's index, current term, leadership
//	index, term, isLeader := rf.PutCommand(command)
//	                                        // start agreement on command; return at once
//	rf.Stop()                               // shut the peer down
//	applyCh <- ApplyCommand{Index, Command} // for every committed entry, in order
//
// Every .go file you put in this folder is handed in (your tests are not graded).
package raft

import (
	"fmt"
	"io"
	"log"
	"os"
	"sync"

	"github.com/cmu440/rpc"
)

// Set enableDebugLogs to true to print the debug logs of every peer to standard output, or set
// logToStdout to false to write them to one file per peer in logOutputDir instead.
const (
	enableDebugLogs = false
	logToStdout     = true
	logOutputDir    = "./raftlogs/"
)

// ApplyCommand is what a peer sends on applyCh for every entry it learns is committed: the
// entry's log index (starting at 1) and the command given to PutCommand. Send them in index
// order, with no gaps and no repeats.
type ApplyCommand struct {
	Index   int
	Command interface{}
}

// Raft is one Raft peer.
type Raft struct {
	mux    sync.Mutex       // protects the fields below
	peers  []*rpc.ClientEnd // ends to every peer, peers[me] included
	me     int              // this peer's index into peers
	logger *log.Logger      // debug logs (see enableDebugLogs)

	// Your state here (Figure 2 of the Raft paper lists what a peer needs).
}

// GetState returns this peer's index, its current term, and whether it believes it is the
// leader. The tests call it often, from any goroutine, at any time before Stop: it must return
// at once.
func (rf *Raft) GetState() (int, int, bool) {
	var me, term int
	var isLeader bool
	// Your code here.
	return me, term, isLeader
}

// RequestVoteArgs is the argument of the RequestVote RPC. Field names must start with a capital
// letter: the rpc package sends only exported fields and stops the program otherwise.
type RequestVoteArgs struct {
	// Your fields here.
}

// RequestVoteReply is the reply of the RequestVote RPC.
type RequestVoteReply struct {
	// Your fields here.
}

// RequestVote is the RequestVote RPC handler.
func (rf *Raft) RequestVote(args *RequestVoteArgs, reply *RequestVoteReply) {
	// Your code here.
}

// sendRequestVote shows how to send an RPC: peers[server].Call names the method as
// "Raft.<Method>" and blocks until a reply arrives or the network gives up. It returns false
// when no reply came back: the request or the reply was lost, or the other peer is unreachable
// or gone. A call may take a while to fail, so make calls from goroutines of their own, and
// never while holding rf.mux.
func (rf *Raft) sendRequestVote(server int, args *RequestVoteArgs, reply *RequestVoteReply) bool {
	return rf.peers[server].Call("Raft.RequestVote", args, reply)
}

// PutCommand asks this peer to start agreement on command. If it is not the leader it returns
// isLeader false. Otherwise it appends command to its log and returns at once, without waiting
// for agreement: index is where the command will be if it is ever committed, term the current
// term. Agreement may fail (the leader can lose its leadership), and the command may then never
// appear on applyCh.
func (rf *Raft) PutCommand(command interface{}) (int, int, bool) {
	index := -1
	term := -1
	isLeader := false
	// Your code here.
	return index, term, isLeader
}

// Stop shuts this peer down: the goroutines it started should exit. The tests call nothing on a
// peer after Stop.
func (rf *Raft) Stop() {
	// Your code here, if any.
}

// NewPeer creates the Raft peer with index me. peers holds an end to every peer of the group
// (peers[me] is this peer's own); every peer gets the ends in the same order. applyCh is where
// the peer sends an ApplyCommand for each committed entry. NewPeer must return quickly: start
// goroutines for long-running work.
func NewPeer(peers []*rpc.ClientEnd, me int, applyCh chan ApplyCommand) *Raft {
	rf := &Raft{peers: peers, me: me}
	rf.logger = newLogger(me, peers[me].String())

	// Your initialization code here.

	return rf
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
