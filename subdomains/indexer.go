package subdomains

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/go-blockstack/go-blockstack/zonefile"
)

// Errors of AddZonefile.
var (
	// ErrHashMismatch: the zone file's bytes do not hash to ref.Hash.
	ErrHashMismatch = errors.New("zone file does not match its hash")
	// ErrConflict: another zone file was already indexed at this inventory
	// index; after a reorganisation, Rewind first.
	ErrConflict = errors.New("another zone file is indexed at this inventory index")
)

// Indexer folds zone files into subdomain state, in its own SQLite
// database. Its methods are safe for concurrent use; writes are
// serialised, and readers see whole zone files only.
type Indexer struct {
	w, r    *sql.DB
	st      *stmts     // prepared on w
	mu      sync.Mutex // held by the one write transaction
	workers int
	// removals counts the commits that took a subdomain away (see
	// Removals).
	removals atomic.Uint64
	// commits counts the commits that changed anything (see Commits).
	commits atomic.Uint64
}

// Open opens (creating if needed) the subdomain database at path.
func Open(path string) (*Indexer, error) {
	w, r, err := openDB(path)
	if err != nil {
		return nil, err
	}
	st, err := prepare(w)
	if err != nil {
		w.Close()
		r.Close()
		return nil, err
	}
	return &Indexer{w: w, r: r, st: st, workers: runtime.GOMAXPROCS(0)}, nil
}

// Close closes the database.
func (ix *Indexer) Close() error {
	ix.st.close()
	return errors.Join(ix.r.Close(), ix.w.Close())
}

