package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-blockstack/go-blockstack/api/apitypes"
	"github.com/go-blockstack/go-blockstack/internal/waitfor"
)

// TestIdentityEndToEndDevnet drives the lookup path through the binary on
// a devnet: alice registers a name, publishes a profile that lists her
// bucket for an app, and writes a file there encrypted to a reader and
// signed; the reader, knowing only her name, finds the bucket through the
// name's zone file and profile, then reads, verifies and decrypts it.
func TestIdentityEndToEndDevnet(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	t.Parallel()
	bin := buildBinary(t)
	e, addrs := devnetE2E(t, bin, t.TempDir(), "--search-profiles")
	const app = "https://notes.example"
	hub := []string{"--hub", addrs.hub}

	alice, _, aliceOwner := e.newWallet(t, "alice")
	reader, _, _ := e.newWallet(t, "reader")
	e.ok(t, "wallet", "faucet", "--wallet", alice, "100000000")
	e.waitSpendable(t, alice, 100_000_000)
	e.createNamespace(t, alice, "test", 1000)
	e.ok(t, "name", "register", "alice.test", "--wallet", alice)

	// Alice's identity is her wallet's owner key 0: the key that owns
	// alice.test signs her profile.
	var ids struct {
		OwnerAddress string `json:"owner_address"`
		GaiaAddress  string `json:"gaia_address"`
	}
	if err := json.Unmarshal([]byte(e.ok(t, "keys", "show", "--wallet", alice)), &ids); err != nil || ids.OwnerAddress != aliceOwner {
		t.Fatalf("keys show: %+v (%v), want owner %s", ids, err, aliceOwner)
	}
	person := filepath.Join(e.dir, "person.json")
	if err := os.WriteFile(person, []byte(`{"@type":"Person","name":"Alice Liddell"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	out := e.ok(t, append([]string{"profile", "publish", "alice.test", "--wallet", alice, "--person", person, "--app", app}, hub...)...)
	if !strings.Contains(out, "updated alice.test") {
		t.Fatalf("profile publish did not update the name:\n%s", out)
	}
	var shown struct {
		Owner   string         `json:"owner"`
		Profile map[string]any `json:"profile"`
	}
	if err := json.Unmarshal([]byte(e.ok(t, "profile", "show", "alice.test")), &shown); err != nil ||
		shown.Owner != aliceOwner || shown.Profile["name"] != "Alice Liddell" {
		t.Fatalf("profile show alice.test: %+v %v", shown, err)
	}
	// With --search-profiles the node's search finds her by the name in
	// her profile, once its crawl has read it.
	waitfor.True(t, 60*time.Second, "alice.test found by her profile's name", func() bool {
		var res struct {
			Results []struct {
				Name string `json:"fullyQualifiedName"`
				Kind string `json:"kind"`
			} `json:"results"`
		}
		return e.getJSON(t, "/v1/search?query=liddell", &res) == http.StatusOK && len(res.Results) == 1 &&
			res.Results[0].Name == "alice.test" && res.Results[0].Kind == "profile"
	})

	// The reader's key for the app: alice encrypts the note to it.
	var readerApp struct {
		PublicKey string `json:"public_key"`
	}
	if err := json.Unmarshal([]byte(e.ok(t, "keys", "app-key", app, "--wallet", reader)), &readerApp); err != nil {
		t.Fatal(err)
	}
	const secret = "meet me at the white rabbit's house"
	note := filepath.Join(e.dir, "note.txt")
	if err := os.WriteFile(note, []byte(secret), 0o600); err != nil {
		t.Fatal(err)
	}
	aliceApp := append([]string{"--wallet", alice, "--app", app}, hub...)
	noteURL := strings.TrimSpace(e.ok(t, append([]string{"gaia", "put", note, "notes/1.json", "--encrypt-to", readerApp.PublicKey, "--sign"}, aliceApp...)...))
	e.ok(t, append([]string{"gaia", "put", note, "public.txt", "--sign"}, aliceApp...)...)

	// The hub holds cipher text only.
	res, err := http.Get(noteURL)
	if err != nil {
		t.Fatal(err)
	}
	stored, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || strings.Contains(string(stored), "rabbit") || !strings.Contains(string(stored), "cipherText") {
		t.Fatalf("GET %s: %d %s", noteURL, res.StatusCode, stored)
	}

	// The reader knows only the name.
	readerApp2 := append([]string{"--wallet", reader, "--app", app, "--from", "alice.test"}, hub...)
	if got := e.ok(t, append([]string{"gaia", "get", "notes/1.json", "--decrypt", "--verify"}, readerApp2...)...); got != secret {
		t.Fatalf("reader got %q", got)
	}
	if got := e.ok(t, append([]string{"gaia", "get", "public.txt", "--verify"}, readerApp2...)...); got != secret {
		t.Fatalf("reader got %q", got)
	}
	// And trusts the node for nothing: the name's record proved against
	// the consensus hash the node gives below its tip, once the profile's
	// update is buried that deep.
	var info apitypes.Info
	e.getJSON(t, "/v1/info", &info)
	published := info.LastBlockProcessed
	waitfor.True(t, 30*time.Second, "the profile's update buried", func() bool {
		e.getJSON(t, "/v1/info", &info)
		return info.LastBlockProcessed >= published+anchorDepth
	})
	got, verified, err := e.cli(t, nil, append([]string{"gaia", "get", "public.txt", "--verify", "--trust-nodes", e.node}, readerApp2...)...)
	if err != nil || got != secret || !strings.Contains(verified, "by the block's state root") {
		t.Fatalf("gaia get --from --trust-nodes: %v %q\n%s", err, got, verified)
	}
	shownJSON, verified, err := e.cli(t, nil, "profile", "show", "alice.test", "--trust-nodes", e.node)
	if err != nil || !strings.Contains(shownJSON, aliceOwner) {
		t.Fatalf("profile show --trust-nodes: %v\n%s%s", err, shownJSON, verified)
	}
	// A large plain file streams up and down (-o), its signature checked.
	big := filepath.Join(e.dir, "big.bin")
	content := bytes.Repeat([]byte("alice in wonderland "), 200_000) // 4 MB
	if err = os.WriteFile(big, content, 0o600); err != nil {
		t.Fatal(err)
	}
	var stderr string
	if _, stderr, err = e.cli(t, nil, append([]string{"gaia", "put", big, "big.bin", "--sign", "--progress"}, aliceApp...)...); err != nil ||
		!strings.Contains(stderr, "of 4000000 bytes (100%)") {
		t.Fatalf("gaia put --progress: %v\n%s", err, stderr)
	}
	copyPath := filepath.Join(e.dir, "copy.bin")
	e.ok(t, append([]string{"gaia", "get", "big.bin", "--verify", "-o", copyPath}, readerApp2...)...)
	if got, rerr := os.ReadFile(copyPath); rerr != nil || !bytes.Equal(got, content) {
		t.Fatalf("streamed copy: %d bytes, %v", len(got), rerr)
	}
	e.ok(t, append([]string{"gaia", "rm", "big.bin", "--sign"}, aliceApp...)...)

	// Alice cannot decrypt what she encrypted to the reader.
	if _, stderr, err = e.cli(t, nil, append([]string{"gaia", "get", "notes/1.json", "--decrypt"}, aliceApp...)...); err == nil ||
		!strings.Contains(stderr, "ecies") {
		t.Fatalf("alice decrypted the reader's note: %v %s", err, stderr)
	}
	if _, stderr, err = e.cli(t, nil, append([]string{"gaia", "get", "notes/1.json", "--from", "bob.test", "--wallet", reader, "--app", app}, hub...)...); err == nil ||
		!strings.Contains(stderr, "bob.test") {
		t.Fatalf("read from an unregistered name: %v %s", err, stderr)
	}

	if got := e.ok(t, append([]string{"gaia", "ls"}, aliceApp...)...); got != "notes/1.json\npublic.txt\npublic.txt.sig\n" {
		t.Fatalf("gaia ls: %q", got)
	}
	e.ok(t, append([]string{"gaia", "rm", "public.txt", "--sign"}, aliceApp...)...)
	if got := e.ok(t, append([]string{"gaia", "ls"}, aliceApp...)...); got != "notes/1.json\n" {
		t.Fatalf("gaia ls after rm: %q", got)
	}

	// An encrypted keychain file: the passphrase opens it, another does not.
	kc := filepath.Join(e.dir, "keychain.json")
	pass := []string{passphraseEnv + "=correct horse"}
	stdout, stderr, err := e.cli(t, pass, "keys", "new", "--out", kc)
	if err != nil {
		t.Fatalf("keys new: %v %s", err, stderr)
	}
	var made struct {
		Mnemonic     string `json:"mnemonic"`
		OwnerAddress string `json:"owner_address"`
	}
	if err = json.Unmarshal([]byte(stdout), &made); err != nil || len(strings.Fields(made.Mnemonic)) != 24 {
		t.Fatalf("keys new: %s %v", stdout, err)
	}
	if stdout, stderr, err = e.cli(t, pass, "keys", "show", "--keychain", kc); err != nil || !strings.Contains(stdout, made.OwnerAddress) ||
		strings.Contains(stdout, made.Mnemonic) {
		t.Fatalf("keys show --keychain: %v %s %s", err, stdout, stderr)
	}
	if _, stderr, err = e.cli(t, []string{passphraseEnv + "=wrong"}, "keys", "show", "--keychain", kc); err == nil || !strings.Contains(stderr, "wrong passphrase") {
		t.Fatalf("wrong passphrase: %v %s", err, stderr)
	}
}
