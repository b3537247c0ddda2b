package namedb

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
)

// queryOne decodes the JSON record a query returns; ErrNotFound if none.
// It runs in tx when tx is not nil.
func queryOne[T any](ctx context.Context, db *DB, tx *sql.Tx, what, query string, args ...any) (*T, error) {
	st, err := db.prepared(ctx, query)
	if err != nil {
		return nil, fmt.Errorf("namedb: %s: %w", what, err)
	}
	if tx != nil {
		st = tx.StmtContext(ctx, st)
	}
	var raw []byte
	err = st.QueryRowContext(ctx, args...).Scan(&raw)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("%s: %w", what, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("namedb: %s: %w", what, err)
	}
	v := new(T)
	if err := json.Unmarshal(raw, v); err != nil {
		return nil, fmt.Errorf("namedb: %s: %w", what, err)
	}
	return v, nil
}

// prepared returns query prepared once for the database's lifetime: the
// API runs the same lookups thousands of times a second, and preparing a
// statement costs more than running it.
func (db *DB) prepared(ctx context.Context, query string) (*sql.Stmt, error) {
	if st, ok := db.stmts.Load(query); ok {
		return st.(*sql.Stmt), nil
	}
	st, err := db.sql.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	if old, loaded := db.stmts.LoadOrStore(query, st); loaded {
		st.Close()
		return old.(*sql.Stmt), nil
	}
	return st, nil
}

// Name is a name's current record.
func (db *DB) Name(ctx context.Context, name string) (*NameRecord, error) {
	rec, _, err := db.CurrentName(ctx, name)
	return rec, err
}

// CurrentName is a name's current record and the last block's height,
// read at one instant: a name's status depends on the block it is judged
// at, and the two must not straddle a commit.
//
// When a writer in this process has loaded the state, the record comes
// from memory (see state); else from SQLite, in one read transaction.
func (db *DB) CurrentName(ctx context.Context, name string) (*NameRecord, int64, error) {
	if st := db.view.Load(); st != nil {
		// last is nil only if a rewind dropped the state meanwhile.
		if r, last := st.committedName(name, &db.last); last != nil {
			if r == nil {
				return nil, 0, fmt.Errorf("name %s: %w", name, ErrNotFound)
			}
			c := *r
			return &c, last.Height, nil
		}
	}
	tx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		return nil, 0, fmt.Errorf("namedb: name %s: %w", name, err)
	}
	defer tx.Rollback()
	rec, err := queryOne[NameRecord](ctx, db, tx, "name "+name, `SELECT record FROM names WHERE name = ?`, name)
	if err != nil {
		return nil, 0, err
	}
	var height int64
	st, err := db.prepared(ctx, `SELECT COALESCE(MAX(height), 0) FROM blocks`)
	if err == nil {
		err = tx.StmtContext(ctx, st).QueryRowContext(ctx).Scan(&height)
	}
	if err != nil {
		return nil, 0, fmt.Errorf("namedb: name %s: last block: %w", name, err)
	}
	return rec, height, nil
}

// NameAt is a name's record as it stood after block height: the state its
// last accepted operation at or before height left.
func (db *DB) NameAt(ctx context.Context, name string, height int64) (*NameRecord, error) {
	return queryOne[NameRecord](ctx, db, nil, fmt.Sprintf("name %s at %d", name, height),
		`SELECT record FROM history WHERE subject = ? AND accepted = 1 AND block <= ? AND op NOT LIKE '%PREORDER'
		 ORDER BY block DESC, vtxindex DESC LIMIT 1`, name, height)
}

// Namespace is a revealed namespace's record.
func (db *DB) Namespace(ctx context.Context, id string) (*NamespaceRecord, error) {
	return queryOne[NamespaceRecord](ctx, db, nil, "namespace "+id, `SELECT record FROM namespaces WHERE namespace_id = ?`, id)
}

// Namespaces lists every revealed namespace id, sorted.
func (db *DB) Namespaces(ctx context.Context) ([]string, error) {
	return queryStrings(ctx, db.sql, `SELECT namespace_id FROM namespaces ORDER BY namespace_id`)
}

// NamesOf lists the names an address owns, sorted: as of the last commit
// from the writer's memory when it has loaded the state (see state), else
// from SQLite.
func (db *DB) NamesOf(ctx context.Context, address string) ([]string, error) {
	if st := db.view.Load(); st != nil {
		if names, last := st.committedOwned(address, &db.last); last != nil {
			return names, nil
		}
	}
	return queryStrings(ctx, db.sql, `SELECT name FROM names WHERE address = ? ORDER BY name`, address)
}

