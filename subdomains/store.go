package subdomains

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/go-blockstack/go-blockstack/internal/sqlitedb"
	"github.com/go-blockstack/go-blockstack/zonefile"
)

// ErrNotFound is returned (wrapped) when a queried subdomain does not
// exist (has no accepted record).
var ErrNotFound = errors.New("subdomain not found")

// The schema. records holds every record ever seen, keyed by its chain
// position; subdomains points at each subdomain's current record (its
// last accepted one) and carries the columns the API's lists need;
// zonefiles lists the zone files processed, so that a second delivery is
// a no-op and a reorganisation knows what to take back.
//
// A subdomain's records are found through records_by_parent, which
// starts with the parent so that the records of one zone file, nearly
// all of one domain, land together in it: keyed by name alone, as
// records_by_name was (dropped here from databases made before), they
// spread over the whole index and each commit rewrote a page per record.
//
// seqn is stored as the int64 with the same bits as the uint64: nothing
// orders by it, and it reads back unchanged.
const schema = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS zonefiles (
	idx INTEGER PRIMARY KEY,
	name TEXT NOT NULL,
	block INTEGER NOT NULL,
	txid TEXT NOT NULL,
	hash TEXT NOT NULL,
	records INTEGER NOT NULL,
	error TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS zonefiles_by_name ON zonefiles(name, idx);
CREATE TABLE IF NOT EXISTS records (
	idx INTEGER NOT NULL,
	off INTEGER NOT NULL,
	name TEXT NOT NULL,
	parent TEXT NOT NULL,
	domain TEXT NOT NULL,
	owner TEXT NOT NULL,
	seqn INTEGER NOT NULL,
	zonefile BLOB NOT NULL,
	zonefile_hash TEXT NOT NULL,
	sig TEXT NOT NULL,
	block INTEGER NOT NULL,
	txid TEXT NOT NULL,
	parent_zonefile_hash TEXT NOT NULL,
	signer TEXT NOT NULL,
	accepted INTEGER NOT NULL,
	reason TEXT NOT NULL,
	why TEXT NOT NULL,
	PRIMARY KEY (idx, off)
);
DROP INDEX IF EXISTS records_by_name;
CREATE INDEX IF NOT EXISTS records_by_parent ON records(parent, name, idx, off);
CREATE INDEX IF NOT EXISTS records_by_txid ON records(txid);
CREATE TABLE IF NOT EXISTS subdomains (
	name TEXT PRIMARY KEY,
	parent TEXT NOT NULL,
	owner TEXT NOT NULL,
	seqn INTEGER NOT NULL,
	idx INTEGER NOT NULL,
	off INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS subdomains_by_owner ON subdomains(owner, name);
CREATE INDEX IF NOT EXISTS subdomains_by_parent ON subdomains(parent, name);
`

const (
	schemaVersion = "1"
	metaSchema    = "schema_version"
)

const recordCols = `idx, off, name, parent, domain, owner, seqn, zonefile, zonefile_hash, sig, block, txid,
	parent_zonefile_hash, signer, accepted, reason, why`

// openDB opens the database at path: one connection for the writer and a
// small pool for readers, as namedb does (WAL: readers see whole
// transactions while the writer works).
func openDB(path string) (w, r *sql.DB, err error) {
	// SQLite's default 2 MB page cache: a larger one made each commit
	// slower (allocating pages as it grew, and truncating it at every
	// commit scans it), and the pages a zone file touches are few.
	w, err = sqlitedb.Open(path, 1, "synchronous(NORMAL)")
	if err != nil {
		return nil, nil, fmt.Errorf("subdomains: %w", err)
	}
	if _, err := w.Exec(schema); err != nil {
		w.Close()
		return nil, nil, fmt.Errorf("subdomains: schema of %s: %w", path, err)
	}
	var v string
	err = w.QueryRow(`SELECT value FROM meta WHERE key = ?`, metaSchema).Scan(&v)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		_, err = w.Exec(`INSERT INTO meta(key, value) VALUES(?, ?)`, metaSchema, schemaVersion)
	case err == nil && v != schemaVersion:
		err = fmt.Errorf("schema version %s, this program reads %s: delete it and re-index", v, schemaVersion)
	}
	if err != nil {
		w.Close()
		return nil, nil, fmt.Errorf("subdomains: %s: %w", path, err)
	}
	r, err = sqlitedb.Open(path, 4, "synchronous(NORMAL)")
	if err != nil {
		w.Close()
		return nil, nil, fmt.Errorf("subdomains: %w", err)
	}
	return w, r, nil
}

type scanner interface{ Scan(...any) error }

func scanRecord(s scanner) (*Record, error) {
	var r Record
	var seq int64
	var zfHash, parentHash, signer string
	err := s.Scan(&r.Index, &r.Offset, &r.Name, &r.Parent, &r.Domain, &r.Owner, &seq, &r.ZoneFile, &zfHash, &r.Sig,
		&r.Block, &r.Txid, &parentHash, &signer, &r.Accepted, &r.Reason, &r.Why)
	if err != nil {
		return nil, err
	}
	r.Seq, r.signer = uint64(seq), addrKey(signer)
	if r.ZoneFileHash, err = zonefile.ParseHash(zfHash); err != nil {
		return nil, fmt.Errorf("record %d/%d: %w", r.Index, r.Offset, err)
	}
	if r.ParentZonefileHash, err = zonefile.ParseHash(parentHash); err != nil {
		return nil, fmt.Errorf("record %d/%d: %w", r.Index, r.Offset, err)
	}
	if r.ZoneFile == nil {
		r.ZoneFile = []byte{}
	}
	return &r, nil
}

func recordArgs(r *Record) []any {
	return []any{r.Index, r.Offset, r.Name, r.Parent, r.Domain, r.Owner, int64(r.Seq), r.ZoneFile, r.ZoneFileHash.String(), r.Sig,
		r.Block, r.Txid, r.ParentZonefileHash.String(), string(r.signer), r.Accepted, string(r.Reason), r.Why}
}

// scanRecords reads the rows of a query selecting recordCols.
func scanRecords(rows *sql.Rows, err error) ([]*Record, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Record
	for rows.Next() {
		r, err := scanRecord(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// Get returns the subdomain's current record: its last accepted one.
func (ix *Indexer) Get(ctx context.Context, fqn string) (Record, error) {
	row := ix.r.QueryRowContext(ctx, `SELECT `+prefixed("r.", recordCols)+` FROM subdomains s
		JOIN records r ON r.idx = s.idx AND r.off = s.off WHERE s.name = ?`, fqn)
	r, err := scanRecord(row)
	if errors.Is(err, sql.ErrNoRows) {
		return Record{}, fmt.Errorf("subdomains: %s: %w", fqn, ErrNotFound)
	}
	if err != nil {
		return Record{}, fmt.Errorf("subdomains: %s: %w", fqn, err)
	}
	return *r, nil
}

const historyQuery = `SELECT ` + recordCols + ` FROM records WHERE parent = ? AND name = ? ORDER BY idx, off`

// History returns every record of the subdomain, accepted or not, in
// chain order (none for an unknown one).
func (ix *Indexer) History(ctx context.Context, fqn string) ([]Record, error) {
	rs, err := scanRecords(ix.r.QueryContext(ctx, historyQuery, parentOf(fqn), fqn))
	if err != nil {
		return nil, fmt.Errorf("subdomains: history of %s: %w", fqn, err)
	}
	out := make([]Record, len(rs))
	for i, r := range rs {
		out[i] = *r
	}
	return out, nil
}

// RecordsAt returns the records a zone file carried, in file order (none
// if it carried none or was not indexed).
func (ix *Indexer) RecordsAt(ctx context.Context, index int64) ([]Record, error) {
	rs, err := scanRecords(ix.r.QueryContext(ctx, `SELECT `+recordCols+` FROM records WHERE idx = ? ORDER BY off`, index))
	if err != nil {
		return nil, fmt.Errorf("subdomains: records of zone file %d: %w", index, err)
	}
	out := make([]Record, len(rs))
	for i, r := range rs {
		out[i] = *r
	}
	return out, nil
}

// OwnedBy lists, in name order, the subdomains whose current owner is
// addr, as written in their records (v1 matched the string too).
func (ix *Indexer) OwnedBy(ctx context.Context, addr string) ([]string, error) {
	return ix.names(ctx, `SELECT name FROM subdomains WHERE owner = ? ORDER BY name`, addr)
}

// Of lists the subdomains of a domain in name order: at most limit of
// them after the name after ("" from the start).
func (ix *Indexer) Of(ctx context.Context, domain, after string, limit int) ([]string, error) {
	return ix.names(ctx, `SELECT name FROM subdomains WHERE parent = ? AND name > ? ORDER BY name LIMIT ?`, domain, after, limit)
}

// Page lists every subdomain in name order: at most limit of them from
// the offset-th.
func (ix *Indexer) Page(ctx context.Context, offset, limit int) ([]string, error) {
	return ix.names(ctx, `SELECT name FROM subdomains ORDER BY name LIMIT ? OFFSET ?`, limit, offset)
}

// OfTx returns the records the zone file of a transaction carried,
// accepted or not, in chain order (none for a transaction that carried
// none, or whose zone file was not indexed).
func (ix *Indexer) OfTx(ctx context.Context, txid string) ([]Record, error) {
	rs, err := scanRecords(ix.r.QueryContext(ctx, `SELECT `+recordCols+` FROM records WHERE txid = ? ORDER BY idx, off`, txid))
	if err != nil {
		return nil, fmt.Errorf("subdomains: records of transaction %s: %w", txid, err)
	}
	out := make([]Record, len(rs))
	for i, r := range rs {
		out[i] = *r
	}
	return out, nil
}

// Count is the number of subdomains (with an accepted record).
func (ix *Indexer) Count(ctx context.Context) (int64, error) {
	var n int64
	if err := ix.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM subdomains`).Scan(&n); err != nil {
		return 0, fmt.Errorf("subdomains: count: %w", err)
	}
	return n, nil
}

