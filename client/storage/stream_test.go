package storage

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/go-blockstack/go-blockstack/client/ecies"
	"github.com/go-blockstack/go-blockstack/gaia"
	"github.com/go-blockstack/go-blockstack/gaia/gaiaauth"
	"github.com/go-blockstack/go-blockstack/gaia/gaiatest"
)

// TestStreaming: a large plain file goes up from a reader (signed, with
// progress, retried once on a fresh connection after a 401) and comes down
// into a writer, its signature checked against the writer's bucket by
// another user; a tampered .sig is caught.
func TestStreaming(t *testing.T) {
	ctx := context.Background()
	hub := startHub(t, gaia.Config{})
	target, _ := url.Parse(hub.URL)
	proxy := httputil.NewSingleHostReverseProxy(target)
	var failFirst atomic.Bool
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/store/"+gaiaauth.AddressFromKey(gaiatest.Key("streamer"))+"/big.bin" && failFirst.Swap(false) {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(front.Close)

	content := bytes.Repeat([]byte("0123456789abcdef"), 3<<16) // 3 MiB
	h := connect(t, front.URL, gaiatest.Key("streamer"), "")
	var reports int
	var last int64
	failFirst.Store(true)
	u, err := h.PutFileFrom(ctx, "big.bin", bytes.NewReader(content), int64(len(content)), PutOptions{Sign: true,
		Progress: func(sent, total int64) {
			reports++
			if total != int64(len(content)) || sent > total {
				t.Errorf("progress %d of %d", sent, total)
			}
			last = sent
		}})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(u, "/big.bin") || last != int64(len(content)) || reports < 2 {
		t.Fatalf("url %s, last progress %d after %d reports", u, last, reports)
	}

	reader := connect(t, hub.URL, gaiatest.Key("reader"), "")
	var got bytes.Buffer
	n, err := reader.GetFileTo(ctx, h.BucketURL(), "big.bin", &got, true)
	if err != nil || n != int64(len(content)) || !bytes.Equal(got.Bytes(), content) {
		t.Fatalf("GetFileTo: %d bytes, %v", n, err)
	}
	got.Reset()
	if _, err := h.GetFileTo(ctx, "", "big.bin", &got, true); err != nil || !bytes.Equal(got.Bytes(), content) {
		t.Fatalf("GetFileTo own bucket: %v", err)
	}

	// A .sig over other content.
	if _, err := h.PutFile(ctx, "big.bin.sig", ecies.SignFile(gaiatest.Key("streamer"), []byte("other")), PutOptions{IgnoreETag: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := reader.GetFileTo(ctx, h.BucketURL(), "big.bin", &bytes.Buffer{}, true); !errors.Is(err, ecies.ErrSignature) {
		t.Fatalf("tampered signature: %v", err)
	}
	if _, err := h.PutFileFrom(ctx, "x", bytes.NewReader(nil), 0, PutOptions{Encrypt: true}); err == nil {
		t.Fatal("an encrypted stream was accepted")
	}
	if _, err := h.PutFileFrom(ctx, "empty", bytes.NewReader(nil), 0, PutOptions{}); err != nil {
		t.Fatalf("empty file: %v", err)
	}
}
