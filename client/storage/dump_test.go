package storage

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-blockstack/go-blockstack/gaia"
	"github.com/go-blockstack/go-blockstack/gaia/gaiatest"
)

// TestDumpRestore: a bucket dumped from one hub and restored into another
// (the same key, another hub) reads back byte for byte with its content
// types, encrypted and signed files included; a dump or restore run again
// copies nothing twice; a damaged dump is refused.
func TestDumpRestore(t *testing.T) {
	ctx := context.Background()
	from, to := startHub(t, gaia.Config{PageSize: 2}), startHub(t, gaia.Config{})
	key := gaiatest.Key("alice app")
	src := connect(t, from.URL, key, "")
	files := map[string]string{"notes/a b?.txt": "text/plain", "index.html": "text/html", "data.bin": "application/octet-stream"}
	for p, ct := range files {
		if _, err := src.PutFile(ctx, p, []byte("content of "+p), PutOptions{ContentType: ct, Sign: p == "data.bin"}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := src.PutFile(ctx, "secret.json", []byte("hidden"), PutOptions{Encrypt: true, Sign: true}); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	m, err := src.Dump(ctx, dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Files) != 5 || m.Bucket != src.Address() { // three plain, data.bin.sig, secret.json
		t.Fatalf("manifest %+v", m)
	}
	if _, err := src.Dump(ctx, dir, nil); err != nil {
		t.Fatalf("second dump: %v", err)
	}

	dst := connect(t, to.URL, key, "")
	stored, present, err := dst.Restore(ctx, dir, nil)
	if err != nil || stored != 5 || present != 0 {
		t.Fatalf("restore: %d stored, %d present, %v", stored, present, err)
	}
	for p, ct := range files {
		data, _, err := dst.GetFile(ctx, p, GetOptions{Verify: p == "data.bin"})
		if err != nil || string(data) != "content of "+p {
			t.Fatalf("%s on the new hub: %q %v", p, data, err)
		}
		resp, err := http.Get(dst.BucketURL() + escapePath(p))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if got := resp.Header.Get("Content-Type"); !strings.HasPrefix(got, ct) {
			t.Errorf("%s: content type %q, want %q", p, got, ct)
		}
	}
	if data, _, err := dst.GetFile(ctx, "secret.json", GetOptions{Decrypt: true, Verify: true}); err != nil || string(data) != "hidden" {
		t.Fatalf("the encrypted file on the new hub: %q %v", data, err)
	}
	if stored, present, err := dst.Restore(ctx, dir, nil); err != nil || stored != 0 || present != 5 {
		t.Fatalf("second restore: %d stored, %d present, %v", stored, present, err)
	}
	os.WriteFile(filepath.Join(dir, filesDir, "index.html"), []byte("changed"), 0o600)
	if _, _, err := dst.Restore(ctx, dir, nil); err == nil || !strings.Contains(err.Error(), "not what the manifest lists") {
		t.Fatalf("a damaged dump: %v", err)
	}
}

// TestDumpRefusesEscapingPaths: a hub that lists a path leading out of the
// dump's folder gets nothing written there.
func TestDumpRefusesEscapingPaths(t *testing.T) {
	hub := startHub(t, gaia.Config{})
	key := gaiatest.Key("bob app")
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/list-files/") {
			w.WriteHeader(http.StatusAccepted)
			w.Write([]byte(`{"entries":["../../escaped.txt"],"page":null}`))
			return
		}
		hub.ServeHTTP(w, r)
	}))
	defer front.Close()
	h := connect(t, front.URL, key, "")
	dir := filepath.Join(t.TempDir(), "dump")
	if _, err := h.Dump(context.Background(), dir, nil); err == nil || !strings.Contains(err.Error(), "not a path inside the bucket") {
		t.Fatalf("Dump: %v", err)
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(dir), "escaped.txt")); err == nil {
		t.Fatal("a file was written outside the dump")
	}
}