// Indexed reports whether the zone file at an inventory index has been
// processed, and with which hash: a node restarting re-feeds those that
// have not.
func (ix *Indexer) Indexed(ctx context.Context, index int64) (zonefile.Hash, bool, error) {
	var s string
	err := ix.r.QueryRowContext(ctx, `SELECT hash FROM zonefiles WHERE idx = ?`, index).Scan(&s)
	if errors.Is(err, sql.ErrNoRows) {
		return zonefile.Hash{}, false, nil
	}
	if err != nil {
		return zonefile.Hash{}, false, fmt.Errorf("subdomains: zone file %d: %w", index, err)
	}
	h, err := zonefile.ParseHash(s)
	return h, err == nil, err
}

// IndexedBetween is Indexed for every inventory index from lo to hi
// inclusive, in one query: a restarting node's follower asks it for each
// page of the inventory instead of once per row.
func (ix *Indexer) IndexedBetween(ctx context.Context, lo, hi int64) (map[int64]zonefile.Hash, error) {
	rows, err := ix.r.QueryContext(ctx, `SELECT idx, hash FROM zonefiles WHERE idx BETWEEN ? AND ?`, lo, hi)
	if err != nil {
		return nil, fmt.Errorf("subdomains: zone files %d to %d: %w", lo, hi, err)
	}
	defer rows.Close()
	out := map[int64]zonefile.Hash{}
	for rows.Next() {
		var (
			i int64
			s string
		)
		if err := rows.Scan(&i, &s); err != nil {
			return nil, fmt.Errorf("subdomains: zone files %d to %d: %w", lo, hi, err)
		}
		h, err := zonefile.ParseHash(s)
		if err != nil {
			return nil, fmt.Errorf("subdomains: zone file %d: %w", i, err)
		}
		out[i] = h
	}
	return out, rows.Err()
}

