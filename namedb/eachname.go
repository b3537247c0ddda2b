package namedb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// EachName calls fn with every name, its expiry block and whether it is
// revoked, all as of one block, which it returns (a zero Block for an
// empty database): what a search index is built from before it follows
// the blocks after.
func (db *DB) EachName(ctx context.Context, fn func(name string, expireBlock int64, revoked bool) error) (Block, error) {
	tx, err := db.sql.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return Block{}, fmt.Errorf("namedb: every name: %w", err)
	}
	defer tx.Rollback()
	var b Block
	err = tx.QueryRowContext(ctx, `SELECT `+blockColumns+` FROM blocks ORDER BY height DESC LIMIT 1`).Scan(b.fields()...)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return Block{}, fmt.Errorf("namedb: every name: last block: %w", err)
	}
	// The records are MarshalRecord's JSON, encoding/json's bytes, in
	// which a revoked name has exactly this: finding it costs a tenth of
	// parsing the record (json_extract), the most of a scan of a million.
	rows, err := tx.QueryContext(ctx, `SELECT name, expire_block, instr(record, '"revoked":true') > 0 FROM names`)
	if err != nil {
		return Block{}, fmt.Errorf("namedb: every name: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			name    string
			expire  int64
			revoked bool
		)
		if err := rows.Scan(&name, &expire, &revoked); err != nil {
			return Block{}, fmt.Errorf("namedb: every name: %w", err)
		}
		if err := fn(name, expire, revoked); err != nil {
			return Block{}, err
		}
	}
	if err := rows.Err(); err != nil {
		return Block{}, fmt.Errorf("namedb: every name: %w", err)
	}
	return b, nil
}
