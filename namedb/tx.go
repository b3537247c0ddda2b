package namedb

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
)

// Tx is the write transaction of one block. Every state change records
// the row it replaces in the undo log, so that Rewind can take the block
// back. Nothing is visible to readers before Commit.
type Tx struct {
	db     *DB
	ctx    context.Context
	tx     *sql.Tx
	height int64
	seq    int
}

// Begin starts the transaction that applies the block at height. Blocks
// are applied in order: height must follow the last block.
func (db *DB) Begin(ctx context.Context, height int64) (*Tx, error) {
	last, ok, err := db.LastBlock(ctx)
	if err != nil {
		return nil, err
	}
	if ok && height != last.Height+1 {
		return nil, fmt.Errorf("namedb: block %d does not follow the last block %d", height, last.Height)
	}
	tx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("namedb: begin block %d: %w", height, err)
	}
	return &Tx{db: db, ctx: ctx, tx: tx, height: height}, nil
}

// Height is the block this transaction applies.
func (t *Tx) Height() int64 { return t.height }

// Rollback abandons the block.
func (t *Tx) Rollback() error { return t.tx.Rollback() }

// Commit records the block, with the serialized operations its consensus
// hash commits to (kept so that a snapshot can be verified), and makes its
// changes visible, atomically.
func (t *Tx) Commit(b Block, ops []string) error {
	if b.Height != t.height {
		return fmt.Errorf("namedb: commit block %d in the transaction of %d", b.Height, t.height)
	}
	rawOps, err := json.Marshal(ops)
	if err != nil {
		t.tx.Rollback()
		return err
	}
	if _, err := t.tx.ExecContext(t.ctx, `INSERT INTO blocks(height, hash, consensus_hash, ops_hash, accepted, rejected, ops) VALUES(?, ?, ?, ?, ?, ?, ?)`,
		b.Height, b.Hash, b.ConsensusHash, b.OpsHash, b.Accepted, b.Rejected, rawOps); err != nil {
		t.tx.Rollback()
		return fmt.Errorf("namedb: block %d: %w", b.Height, err)
	}
	if err := t.tx.Commit(); err != nil {
		return fmt.Errorf("namedb: commit block %d: %w", b.Height, err)
	}
	t.db.last.Store(&b)
	return nil
}

// get decodes the record of key in tbl into v; ok is false if none.
func (t *Tx) get(tbl, keyCol, key string, v any) (bool, error) {
	var raw []byte
	err := t.tx.QueryRowContext(t.ctx, `SELECT record FROM `+tbl+` WHERE `+keyCol+` = ?`, key).Scan(&raw)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("namedb: %s %q: %w", tbl, key, err)
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return false, fmt.Errorf("namedb: %s %q: %w", tbl, key, err)
	}
	return true, nil
}

// logUndo records key's current row of tbl (or its absence) before a
// change.
func (t *Tx) logUndo(tbl, keyCol, key string) error {
	var prior sql.NullString
	err := t.tx.QueryRowContext(t.ctx, `SELECT record FROM `+tbl+` WHERE `+keyCol+` = ?`, key).Scan(&prior)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("namedb: undo %s %q: %w", tbl, key, err)
	}
	t.seq++
	_, err = t.tx.ExecContext(t.ctx, `INSERT INTO undo(block, seq, tbl, key, prior) VALUES(?, ?, ?, ?, ?)`, t.height, t.seq, tbl, key, prior)
	if err != nil {
		return fmt.Errorf("namedb: undo %s %q: %w", tbl, key, err)
	}
	return nil
}

// Name returns the name's record, or nil if it was never registered.
func (t *Tx) Name(name string) (*NameRecord, error) {
	var r NameRecord
	ok, err := t.get("names", "name", name, &r)
	if !ok {
		return nil, err
	}
	return &r, nil
}

// PutName writes a name's record.
func (t *Tx) PutName(r *NameRecord) error {
	if err := t.logUndo("names", "name", r.Name); err != nil {
		return err
	}
	return t.writeName(r)
}

