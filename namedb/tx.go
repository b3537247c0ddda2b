package namedb

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/go-blockstack/go-blockstack/internal/gctune"
)

// Tx is a write transaction: one block, or several in a row while the
// indexer catches up (EndBlock closes one and opens the next). Every state
// change records the row it replaces in the undo log, so that Rewind can
// take blocks back. Nothing is visible to readers before Commit or Finish,
// and then whole blocks only. There is one writer at a time.
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
	// w runs the statements on a goroutine of their own while the
	// transaction is open (nil once stopped, and for Rewind's).
	w     *writer
	multi map[multiKey]string // multi-row forms of the writer's inserts
}

// writer executes a transaction's writes in order on its own goroutine, so
// that SQLite's work overlaps the rules' on a second core: the caller only
// queues statements (the state they derive from is in memory), and waits
// at Finish, at Rollback and for a read (ConsensusHash).
type writer struct {
	ch      chan []call
	done    chan struct{}
	pending []call
	failed  atomic.Pointer[error] // the first failure; later statements are skipped
}

// call is a queued statement, or (fn set) a function to run in order, whose
// result goes to reply (nil: none waits; a failure fails the writer).
type call struct {
	query string
	args  []any
	fn    func() error
	reply chan error
}

const writerChunk = 1024 // statements handed over at once

func (t *Tx) startWriter() {
	w := &writer{ch: make(chan []call, 16), done: make(chan struct{})}
	t.w = w
	go func() {
		defer close(w.done)
		for calls := range w.ch {
			// Statements between two functions run grouped by query
			// (each group in order), as multi-row inserts where they can:
			// they are inserts of independent rows, whose order matters
			// only within a table.
			for len(calls) > 0 {
				n := slices.IndexFunc(calls, func(c call) bool { return c.fn != nil })
				if n < 0 {
					n = len(calls)
				}
				if w.failed.Load() == nil {
					if err := t.runGrouped(calls[:n]); err != nil {
						w.failed.Store(&err)
					}
				}
				if n < len(calls) {
					c := calls[n]
					failed := w.failed.Load()
					switch {
					case c.reply == nil && failed == nil:
						if err := c.fn(); err != nil {
							w.failed.Store(&err)
						}
					case c.reply == nil:
					case failed != nil:
						c.reply <- *failed
					default:
						c.reply <- c.fn()
					}
					n++
				}
				calls = calls[n:]
			}
		}
	}()
}

type multiKey struct {
	query string
	rows  int
}

// maxRows is the most rows one multi-row insert carries.
const maxRows = 64

// runGrouped runs calls grouped by query, each group in its order; plain
// inserts (INSERT INTO … VALUES(…)) go as multi-row inserts.
func (t *Tx) runGrouped(calls []call) error {
	var order []string
	groups := map[string][]call{}
	for _, c := range calls {
		if _, ok := groups[c.query]; !ok {
			order = append(order, c.query)
		}
		groups[c.query] = append(groups[c.query], c)
	}
	for _, q := range order {
		g := groups[q]
		i := strings.Index(q, "VALUES(")
		multi := strings.HasPrefix(q, "INSERT INTO ") && i > 0 && strings.HasSuffix(q, ")") && !strings.Contains(q[i:], " ON ")
		for len(g) > 0 {
			k := 1
			if multi {
				for k*2 <= min(len(g), maxRows) {
					k *= 2
				}
			}
			query, args := q, g[0].args
			if k > 1 {
				key := multiKey{q, k}
				if query = t.multi[key]; query == "" {
					query = q[:i] + "VALUES" + strings.Repeat(q[i+len("VALUES"):]+", ", k-1) + q[i+len("VALUES"):]
					if t.multi == nil {
						t.multi = map[multiKey]string{}
					}
					t.multi[key] = query
				}
				args = make([]any, 0, k*len(g[0].args))
				for _, c := range g[:k] {
					args = append(args, c.args...)
				}
			}
			if err := t.execNow(query, args...); err != nil {
				return fmt.Errorf("namedb: %s: %w", strings.Join(strings.Fields(q)[:3], " "), err)
			}
			g = g[k:]
		}
	}
	return nil
}

// err is the writer's first failure, if any yet.
func (w *writer) err() error {
	if e := w.failed.Load(); e != nil {
		return *e
	}
	return nil
}

func (w *writer) flush() {
	if len(w.pending) > 0 {
		w.ch <- w.pending
		w.pending = make([]call, 0, writerChunk)
	}
}

// stopWriter waits for every queued statement and returns the first
// failure; the transaction then runs its statements itself.
func (t *Tx) stopWriter() error {
	w := t.w
	if w == nil {
		return nil
	}
	t.w = nil
	w.flush()
	close(w.ch)
	<-w.done
	return w.err()
}

