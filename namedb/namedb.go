// Package namedb is the name database: the BNS state that the virtualchain
// folds out of the chain (names, namespaces, pending preorders), the
// history of every operation, accepted or rejected, the zone file hashes in
// chain order (Atlas's inventory), and each block's consensus hash.
//
// It is SQLite through the pure-Go modernc.org/sqlite driver: a real,
// crash-safe embedded database (write-ahead log, one transaction per
// block, so readers see whole blocks only and a killed process recovers to
// the last committed block), with the secondary indexes the API's queries
// need (names by owner, names of a namespace in pages, history by name)
// without hand-made index code, and no cgo.
//
// Reorganisations are undone from an undo log: every state change a block
// makes records the row it replaced, and Rewind replays those in reverse.
// The log covers only the blocks above a horizon the writer sets
// (Tx.KeepUndoFrom: the indexer keeps the last few hundred blocks below the
// chain's tip); a rewind below it fails with ErrBeyondUndo.
//
// The writer's statements run on a goroutine of their own, the state rows
// are written once per transaction from the in-memory state, and the
// indexes only the readers use can be dropped during a long catch-up and
// built once at its end (DeferQueryIndexes).
//
// It owns the database file and its schema; it knows the records' shapes
// but not the rules that produce them (package virtualchain).
package namedb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/go-blockstack/go-blockstack/internal/sqlitedb"
)

// ErrNotFound is returned (wrapped) when a queried record does not exist.
var ErrNotFound = errors.New("not found")

