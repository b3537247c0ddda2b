package namedb

import (
	"context"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/go-blockstack/go-blockstack/consensus"
	"github.com/go-blockstack/go-blockstack/statetree"
)

// StateProof is a name's record and its namespace's as of a block, each
// with its proof against the block's state root: what a client that
// trusts the block's consensus hash needs to trust the records, or that a
// record does not exist.
type StateProof struct {
	Block Block
	// Name and Namespace are the records' JSON as the state tree hashes
	// it (consensus.RecordHash); nil when there is none.
	Name, Namespace           []byte
	NameProof, NamespaceProof statetree.Proof
}

var (
	// ErrStateBusy: the node cannot prove now (a block is being applied,
	// or the state is being loaded); a later try will do.
	ErrStateBusy = errors.New("the name state is being updated; try again shortly")
	// ErrBeyondProofs: the block is below the undo log, which proofs of
	// past blocks take the state back by.
	ErrBeyondProofs = errors.New("this node no longer keeps what it needs to prove that block's state")
	errStateDropped = errors.New("state dropped")
)

// maxProofUndo bounds the changes a proof of a past block takes the state
// tree back over, under the lock that stops every other proof: a client
// holding an old anchor asks for a later one rather than making the node
// unwind a long stretch of history for each look-up.
const maxProofUndo = 10_000

// proofWait bounds how long a proof waits for a block being applied to
// commit before it gives up with ErrStateBusy.
const proofWait = 2 * time.Second

// ProveName proves name's record and its namespace's as of the block at
// height (0: the last block). Only a process that indexes can (its state
// is in memory); any block from the undo log's horizon up can be proved.
func (db *DB) ProveName(ctx context.Context, name string, height int64) (*StateProof, error) {
	ns := name[strings.LastIndexByte(name, '.')+1:]
	keys := [][]byte{consensus.NameKey(name), consensus.NamespaceKey(ns)}
	for try := 0; try < proofTries; try++ {
		res, wait, err := db.proveOnce(ctx, name, ns, keys, height)
		switch {
		case errors.Is(err, errMoved) || errors.Is(err, errStateDropped):
			continue // a block committed, or the state was dropped: again
		case err != nil:
			return nil, err
		case wait == nil:
			return res, nil
		}
		timer := time.NewTimer(proofWait)
		select {
		case <-wait:
			timer.Stop()
		case <-timer.C:
			return nil, ErrStateBusy
		case <-ctx.Done():
			timer.Stop()
			return nil, ctx.Err()
		}
	}
	return nil, ErrStateBusy
}

// proofTries bounds how often ProveName starts again when blocks commit
// under it.
const proofTries = 4

// proveOnce is one try of ProveName, as of the last committed block; it
// returns a channel to wait on while a block is being applied.
func (db *DB) proveOnce(ctx context.Context, name, ns string, keys [][]byte, height int64) (*StateProof, <-chan struct{}, error) {
	st, last := db.view.Load(), db.last.Load()
	if st == nil || last == nil {
		return nil, nil, ErrStateBusy
	}
	if last.Height < 0 {
		return nil, nil, fmt.Errorf("block %d: %w (no block is indexed yet)", height, ErrNotFound)
	}
	at := height
	if at == 0 {
		at = last.Height
	}
	if at > last.Height {
		return nil, nil, fmt.Errorf("block %d: %w (the last block is %d)", at, ErrNotFound, last.Height)
	}
	if at == last.Height {
		return db.proveLast(ctx, st, *last, name, ns, keys)
	}
	res, undo, err := db.proofRows(ctx, last.Height, at, name, ns)
	if err != nil {
		return nil, nil, err
	}
	proofs, wait, err := st.proveAt(last.Height, res.Block, undo, keys)
	if err != nil || wait != nil {
		return nil, wait, err
	}
	res.NameProof, res.NamespaceProof = proofs[0], proofs[1]
	if err := res.check(keys); err != nil {
		return nil, nil, err
	}
	return res, nil, nil
}

// proveLast proves as of the last committed block, the common case, with
// no undo to apply: the name's record and the tree from memory, the
// namespace's record (which the writer keeps apart from the readers) from
// SQLite, read before the proof and checked by it.
func (db *DB) proveLast(ctx context.Context, st *state, last Block, name, ns string, keys [][]byte) (*StateProof, <-chan struct{}, error) {
	nsRecord, err := db.namespaceJSON(ctx, ns)
	if err != nil {
		return nil, nil, err
	}
	proofs, nameRecord, wait, err := st.proveLast(last.Height, name, keys)
	if err != nil || wait != nil {
		return nil, wait, err
	}
	res := &StateProof{Block: last, Name: nameRecord, Namespace: nsRecord, NameProof: proofs[0], NamespaceProof: proofs[1]}
	if err := res.check(keys); err != nil {
		// The namespace may have changed between its read and the proof.
		if again, rerr := db.namespaceJSON(ctx, ns); rerr == nil && string(again) != string(nsRecord) {
			return nil, nil, errMoved
		}
		return nil, nil, err
	}
	return res, nil, nil
}

