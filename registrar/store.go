package registrar

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/go-blockstack/go-blockstack/internal/sqlitedb"
	"github.com/go-blockstack/go-blockstack/zonefile"
)

// Kind is what a request asks for.
type Kind string

// The kinds of request.
const (
	KindRegister Kind = "register"
	KindUpdate   Kind = "update"
	KindTransfer Kind = "transfer"
)

// State is where a request stands.
type State string

// The states of a request, in order. A request is pending until its
// batch's NAME_UPDATE is broadcast, submitted until the node has indexed
// it, then confirmed. Failed requests are kept with the reason and never
// sent.
const (
	StatePending   State = "pending"
	StateSubmitted State = "submitted"
	StateConfirmed State = "confirmed"
	StateFailed    State = "failed"
)

// batchState is where a batch stands: sending from the moment its zone
// file is fixed (nothing may be broadcast before that row is on disk),
// submitted once its transaction's id is known, confirmed once the node
// has indexed it and holds the zone file.
type batchState string

const (
	batchSending   batchState = "sending"
	batchSubmitted batchState = "submitted"
	batchConfirmed batchState = "confirmed"
)

// Entry is one request as the queue keeps it.
type Entry struct {
	ID   int64  `json:"id"`
	Name string `json:"name"` // fully qualified
	Kind Kind   `json:"kind"`
	// Owner, Seq, ZoneFile and Sig are the subdomain record the request
	// puts in the domain's zone file (Sig "" for a creation, which needs
	// none).
	Owner    string `json:"owner"`
	Seq      uint64 `json:"seqn"`
	ZoneFile []byte `json:"-"`
	Sig      string `json:"-"`
	// RequestSig is a registration's signature by the owner (see
	// RegisterRequest), kept as the proof that the owner asked.
	RequestSig string    `json:"-"`
	Client     string    `json:"-"`
	Received   time.Time `json:"received"`
	State      State     `json:"state"`
	// Why says why a request failed.
	Why string `json:"why,omitempty"`
	// Batch is the batch that carries the request (0: none yet); Txid
	// and Block its NAME_UPDATE once known.
	Batch int64  `json:"batch,omitempty"`
	Txid  string `json:"txid,omitempty"`
	Block int64  `json:"block,omitempty"`
}

// Batch is one zone file of the domain and its NAME_UPDATE.
type Batch struct {
	ID       int64
	ZoneFile []byte
	Hash     zonefile.Hash
	State    batchState
	Txid     string
	Block    int64
	// Built is when the batch was made (to the second as the open batch
	// is read back; zero from Batches).
	Built time.Time
}

// The schema. A failed request leaves the unique index, so that the same
// operation can be asked for again.
const schema = `
CREATE TABLE IF NOT EXISTS batches (
	id INTEGER PRIMARY KEY,
	zonefile BLOB NOT NULL,
	hash TEXT NOT NULL,
	state TEXT NOT NULL,
	txid TEXT NOT NULL DEFAULT '',
	block INTEGER NOT NULL DEFAULT 0,
	created INTEGER NOT NULL,
	updated INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS requests (
	id INTEGER PRIMARY KEY,
	name TEXT NOT NULL,
	kind TEXT NOT NULL,
	owner TEXT NOT NULL,
	seqn INTEGER NOT NULL,
	zonefile BLOB NOT NULL,
	sig TEXT NOT NULL,
	request_sig TEXT NOT NULL,
	client TEXT NOT NULL,
	received INTEGER NOT NULL,
	batch INTEGER REFERENCES batches(id),
	state TEXT NOT NULL,
	why TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX IF NOT EXISTS requests_op ON requests(name, seqn) WHERE state != 'failed';
CREATE INDEX IF NOT EXISTS requests_by_state ON requests(state, id);
CREATE INDEX IF NOT EXISTS requests_by_batch ON requests(batch);
`

// Store is the registrar's queue: requests and batches in one SQLite
// file. Every change is one transaction, committed with a full sync before
// the call returns, so that what the registrar does next (answer a
// client, broadcast a transaction) never runs ahead of the disk.
type Store struct {
	db *sql.DB
}

// OpenStore opens (creating if needed) the queue at path.
func OpenStore(path string) (*Store, error) {
	// One connection: the queue's load is small, and one writer keeps
	// its transactions simple.
	db, err := sqlitedb.Open(path, 1, "synchronous(FULL)", "foreign_keys(1)")
	if err != nil {
		return nil, fmt.Errorf("registrar: %w", err)
	}
	if _, err := db.Exec(schema); err != nil {
		db.Close()
		return nil, fmt.Errorf("registrar: schema of %s: %w", path, err)
	}
	return &Store{db: db}, nil
}

