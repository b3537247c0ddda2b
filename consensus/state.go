package consensus

import (
	"crypto/sha256"
	"errors"

	"github.com/go-blockstack/go-blockstack/statetree"
)

// The name state that a block's state root commits to (package statetree)
// holds one entry per name and one per namespace. A name's key is "name:"
// and the name, a namespace's "namespace:" and its id (neither holds a
// colon, so the two cannot meet); the value is RecordHash of the record's
// JSON as the node stores it (namedb.MarshalRecord). A client that gets a
// record's JSON with a proof hashes those very bytes, so it needs no
// encoder of its own; the nodes, which must agree on every root, all write
// a record's JSON the same way, and a change to that form is a change of
// consensus.

// NameKey is a name's key in the state tree.
func NameKey(name string) []byte { return append([]byte("name:"), name...) }

// NamespaceKey is a namespace's key in the state tree.
func NamespaceKey(id string) []byte { return append([]byte("namespace:"), id...) }

// RecordHash is the value a record's JSON has in the state tree.
func RecordHash(recordJSON []byte) statetree.Hash { return sha256.Sum256(recordJSON) }

// CheckRecord checks a record's JSON (nil: no record) against its proof
// under a block's state root: the proof must verify for key, and show the
// record present with its hash, or absent. A node checks its own answers
// with it, and a light client the node's.
func CheckRecord(root statetree.Hash, key []byte, record []byte, proof *statetree.Proof) error {
	value, present, err := proof.Verify(root, key)
	switch {
	case err != nil:
		return err
	case present && record == nil:
		return errors.New("no record was given, but its proof shows one")
	case !present && record != nil:
		return errors.New("a record was given, but its proof shows there is none")
	case present && value != RecordHash(record):
		return errors.New("the record given is not the one the state root commits to")
	}
	return nil
}
