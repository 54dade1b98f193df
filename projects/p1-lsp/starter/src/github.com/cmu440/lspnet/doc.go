// Package lspnet is the staff network package of P1: thin wrappers around UDP sockets that LSP
// code must use instead of package net, plus controls with which the staff tests inject faults.
//
// This package is provided by the course staff. Do not modify it: the grader uses its own copy.
//
// What LSP code may call: ResolveUDPAddr, ListenUDP, DialUDP, JoinHostPort, SplitHostPort, and the
// methods of *UDPConn. Everything else (drop rates, delays, message shortening, lengthening and
// corruption, the sniffer, the middlebox, debug logs, the seed) is for tests.
//
// Faults are applied per packet as the implementation writes or reads it. Connections made with
// DialUDP are client connections and those made with ListenUDP are server connections, so a test
// can, for example, drop 30% of what servers write while clients are left alone.
//
// Errors of the underlying socket are returned to the caller as they are, as the course's package
// does. On a connection made with DialUDP this includes a refused connection: nobody listened at
// the address an earlier packet went to, and the kernel reports it on a later read or write.
//
// A middlebox runs inside the write of the LSP code, on the goroutine that writes. Test code in a
// middlebox must therefore not call the LSP client or server (their methods may be served by that
// very goroutine, which then waits for itself).
//
// Every random decision comes from one pseudo-random source seeded from the environment variable
// LSPNET_SEED (or the clock when it is not set) or by SetSeed; Seed reports the seed in use. With
// the same seed the same sequence of decisions is made, so a failing fault pattern can be replayed
// as far as the order in which packets are written repeats.
package lspnet
