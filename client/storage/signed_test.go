package storage

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/btcsuite/btcd/btcec/v2"

	"github.com/go-blockstack/go-blockstack/client/ecies"
	"github.com/go-blockstack/go-blockstack/gaia/gaiaauth"
	"github.com/go-blockstack/go-blockstack/internal/locked"
)

// TestGetSigned: another user's public file is read with no hub session,
// its .sig fetched beside it (both requests are in flight together), and
// refused when the signature is missing, does not match the content, or
// is by a key other than the bucket's.
func TestGetSigned(t *testing.T) {
	owner, _ := btcec.NewPrivateKey()
	other, _ := btcec.NewPrivateKey()
	addr := gaiaauth.AddressFromKey(owner)
	content := []byte("a public note")
	sigOf := func(k *btcec.PrivateKey, data []byte) []byte {
		b, err := json.Marshal(ecies.Sign(k, data))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	// Each request waits until both are in; fetched one by one, the
	// first gives up after a while and the read fails.
	files := map[string][]byte{}
	var mu sync.Mutex
	var arrived int
	both := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var pair chan struct{}
		locked.Do(&mu, func() {
			if pair = both; arrived+1 == 2 {
				close(both)
			}
			arrived++
		})
		select {
		case <-pair:
		case <-time.After(10 * time.Second):
			http.Error(w, "the file and its signature were not fetched together", http.StatusServiceUnavailable)
			return
		}
		if b, ok := files[r.URL.Path]; ok {
			w.Write(b)
			return
		}
		http.NotFound(w, r)
	}))
	defer srv.Close()
	bucket := srv.URL + "/" + addr + "/"
	for _, c := range []struct {
		what string
		sig  []byte // nil: no .sig file
		want error  // nil: read
	}{
		{"signed by the bucket's key", sigOf(owner, content), nil},
		{"no signature file", nil, ecies.ErrSignature},
		{"signed over other content", sigOf(owner, []byte("another note")), ecies.ErrSignature},
		{"signed by another key", sigOf(other, content), ecies.ErrWrongSigner},
		{"a signature file that is not one", []byte("{"), ecies.ErrMalformed},
		{"a signature file too large to be one", bytes.Repeat([]byte(" "), maxSigFile+1), ErrTooLarge},
	} {
		clear(files)
		files["/"+addr+"/note.json"] = content
		if c.sig != nil {
			files["/"+addr+"/note.json.sig"] = c.sig
		}
		locked.Do(&mu, func() { arrived, both = 0, make(chan struct{}) })
		got, err := GetSigned(context.Background(), nil, bucket, "note.json")
		if c.want == nil && (err != nil || string(got) != string(content)) || c.want != nil && !errors.Is(err, c.want) {
			t.Errorf("%s: %q %v, want %v", c.what, got, err, c.want)
		}
	}
	if _, err := GetSigned(context.Background(), nil, srv.URL+"/not-an-address/", "note.json"); err == nil {
		t.Error("a bucket URL that ends in no address was read")
	}
}

// TestMaxRead: a file read into memory stops at Config.MaxRead, with an
// ErrTooLarge that says how to read a file that large, whether it is
// checked against its signature or not.
func TestMaxRead(t *testing.T) {
	key, _ := btcec.NewPrivateKey()
	addr := gaiaauth.AddressFromKey(key)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write(make([]byte, 1<<20)) // a megabyte, whatever is asked
	}))
	defer srv.Close()
	h := &Hub{cfg: Config{HTTPClient: srv.Client(), MaxRead: 1000}}
	bucket := srv.URL + "/" + addr + "/"
	for _, opts := range []GetOptions{{}, {Verify: true}} {
		_, _, err := h.GetFileFrom(context.Background(), bucket, "big.bin", opts)
		if !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), "gaia get -o FILE") {
			t.Errorf("verify %v: %v, want ErrTooLarge saying to stream", opts.Verify, err)
		}
	}
}
