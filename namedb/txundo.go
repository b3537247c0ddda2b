package namedb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

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
	if err := t.insert(insertUndo, t.height, t.seq, tbl, key, raw); err != nil {
		return fmt.Errorf("namedb: undo %s %q: %w", tbl, key, err)
	}
	return nil
}

// undoReaches says whether the undo log holds every block above h, so
// that the state can be taken back to h; if not, from is the lowest block
// it starts at.
func undoReaches(ctx context.Context, tx *sql.Tx, h int64) (ok bool, from int64, err error) {
	var undoFrom sql.NullInt64
	err = tx.QueryRowContext(ctx, `SELECT CAST(value AS INTEGER) FROM meta WHERE key = ?`, metaUndoFrom).Scan(&undoFrom)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return false, 0, err
	}
	if undoFrom.Valid && h+1 < undoFrom.Int64 {
		return false, undoFrom.Int64, nil
	}
	return true, 0, nil
}

// undoRow is a state row as it was before a change, from the undo log.
type undoRow struct {
	tbl, key string
	prior    []byte // nil: the row did not exist
}

// readUndo reads the undo rows of the blocks above a height, newest first
// (the order in which they are undone): of the tables named (all, if
// none), at most limit of them (−1: all).
func readUndo(ctx context.Context, tx *sql.Tx, above int64, limit int, tables ...string) ([]undoRow, error) {
	query, args := `SELECT tbl, key, prior FROM undo WHERE block > ?`, []any{above}
	if len(tables) > 0 {
		query += ` AND tbl IN (?` + strings.Repeat(", ?", len(tables)-1) + `)`
		for _, t := range tables {
			args = append(args, t)
		}
	}
	rows, err := tx.QueryContext(ctx, query+` ORDER BY block DESC, seq DESC LIMIT ?`, append(args, limit)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []undoRow
	for rows.Next() {
		var u undoRow
		var prior sql.NullString
		if err := rows.Scan(&u.tbl, &u.key, &prior); err != nil {
			return nil, err
		}
		if prior.Valid {
			u.prior = []byte(prior.String)
		}
		out = append(out, u)
	}
	return out, rows.Err()
}