// inOrder runs fn after every statement queued so far (on the writer).
func (t *Tx) inOrder(fn func() error) error {
	if t.w == nil {
		return fn()
	}
	reply := make(chan error, 1)
	t.w.pending = append(t.w.pending, call{fn: fn, reply: reply})
	t.w.flush()
	return <-reply
}

// metaUndoFrom is the lowest block from which on every block has its
// undo log: Rewind cannot go below the block before it. Absent, every
// block has one.
const metaUndoFrom = "undo_from"

// ErrBeyondUndo is returned (wrapped) by Rewind when the fork is below the
// blocks that kept an undo log.
var ErrBeyondUndo = errors.New("the undo log does not reach that deep")

// KeepUndoFrom sets the reorganisation horizon for the rest of the
// transaction: blocks below height log no undo (the indexer catching up
// far below the chain's tip, where no reorganisation reaches), and Finish
// prunes the undo of blocks below it. Rewind refuses to go below the
// lowest block that kept its undo (ErrBeyondUndo), except all the way back
// to an empty database.
func (t *Tx) KeepUndoFrom(height int64) { t.undoFrom, t.horizon = height, true }

// settleUndo records, at Finish, how deep the undo log now reaches, and
// prunes what lies below.
func (t *Tx) settleUndo() error {
	if !t.horizon {
		return nil
	}
	from := min(t.undoFrom, t.height) // t.height: the block after the last ended
	var cur sql.NullString
	err := t.tx.QueryRowContext(t.ctx, `SELECT value FROM meta WHERE key = ?`, metaUndoFrom).Scan(&cur)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("namedb: undo horizon: %w", err)
	}
	if cur.Valid {
		old, err := strconv.ParseInt(cur.String, 10, 64)
		if err != nil {
			return fmt.Errorf("namedb: undo horizon %q: %w", cur.String, err)
		}
		if old >= from {
			return nil
		}
	}
	if err := t.exec(`INSERT INTO meta(key, value) VALUES(?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value`,
		metaUndoFrom, strconv.FormatInt(from, 10)); err != nil {
		return fmt.Errorf("namedb: undo horizon: %w", err)
	}
	if err := t.exec(`DELETE FROM undo WHERE block < ?`, from); err != nil {
		return fmt.Errorf("namedb: prune undo: %w", err)
	}
	return nil
}

// dirtyRows are state keys changed in a transaction, by table.
type dirtyRows struct {
	names, namespaces, preorders map[string]struct{}
}

func mark(m *map[string]struct{}, key string) {
	if *m == nil {
		*m = map[string]struct{}{}
	}
	(*m)[key] = struct{}{}
}

func sortedKeys(m map[string]struct{}) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// keyed is a state row to write: its key and its record (nil: delete it).
// Records in the in-memory state are never modified in place (a change
// stores a new copy), so a snapshot of pointers stays valid.
type keyed[T any] struct {
	key string
	rec *T
}

// stateRows are the changed state rows as the in-memory state had them.
type stateRows struct {
	names      []keyed[packedName]
	namespaces []keyed[NamespaceRecord]
	preorders  []keyed[Preorder]
}

func snapshot[T any](dirty map[string]struct{}, state map[string]*T) []keyed[T] {
	out := make([]keyed[T], 0, len(dirty))
	for _, k := range sortedKeys(dirty) {
		out = append(out, keyed[T]{k, state[k]})
	}
	return out
}

// snapshotNames is snapshot for the packed names: unpacked by the writer.
func snapshotNames(dirty map[string]struct{}, names *nameTable) []keyed[packedName] {
	out := make([]keyed[packedName], 0, len(dirty))
	for _, k := range sortedKeys(dirty) {
		var rec *packedName
		if p, ok := names.get(k); ok {
			rec = &p
		}
		out = append(out, keyed[packedName]{k, rec})
	}
	return out
}

// takeDirty snapshots the changed rows, in key order, and starts a new
// change set.
func (t *Tx) takeDirty() stateRows {
	rows := stateRows{
		names:      snapshotNames(t.dirty.names, t.st.names),
		namespaces: snapshot(t.dirty.namespaces, t.st.namespaces),
		preorders:  snapshot(t.dirty.preorders, t.st.preorders),
	}
	t.dirty = dirtyRows{}
	return rows
}

// dirtyRowsMax is how many changed state rows a transaction gathers before
// it hands them to the writer goroutine (else at Finish): the writes then
// overlap the next blocks' rules instead of delaying the commit.
const dirtyRowsMax = 4096

// flushState writes the changed state rows as the in-memory state has
// them now.
func (t *Tx) flushState() error { return t.writeState(t.takeDirty()) }