func (t *Tx) writeName(r *NameRecord) error {
	raw, err := json.Marshal(r)
	if err != nil {
		return err
	}
	_, err = t.tx.ExecContext(t.ctx, `INSERT INTO names(name, namespace_id, address, expire_block, record) VALUES(?, ?, ?, ?, ?)
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
	if err := t.logUndo("names", "name", name); err != nil {
		return err
	}
	if _, err := t.tx.ExecContext(t.ctx, `DELETE FROM names WHERE name = ?`, name); err != nil {
		return fmt.Errorf("namedb: delete name %s: %w", name, err)
	}
	return nil
}

// Namespace returns a revealed namespace's record, or nil.
func (t *Tx) Namespace(id string) (*NamespaceRecord, error) {
	var r NamespaceRecord
	ok, err := t.get("namespaces", "namespace_id", id, &r)
	if !ok {
		return nil, err
	}
	return &r, nil
}

// PutNamespace writes a namespace's record.
func (t *Tx) PutNamespace(r *NamespaceRecord) error {
	if err := t.logUndo("namespaces", "namespace_id", r.NamespaceID); err != nil {
		return err
	}
	raw, err := json.Marshal(r)
	if err != nil {
		return err
	}
	_, err = t.tx.ExecContext(t.ctx, `INSERT INTO namespaces(namespace_id, record) VALUES(?, ?)
		ON CONFLICT(namespace_id) DO UPDATE SET record = excluded.record`, r.NamespaceID, raw)
	if err != nil {
		return fmt.Errorf("namedb: put namespace %s: %w", r.NamespaceID, err)
	}
	return nil
}

// Preorder returns a stored preorder, or nil.
func (t *Tx) Preorder(hash string) (*Preorder, error) {
	var p Preorder
	ok, err := t.get("preorders", "preorder_hash", hash, &p)
	if !ok {
		return nil, err
	}
	return &p, nil
}

// PutPreorder stores a preorder.
func (t *Tx) PutPreorder(p *Preorder) error {
	if err := t.logUndo("preorders", "preorder_hash", p.PreorderHash); err != nil {
		return err
	}
	raw, err := json.Marshal(p)
	if err != nil {
		return err
	}
	_, err = t.tx.ExecContext(t.ctx, `INSERT INTO preorders(preorder_hash, record) VALUES(?, ?)
		ON CONFLICT(preorder_hash) DO UPDATE SET record = excluded.record`, p.PreorderHash, raw)
	if err != nil {
		return fmt.Errorf("namedb: put preorder %s: %w", p.PreorderHash, err)
	}
	return nil
}

// DeletePreorder removes a preorder (consumed by its registration or
// reveal).
func (t *Tx) DeletePreorder(hash string) error {
	if err := t.logUndo("preorders", "preorder_hash", hash); err != nil {
		return err
	}
	if _, err := t.tx.ExecContext(t.ctx, `DELETE FROM preorders WHERE preorder_hash = ?`, hash); err != nil {
		return fmt.Errorf("namedb: delete preorder %s: %w", hash, err)
	}
	return nil
}

// NamesOwned counts the names address owns at the transaction's block:
// not revoked, not past the grace period after expiry.
func (t *Tx) NamesOwned(address string, grace int64) (int, error) {
	var n int
	// The revoked flag lives only in the JSON record; without this test a
	// revoked name counted against the quota forever, where Blockstack v1
	// (namedb_get_names_owned_by_address: "revoked = 0") frees its slot.
	err := t.tx.QueryRowContext(t.ctx, `SELECT COUNT(*) FROM names WHERE address = ? AND (expire_block < 0 OR expire_block + ? > ?)
		AND COALESCE(json_extract(record, '$.revoked'), 0) = 0`,
		address, grace, t.height).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("namedb: names owned by %s: %w", address, err)
	}
	return n, nil
}

// NamesOwnedBy lists the names whose owner is address, sorted.
func (t *Tx) NamesOwnedBy(address string) ([]string, error) {
	rows, err := t.tx.QueryContext(t.ctx, `SELECT name FROM names WHERE address = ? ORDER BY name`, address)
	if err != nil {
		return nil, fmt.Errorf("namedb: names of %s: %w", address, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, rows.Err()
}

// NamesIn returns every name of a namespace (to re-date imported names when
// the namespace becomes ready).
func (t *Tx) NamesIn(namespaceID string) ([]*NameRecord, error) {
	rows, err := t.tx.QueryContext(t.ctx, `SELECT record FROM names WHERE namespace_id = ? ORDER BY name`, namespaceID)
	if err != nil {
		return nil, fmt.Errorf("namedb: names in %s: %w", namespaceID, err)
	}
	return scanRecords[NameRecord](rows)
}

// AddHistory records an operation of this block.
func (t *Tx) AddHistory(h HistoryEntry) error {
	if h.Block != t.height {
		return fmt.Errorf("namedb: history of block %d in the transaction of %d", h.Block, t.height)
	}
	_, err := t.tx.ExecContext(t.ctx, `INSERT INTO history(block, vtxindex, txid, op, subject, accepted, reason, record) VALUES(?, ?, ?, ?, ?, ?, ?, ?)`,
		h.Block, h.Vtxindex, h.Txid, h.Op, h.Subject, h.Accepted, h.Reason, h.Record)
	if err != nil {
		return fmt.Errorf("namedb: history %s: %w", h.Txid, err)
	}
	return nil
}

// AddZonefileHash appends a zone file hash the block names to the
// inventory.
func (t *Tx) AddZonefileHash(z ZonefileHash) error {
	_, err := t.tx.ExecContext(t.ctx, `INSERT INTO zonefile_hashes(block, vtxindex, txid, name, hash) VALUES(?, ?, ?, ?, ?)`,
		t.height, z.Vtxindex, z.Txid, z.Name, z.Hash)
	if err != nil {
		return fmt.Errorf("namedb: zone file hash of %s: %w", z.Name, err)
	}
	return nil
}

// ConsensusHash is the consensus hash of an earlier block.
func (t *Tx) ConsensusHash(height int64) (string, error) {
	var ch string
	err := t.tx.QueryRowContext(t.ctx, `SELECT consensus_hash FROM blocks WHERE height = ?`, height).Scan(&ch)
	if errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("consensus hash of block %d: %w", height, ErrNotFound)
	}
	return ch, err
}

// scanRecords decodes a query's JSON record column.
func scanRecords[T any](rows *sql.Rows) ([]*T, error) {
	defer rows.Close()
	var out []*T
	for rows.Next() {
		var raw []byte
		if err := rows.Scan(&raw); err != nil {
			return nil, err
		}
		v := new(T)
		if err := json.Unmarshal(raw, v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}
