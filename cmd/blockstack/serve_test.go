package main

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-blockstack/go-blockstack/namedb"
)

// TestHTTPServesAPIAndExplorer: the node's one HTTP handler sends /v1 to
// the REST API, unchanged (JSON, its own errors for unclean paths), and
// everything else to the explorer's pages.
func TestHTTPServesAPIAndExplorer(t *testing.T) {
	dir := t.TempDir()
	log := slog.New(slog.DiscardHandler)
	db, err := namedb.Open(filepath.Join(dir, "names.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	tx, err := db.Begin(context.Background(), 1)
	if err != nil {
		t.Fatal(err)
	}
	if err = tx.Commit(namedb.Block{Height: 1, Hash: "11", ConsensusHash: "c1", OpsHash: "00"}, nil); err != nil {
		t.Fatal(err)
	}
	zfs, err := openZonefiles(dir, db, log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { zfs.Close() })
	h, err := newHTTP(globalFlags{network: "devnet"}, db, zfs, 1, nil, nil, nil, nil, nil, 0, nil, nil, log)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		path        string
		status      int
		contentType string
		contains    string
	}{
		{"/v1/node/ping", 200, "application/json", `"status":"alive"`},
		{"/v1/info", 200, "application/json", `"consensus":"c1"`},
		{"/v1/names/nobody.id", 404, "application/json", "Name not found"},
		{"/v1/../etc/passwd", 400, "application/json", "path must be clean"},
		{"/v1/names/alice.id/", 400, "application/json", "path must be clean"},
		{"/v1", 404, "application/json", "no such endpoint"},
		{"/", 200, "text/html; charset=utf-8", "consensus hash"},
		{"/block/1", 200, "text/html; charset=utf-8", "c1"},
		{"/name/nobody.id", 404, "text/html; charset=utf-8", "No one has registered nobody.id"},
		{"/v1x", 404, "text/html; charset=utf-8", "There is no page"},
	}
	for _, tc := range cases {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, tc.path, nil))
		body := rec.Body.String()
		if rec.Code != tc.status || rec.Header().Get("Content-Type") != tc.contentType || !strings.Contains(body, tc.contains) {
			t.Errorf("GET %s: %d %q, want %d %q containing %q:\n%s", tc.path, rec.Code, rec.Header().Get("Content-Type"),
				tc.status, tc.contentType, tc.contains, body)
		}
	}
}
