package namedb

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os"
)

// Export writes a consistent copy of the whole database to path (which must
// not exist), while the indexer may keep writing: SQLite's VACUUM INTO
// copies one read transaction's view.
func (db *DB) Export(ctx context.Context, path string) error {
	if _, err := os.Stat(path); err == nil {
		return fmt.Errorf("namedb: export: %s already exists", path)
	}
	if _, err := db.sql.ExecContext(ctx, `VACUUM INTO ?`, path); err != nil {
		return fmt.Errorf("namedb: export to %s: %w", path, err)
	}
	return nil
}

// IntegrityCheck runs SQLite's full integrity check.
func (db *DB) IntegrityCheck(ctx context.Context) error {
	var res string
	if err := db.sql.QueryRowContext(ctx, `PRAGMA integrity_check`).Scan(&res); err != nil {
		return fmt.Errorf("namedb: integrity check: %w", err)
	}
	if res != "ok" {
		return fmt.Errorf("namedb: integrity check of %s: %s", db.path, res)
	}
	return nil
}

// BlockOps is the processed block at height with the serialized
// operations its operations hash commits to.
func (db *DB) BlockOps(ctx context.Context, height int64) (Block, []string, error) {
	var b Block
	var raw []byte
	row := db.sql.QueryRowContext(ctx, `SELECT `+blockColumns+`, ops FROM blocks WHERE height = ?`, height)
	err := row.Scan(append(b.fields(), &raw)...)
	if errors.Is(err, sql.ErrNoRows) {
		return Block{}, nil, fmt.Errorf("block %d: %w", height, ErrNotFound)
	}
	if err != nil {
		return Block{}, nil, fmt.Errorf("namedb: block %d: %w", height, err)
	}
	var ops []string
	if err := json.Unmarshal(raw, &ops); err != nil {
		return Block{}, nil, fmt.Errorf("namedb: operations of block %d: %w", height, err)
	}
	return b, ops, nil
}

// ErrStop, returned by a ForEachBlock callback, ends the walk without error.
var ErrStop = errors.New("stop")

// ForEachBlock calls fn for every block in height order with the
// serialized operations its consensus hash commits to.
func (db *DB) ForEachBlock(ctx context.Context, fn func(b Block, ops []string) error) error {
	rows, err := db.sql.QueryContext(ctx, `SELECT `+blockColumns+`, ops FROM blocks ORDER BY height`)
	if err != nil {
		return fmt.Errorf("namedb: blocks: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var b Block
		var raw []byte
		if err := rows.Scan(append(b.fields(), &raw)...); err != nil {
			return fmt.Errorf("namedb: blocks: %w", err)
		}
		var ops []string
		if err := json.Unmarshal(raw, &ops); err != nil {
			return fmt.Errorf("namedb: operations of block %d: %w", b.Height, err)
		}
		if err := fn(b, ops); err != nil {
			if errors.Is(err, ErrStop) {
				return nil
			}
			return err
		}
	}
	return rows.Err()
}
