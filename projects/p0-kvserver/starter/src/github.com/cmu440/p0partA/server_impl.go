// Implementation of a KeyValueServer. Students should write their code in this file.

package p0partA

import (
	"errors"

	"github.com/cmu440/p0partA/kvstore"
)

type keyValueServer struct {
	// TODO: add the fields your server needs.
}

// New creates and returns (but does not start) a new KeyValueServer that keeps
// its data in store.
func New(store kvstore.KVStore) KeyValueServer {
	// TODO: implement this!
	return &keyValueServer{}
}

func (kvs *keyValueServer) Start(port int) error {
	// TODO: implement this!
	return errors.New("not implemented")
}

func (kvs *keyValueServer) Close() {
	// TODO: implement this!
}

func (kvs *keyValueServer) CountActive() int {
	// TODO: implement this!
	return 0
}

func (kvs *keyValueServer) CountDropped() int {
	// TODO: implement this!
	return 0
}

// TODO: add additional methods/functions below!
