package namedb

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
)

// undoTables are the state tables the undo log restores, with their keys.
var undoTables = map[string]string{
	"names":      "name",
	"namespaces": "namespace_id",
	"preorders":  "preorder_hash",
}

// Rewind takes back every block above fork, newest first, in one
// transaction: state rows return to what they were, and the blocks'
// history, zone file hashes and consensus hashes are removed.
func (db *DB) Rewind(ctx context.Context, fork int64) error {
	db.wmu.Lock()
	defer db.wmu.Unlock()
	db.dropState() // reloaded from the rewound tables at the next Begin
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("namedb: rewind: %w", err)
	}
	defer tx.Rollback()
	reaches, undoFrom, err := undoReaches(ctx, tx, fork)
	if err != nil {
		return fmt.Errorf("namedb: rewind: %w", err)
	}
	if !reaches {
		var kept int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM (SELECT 1 FROM blocks WHERE height <= ? LIMIT 1)`, fork).Scan(&kept); err != nil {
			return fmt.Errorf("namedb: rewind: %w", err)
		}
		if kept > 0 {
			return fmt.Errorf("namedb: cannot rewind to block %d: %w (blocks below %d were indexed far below the tip, without undo); "+
				"rebuild the database (delete it and index again, or import a snapshot)", fork, ErrBeyondUndo, undoFrom)
		}
		// Back to before the first block: nothing to undo, empty it all.
		for _, tbl := range []string{"names", "namespaces", "preorders", "history", "zonefile_hashes", "undo", "blocks"} {
			if _, err := tx.ExecContext(ctx, `DELETE FROM `+tbl); err != nil {
				return fmt.Errorf("namedb: rewind %s: %w", tbl, err)
			}
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM meta WHERE key = ?`, metaUndoFrom); err != nil {
			return fmt.Errorf("namedb: rewind: %w", err)
		}
		if err := tx.Commit(); err != nil {
			db.last.Store(nil)
			return fmt.Errorf("namedb: rewind to %d: %w", fork, err)
		}
		db.last.Store(nil)
		return nil
	}
	changes, err := readUndo(ctx, tx, fork, -1)
	if err != nil {
		return fmt.Errorf("namedb: rewind: %w", err)
	}
	t := &Tx{ctx: ctx, tx: tx, stmts: map[string]*sql.Stmt{}}
	for _, c := range changes {
		keyCol, ok := undoTables[c.tbl]
		if !ok {
			return fmt.Errorf("namedb: rewind: undo names unknown table %q", c.tbl)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM `+c.tbl+` WHERE `+keyCol+` = ?`, c.key); err != nil {
			return fmt.Errorf("namedb: rewind %s %q: %w", c.tbl, c.key, err)
		}
		if c.prior == nil {
			continue
		}
		if err := t.restore(c.tbl, c.key, c.prior); err != nil {
			return err
		}
	}
	for _, tbl := range []string{"undo", "history", "zonefile_hashes"} {
		if _, err := tx.ExecContext(ctx, `DELETE FROM `+tbl+` WHERE block > ?`, fork); err != nil {
			return fmt.Errorf("namedb: rewind %s: %w", tbl, err)
		}
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM blocks WHERE height > ?`, fork); err != nil {
		return fmt.Errorf("namedb: rewind blocks: %w", err)
	}
	if err := tx.Commit(); err != nil {
		db.last.Store(nil) // unknown: read it back from the database
		return fmt.Errorf("namedb: rewind to %d: %w", fork, err)
	}
	// The block at fork is now the last; read it back rather than guess.
	db.last.Store(nil)
	return nil
}

// restore writes back a row as the undo log kept it.
func (t *Tx) restore(tbl, key string, raw []byte) error {
	var err error
	switch tbl {
	case "names":
		var r NameRecord
		if err = json.Unmarshal(raw, &r); err == nil {
			err = t.writeName(&r)
		}
	default:
		_, err = t.tx.ExecContext(t.ctx, `INSERT INTO `+tbl+`(`+undoTables[tbl]+`, record) VALUES(?, ?)`, key, raw)
	}
	if err != nil {
		return fmt.Errorf("namedb: rewind %s %q: %w", tbl, key, err)
	}
	return nil
}
