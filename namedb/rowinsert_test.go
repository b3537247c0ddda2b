package namedb

import "testing"

// TestRowInsertStatements: a row insert's statements, one row and several,
// are the plain SQL they stand for.
func TestRowInsertStatements(t *testing.T) {
	r := newRowInsert("zonefile_hashes", "block, vtxindex, txid, name, hash")
	if r.one != "INSERT INTO zonefile_hashes(block, vtxindex, txid, name, hash) VALUES(?, ?, ?, ?, ?)" {
		t.Errorf("one row: %s", r.one)
	}
	if got := r.statement(2); got != "INSERT INTO zonefile_hashes(block, vtxindex, txid, name, hash) VALUES(?, ?, ?, ?, ?), (?, ?, ?, ?, ?)" {
		t.Errorf("two rows: %s", got)
	}
}
