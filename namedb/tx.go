package namedb

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
)

// Tx is a write transaction: one block, or several in a row while the
// indexer catches up (EndBlock closes one and opens the next). Every state
// change records the row it replaces in the undo log, so that Rewind can
// take blocks back. Nothing is visible to readers before Commit or Finish,
// and then whole blocks only. There is one writer at a time.
//
// Its parts are a file each: the transaction itself (tx.go), the goroutine
// that runs its statements (txwriter.go), the undo log and its horizon
// (txundo.go), the changed state rows written at Finish (txflush.go), and
// the reads and changes of records (txrecords.go).
type Tx struct {
	db     *DB
	ctx    context.Context
	tx     *sql.Tx
	st     *state
	stmts  map[string]*sql.Stmt
	height int64
	seq    int
	last   *Block // the last block ended in this transaction
	done   bool
	// dirty are the state rows changed in this transaction, written from
	// the in-memory state at Finish: once each, in key order, however
	// often the batch changed them (a preorder made and consumed in one
	// batch never reaches the table).
	dirty dirtyRows
	// Blocks below undoFrom log no undo, when horizon is set
	// (KeepUndoFrom).
	undoFrom int64
	horizon  bool
	// The names and namespaces changed since the last StateRoot, and the
	// block it was last called for, with its answer.
	rootNames, rootSpaces map[string]struct{}
	rootedAt              int64
	root                  string
	// w runs the statements on a goroutine of their own while the
	// transaction is open (nil once stopped, and for Rewind's).
	w     *writer
	multi map[multiKey]string // multi-row forms of the writer's inserts
}

// Begin starts the transaction that applies the block at height. Blocks
// are applied in order: height must follow the last block. It waits for
// any other write transaction to end.
func (db *DB) Begin(ctx context.Context, height int64) (*Tx, error) {
	db.wmu.Lock() // lock-handoff: the Tx releases it when it ends
	t, err := db.begin(ctx, height)
	if err != nil {
		db.wmu.Unlock()
	}
	return t, err
}

func (db *DB) begin(ctx context.Context, height int64) (*Tx, error) {
	last, ok, err := db.LastBlock(ctx)
	if err != nil {
		return nil, err
	}
	if ok && height != last.Height+1 {
		return nil, fmt.Errorf("namedb: block %d does not follow the last block %d", height, last.Height)
	}
	if db.st == nil {
		if !ok {
			last.Height = -1 // empty: LastBlock reports no block
		}
		if db.st, err = loadState(ctx, db.w, last); err != nil {
			return nil, err
		}
		// Nothing commits while the writer's lock is held: the state and
		// the last block match, and the readers may use them.
		db.last.CompareAndSwap(nil, &last)
		db.view.Store(db.st)
	}
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("namedb: begin block %d: %w", height, err)
	}
	t := &Tx{db: db, ctx: ctx, tx: tx, st: db.st, stmts: map[string]*sql.Stmt{}, height: height, rootedAt: -1}
	t.startWriter()
	return t, nil
}

// Height is the block this transaction applies now.
func (t *Tx) Height() int64 { return t.height }

// Rollback abandons every block of the transaction.
func (t *Tx) Rollback() error {
	if t.done {
		return nil
	}
	t.done = true
	t.stopWriter()
	err := t.tx.Rollback()
	t.db.dropState() // it has the abandoned changes
	t.db.wmu.Unlock()
	return err
}

// EndBlock records the current block, with the serialized operations its
// consensus hash commits to (kept so that a snapshot can be verified), and
// moves the transaction on to the next block. Nothing is committed yet.
func (t *Tx) EndBlock(b Block, ops []string) error {
	if b.Height != t.height {
		return fmt.Errorf("namedb: end block %d in the transaction of %d", b.Height, t.height)
	}
	root, err := t.StateRoot()
	if err != nil {
		return err
	}
	if b.StateRoot == "" {
		b.StateRoot = root
	} else if b.StateRoot != root {
		return fmt.Errorf("namedb: block %d ends with state root %s, but its consensus hash was made with %s (the state changed after StateRoot)", b.Height, root, b.StateRoot)
	}
	rawOps, err := json.Marshal(ops)
	if err != nil {
		return err
	}
	if err := t.insert(insertBlock,
		b.Height, b.Hash, b.ConsensusHash, b.OpsHash, b.StateRoot, b.Accepted, b.Rejected, rawOps); err != nil {
		return fmt.Errorf("namedb: block %d: %w", b.Height, err)
	}
	t.last = &b
	t.height, t.seq = b.Height+1, 0
	if w := t.w; w != nil {
		if len(t.dirty.names)+len(t.dirty.namespaces)+len(t.dirty.preorders) >= dirtyRowsMax {
			rows := t.takeDirty()
			w.pending = append(w.pending, call{fn: func() error { return t.writeState(rows) }})
			w.flush()
		}
		return w.err()
	}
	return nil
}

// Finish commits every block ended so far, atomically, and ends the
// transaction; a block begun but not ended is abandoned with it.
func (t *Tx) Finish() error {
	if t.done {
		return errors.New("namedb: transaction already ended")
	}
	t.done = true
	defer t.db.wmu.Unlock()
	err := t.stopWriter()
	if err == nil {
		err = t.flushState()
	}
	if err == nil {
		err = t.settleUndo()
	}
	for _, st := range t.stmts {
		st.Close()
	}
	if err != nil {
		t.tx.Rollback()
		t.db.dropState()
		return err
	}
	if err := t.tx.Commit(); err != nil {
		t.db.dropState()
		return fmt.Errorf("namedb: commit to block %d: %w", t.height-1, err)
	}
	t.st.commit(func() {
		if t.last != nil {
			t.db.last.Store(t.last)
		}
	})
	return nil
}

// Commit ends the block b and commits: EndBlock and Finish.
func (t *Tx) Commit(b Block, ops []string) error {
	if err := t.EndBlock(b, ops); err != nil {
		t.Rollback()
		return err
	}
	return t.Finish()
}

// exec runs a statement, or queues it on the writer: an error may then be
// a failure of an earlier statement, or show only at a later call.
func (t *Tx) exec(query string, args ...any) error { return t.queue(call{query: query, args: args}) }

// insert inserts a row as exec runs a statement; the writer may send it
// together with others of ins as one multi-row insert.
func (t *Tx) insert(ins *rowInsert, args ...any) error {
	return t.queue(call{query: ins.one, args: args, ins: ins})
}

func (t *Tx) queue(c call) error {
	if w := t.w; w != nil {
		if err := w.err(); err != nil {
			return err
		}
		if w.pending == nil {
			w.pending = make([]call, 0, writerChunk)
		}
		w.pending = append(w.pending, c)
		if len(w.pending) >= writerChunk {
			w.flush()
		}
		return nil
	}
	return t.execNow(c.query, c.args...)
}

// execNow runs a statement, prepared once per transaction: a catching-up
// transaction runs the same few statements hundreds of thousands of times.
func (t *Tx) execNow(query string, args ...any) error {
	st, ok := t.stmts[query]
	if !ok {
		var err error
		if st, err = t.tx.PrepareContext(t.ctx, query); err != nil {
			return err
		}
		t.stmts[query] = st
	}
	_, err := st.ExecContext(t.ctx, args...)
	return err
}