// IndexedOf lists the inventory indexes of the name's zone files that have
// been processed, in chain order. Compared with the name's inventory
// (namedb), it tells which are missing, and so whether the state of its
// subdomains may still change (docs/subdomains.md, "Rules").
func (ix *Indexer) IndexedOf(ctx context.Context, name string) ([]int64, error) {
	rows, err := ix.r.QueryContext(ctx, `SELECT idx FROM zonefiles WHERE name = ? ORDER BY idx`, name)
	if err != nil {
		return nil, fmt.Errorf("subdomains: zone files of %s: %w", name, err)
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var i int64
		if err := rows.Scan(&i); err != nil {
			return nil, fmt.Errorf("subdomains: zone files of %s: %w", name, err)
		}
		out = append(out, i)
	}
	return out, rows.Err()
}

func (ix *Indexer) names(ctx context.Context, query string, args ...any) ([]string, error) {
	rows, err := ix.r.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("subdomains: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, fmt.Errorf("subdomains: %w", err)
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// prefixed qualifies each column of a list with a table alias.
func prefixed(alias, cols string) string {
	fields := strings.Split(cols, ",")
	for i, f := range fields {
		fields[i] = alias + strings.TrimSpace(f)
	}
	return strings.Join(fields, ", ")
}

// NamesAfter lists subdomains in the order they were first accepted: at
// most limit of them after the mark after (0 from the start), and the
// mark of the last one listed (after itself if none). A subdomain is
// listed once, however often it changes hands; one taken away and
// accepted again later is listed again. A reader that follows it starts
// again from 0 when Removals changes, since marks may then be reused.
func (ix *Indexer) NamesAfter(ctx context.Context, after int64, limit int) ([]string, int64, error) {
	rows, err := ix.r.QueryContext(ctx, `SELECT rowid, name FROM subdomains WHERE rowid > ? ORDER BY rowid LIMIT ?`, after, limit)
	if err != nil {
		return nil, after, fmt.Errorf("subdomains: names after %d: %w", after, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&after, &s); err != nil {
			return nil, after, fmt.Errorf("subdomains: names after %d: %w", after, err)
		}
		out = append(out, s)
	}
	return out, after, rows.Err()
}

// Commits counts the commits of this process that added zone files or
// took them back: a reader that follows NamesAfter need not ask again
// while it stays the same.
func (ix *Indexer) Commits() uint64 { return ix.commits.Load() }

// Removals counts the commits of this process that took a subdomain's
// last accepted record away (a rewind, or a late zone file that made its
// creation invalid).
func (ix *Indexer) Removals() uint64 { return ix.removals.Load() }