const schema = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS blocks (
	height INTEGER PRIMARY KEY,
	hash TEXT NOT NULL,
	consensus_hash TEXT NOT NULL,
	ops_hash TEXT NOT NULL,
	state_root TEXT NOT NULL,
	accepted INTEGER NOT NULL,
	rejected INTEGER NOT NULL,
	ops TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS names (
	name TEXT PRIMARY KEY,
	namespace_id TEXT NOT NULL,
	address TEXT NOT NULL,
	expire_block INTEGER NOT NULL,
	record TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS namespaces (namespace_id TEXT PRIMARY KEY, record TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS preorders (preorder_hash TEXT PRIMARY KEY, record TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS history (
	block INTEGER NOT NULL,
	vtxindex INTEGER NOT NULL,
	txid TEXT NOT NULL,
	op TEXT NOT NULL,
	subject TEXT NOT NULL,
	accepted INTEGER NOT NULL,
	reason TEXT NOT NULL,
	record TEXT NOT NULL,
	code TEXT NOT NULL DEFAULT '', -- last: where addHistoryCode puts it in older files
	PRIMARY KEY (block, vtxindex)
);
CREATE TABLE IF NOT EXISTS zonefile_hashes (
	seq INTEGER PRIMARY KEY,
	block INTEGER NOT NULL,
	vtxindex INTEGER NOT NULL,
	txid TEXT NOT NULL,
	name TEXT NOT NULL,
	hash TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS zonefile_hashes_by_block ON zonefile_hashes(block);
CREATE TABLE IF NOT EXISTS undo (
	block INTEGER NOT NULL,
	seq INTEGER NOT NULL,
	tbl TEXT NOT NULL,
	key TEXT NOT NULL,
	prior TEXT,
	PRIMARY KEY (block, seq)
);
`

// queryIndexes serve the readers' queries only: the indexer reads its
// state from memory and rewinds through primary keys and
// zonefile_hashes_by_block. While it catches up from far behind it drops
// them and builds them again at the end (DeferQueryIndexes,
// BuildQueryIndexes): one sort per index instead of an insert at a random
// place of a tree that has outgrown the cache for every operation. Open
// builds any that are missing (after a crash in the middle of a catch-up).
var queryIndexes = []struct{ name, def string }{
	{"names_by_address", "names(address, name)"},
	{"names_by_namespace", "names(namespace_id, name)"},
	{"history_by_subject", "history(subject, block, vtxindex)"},
	{"history_by_txid", "history(txid)"},
	{"zonefile_hashes_by_hash", "zonefile_hashes(hash)"},
}

// schemaVersion changes whenever the schema does; a database of another
// version is refused, not misread.
const (
	schemaVersion = "2"
	metaSchema    = "schema_version"
)

// DB is an open name database. Reads may run concurrently with the one
// writer (the virtualchain).
type DB struct {
	sql  *sql.DB // readers
	w    *sql.DB // the writer's one connection
	path string
	// last is the last block this process committed (nil until it
	// commits or rewinds): the API asks for it on every request, and the
	// indexer that writes it runs in the same process.
	last atomic.Pointer[Block]

	stmts sync.Map // query → *sql.Stmt, for the readers' hot queries

	wmu sync.Mutex // held by the one write transaction
	st  *state     // the writer's state cache; nil until loaded
	// view is st for the readers' name look-ups, set once st is loaded
	// and last is known; nil (ask SQLite) whenever st is dropped.
	view atomic.Pointer[state]
}

// dropState discards the writer's state (it has changes that were not
// committed, or the tables changed under it); the next Begin reloads it.
func (db *DB) dropState() {
	db.view.Store(nil)
	if db.st != nil {
		db.st.drop()
	}
	db.st = nil
}

// Open opens (creating if needed) the database at path.
//
// It keeps two connection pools: one connection for the writer, with a
// large page cache and no memory map, and a few for readers with SQLite's
// default cache and a 256 MiB map: every
// commit makes each reader drop its cached pages, and dropping a large
// cache on every API lookup cost more than the lookup.
func Open(path string) (*DB, error) {
	// The writer maps no file (it reads little: the state is in memory)
	// and has a large page cache; the readers map up to 256 MiB.
	w, err := sqlitedb.Open(path, 1, "synchronous(NORMAL)", "foreign_keys(OFF)",
		"cache_size(-65536)", "wal_autocheckpoint(16384)", "mmap_size(0)")
	if err != nil {
		return nil, fmt.Errorf("namedb: %w", err)
	}
	if _, err := w.Exec(schema); err != nil {
		w.Close()
		return nil, fmt.Errorf("namedb: schema of %s: %w", path, err)
	}
	if err := addHistoryCode(w); err != nil {
		w.Close()
		return nil, fmt.Errorf("namedb: %s: %w", path, err)
	}
	if err := buildQueryIndexes(context.Background(), w); err != nil {
		w.Close()
		return nil, fmt.Errorf("namedb: %s: %w", path, err)
	}
	r, err := sqlitedb.Open(path, 8, "synchronous(NORMAL)", "foreign_keys(OFF)", "mmap_size(268435456)")
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("namedb: %w", err)
	}
	d := &DB{sql: r, w: w, path: path}
	v, err := d.Meta(context.Background(), metaSchema)
	if err == nil && v == "" {
		err = d.SetMeta(context.Background(), metaSchema, schemaVersion)
	} else if err == nil && v != schemaVersion {
		err = fmt.Errorf("schema version %s, this program reads %s: rebuild it (delete it and re-index, or import a snapshot)", v, schemaVersion)
	}
	if err != nil {
		d.Close()
		return nil, fmt.Errorf("namedb: %s: %w", path, err)
	}
	return d, nil
}

// addHistoryCode gives a database made before rejections had codes the
// history's code column (its old rejections keep none). The change is
// additive and every statement names its columns, so this program and older
// ones read and write such a file alike: the schema version stays.
func addHistoryCode(w *sql.DB) error {
	var n int
	if err := w.QueryRow(`SELECT count(*) FROM pragma_table_info('history') WHERE name = 'code'`).Scan(&n); err != nil {
		return fmt.Errorf("history columns: %w", err)
	}
	if n > 0 {
		return nil
	}
	if _, err := w.Exec(`ALTER TABLE history ADD COLUMN code TEXT NOT NULL DEFAULT ''`); err != nil {
		return fmt.Errorf("history code column: %w", err)
	}
	return nil
}

func buildQueryIndexes(ctx context.Context, w *sql.DB) error {
	for _, ix := range queryIndexes {
		if _, err := w.ExecContext(ctx, `CREATE INDEX IF NOT EXISTS `+ix.name+` ON `+ix.def); err != nil {
			return fmt.Errorf("index %s: %w", ix.name, err)
		}
	}
	return nil
}

// DeferQueryIndexes drops the indexes that serve only the readers'
// queries (see queryIndexes), before a long catch-up; BuildQueryIndexes
// makes them again. Meanwhile the queries stay correct but scan their
// tables. It waits for the open write transaction, if any, to end.
func (db *DB) DeferQueryIndexes(ctx context.Context) error {
	db.wmu.Lock()
	defer db.wmu.Unlock()
	for _, ix := range queryIndexes {
		if _, err := db.w.ExecContext(ctx, `DROP INDEX IF EXISTS `+ix.name); err != nil {
			return fmt.Errorf("namedb: drop index %s: %w", ix.name, err)
		}
	}
	return nil
}

// BuildQueryIndexes makes the query indexes that are missing.
func (db *DB) BuildQueryIndexes(ctx context.Context) error {
	db.wmu.Lock()
	defer db.wmu.Unlock()
	if err := buildQueryIndexes(ctx, db.w); err != nil {
		return fmt.Errorf("namedb: %w", err)
	}
	return nil
}

// Close closes the database.
func (db *DB) Close() error { return errors.Join(db.sql.Close(), db.w.Close()) }

// Path is the database file.
func (db *DB) Path() string { return db.path }

// Block is what the database keeps of a processed block.
type Block struct {
	Height        int64  `json:"height"`
	Hash          string `json:"hash"`
	ConsensusHash string `json:"consensus_hash"`
	OpsHash       string `json:"ops_hash"`
	// StateRoot is the root of the name state after the block (StateRoot),
	// which its consensus hash commits to.
	StateRoot string `json:"state_root"`
	Accepted  int    `json:"accepted"`
	Rejected  int    `json:"rejected"`
}

// blockColumns are the blocks table's columns that Block holds, in the
// order of its fields.
const blockColumns = "height, hash, consensus_hash, ops_hash, state_root, accepted, rejected"

// fields are b's fields in blockColumns' order, to scan a row into.
func (b *Block) fields() []any {
	return []any{&b.Height, &b.Hash, &b.ConsensusHash, &b.OpsHash, &b.StateRoot, &b.Accepted, &b.Rejected}
}

// LastBlock is the highest processed block (ok false for an empty
// database).
func (db *DB) LastBlock(ctx context.Context) (b Block, ok bool, err error) {
	if last := db.last.Load(); last != nil {
		if last.Height < 0 { // known to be empty
			return Block{}, false, nil
		}
		return *last, true, nil
	}
	row := db.sql.QueryRowContext(ctx, `SELECT `+blockColumns+` FROM blocks ORDER BY height DESC LIMIT 1`)
	err = row.Scan(b.fields()...)
	if errors.Is(err, sql.ErrNoRows) {
		return Block{}, false, nil
	}
	if err != nil {
		return Block{}, false, fmt.Errorf("namedb: last block: %w", err)
	}
	return b, true, nil
}

// BlockAt is the processed block at height.
func (db *DB) BlockAt(ctx context.Context, height int64) (Block, error) {
	var b Block
	row := db.sql.QueryRowContext(ctx, `SELECT `+blockColumns+` FROM blocks WHERE height = ?`, height)
	err := row.Scan(b.fields()...)
	if errors.Is(err, sql.ErrNoRows) {
		return Block{}, fmt.Errorf("block %d: %w", height, ErrNotFound)
	}
	if err != nil {
		return Block{}, fmt.Errorf("namedb: block %d: %w", height, err)
	}
	return b, nil
}

// ConsensusHashes are the consensus hashes of the processed blocks at
// heights, in their order, read in one query (a block's skip list names
// a few dozen at most).
func (db *DB) ConsensusHashes(ctx context.Context, heights []int64) ([]string, error) {
	if len(heights) == 0 {
		return nil, nil
	}
	args := make([]any, len(heights))
	for i, h := range heights {
		args[i] = h
	}
	st, err := db.prepared(ctx, `SELECT height, consensus_hash FROM blocks WHERE height IN (?`+strings.Repeat(", ?", len(heights)-1)+`)`)
	if err != nil {
		return nil, fmt.Errorf("namedb: consensus hashes: %w", err)
	}
	rows, err := st.QueryContext(ctx, args...)
	if err != nil {
		return nil, fmt.Errorf("namedb: consensus hashes: %w", err)
	}
	defer rows.Close()
	byHeight := make(map[int64]string, len(heights))
	for rows.Next() {
		var h int64
		var ch string
		if err := rows.Scan(&h, &ch); err != nil {
			return nil, fmt.Errorf("namedb: consensus hashes: %w", err)
		}
		byHeight[h] = ch
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("namedb: consensus hashes: %w", err)
	}
	out := make([]string, len(heights))
	for i, h := range heights {
		ch, ok := byHeight[h]
		if !ok {
			return nil, fmt.Errorf("block %d: %w", h, ErrNotFound)
		}
		out[i] = ch
	}
	return out, nil
}

// RecentBlocks lists up to limit processed blocks below height before,
// newest first. With withOps it keeps only the blocks that carried name
// operations (accepted or rejected): on a live chain most blocks carry
// none, and the explorer wants the ones that did.
func (db *DB) RecentBlocks(ctx context.Context, before int64, limit int, withOps bool) ([]Block, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT `+blockColumns+` FROM blocks
		WHERE height < ? AND (? = 0 OR accepted + rejected > 0) ORDER BY height DESC LIMIT ?`, before, withOps, limit)
	if err != nil {
		return nil, fmt.Errorf("namedb: blocks before %d: %w", before, err)
	}
	defer rows.Close()
	var out []Block
	for rows.Next() {
		var b Block
		if err := rows.Scan(b.fields()...); err != nil {
			return nil, fmt.Errorf("namedb: blocks before %d: %w", before, err)
		}
		out = append(out, b)
	}
	return out, rows.Err()
}

// Meta reads a setting stored with the database ("" if unset).
func (db *DB) Meta(ctx context.Context, key string) (string, error) {
	var v string
	err := db.sql.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = ?`, key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return v, err
}

// SetMeta stores a setting with the database.
func (db *DB) SetMeta(ctx context.Context, key, value string) error {
	_, err := db.w.ExecContext(ctx, `INSERT INTO meta(key, value) VALUES(?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value`, key, value)
	return err
}