// writeState writes state rows (on the writer goroutine, or after it
// stopped).
func (t *Tx) writeState(rows stateRows) error {
	for _, n := range rows.names {
		if n.rec != nil {
			if err := t.writeName(n.rec.record()); err != nil {
				return err
			}
		} else if err := t.execNow(`DELETE FROM names WHERE name = ?`, n.key); err != nil {
			return fmt.Errorf("namedb: delete name %s: %w", n.key, err)
		}
	}
	for _, ns := range rows.namespaces {
		raw, err := MarshalRecord(ns.rec)
		if err != nil {
			return err
		}
		if err := t.execNow(`INSERT INTO namespaces(namespace_id, record) VALUES(?, ?)
			ON CONFLICT(namespace_id) DO UPDATE SET record = excluded.record`, ns.key, raw); err != nil {
			return fmt.Errorf("namedb: put namespace %s: %w", ns.key, err)
		}
	}
	for _, p := range rows.preorders {
		if p.rec != nil {
			raw, err := MarshalRecord(p.rec)
			if err != nil {
				return err
			}
			if err := t.execNow(`INSERT INTO preorders(preorder_hash, record) VALUES(?, ?)
				ON CONFLICT(preorder_hash) DO UPDATE SET record = excluded.record`, p.key, raw); err != nil {
				return fmt.Errorf("namedb: put preorder %s: %w", p.key, err)
			}
		} else if err := t.execNow(`DELETE FROM preorders WHERE preorder_hash = ?`, p.key); err != nil {
			return fmt.Errorf("namedb: delete preorder %s: %w", p.key, err)
		}
	}
	return nil
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
		if db.st, err = loadState(ctx, db.w); err != nil {
			return nil, err
		}
		if !ok {
			last.Height = -1 // empty: LastBlock reports no block
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
	t := &Tx{db: db, ctx: ctx, tx: tx, st: db.st, stmts: map[string]*sql.Stmt{}, height: height}
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
	rawOps, err := json.Marshal(ops)
	if err != nil {
		return err
	}
	if err := t.exec(`INSERT INTO blocks(height, hash, consensus_hash, ops_hash, accepted, rejected, ops) VALUES(?, ?, ?, ?, ?, ?, ?)`,
		b.Height, b.Hash, b.ConsensusHash, b.OpsHash, b.Accepted, b.Rejected, rawOps); err != nil {
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
	gctune.Adjust() // the state may have outgrown the collector's memory limit
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
func (t *Tx) exec(query string, args ...any) error {
	if w := t.w; w != nil {
		if err := w.err(); err != nil {
			return err
		}
		if w.pending == nil {
			w.pending = make([]call, 0, writerChunk)
		}
		w.pending = append(w.pending, call{query: query, args: args})
		if len(w.pending) >= writerChunk {
			w.flush()
		}
		return nil
	}
	return t.execNow(query, args...)
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

// undoing reports whether the current block keeps an undo log.
func (t *Tx) undoing() bool { return !t.horizon || t.height >= t.undoFrom }

// logUndo records the row of key in tbl before a change: prior, or its
// absence when prior is nil.
func (t *Tx) logUndo(tbl, key string, prior any) error {
	if !t.undoing() {
		return nil
	}
	var raw sql.NullString
	if prior != nil {
		b, err := MarshalRecord(prior)
		if err != nil {
			return err
		}
		raw = sql.NullString{String: string(b), Valid: true}
	}
	t.seq++
	if err := t.exec(`INSERT INTO undo(block, seq, tbl, key, prior) VALUES(?, ?, ?, ?, ?)`, t.height, t.seq, tbl, key, raw); err != nil {
		return fmt.Errorf("namedb: undo %s %q: %w", tbl, key, err)
	}
	return nil
}

// Name returns a copy of the name's record, or nil if it was never
// registered.
func (t *Tx) Name(name string) (*NameRecord, error) { return t.st.name(name), nil }

// PutName writes a name's record.
func (t *Tx) PutName(r *NameRecord) error {
	if t.undoing() {
		if err := t.logUndo("names", r.Name, nilIfNone(t.st.name(r.Name))); err != nil {
			return err
		}
	}
	mark(&t.dirty.names, r.Name)
	t.st.setName(r.Name, r)
	return nil
}

func (t *Tx) writeName(r *NameRecord) error {
	raw, err := MarshalRecord(r)
	if err != nil {
		return err
	}
	err = t.execNow(`INSERT INTO names(name, namespace_id, address, expire_block, record) VALUES(?, ?, ?, ?, ?)
		ON CONFLICT(name) DO UPDATE SET namespace_id = excluded.namespace_id, address = excluded.address,
		expire_block = excluded.expire_block, record = excluded.record`,
		r.Name, r.NamespaceID, r.Address, r.ExpireBlock, raw)
	if err != nil {
		return fmt.Errorf("namedb: put name %s: %w", r.Name, err)
	}
	return nil
}

// DeleteName removes a name's record (an import under a namespace reveal
// that lapsed).
func (t *Tx) DeleteName(name string) error {
	if t.undoing() {
		if err := t.logUndo("names", name, nilIfNone(t.st.name(name))); err != nil {
			return err
		}
	}
	mark(&t.dirty.names, name)
	t.st.setName(name, nil)
	return nil
}

// nilIfNone turns a typed nil record into an untyped nil for logUndo.
func nilIfNone[T any](r *T) any {
	if r == nil {
		return nil
	}
	return r
}

// Namespace returns a copy of a revealed namespace's record, or nil.
func (t *Tx) Namespace(id string) (*NamespaceRecord, error) {
	r := t.st.namespaces[id]
	if r == nil {
		return nil, nil
	}
	c := *r
	return &c, nil
}

// PutNamespace writes a namespace's record.
func (t *Tx) PutNamespace(r *NamespaceRecord) error {
	if err := t.logUndo("namespaces", r.NamespaceID, nilIfNone(t.st.namespaces[r.NamespaceID])); err != nil {
		return err
	}
	mark(&t.dirty.namespaces, r.NamespaceID)
	c := *r
	t.st.namespaces[r.NamespaceID] = &c
	return nil
}

// Preorder returns a copy of a stored preorder, or nil.
func (t *Tx) Preorder(hash string) (*Preorder, error) {
	p := t.st.preorders[hash]
	if p == nil {
		return nil, nil
	}
	c := *p
	return &c, nil
}

// PutPreorder stores a preorder.
func (t *Tx) PutPreorder(p *Preorder) error {
	if err := t.logUndo("preorders", p.PreorderHash, nilIfNone(t.st.preorders[p.PreorderHash])); err != nil {
		return err
	}
	mark(&t.dirty.preorders, p.PreorderHash)
	c := *p
	t.st.preorders[p.PreorderHash] = &c
	return nil
}

// DeletePreorder removes a preorder (consumed by its registration or
// reveal).
func (t *Tx) DeletePreorder(hash string) error {
	if err := t.logUndo("preorders", hash, nilIfNone(t.st.preorders[hash])); err != nil {
		return err
	}
	mark(&t.dirty.preorders, hash)
	delete(t.st.preorders, hash)
	return nil
}

// NamesOwned counts the names of address that counts says count (the
// rules decide which: rules.Rules.CountsTowardQuota).
func (t *Tx) NamesOwned(address string, counts func(revoked bool, expireBlock int64) bool) (int, error) {
	n := 0
	t.st.names.owned(address, func(r *packedName) {
		if counts(r.revoked, r.expireBlock) {
			n++
		}
	})
	return n, nil
}

// NamesOwnedBy lists the names whose owner is address, sorted.
func (t *Tx) NamesOwnedBy(address string) ([]string, error) {
	var out []string
	t.st.names.owned(address, func(r *packedName) { out = append(out, r.name()) })
	slices.Sort(out)
	return out, nil
}

// NamesIn returns copies of every name of a namespace, sorted (to re-date
// imported names when the namespace becomes ready).
func (t *Tx) NamesIn(namespaceID string) ([]*NameRecord, error) {
	var out []*NameRecord
	t.st.names.each(func(p *packedName) {
		if p.field(1) == namespaceID {
			out = append(out, p.record())
		}
	})
	slices.SortFunc(out, func(a, b *NameRecord) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

// AddHistory records an operation of this block.
func (t *Tx) AddHistory(h HistoryEntry) error {
	if h.Block != t.height {
		return fmt.Errorf("namedb: history of block %d in the transaction of %d", h.Block, t.height)
	}
	err := t.exec(`INSERT INTO history(block, vtxindex, txid, op, subject, accepted, reason, record, code) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		h.Block, h.Vtxindex, h.Txid, h.Op, h.Subject, h.Accepted, h.Reason, h.Record, string(h.Code))
	if err != nil {
		return fmt.Errorf("namedb: history %s: %w", h.Txid, err)
	}
	return nil
}

// AddZonefileHash appends a zone file hash the block names to the
// inventory.
func (t *Tx) AddZonefileHash(z ZonefileHash) error {
	err := t.exec(`INSERT INTO zonefile_hashes(block, vtxindex, txid, name, hash) VALUES(?, ?, ?, ?, ?)`,
		t.height, z.Vtxindex, z.Txid, z.Name, z.Hash)
	if err != nil {
		return fmt.Errorf("namedb: zone file hash of %s: %w", z.Name, err)
	}
	return nil
}

// ConsensusHash is the consensus hash of an earlier block.
func (t *Tx) ConsensusHash(height int64) (string, error) {
	var ch string
	err := t.inOrder(func() error {
		return t.tx.QueryRowContext(t.ctx, `SELECT consensus_hash FROM blocks WHERE height = ?`, height).Scan(&ch)
	})
	if errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("consensus hash of block %d: %w", height, ErrNotFound)
	}
	return ch, err
}
