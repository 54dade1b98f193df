// DO NOT MODIFY THIS FILE: it belongs to the course staff.

// Package kvstore provides the key-value store that the server keeps its data
// in. A key maps to a list of values, kept in the order they were added.
package kvstore

// KVStore is a key-value store in which each key holds a list of values.
//
// KVStore is NOT safe for concurrent use: calling its methods from more than
// one goroutine without coordinating them is a data race.
type KVStore interface {
	// Put appends value to the list stored under key (creating the key if
	// it does not exist yet).
	Put(key string, value []byte)

	// Get returns the values stored under key, oldest first, or an empty
	// list if the key does not exist.
	Get(key string) [][]byte

	// Delete removes key and all of its values. Deleting a key that does
	// not exist does nothing.
	Delete(key string)

	// Update replaces the first value under key that is equal to oldVal
	// with newVal. If no value equals oldVal (or the key does not exist),
	// newVal is appended to the list instead, exactly as Put would.
	Update(key string, oldVal []byte, newVal []byte)
}