// Names lists names in order, a page at a time; namespaceID "" means all.
func (db *DB) Names(ctx context.Context, namespaceID string, offset, limit int) ([]string, error) {
	if namespaceID == "" {
		return queryStrings(ctx, db.sql, `SELECT name FROM names ORDER BY name LIMIT ? OFFSET ?`, limit, offset)
	}
	return queryStrings(ctx, db.sql, `SELECT name FROM names WHERE namespace_id = ? ORDER BY name LIMIT ? OFFSET ?`,
		namespaceID, limit, offset)
}

// NameCount is the number of names ever registered or imported.
func (db *DB) NameCount(ctx context.Context) (int64, error) {
	var n int64
	err := db.sql.QueryRowContext(ctx, `SELECT COUNT(*) FROM names`).Scan(&n)
	return n, err
}

// History lists the operations about a name or namespace (accepted and
// rejected), oldest first.
func (db *DB) History(ctx context.Context, subject string) ([]HistoryEntry, error) {
	return db.history(ctx, `SELECT block, vtxindex, txid, op, subject, accepted, reason, record, code FROM history
		WHERE subject = ? ORDER BY block, vtxindex`, subject)
}

// TxHistory lists what became of the name operations a transaction
// carried (one, unless the chain reorganised it into another block).
func (db *DB) TxHistory(ctx context.Context, txid string) ([]HistoryEntry, error) {
	return db.history(ctx, `SELECT block, vtxindex, txid, op, subject, accepted, reason, record, code FROM history
		WHERE txid = ? ORDER BY block, vtxindex`, txid)
}

// BlockHistory lists the operations found in a block, in order.
func (db *DB) BlockHistory(ctx context.Context, height int64) ([]HistoryEntry, error) {
	return db.history(ctx, `SELECT block, vtxindex, txid, op, subject, accepted, reason, record, code FROM history
		WHERE block = ? ORDER BY vtxindex`, height)
}

func (db *DB) history(ctx context.Context, query string, arg any) ([]HistoryEntry, error) {
	rows, err := db.sql.QueryContext(ctx, query, arg)
	if err != nil {
		return nil, fmt.Errorf("namedb: history: %w", err)
	}
	defer rows.Close()
	var out []HistoryEntry
	for rows.Next() {
		var h HistoryEntry
		if err := rows.Scan(&h.Block, &h.Vtxindex, &h.Txid, &h.Op, &h.Subject, &h.Accepted, &h.Reason, &h.Record, &h.Code); err != nil {
			return nil, fmt.Errorf("namedb: history: %w", err)
		}
		out = append(out, h)
	}
	return out, rows.Err()
}

// ZonefileHashes lists the inventory in chain order from seq on (the first
// is 1), at most limit entries.
func (db *DB) ZonefileHashes(ctx context.Context, from int64, limit int) ([]ZonefileHash, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT seq, block, vtxindex, txid, name, hash FROM zonefile_hashes
		WHERE seq >= ? ORDER BY seq LIMIT ?`, from, limit)
	if err != nil {
		return nil, fmt.Errorf("namedb: zone file hashes: %w", err)
	}
	defer rows.Close()
	var out []ZonefileHash
	for rows.Next() {
		var z ZonefileHash
		if err := rows.Scan(&z.Seq, &z.Block, &z.Vtxindex, &z.Txid, &z.Name, &z.Hash); err != nil {
			return nil, fmt.Errorf("namedb: zone file hashes: %w", err)
		}
		out = append(out, z)
	}
	return out, rows.Err()
}

// ZonefileNamed reports whether the chain has named a zone file hash (40
// lowercase hex digits): only such zone files may be stored.
func (db *DB) ZonefileNamed(ctx context.Context, hash string) (bool, error) {
	var one int
	err := db.sql.QueryRowContext(ctx, `SELECT 1 FROM zonefile_hashes WHERE hash = ? LIMIT 1`, hash).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("namedb: zone file hash %s: %w", hash, err)
	}
	return true, nil
}

func queryStrings(ctx context.Context, db *sql.DB, query string, args ...any) ([]string, error) {
	rows, err := db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("namedb: %w", err)
	}
	defer rows.Close()
	out := []string{}
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, fmt.Errorf("namedb: %w", err)
		}
		out = append(out, s)
	}
	return out, rows.Err()
}
