package api

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
)

// TestClientGone: a request whose client has gone away (its context is
// canceled, as when the explorer's search box drops a superseded query)
// is neither logged as an error nor answered as one, whichever
// endpoint's reads it stopped.
func TestClientGone(t *testing.T) {
	s, _ := fixture(t)
	var logged bytes.Buffer
	s.cfg.Log = slog.New(slog.NewTextHandler(&logged, &slog.HandlerOptions{Level: slog.LevelWarn}))
	for _, path := range []string{"/v1/search?query=ali", "/v1/names/alice.test/history", "/v1/names?page=0"} {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, httptest.NewRequest("GET", path, nil).WithContext(ctx))
		// 400 where a read stopped; a search answered from the index in
		// memory may finish first (200).
		if rec.Code != http.StatusBadRequest && !(rec.Code == http.StatusOK && path == "/v1/search?query=ali") {
			t.Errorf("%s with its client gone: %d %s, want 400", path, rec.Code, rec.Body)
		}
	}
	if logged.Len() > 0 {
		t.Errorf("logged for clients gone:\n%s", logged.String())
	}
	// The same reads with the client there succeed: the failures above
	// were the cancellation's alone.
	for _, path := range []string{"/v1/search?query=ali", "/v1/names/alice.test/history", "/v1/names?page=0"} {
		if status, _, raw := do(t, s, "GET", path, ""); status != http.StatusOK {
			t.Errorf("%s: %d %s", path, status, raw)
		}
	}
}
