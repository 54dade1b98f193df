// Package faultnet is dsgrade's fault-injecting network proxy: one process
// per scenario run serves many links, each a directed path from a node A to
// node B's service, and applies faults to each direction of each link.
//
// A link listens on its own local endpoint and forwards to B's real address.
// UDP links are NAT-style: each client source address gets its own upstream
// socket, and B's replies come back through the link's reverse direction.
// TCP links dial B for every accepted connection and pump bytes both ways.
//
// # Faults
//
// Faults (see [Faults]) are set per link and direction. UDP datagrams can be
// dropped, delayed with jitter, duplicated, reordered, corrupted, truncated
// and lengthened; both protocols can be rate-limited; TCP chunks can be
// delayed (order kept) and a TCP direction can stall, and connections can be
// reset or closed. Partitions ([PartitionSpec]) block directed node pairs:
// UDP datagrams are dropped, TCP bytes are held (or connections reset).
//
// # Determinism
//
// Every (seed, link name, direction) has its own counter-based random
// stream: the draw for message n and fault kind k is splitmix64 applied to
// key + (16n + k + 1)·φ, where key is the first 8 bytes of
// SHA-256(seed ‖ 0 ‖ link ‖ 0 ‖ direction). A verdict therefore depends only
// on (seed, link, direction, n, the rules in force), never on wall time or
// goroutine scheduling, and the decision log (the trace without its
// timestamps) is the same for the same seed and the same traffic.
//
// # Control protocol
//
// [Proxy.ServeControl] speaks JSON lines: one request object per line, one
// reply per line. Every request has "id" (any JSON value, echoed back) and
// "op"; unknown fields are rejected. Replies are
//
//	{"id": ..., "ok": true, "result": {...}}
//	{"id": ..., "ok": false, "error": {"code": "INVALID_ARGUMENT", "message": "..."}}
//
// The ops are:
//
//	info        {}                                               -> {seed, pid, trace, links, nowNs}
//	addLink     {name, proto, from, to, target, listen?}          -> {name, proto, from, to, target, listen}
//	setFaults   {link, direction?, faults}                        -> {link, direction, faults, atNs}
//	partition   {shape, nodes?, node?, groups?, oneWay?, tcp?}    -> {blocked, directions, atNs}
//	heal        {}                                               -> {blocked: [], directions, atNs}
//	stats       {link?}                                          -> {links: [{..., forward, reverse}]}
//	flushTrace  {}                                               -> {records}
//	shutdown    {}                                               -> {records}
//
// A request is validated completely before any state changes, so an error
// reply means nothing changed. A setFaults, partition or heal reply means the
// change is in force: it took effect at one instant, atNs (ns on the proxy's
// clock), before which every message decided under the old state was stamped
// and after which none passes a blocked direction (stats report each
// direction's lastSentNs on the same clock). docs/faults.md in the dsgrade repository
// documents every field with examples.
package faultnet
