// Package rpc is the staff's simulated network of P2: Raft peers live in one process and talk
// through it instead of real sockets, so that tests can cut links, lose, delay and reorder
// messages, crash servers and count traffic.
//
// This package is provided by the course staff. Do not modify it: the grader uses its own copy.
//
// What Raft code may call: (*ClientEnd).Call and (*ClientEnd).String. Everything else is for
// tests: a test makes a Network, one Server per peer (with the peer registered as a Service),
// one ClientEnd per ordered pair of peers, and then connects, disables, deletes and counts.
//
// # Calls
//
// Call("Raft.AppendEntries", &args, &reply) gob-encodes args, delivers them to the server the end
// is connected to, runs the method there in a goroutine of its own, and gob-decodes the reply into
// reply. It returns true when a reply came back and false when none did: the request was lost,
// the reply was lost (the handler ran!), the end is disabled or connected to no server, or the
// server was deleted. A false return can come only after a delay (up to about 100 ms, or up to
// 7 s with LongDelays), so send RPCs from goroutines of their own. Call never hangs forever unless
// the handler on the other side does.
//
// Arguments and replies are encoded with encoding/gob, which silently ignores unexported
// (lower-case) struct fields. Because a Raft whose RequestVoteArgs has a field "term" would then
// send zeros and fail in confusing ways, Call stops the program with an error naming the type and
// field when an argument or reply type has an unexported field, and when gob cannot encode a
// value (for example a command of a concrete type that was never passed to gob.Register).
//
// # Faults
//
//   - Enable(end, false) cuts one direction of a link: calls through that end fail, calls the
//     other way still work. A test disconnects a peer by disabling every end to and from it.
//   - Reliable(false): every request waits 0-26 ms, and about 10% of requests and 10% of replies
//     are lost.
//   - LongDelays(true): a call through a disabled end waits up to 7 s (instead of up to 100 ms)
//     before it fails, as a call to a partitioned machine would.
//   - LongReordering(true): about two replies in three are held back for 200 ms to 2.2 s, so old
//     replies arrive after newer ones.
//   - DeleteServer: the server is gone, as if its machine had crashed; replies of handlers still
//     running there are thrown away.
//   - SetLatency: every request and every reply takes at least this long.
//
// # Seeds
//
// Every random decision comes from the network's seed: the environment variable RPC_SEED (else
// DSGRADE_SEED, else the clock) when the network is made, or SetSeed. Each end has its own
// random stream derived from the seed and its name, and the n-th Call through an end always draws
// the same numbers, so a fault pattern replays even when goroutines interleave differently; what
// the n-th call carries can still differ from run to run.
//
// # Trace
//
// When the environment variable RPC_TRACE names a file (or DSGRADE_ARTIFACTS names a folder, in
// which case the file is rpc-trace.jsonl there), the network appends one JSON object per line for
// every decision it takes, with t in microseconds since the network was made:
//
//	{"t":0,"kind":"network","seed":42}
//	{"t":1530,"link":"0->1","from":"0","to":"1","dir":"forward","seq":3,"size":118,"method":"Raft.RequestVote","action":"forward"}
//	{"t":1590,"link":"0->1","from":"0","to":"1","dir":"reverse","seq":3,"size":61,"method":"Raft.RequestVote","action":"forward"}
//	{"t":2210,"kind":"state","node":"1","term":1,"leader":true}
//	{"t":5000,"kind":"event","text":"disconnect 1"}
//
// A call is one request record (dir "forward") and, if the handler ran, one reply record (dir
// "reverse") with the same link and seq. link is the end's name, from its part before "->" (or the
// whole name), to the server the end is connected to. action is "forward" (delivered now),
// "delay" (delivered after delayMs), "drop" (lost by the unreliable network) or "block" (the end
// is disabled, connected to nowhere, or the server was deleted; for a request delayMs is how long
// Call waited before returning false). Call returned true exactly when its reply record says
// "forward" or "delay". State records come from RecordState (tests call it with what GetState
// returned; only changes are written) and event records from RecordEvent.
package rpc
