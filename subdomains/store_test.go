package subdomains

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
)

// TestQueriesUseIndexes: every query of the writer and History searches
// an index rather than scanning a table or sorting (a query by name
// without the parent could not use records_by_parent), and a database
// from before records_by_parent loses its records_by_name on opening.
func TestQueriesUseIndexes(t *testing.T) {
	path := filepath.Join(t.TempDir(), "subdomains.db")
	ix, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ix.w.Exec(`CREATE INDEX records_by_name ON records(name, idx, off)`); err != nil {
		t.Fatal(err)
	}
	ix.Close()
	if ix, err = Open(path); err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	var n int
	if err := ix.r.QueryRow(`SELECT COUNT(*) FROM sqlite_master WHERE name = 'records_by_name'`).Scan(&n); err != nil || n != 0 {
		t.Errorf("records_by_name still there (%d, %v)", n, err)
	}

	ctx := context.Background()
	conn, err := ix.w.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	for _, q := range append([]string{historyQuery}, writerQueries...) {
		// Any value will do for planning: bind as many as the query has.
		args := make([]any, strings.Count(q, "?"))
		for i := range args {
			args[i] = 1
		}
		rows, err := conn.QueryContext(ctx, `EXPLAIN QUERY PLAN `+q, args...)
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		var plan []string
		scans := false
		for rows.Next() {
			var id, parent, notused int
			var detail string
			if err := rows.Scan(&id, &parent, &notused, &detail); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, detail)
			// Scanning the list of names a query is given is its job.
			scans = scans || strings.HasPrefix(detail, "SCAN") && !strings.Contains(detail, "VIRTUAL TABLE")
		}
		rows.Close()
		p := strings.Join(plan, "; ")
		if scans || strings.Contains(p, "TEMP B-TREE") ||
			strings.Contains(q, "parent = ? AND name = ?") && !strings.Contains(p, "records_by_parent (parent=? AND name=?") {
			t.Errorf("%s: plan %q", q, p)
		}
	}
}
