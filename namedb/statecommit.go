package namedb

import (
	"context"
	"encoding/hex"
	"fmt"
	"slices"

	"github.com/go-blockstack/go-blockstack/consensus"
	"github.com/go-blockstack/go-blockstack/internal/locked"
	"github.com/go-blockstack/go-blockstack/statetree"
)

// The state's commitment: the writer keeps a statetree over its names and
// namespaces (keys and values as package consensus defines them), applies
// each block's changes to it at StateRoot, and records the root with the
// block, whose consensus hash commits to it. Readers prove against it
// (prove.go): of the last block under the read lock, of earlier blocks
// under the write lock, since the tree is taken back to them.

// treeChange is one entry of the tree set (present) or removed.
type treeChange struct {
	key     []byte
	value   statetree.Hash
	present bool
}

// buildTree makes the tree of a freshly loaded state and checks its root
// against the block the state is as of: the tables and the roots the
// blocks recorded must agree, after a crash, a rewind or a snapshot
// import alike.
func (s *state) buildTree(entries []statetree.Entry, last Block) error {
	s.tree = statetree.Build(entries)
	s.treeHeight = last.Height
	if last.Height < 0 {
		return nil
	}
	if root := s.tree.Root(); hex.EncodeToString(root[:]) != last.StateRoot {
		return fmt.Errorf("namedb: the name state has root %x, but block %d recorded %s: the database is inconsistent; rebuild it (delete it and index again, or import a snapshot)",
			root, last.Height, last.StateRoot)
	}
	return nil
}

// CheckState loads the state tables and checks them against the last
// block's state root, as the first Begin does: for a snapshot before it is
// installed.
func (db *DB) CheckState(ctx context.Context) error {
	last, ok, err := db.LastBlock(ctx)
	if err != nil {
		return err
	}
	if !ok {
		last.Height = -1
	}
	_, err = loadState(ctx, db.w, last)
	return err
}

// StateRoot applies the names and namespaces changed since it was last
// called to the state tree and returns the root, as lowercase hex: the
// root of the state after the current block, which the block's consensus
// hash commits to. EndBlock records it with the block (calling it first if
// the block changed anything since).
func (t *Tx) StateRoot() (string, error) {
	if t.rootedAt == t.height && len(t.rootNames)+len(t.rootSpaces) == 0 {
		return t.root, nil
	}
	changes := make([]treeChange, 0, len(t.rootNames)+len(t.rootSpaces))
	changes, err := appendChanges(changes, "name", t.rootNames, consensus.NameKey, t.st.name)
	if err != nil {
		return "", err
	}
	changes, err = appendChanges(changes, "namespace", t.rootSpaces, consensus.NamespaceKey,
		func(id string) *NamespaceRecord { return t.st.namespaces[id] })
	if err != nil {
		return "", err
	}
	clear(t.rootNames)
	clear(t.rootSpaces)
	root := t.st.root(t.height, changes)
	t.rootedAt, t.root = t.height, hex.EncodeToString(root[:])
	return t.root, nil
}

// appendChanges appends the tree changes of the records whose ids
// changed: the hash of each one's JSON under its key, or its removal.
func appendChanges[R any](changes []treeChange, kind string, changed map[string]struct{}, key func(string) []byte, record func(string) *R) ([]treeChange, error) {
	for id := range changed {
		c := treeChange{key: key(id)}
		if r := record(id); r != nil {
			raw, err := MarshalRecord(r)
			if err != nil {
				return nil, fmt.Errorf("namedb: state root: %s %s: %w", kind, id, err)
			}
			c.value, c.present = consensus.RecordHash(raw), true
		}
		changes = append(changes, c)
	}
	return changes, nil
}

// root applies a block's changes to the tree and returns its root. Until
// the block commits, the tree is ahead of what readers see, and they wait
// for settled (prove).
func (s *state) root(height int64, changes []treeChange) statetree.Hash {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.settled == nil {
		s.settled = make(chan struct{})
	}
	for _, c := range changes {
		if c.present {
			s.tree.Set(c.key, c.value)
		} else {
			s.tree.Delete(c.key)
		}
	}
	s.treeHeight = height
	return s.tree.Root()
}

// settle wakes the readers waiting for the tree to be committed; s.mu is
// held.
func (s *state) settle() {
	if s.settled != nil {
		close(s.settled)
		s.settled = nil
	}
}

// drop marks a state the database no longer uses (a rollback or a rewind
// made it wrong), waking the readers that wait on it.
func (s *state) drop() {
	locked.Do(&s.mu, func() {
		s.dropped = true
		s.settle()
	})
}

// treeKey is the tree's key of an undo row of names or namespaces.
func (u *undoRow) treeKey() []byte {
	if u.tbl == "names" {
		return consensus.NameKey(u.key)
	}
	return consensus.NamespaceKey(u.key)
}

// proveAt proves keys against the root of the block at, which is below or
// at the committed block last: the tree is taken back to at by the undo
// rows of the blocks above it (newest first, as Rewind applies them),
// proved, and set forward again, all under s.mu. It returns a channel to
// wait on instead while a block is being applied, and errMoved when a
// block was committed after last was read.
func (s *state) proveAt(last int64, at Block, undo []undoRow, keys [][]byte) (proofs []statetree.Proof, wait <-chan struct{}, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.dropped:
		return nil, nil, errStateDropped
	case s.treeHeight != last && s.settled != nil:
		return nil, s.settled, nil // a block is being applied
	case s.treeHeight != last:
		return nil, nil, errMoved // a block was committed since last was read
	}
	type kept struct {
		value   statetree.Hash
		present bool
	}
	saved := map[string]kept{}
	defer func() {
		for k, v := range saved {
			if v.present {
				s.tree.Set([]byte(k), v.value)
			} else {
				s.tree.Delete([]byte(k))
			}
		}
		s.tree.Root() // no stale hash left for proveLast's readers
	}()
	for i := range undo {
		key := undo[i].treeKey()
		if _, ok := saved[string(key)]; !ok {
			v, ok := s.tree.Get(key)
			saved[string(key)] = kept{v, ok}
		}
		if undo[i].prior != nil {
			s.tree.Set(key, consensus.RecordHash(undo[i].prior))
		} else {
			s.tree.Delete(key)
		}
	}
	if root := s.tree.Root(); hex.EncodeToString(root[:]) != at.StateRoot {
		return nil, nil, fmt.Errorf("namedb: the state tree taken back to block %d has root %x, the block recorded %s", at.Height, root, at.StateRoot)
	}
	for _, k := range keys {
		proofs = append(proofs, s.tree.Prove(slices.Clone(k)))
	}
	return proofs, nil, nil
}

// proveLast proves keys against the root of the committed block last, and
// reads name's record as of it, under s.mu's read lock: the tree changes
// only under the write lock, which always leaves it with no stale hash
// (root and proveAt end with Root), so proving only reads. Like proveAt,
// it returns a channel to wait on while a block is being applied, and
// errMoved when one was committed after last was read.
func (s *state) proveLast(last int64, name string, keys [][]byte) (proofs []statetree.Proof, record []byte, wait <-chan struct{}, err error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	switch {
	case s.dropped:
		return nil, nil, nil, errStateDropped
	case s.treeHeight != last && s.settled != nil:
		return nil, nil, s.settled, nil
	case s.treeHeight != last:
		return nil, nil, nil, errMoved
	}
	if r := s.committed(name); r != nil {
		if record, err = MarshalRecord(r); err != nil {
			return nil, nil, nil, err
		}
	}
	for _, k := range keys {
		proofs = append(proofs, s.tree.Prove(k))
	}
	return proofs, record, nil, nil
}