// Close closes the database.
func (s *Store) Close() error { return s.db.Close() }

const entryCols = `r.id, r.name, r.kind, r.owner, r.seqn, r.zonefile, r.sig, r.request_sig, r.client, r.received,
	COALESCE(r.batch, 0), r.state, r.why, COALESCE(b.txid, ''), COALESCE(b.block, 0)`

const entryFrom = ` FROM requests r LEFT JOIN batches b ON b.id = r.batch `

type scanner interface{ Scan(...any) error }

func scanEntry(s scanner) (Entry, error) {
	var e Entry
	var seq, received int64
	err := s.Scan(&e.ID, &e.Name, &e.Kind, &e.Owner, &seq, &e.ZoneFile, &e.Sig, &e.RequestSig, &e.Client, &received,
		&e.Batch, &e.State, &e.Why, &e.Txid, &e.Block)
	e.Seq, e.Received = uint64(seq), time.UnixMilli(received).UTC()
	if e.ZoneFile == nil {
		e.ZoneFile = []byte{}
	}
	return e, err
}

func scanEntries(rows *sql.Rows, err error) ([]Entry, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Entry
	for rows.Next() {
		e, err := scanEntry(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// add queues e (its ID and State are set here) if fewer than maxPending
// requests are pending; errQueueFull otherwise.
func (s *Store) add(ctx context.Context, e Entry, maxPending int) (Entry, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return Entry{}, fmt.Errorf("registrar: queue %s: %w", e.Name, err)
	}
	defer tx.Rollback()
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM requests WHERE state = ?`, StatePending).Scan(&n); err != nil {
		return Entry{}, fmt.Errorf("registrar: queue %s: %w", e.Name, err)
	}
	if n >= maxPending {
		return Entry{}, fmt.Errorf("registrar: %d requests pending: %w", n, ErrQueueFull)
	}
	e.State = StatePending
	res, err := tx.ExecContext(ctx, `INSERT INTO requests(name, kind, owner, seqn, zonefile, sig, request_sig, client, received, state)
		VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		e.Name, e.Kind, e.Owner, int64(e.Seq), e.ZoneFile, e.Sig, e.RequestSig, e.Client, e.Received.UnixMilli(), e.State)
	if err != nil {
		return Entry{}, fmt.Errorf("registrar: queue %s: %w", e.Name, err)
	}
	if e.ID, err = res.LastInsertId(); err != nil {
		return Entry{}, fmt.Errorf("registrar: queue %s: %w", e.Name, err)
	}
	if err := tx.Commit(); err != nil {
		return Entry{}, fmt.Errorf("registrar: queue %s: %w", e.Name, err)
	}
	return e, nil
}

// Latest returns the newest request for name that has not failed;
// ErrUnknown if none.
func (s *Store) Latest(ctx context.Context, name string) (Entry, error) {
	e, err := scanEntry(s.db.QueryRowContext(ctx, `SELECT `+entryCols+entryFrom+
		`WHERE r.name = ? AND r.state != ? ORDER BY r.seqn DESC LIMIT 1`, name, StateFailed))
	if errors.Is(err, sql.ErrNoRows) {
		return Entry{}, fmt.Errorf("registrar: %s: %w", name, ErrUnknown)
	}
	if err != nil {
		return Entry{}, fmt.Errorf("registrar: %s: %w", name, err)
	}
	return e, nil
}

// Requests returns every request for name, oldest first.
func (s *Store) Requests(ctx context.Context, name string) ([]Entry, error) {
	out, err := scanEntries(s.db.QueryContext(ctx, `SELECT `+entryCols+entryFrom+`WHERE r.name = ? ORDER BY r.id`, name))
	if err != nil {
		return nil, fmt.Errorf("registrar: requests of %s: %w", name, err)
	}
	return out, nil
}

// pending returns the requests not yet in a batch, oldest first.
func (s *Store) pending(ctx context.Context) ([]Entry, error) {
	out, err := scanEntries(s.db.QueryContext(ctx, `SELECT `+entryCols+entryFrom+`WHERE r.state = ? AND r.batch IS NULL ORDER BY r.id`, StatePending))
	if err != nil {
		return nil, fmt.Errorf("registrar: pending requests: %w", err)
	}
	return out, nil
}

// Counts returns how many requests are in each state.
func (s *Store) Counts(ctx context.Context) (map[State]int, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT state, COUNT(*) FROM requests GROUP BY state`)
	if err != nil {
		return nil, fmt.Errorf("registrar: counts: %w", err)
	}
	defer rows.Close()
	out := map[State]int{}
	for rows.Next() {
		var st State
		var n int
		if err := rows.Scan(&st, &n); err != nil {
			return nil, fmt.Errorf("registrar: counts: %w", err)
		}
		out[st] = n
	}
	return out, rows.Err()
}

// openBatch returns the batch not yet confirmed, nil if none. There is
// at most one: a batch is built only once the one before is confirmed.
func (s *Store) openBatch(ctx context.Context) (*Batch, error) {
	var b Batch
	var hash string
	var built int64
	err := s.db.QueryRowContext(ctx, `SELECT id, zonefile, hash, state, txid, block, created FROM batches WHERE state != ? ORDER BY id LIMIT 1`,
		batchConfirmed).Scan(&b.ID, &b.ZoneFile, &hash, &b.State, &b.Txid, &b.Block, &built)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("registrar: open batch: %w", err)
	}
	if b.Hash, err = zonefile.ParseHash(hash); err != nil {
		return nil, fmt.Errorf("registrar: batch %d: %w", b.ID, err)
	}
	b.Built = time.Unix(built, 0)
	return &b, nil
}

// Batches returns every batch, oldest first.
func (s *Store) Batches(ctx context.Context) ([]Batch, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, zonefile, hash, state, txid, block FROM batches ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("registrar: batches: %w", err)
	}
	defer rows.Close()
	var out []Batch
	for rows.Next() {
		var b Batch
		var hash string
		if err := rows.Scan(&b.ID, &b.ZoneFile, &hash, &b.State, &b.Txid, &b.Block); err != nil {
			return nil, fmt.Errorf("registrar: batches: %w", err)
		}
		if b.Hash, err = zonefile.ParseHash(hash); err != nil {
			return nil, fmt.Errorf("registrar: batch %d: %w", b.ID, err)
		}
		out = append(out, b)
	}
	return out, rows.Err()
}

// createBatch fixes a batch's zone file and assigns it the requests ids,
// and fails the requests of failed (id → why), in one transaction. A
// zone file with no requests is a batch too: the registrar announcing
// itself; no zone file and no requests make none.
func (s *Store) createBatch(ctx context.Context, zf []byte, ids []int64, failed map[int64]string) (*Batch, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("registrar: new batch: %w", err)
	}
	defer tx.Rollback()
	for id, why := range failed {
		if _, err := tx.ExecContext(ctx, `UPDATE requests SET state = ?, why = ? WHERE id = ?`, StateFailed, why, id); err != nil {
			return nil, fmt.Errorf("registrar: fail request %d: %w", id, err)
		}
	}
	var b *Batch
	if len(ids) > 0 || zf != nil { // a batch of no requests: an announcement
		b = &Batch{ZoneFile: zf, Hash: zonefile.HashOf(zf), State: batchSending, Built: time.Now()}
		now := b.Built.Unix()
		res, err := tx.ExecContext(ctx, `INSERT INTO batches(zonefile, hash, state, created, updated) VALUES(?, ?, ?, ?, ?)`,
			zf, b.Hash.String(), b.State, now, now)
		if err != nil {
			return nil, fmt.Errorf("registrar: new batch: %w", err)
		}
		if b.ID, err = res.LastInsertId(); err != nil {
			return nil, fmt.Errorf("registrar: new batch: %w", err)
		}
		for _, id := range ids {
			if _, err := tx.ExecContext(ctx, `UPDATE requests SET batch = ? WHERE id = ? AND state = ?`, b.ID, id, StatePending); err != nil {
				return nil, fmt.Errorf("registrar: batch %d: request %d: %w", b.ID, id, err)
			}
		}
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("registrar: new batch: %w", err)
	}
	return b, nil
}

// setBatch moves a batch and its requests to state, with its txid and
// block (empty and 0 when not known yet).
func (s *Store) setBatch(ctx context.Context, id int64, state batchState, txid string, block int64) error {
	req := StateSubmitted
	if state == batchConfirmed {
		req = StateConfirmed
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("registrar: batch %d: %w", id, err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `UPDATE batches SET state = ?, txid = ?, block = ?, updated = ? WHERE id = ?`,
		state, txid, block, time.Now().Unix(), id); err != nil {
		return fmt.Errorf("registrar: batch %d: %w", id, err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE requests SET state = ? WHERE batch = ?`, req, id); err != nil {
		return fmt.Errorf("registrar: batch %d: %w", id, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("registrar: batch %d: %w", id, err)
	}
	return nil
}
