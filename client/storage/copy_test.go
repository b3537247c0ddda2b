package storage

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/go-blockstack/go-blockstack/gaia"
	"github.com/go-blockstack/go-blockstack/gaia/disk"
	"github.com/go-blockstack/go-blockstack/gaia/gaiatest"
)

// TestCopyFromHostileNewHub: a new hub whose reads never end (it stores
// what it is sent, then serves endless bytes for it) fails the copy as
// too large once it has sent more than was stored, instead of being read
// into memory until the process dies.
func TestCopyFromHostileNewHub(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	old := startHub(t, gaia.Config{})
	key := gaiatest.Key("alice app")
	src := connect(t, old.URL, key, "")
	if _, err := src.PutFile(ctx, "a.txt", []byte("a file"), PutOptions{}); err != nil {
		t.Fatal(err)
	}

	d, err := disk.New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	var hub *gaia.Hub
	chunk := bytes.Repeat([]byte("x"), 32<<10)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, "/read/") {
			for r.Context().Err() == nil {
				if _, err := w.Write(chunk); err != nil {
					return
				}
			}
			return
		}
		hub.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	if hub, err = gaia.New(d, gaia.Config{ReadPath: "/read/", ReadURL: srv.URL + "/read/"}); err != nil {
		t.Fatal(err)
	}
	dst := connect(t, srv.URL, key, "")
	_, stored, err := dst.CopyFrom(ctx, src, "a.txt")
	if !errors.Is(err, ErrTooLarge) || !stored {
		t.Fatalf("copy to a hub that reads back endless bytes: stored %v, %v; want it stored and ErrTooLarge", stored, err)
	}
}