// namespaceJSON is a namespace's record as stored (nil: none).
func (db *DB) namespaceJSON(ctx context.Context, id string) ([]byte, error) {
	st, err := db.prepared(ctx, `SELECT record FROM namespaces WHERE namespace_id = ?`)
	if err != nil {
		return nil, fmt.Errorf("namedb: namespace %s: %w", id, err)
	}
	var raw []byte
	err = st.QueryRowContext(ctx, id).Scan(&raw)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("namedb: namespace %s: %w", id, err)
	}
	return raw, nil
}

// errMoved: a block was committed while proofRows read.
var errMoved = errors.New("moved")

// proofRows reads, in one read transaction as of the committed block
// last, the block at, the undo rows of names and namespaces above it, and
// the two records as of at.
func (db *DB) proofRows(ctx context.Context, last, at int64, name, ns string) (*StateProof, []undoRow, error) {
	tx, err := db.sql.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, nil, fmt.Errorf("namedb: proof of %s: %w", name, err)
	}
	defer tx.Rollback()
	var top int64
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(height), -1) FROM blocks`).Scan(&top); err != nil {
		return nil, nil, fmt.Errorf("namedb: proof of %s: %w", name, err)
	}
	if top != last {
		return nil, nil, errMoved
	}
	reaches, undoFrom, err := undoReaches(ctx, tx, at)
	if err != nil {
		return nil, nil, fmt.Errorf("namedb: proof of %s: %w", name, err)
	}
	if !reaches {
		return nil, nil, fmt.Errorf("block %d: %w (it proves blocks from %d up)", at, ErrBeyondProofs, undoFrom-1)
	}
	res := &StateProof{}
	if err := tx.QueryRowContext(ctx, `SELECT `+blockColumns+` FROM blocks WHERE height = ?`, at).Scan(res.Block.fields()...); err != nil {
		return nil, nil, fmt.Errorf("namedb: proof at block %d: %w", at, err)
	}
	for _, r := range []struct {
		dst                 *[]byte
		query, key, subject string
	}{
		{&res.Name, `SELECT record FROM names WHERE name = ?`, name, "name"},
		{&res.Namespace, `SELECT record FROM namespaces WHERE namespace_id = ?`, ns, "namespace"},
	} {
		err := tx.QueryRowContext(ctx, r.query, r.key).Scan(r.dst)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return nil, nil, fmt.Errorf("namedb: proof of %s %s: %w", r.subject, r.key, err)
		}
	}
	undo, err := readUndo(ctx, tx, at, maxProofUndo+1, "names", "namespaces")
	if err != nil {
		return nil, nil, fmt.Errorf("namedb: proof at block %d: %w", at, err)
	}
	// Newest first: the last row of a key is its record as of at.
	for _, u := range undo {
		switch {
		case u.tbl == "names" && u.key == name:
			res.Name = u.prior
		case u.tbl == "namespaces" && u.key == ns:
			res.Namespace = u.prior
		}
	}
	if len(undo) > maxProofUndo {
		return nil, nil, fmt.Errorf("block %d: %w (more than %d changes since; prove a later block)", at, ErrBeyondProofs, maxProofUndo)
	}
	return res, undo, nil
}

// check verifies the proofs against the records, as a client will: a
// mismatch is this node's fault, and better found here.
func (p *StateProof) check(keys [][]byte) error {
	var root statetree.Hash
	if n, err := hex.Decode(root[:], []byte(p.Block.StateRoot)); err != nil || n != len(root) {
		return fmt.Errorf("namedb: block %d's state root %q is not a hash", p.Block.Height, p.Block.StateRoot)
	}
	for i, c := range []struct {
		record []byte
		proof  *statetree.Proof
		what   string
	}{{p.Name, &p.NameProof, "name"}, {p.Namespace, &p.NamespaceProof, "namespace"}} {
		if err := consensus.CheckRecord(root, keys[i], c.record, c.proof); err != nil {
			return fmt.Errorf("namedb: %s proof at block %d: %w", c.what, p.Block.Height, err)
		}
	}
	return nil
}
