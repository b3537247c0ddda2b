// Package statetree is an authenticated map: a sparse Merkle tree over
// 256-bit paths, compressed so that a subtree holding one entry is that
// entry's leaf. Its root commits to every (key, value hash) pair it holds,
// and a proof of a few hundred bytes shows, against a root alone, either
// that a key maps to a value hash or that the key is absent.
//
// It is what lets a client that trusts a block's state root check a
// node's answer about a name's current record, or about a name being
// unregistered, without trusting the node. The node keeps the tree of its
// current state; the binding of names and namespaces to keys and values,
// and of roots to blocks, belongs to the packages that hold the state.
//
// # Construction
//
// A key's path is SHA-256(key); bit i of a path is bit 7−i%8 of byte i/8,
// and 0 goes left. With H = SHA-256 and || concatenation:
//
//	empty subtree:    32 zero bytes
//	leaf:             H(0x00 || path || value hash)
//	internal node:    H(0x01 || left || right)
//
// The tree of a set of entries is unique: a subtree with no entry is
// empty, one with a single entry is that entry's leaf (wherever the
// subtree starts), and one with two or more is an internal node over its
// two halves. So the root depends only on the set, never on the order of
// the updates that made it, and two nodes with the same state agree on it.
// A leaf carries its whole path, so a leaf moved up by compression cannot
// stand for another key; the 0x00 and 0x01 prefixes keep leaves and
// internal nodes apart.
//
// # Proofs
//
// A proof lists the hashes of the siblings on the key's path from the root
// down to where the path ends: at the key's own leaf (the key is present,
// with that value hash), at an empty subtree, or at another key's leaf
// whose path shares the key's first bits (both prove absence). Verify
// folds the siblings back up and compares with the root. The wire format
// (Proof.MarshalBinary) sends empty siblings as bits of a bitmap rather
// than as 32 zero bytes each; docs/state-commitment.md gives it byte by
// byte, with test vectors.
//
// # Memory
//
// Nodes and leaves live in two slices of fixed-size structs that hold no
// pointers, linked by index, so that a tree of millions of entries costs
// the garbage collector nothing to scan: about 100 bytes a leaf and 48 an
// internal node. Hashes are recomputed lazily, once per Root after a batch
// of updates, along the paths that changed.
package statetree
