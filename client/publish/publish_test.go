package publish

import (
	"context"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/go-blockstack/go-blockstack/client/keychain"
	"github.com/go-blockstack/go-blockstack/client/profile"
	"github.com/go-blockstack/go-blockstack/client/storage"
	"github.com/go-blockstack/go-blockstack/gaia"
	"github.com/go-blockstack/go-blockstack/gaia/disk"
	"github.com/go-blockstack/go-blockstack/gaia/gaiaauth"
	"github.com/go-blockstack/go-blockstack/gaia/gaiatest"
)

const mnemonic = "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about"

// hubAndIdentity runs a real hub and connects identity 0 of the mnemonic's
// keychain to its own bucket there.
func hubAndIdentity(t *testing.T, index uint32) (*storage.Hub, *keychain.Identity) {
	t.Helper()
	d, err := disk.New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	hub := gaiatest.StartHub(t, d, gaia.Config{})
	kc, err := keychain.FromMnemonic(mnemonic, "devnet")
	if err != nil {
		t.Fatal(err)
	}
	id, err := kc.Identity(index)
	if err != nil {
		t.Fatal(err)
	}
	h, err := storage.Connect(context.Background(), storage.Config{HubURL: hub.URL, AppKey: id.Key.PrivKey()})
	if err != nil {
		t.Fatal(err)
	}
	return h, id
}

// TestProfile: the published profile.json, read back from its URL,
// verifies against the identity's address, carries the person and lists
// each app with the identity's bucket for it.
func TestProfile(t *testing.T) {
	h, id := hubAndIdentity(t, 0)
	p := profile.NewPerson()
	p["name"] = "Alice"
	const app = "https://notes.example"
	url, err := Profile(context.Background(), h, id, p, []string{app}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if want := profile.URL(h.Info().ReadURLPrefix, h.Address()); url != want {
		t.Fatalf("URL %s, want %s", url, want)
	}
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	data, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	claims, err := profile.ReadFile(data, id.Key.Address().EncodeAddress())
	if err != nil {
		t.Fatalf("profile.json does not verify against the identity: %v\n%s", err, data)
	}
	if claims.Claim["name"] != "Alice" {
		t.Errorf("claim %v: the person's name is lost", claims.Claim)
	}
	appKey, err := id.AppPrivateKey(app)
	if err != nil {
		t.Fatal(err)
	}
	bucket, ok := claims.Claim.AppBucket(app)
	if want := h.Info().ReadURLPrefix + gaiaauth.AddressFromKey(appKey) + "/"; !ok || bucket != want {
		t.Errorf("bucket of %s: %q, %v; want %s", app, bucket, ok, want)
	}
}

// TestProfileRefusals: an app that is not an origin, and a hub connected
// to another key's bucket, are refused before anything is written.
func TestProfileRefusals(t *testing.T) {
	h, id := hubAndIdentity(t, 0)
	if _, err := Profile(context.Background(), h, id, profile.NewPerson(), []string{"notes.example/path"}, time.Now()); err == nil {
		t.Error("an app that is not an origin was listed")
	}
	other, _ := hubAndIdentity(t, 1)
	if _, err := Profile(context.Background(), other, id, profile.NewPerson(), nil, time.Now()); err == nil {
		t.Error("a profile was written to another key's bucket")
	}
	if _, _, err := h.GetFile(context.Background(), profile.FileName, storage.GetOptions{}); err == nil {
		t.Error("a refused publish wrote profile.json")
	}
}
