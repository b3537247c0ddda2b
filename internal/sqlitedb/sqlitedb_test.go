package sqlitedb

import (
	"path/filepath"
	"testing"
)

// TestOpenAppliesPragmas: every connection of the pool gets WAL, the busy
// timeout and the caller's pragmas.
func TestOpenAppliesPragmas(t *testing.T) {
	db, err := Open(filepath.Join(t.TempDir(), "x.db"), 2, "synchronous(FULL)", "foreign_keys(1)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, c := range []struct {
		pragma string
		want   string
	}{{"journal_mode", "wal"}, {"busy_timeout", "10000"}, {"synchronous", "2"}, {"foreign_keys", "1"}} {
		var got string
		if err := db.QueryRow("PRAGMA " + c.pragma).Scan(&got); err != nil || got != c.want {
			t.Errorf("PRAGMA %s = %q, %v; want %q", c.pragma, got, err, c.want)
		}
	}
	if got := db.Stats().MaxOpenConnections; got != 2 {
		t.Errorf("max open connections %d, want 2", got)
	}
}
