// Package sqlitedb opens the SQLite databases of namedb, subdomains and
// registrar through the pure-Go modernc.org/sqlite driver, with what they
// all want: write-ahead logging (readers see whole transactions while a
// writer works) and a busy timeout instead of an immediate SQLITE_BUSY.
// Each caller adds the pragmas it tunes (synchronous, cache and map sizes)
// and owns its schema.
package sqlitedb

import (
	"database/sql"
	"fmt"
	"strings"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// Open opens (creating if needed) the database file at path as a pool of
// at most conns connections, each set up with WAL, a 10 s busy timeout and
// pragmas, each written "name(value)" (e.g. "synchronous(NORMAL)").
func Open(path string, conns int, pragmas ...string) (*sql.DB, error) {
	var dsn strings.Builder
	dsn.WriteString("file:" + path + "?_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)")
	for _, p := range pragmas {
		dsn.WriteString("&_pragma=" + p)
	}
	db, err := sql.Open("sqlite", dsn.String())
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	db.SetMaxOpenConns(conns)
	return db, nil
}
