package namedb_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"

	"github.com/go-blockstack/go-blockstack/namedb"
	"github.com/go-blockstack/go-blockstack/rules"
)

// TestHistoryCodeOfOlderDatabase: a database written before rejections had
// codes opens, keeps its rejections' reasons (with no code), and records
// codes from then on.
func TestHistoryCodeOfOlderDatabase(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "names.db")
	addBlock := func(db *namedb.DB, height int64, h namedb.HistoryEntry) {
		t.Helper()
		tx, err := db.Begin(ctx, height)
		must(t, err)
		must(t, tx.AddHistory(h))
		must(t, tx.Commit(namedb.Block{Height: height, Hash: "h", ConsensusHash: "c", OpsHash: "o"}, nil))
	}
	rejection := func(height int64, txid string, code rules.Code) namedb.HistoryEntry {
		return namedb.HistoryEntry{Block: height, Txid: txid, Op: "NAME_PREORDER", Subject: "p", Code: code,
			Reason: "mkAlice already owns 25 names (the most allowed)", Record: []byte("{}")}
	}

	db, err := namedb.Open(path)
	must(t, err)
	addBlock(db, 1, rejection(1, "old", rules.ErrQuota))
	must(t, db.Close())
	// Make it an older program's file: no code column.
	raw, err := sql.Open("sqlite", path)
	must(t, err)
	_, err = raw.Exec(`ALTER TABLE history DROP COLUMN code`)
	must(t, err)
	must(t, raw.Close())

	db, err = namedb.Open(path)
	must(t, err)
	defer db.Close()
	addBlock(db, 2, rejection(2, "new", rules.ErrQuota))
	for _, tc := range []struct {
		txid string
		want rules.Code
	}{
		{"old", ""},
		{"new", rules.ErrQuota},
	} {
		h, err := db.TxHistory(ctx, tc.txid)
		if err != nil || len(h) != 1 {
			t.Fatalf("TxHistory(%s) = %v, %v", tc.txid, h, err)
		}
		if h[0].Code != tc.want || h[0].Reason != rejection(0, "", "").Reason {
			t.Errorf("%s: code %q reason %q, want code %q and the reason kept", tc.txid, h[0].Code, h[0].Reason, tc.want)
		}
	}
}
