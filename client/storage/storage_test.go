package storage

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/go-blockstack/go-blockstack/client/ecies"
	"github.com/go-blockstack/go-blockstack/gaia"
	"github.com/go-blockstack/go-blockstack/gaia/disk"
	"github.com/go-blockstack/go-blockstack/gaia/gaiaauth"
	"github.com/go-blockstack/go-blockstack/gaia/gaiatest"
)

// startHub runs the real hub (package gaia, disk driver) on httptest.
func startHub(t *testing.T, cfg gaia.Config) *gaiatest.Hub {
	t.Helper()
	d, err := disk.New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return gaiatest.StartHub(t, d, cfg)
}

func connect(t *testing.T, hubURL string, key *btcec.PrivateKey, assoc string) *Hub {
	t.Helper()
	h, err := Connect(context.Background(), Config{HubURL: hubURL, AppKey: key, AssociationToken: assoc})
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func TestEndToEnd(t *testing.T) {
	ctx := context.Background()
	hub := startHub(t, gaia.Config{PageSize: 2})
	alice := connect(t, hub.URL, gaiatest.Key("alice app"), "")
	if alice.Address() != gaiaauth.AddressFromKey(gaiatest.Key("alice app")) || alice.BucketURL() != hub.URL+"/read/"+alice.Address()+"/" {
		t.Fatalf("address %s, bucket %s", alice.Address(), alice.BucketURL())
	}

	// Plain files, with a path that needs escaping; ETags tracked.
	const plain = "notes/a b?.txt"
	url, err := alice.PutFile(ctx, plain, []byte("v1"), PutOptions{ContentType: "text/plain"})
	if err != nil {
		t.Fatal(err)
	}
	if url != alice.BucketURL()+plain { // the hub writes it unescaped, as the reference hub does
		t.Errorf("public URL %s", url)
	}
	if _, err := alice.PutFile(ctx, plain, []byte("v2"), PutOptions{}); err != nil {
		t.Fatalf("second write with If-Match: %v", err)
	}
	if got, _, err := alice.GetFile(ctx, plain, GetOptions{}); err != nil || string(got) != "v2" {
		t.Fatalf("read %q, %v", got, err)
	}

	// Another session of the same bucket writes: ours is now stale.
	other := connect(t, hub.URL, gaiatest.Key("alice app"), "")
	if _, err := other.PutFile(ctx, plain, []byte("other"), PutOptions{IgnoreETag: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := alice.PutFile(ctx, plain, []byte("v3"), PutOptions{}); !errors.Is(err, ErrPrecondition) {
		t.Fatalf("stale write: %v", err)
	}
	if _, _, err := alice.GetFile(ctx, plain, GetOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := alice.PutFile(ctx, plain, []byte("v3"), PutOptions{}); err != nil {
		t.Fatalf("write after re-reading: %v", err)
	}

	// Encrypted and signed, in both encodings.
	for _, enc := range []ecies.Encoding{ecies.Hex, ecies.Base64} {
		p := "secret-" + string(enc)
		if _, err := alice.PutFile(ctx, p, []byte("top secret"), PutOptions{Encrypt: true, Sign: true, WasString: true, Encoding: enc}); err != nil {
			t.Fatal(err)
		}
		raw, _, _ := alice.GetFile(ctx, p, GetOptions{})
		if !bytes.HasPrefix(raw, []byte(`{"signature":"`)) {
			t.Errorf("stored %s", raw)
		}
		got, ws, err := alice.GetFile(ctx, p, GetOptions{Decrypt: true, Verify: true})
		if err != nil || string(got) != "top secret" || !ws {
			t.Errorf("%s: %q %v %v", p, got, ws, err)
		}
		// Decrypt alone: refused unless the caller says it will tell
		// that the signature went unchecked.
		if _, _, err := alice.GetFile(ctx, p, GetOptions{Decrypt: true}); !errors.Is(err, ecies.ErrSignedEnvelope) {
			t.Errorf("%s: decrypt alone: %v, want ErrSignedEnvelope", p, err)
		}
		told := false
		got, _, err = alice.GetFile(ctx, p, GetOptions{Decrypt: true, Unverified: func() { told = true }})
		if err != nil || string(got) != "top secret" || !told {
			t.Errorf("%s: decrypt unverified: %q %v, told %v", p, got, err, told)
		}
	}
	// Verify of an encrypted file that was not signed says so.
	if _, err := alice.PutFile(ctx, "sealed", []byte("x"), PutOptions{Encrypt: true}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := alice.GetFile(ctx, "sealed", GetOptions{Decrypt: true, Verify: true}); !errors.Is(err, ecies.ErrMalformed) ||
		!strings.Contains(err.Error(), "no signature") {
		t.Errorf("verify of an unsigned cipher object: %v", err)
	}

	// Signed, not encrypted: content and .sig, written twice.
	for _, v := range []string{"signed v1", "signed v2"} {
		if _, err := alice.PutFile(ctx, "pub.txt", []byte(v), PutOptions{Sign: true}); err != nil {
			t.Fatalf("%s: %v", v, err)
		}
	}
	if got, _, err := alice.GetFile(ctx, "pub.txt", GetOptions{Verify: true}); err != nil || string(got) != "signed v2" {
		t.Fatalf("verified read %q, %v", got, err)
	}
	if _, err := alice.PutFile(ctx, "unsigned.txt", []byte("x"), PutOptions{}); err != nil {
		t.Fatal(err)
	}
	forged := ecies.SignFile(gaiatest.Key("mallory"), []byte("x"))
	if _, err := alice.PutFile(ctx, "forged.txt", []byte("x"), PutOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := alice.PutFile(ctx, "forged.txt.sig", forged, PutOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		path string
		want error
	}{
		{"unsigned.txt", ecies.ErrSignature},
		{"forged.txt", ecies.ErrWrongSigner},
		{"missing.txt", ErrNotFound},
	} {
		if _, _, err := alice.GetFile(ctx, tt.path, GetOptions{Verify: true}); !errors.Is(err, tt.want) {
			t.Errorf("%s: %v, want %v", tt.path, err, tt.want)
		}
	}

	// Bob writes for Alice in his bucket; Alice reads it from his bucket URL.
	bob := connect(t, hub.URL, gaiatest.Key("bob app"), "")
	if _, err := bob.PutFile(ctx, "for-alice", []byte("hi alice"), PutOptions{EncryptTo: gaiatest.Key("alice app").PubKey(), Sign: true}); err != nil {
		t.Fatal(err)
	}
	if got, _, err := alice.GetFileFrom(ctx, bob.BucketURL(), "for-alice", GetOptions{Decrypt: true, Verify: true}); err != nil || string(got) != "hi alice" {
		t.Errorf("from Bob's bucket: %q, %v", got, err)
	}
	if _, _, err := bob.GetFile(ctx, "for-alice", GetOptions{Decrypt: true, Verify: true}); !errors.Is(err, ecies.ErrWrongKey) {
		t.Errorf("Bob decrypting what he encrypted to Alice: %v", err)
	}
	if _, _, err := alice.GetFileFrom(ctx, hub.URL+"/read/not-an-address/", "x", GetOptions{}); err == nil {
		t.Error("bucket URL without an address accepted")
	}

	// Listing (pages of 2) and deleting.
	var names []string
	n, err := alice.ListFiles(ctx, func(name string) bool { names = append(names, name); return true })
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(names)
	want := []string{"forged.txt", "forged.txt.sig", plain, "pub.txt", "pub.txt.sig", "sealed", "secret-base64", "secret-hex", "unsigned.txt"}
	slices.Sort(want)
	if n != len(want) || !slices.Equal(names, want) {
		t.Fatalf("listed %d: %q", n, names)
	}
	if n, _ := alice.ListFiles(ctx, func(string) bool { return false }); n != 1 {
		t.Errorf("stopping early listed %d", n)
	}
	if err := alice.DeleteFile(ctx, "pub.txt", true); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"pub.txt", "pub.txt.sig"} {
		if _, _, err := alice.GetFile(ctx, p, GetOptions{}); !errors.Is(err, ErrNotFound) {
			t.Errorf("%s after delete: %v", p, err)
		}
	}
	if err := alice.DeleteFile(ctx, "pub.txt", false); !errors.Is(err, ErrNotFound) {
		t.Errorf("deleting twice: %v", err)
	}
	if _, err := alice.PutFile(ctx, "pub.txt", []byte("new"), PutOptions{}); err != nil {
		t.Errorf("write after delete (If-None-Match again): %v", err)
	}
}

// TestRetry: a 401 or a 5xx from the hub makes the client reconnect and
// retry once; a 412 does not.
func TestRetry(t *testing.T) {
	ctx := context.Background()
	hub := startHub(t, gaia.Config{})
	target, _ := url.Parse(hub.URL)
	proxy := httputil.NewSingleHostReverseProxy(target)
	var hubInfos, fail atomic.Int32
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/hub_info") {
			hubInfos.Add(1)
		}
		if strings.HasPrefix(r.URL.Path, "/store/") && fail.Load() > 0 {
			w.WriteHeader(int(fail.Swap(0)))
			return
		}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(front.Close)
	h := connect(t, front.URL, gaiatest.Key("retry"), "")
	for _, tt := range []struct {
		status   int
		retried  bool
		want     error
		newToken bool
	}{
		{http.StatusUnauthorized, true, nil, true},
		{http.StatusConflict, true, nil, true},
		{http.StatusBadGateway, true, nil, true},
		{http.StatusPreconditionFailed, false, ErrPrecondition, false},
		{http.StatusForbidden, false, nil, false},
	} {
		before, token := hubInfos.Load(), h.auth()
		fail.Store(int32(tt.status))
		_, err := h.PutFile(ctx, "f", []byte("x"), PutOptions{IgnoreETag: true})
		retried := hubInfos.Load() == before+1
		switch {
		case retried != tt.retried:
			t.Errorf("%d: retried=%v", tt.status, retried)
		case tt.retried && err != nil:
			t.Errorf("%d: retry failed: %v", tt.status, err)
		case !tt.retried && (err == nil || tt.want != nil && !errors.Is(err, tt.want)):
			t.Errorf("%d: %v, want %v", tt.status, err, tt.want)
		case (h.auth() != token) != tt.newToken:
			t.Errorf("%d: token renewed=%v", tt.status, h.auth() != token)
		}
	}
}

func TestLimitsAndAssociation(t *testing.T) {
	ctx := context.Background()
	identity := gaiatest.Key("identity")
	hub := startHub(t, gaia.Config{MaxFileUploadSizeMB: 0.1, Whitelist: []string{gaiaauth.AddressFromKey(identity)}})
	app := gaiatest.Key("app")
	now := time.Now()
	assoc, err := gaiaauth.NewAssociationToken(identity, ecies.PublicKeyHex(app), now, now.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	h := connect(t, hub.URL, app, assoc)
	if _, err := h.PutFile(ctx, "ok", []byte("x"), PutOptions{}); err != nil {
		t.Fatalf("write vouched by the identity: %v", err)
	}
	limit := (1 << 20) / 10 // 0.1 MiB, rounded down
	tests := []struct {
		name string
		n    int
		opts PutOptions
		want error
	}{
		{"at the limit", limit, PutOptions{}, nil},
		{"over the limit", limit + 1, PutOptions{}, ErrTooLarge},
		{"over the limit once hex-encrypted", limit / 2, PutOptions{Encrypt: true}, ErrTooLarge},
		{"fits base64-encrypted", limit / 2, PutOptions{Encrypt: true, Encoding: ecies.Base64}, nil},
	}
	for _, tt := range tests {
		_, err := h.PutFile(ctx, "big", make([]byte, tt.n), PutOptions{IgnoreETag: true, Encrypt: tt.opts.Encrypt, Encoding: tt.opts.Encoding})
		if !errors.Is(err, tt.want) || (tt.want == nil && err != nil) {
			t.Errorf("%s: %v, want %v", tt.name, err, tt.want)
		}
	}
	stranger := connect(t, hub.URL, gaiatest.Key("stranger"), "")
	if _, err := stranger.PutFile(ctx, "x", []byte("x"), PutOptions{}); !errors.Is(err, ErrUnauthorized) {
		t.Errorf("write not on the whitelist: %v", err)
	}
}