// AddZonefile indexes one zone file of the chain's inventory, in one
// transaction: its subdomain records are stored, each with its verdict,
// and every subdomain they touch is brought up to date. Zone files may
// come in any order: one that lands before records already indexed makes
// the indexer re-judge the records of the subdomains it touches from its
// position on (docs/subdomains.md, "Rules"), so the state depends only on
// which zone files have been added, never on the order they came in.
//
// Adding a zone file again is a no-op. A zone file that does not parse,
// or whose $ORIGIN is not ref.Name, is recorded as seen, with no records
// (v1 ignored its subdomain records too), and is not an error.
func (ix *Indexer) AddZonefile(ctx context.Context, ref ZonefileRef) error {
	if zonefile.HashOf(ref.Data) != ref.Hash {
		return fmt.Errorf("subdomains: zone file %d of %s: %w", ref.Index, ref.Name, ErrHashMismatch)
	}
	recs, decodeErr := decode(ref)
	// Signatures depend on nothing but the record: check them before
	// taking the lock, on every core.
	if err := ix.verify(ctx, recs); err != nil {
		return err
	}

	ix.mu.Lock()
	defer ix.mu.Unlock()
	tx, err := ix.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("subdomains: zone file %d: %w", ref.Index, err)
	}
	defer tx.Rollback()
	var have string
	err = tx.QueryRowContext(ctx, `SELECT hash FROM zonefiles WHERE idx = ?`, ref.Index).Scan(&have)
	switch {
	case err == nil && have == ref.Hash.String():
		return nil
	case err == nil:
		return fmt.Errorf("subdomains: zone file %d (%s): %w (%s)", ref.Index, ref.Hash, ErrConflict, have)
	case !errors.Is(err, sql.ErrNoRows):
		return fmt.Errorf("subdomains: zone file %d: %w", ref.Index, err)
	}
	// In chain order, the usual case, the zone file comes after every one
	// indexed, and so do its records after all of their subdomains'.
	var last int64
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(idx), 0) FROM zonefiles`).Scan(&last); err != nil {
		return fmt.Errorf("subdomains: zone file %d: %w", ref.Index, err)
	}
	why := ""
	if decodeErr != nil {
		why = decodeErr.Error()
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO zonefiles(idx, name, block, txid, hash, records, error) VALUES(?, ?, ?, ?, ?, ?, ?)`,
		ref.Index, ref.Name, ref.Block, ref.Txid, ref.Hash.String(), len(recs), why); err != nil {
		return fmt.Errorf("subdomains: zone file %d: %w", ref.Index, err)
	}
	w := newWriter(ctx, tx, ix.st)
	if err := w.loadCurrent(recs); err != nil {
		return fmt.Errorf("subdomains: zone file %d: %w", ref.Index, err)
	}
	for _, r := range recs {
		if err := w.add(r, ref.Index > last); err != nil {
			return fmt.Errorf("subdomains: zone file %d, record %d (%s): %w", ref.Index, r.Offset, r.Name, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("subdomains: zone file %d: commit: %w", ref.Index, err)
	}
	ix.commits.Add(1)
	if w.removed {
		ix.removals.Add(1)
	}
	return nil
}

// verify sets the signer of each record that may need one: a record with
// seqn 0 is judged before any signature is looked at (a creation needs
// none, and anything else with seqn 0 is a replay).
func (ix *Indexer) verify(ctx context.Context, recs []*Record) error {
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(ix.workers, len(recs)) {
		wg.Go(func() {
			for ctx.Err() == nil {
				i := int(next.Add(1) - 1)
				if i >= len(recs) {
					return
				}
				if r := recs[i]; r.Seq > 0 && r.Reason != ReasonDuplicate {
					r.signer, _ = signerOf(r.subdomain()) // no signer: the rules reject it
				}
			}
		})
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("subdomains: verifying signatures: %w", err)
	}
	return nil
}

// Rewind takes back every zone file at inventory index from and after,
// with their records, in one transaction, and restores the subdomains
// they touched to their last accepted record before: what a
// reorganisation that drops those zone file hashes from the inventory
// needs. Zone files of the new chain are then added as usual.
func (ix *Indexer) Rewind(ctx context.Context, from int64) error {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	tx, err := ix.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("subdomains: rewind to %d: %w", from, err)
	}
	defer tx.Rollback()
	rows, err := tx.QueryContext(ctx, `SELECT DISTINCT name FROM records WHERE idx >= ?`, from)
	if err != nil {
		return fmt.Errorf("subdomains: rewind to %d: %w", from, err)
	}
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			rows.Close()
			return fmt.Errorf("subdomains: rewind to %d: %w", from, err)
		}
		names = append(names, n)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("subdomains: rewind to %d: %w", from, err)
	}
	for _, q := range []string{`DELETE FROM records WHERE idx >= ?`, `DELETE FROM zonefiles WHERE idx >= ?`} {
		if _, err := tx.ExecContext(ctx, q, from); err != nil {
			return fmt.Errorf("subdomains: rewind to %d: %w", from, err)
		}
	}
	w := newWriter(ctx, tx, ix.st)
	for _, n := range names {
		// Nothing is left after from, so the last accepted record before
		// it is the last accepted one.
		cur, err := w.acceptedBefore(n, from, 0)
		if err == nil {
			err = w.setCurrent(n, cur)
		}
		if err != nil {
			return fmt.Errorf("subdomains: rewind to %d: %s: %w", from, n, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("subdomains: rewind to %d: commit: %w", from, err)
	}
	ix.commits.Add(1)
	if w.removed {
		ix.removals.Add(1)
	}
	return nil
}

// stmts are the writer's statements. They are prepared once, on the
// writer's one connection, and bound to each transaction (Tx.StmtContext
// reuses a statement prepared on the transaction's connection): preparing
// them per zone file cost more than running them.
type stmts struct {
	insert, update, tip, current, before         *sql.Stmt
	after, advance, upsertCurrent, deleteCurrent *sql.Stmt
}

func (s *stmts) all() []**sql.Stmt {
	return []**sql.Stmt{&s.insert, &s.update, &s.tip, &s.current, &s.before, &s.after, &s.advance, &s.upsertCurrent, &s.deleteCurrent}
}

// writerQueries are the statements of stmts, in the order of all.
var writerQueries = []string{
	`INSERT INTO records(` + recordCols + `) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
	`UPDATE records SET accepted = ?, reason = ?, why = ? WHERE idx = ? AND off = ?`,
	`SELECT idx, off FROM records WHERE parent = ? AND name = ? ORDER BY idx DESC, off DESC LIMIT 1`,
	`SELECT s.name, s.owner, s.seqn FROM json_each(?) j JOIN subdomains s ON s.name = j.value`,
	`SELECT ` + recordCols + ` FROM records WHERE parent = ? AND name = ? AND accepted = 1 AND (idx < ? OR idx = ? AND off < ?)
		ORDER BY idx DESC, off DESC LIMIT 1`,
	`SELECT ` + recordCols + ` FROM records WHERE parent = ? AND name = ? AND (idx > ? OR idx = ? AND off >= ?) ORDER BY idx, off`,
	`UPDATE subdomains SET seqn = ?, idx = ?, off = ? WHERE name = ? AND owner = ?`,
	`INSERT INTO subdomains(name, parent, owner, seqn, idx, off) VALUES(?, ?, ?, ?, ?, ?)
		ON CONFLICT(name) DO UPDATE SET owner = excluded.owner, seqn = excluded.seqn, idx = excluded.idx, off = excluded.off`,
	`DELETE FROM subdomains WHERE name = ?`,
}

func prepare(db *sql.DB) (*stmts, error) {
	s := &stmts{}
	for i, p := range s.all() {
		st, err := db.Prepare(writerQueries[i])
		if err != nil {
			s.close()
			return nil, fmt.Errorf("subdomains: prepare: %w", err)
		}
		*p = st
	}
	return s, nil
}

func (s *stmts) close() {
	for _, p := range s.all() {
		if *p != nil {
			(*p).Close()
		}
	}
}

// writer is one write transaction with its statements.
type writer struct {
	ctx context.Context
	stmts
	// cur is the current state of the subdomains of the zone file being
	// added (loadCurrent), nil for one that does not exist.
	cur map[string]*Record
	// removed: a subdomain lost its last accepted record.
	removed bool
}

// loadCurrent reads the current owner and seqn of every subdomain recs
// name, in one query rather than one per record. A zone file has one
// record per subdomain besides duplicates, which take no part, so adding
// one record never changes the state another is judged against.
func (w *writer) loadCurrent(recs []*Record) error {
	names := make([]string, 0, len(recs))
	for _, r := range recs {
		if r.Reason != ReasonDuplicate {
			names = append(names, r.Name)
		}
	}
	list, err := json.Marshal(names)
	if err != nil {
		return err
	}
	rows, err := w.current.QueryContext(w.ctx, string(list))
	if err != nil {
		return err
	}
	defer rows.Close()
	w.cur = make(map[string]*Record, len(recs))
	for rows.Next() {
		var r Record
		var seq int64
		if err := rows.Scan(&r.Name, &r.Owner, &seq); err != nil {
			return err
		}
		r.Seq = uint64(seq)
		w.cur[r.Name] = &r
	}
	return rows.Err()
}

func newWriter(ctx context.Context, tx *sql.Tx, prepared *stmts) *writer {
	w := &writer{ctx: ctx}
	bound, from := w.all(), prepared.all()
	for i := range bound {
		*bound[i] = tx.StmtContext(ctx, *from[i])
	}
	return w
}

// add stores a new record and brings its subdomain up to date. last says
// that the record's zone file comes after every other indexed.
func (w *writer) add(r *Record, last bool) error {
	if r.Reason == ReasonDuplicate {
		// Decided by its zone file; it takes no part in the history.
		_, err := w.insert.ExecContext(w.ctx, recordArgs(r)...)
		return err
	}
	atTip := last
	if !last {
		var idx int64
		var off int
		err := w.tip.QueryRowContext(w.ctx, r.Parent, r.Name).Scan(&idx, &off)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		atTip = errors.Is(err, sql.ErrNoRows) || idx < r.Index || idx == r.Index && off < r.Offset
	}
	if atTip {
		// The record comes after everything known of its subdomain, so
		// only it needs judging, against the current state.
		r.Reason, r.Why = judge(w.cur[r.Name], r)
		r.Accepted = r.Reason == Accepted
		if _, err := w.insert.ExecContext(w.ctx, recordArgs(r)...); err != nil {
			return err
		}
		if r.Accepted {
			return w.setCurrent(r.Name, r)
		}
		return nil
	}
	// A late record: its history from here on is judged again.
	if _, err := w.insert.ExecContext(w.ctx, recordArgs(r)...); err != nil {
		return err
	}
	return w.rejudge(r.Name, r.Index, r.Offset)
}

// rejudge walks the subdomain's records from position (idx, off) on in
// chain order, starting from its last accepted record before, stores every
// verdict that changed and points the subdomain at its new current record.
// The records before (idx, off) and so their verdicts are unchanged.
func (w *writer) rejudge(name string, idx int64, off int) error {
	cur, err := w.acceptedBefore(name, idx, off)
	if err != nil {
		return err
	}
	later, err := scanRecords(w.after.QueryContext(w.ctx, parentOf(name), name, idx, idx, off))
	if err != nil {
		return err
	}
	for _, r := range later {
		reason, why := judge(cur, r)
		accepted := reason == Accepted
		if accepted != r.Accepted || reason != r.Reason || why != r.Why {
			if _, err := w.update.ExecContext(w.ctx, accepted, string(reason), why, r.Index, r.Offset); err != nil {
				return err
			}
		}
		if accepted {
			cur = r
		}
	}
	return w.setCurrent(name, cur)
}

// acceptedBefore is the subdomain's last accepted record before (idx,
// off), nil if none.
func (w *writer) acceptedBefore(name string, idx int64, off int) (*Record, error) {
	r, err := scanRecord(w.before.QueryRowContext(w.ctx, parentOf(name), name, idx, idx, off))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return r, err
}

// setCurrent points the subdomain at cur, or forgets it if nil. Most
// updates keep the owner, and then the owner is not written: it keys
// subdomains_by_owner, where rewriting each entry would dirty a page
// apiece in every commit.
func (w *writer) setCurrent(name string, cur *Record) error {
	if cur == nil {
		w.removed = true
		_, err := w.deleteCurrent.ExecContext(w.ctx, name)
		return err
	}
	res, err := w.advance.ExecContext(w.ctx, int64(cur.Seq), cur.Index, cur.Offset, name, cur.Owner)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n == 1 {
		return err
	}
	_, err = w.upsertCurrent.ExecContext(w.ctx, name, cur.Parent, cur.Owner, int64(cur.Seq), cur.Index, cur.Offset)
	return err
}
