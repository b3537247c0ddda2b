package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-blockstack/go-blockstack/internal/testbin"
)

// browserTools finds what the browser test runs: Debian's chromium, node,
// and the pinned playwright-core in testdata/browser (all installed by
// .ci/run). A missing one skips the test loudly, or fails it under CI=true.
func browserTools(t *testing.T) (chromium, node string) {
	t.Helper()
	chromium = testbin.Require(t, "chromium", "apt-get install chromium (bash .ci/run does)", "the browser tests")
	node = testbin.Require(t, "node", "Debian's nodejs or nodejs.org", "the browser tests")
	testbin.RequireNpm(t, filepath.Join("testdata", "browser"), "playwright-core", "the browser tests")
	return chromium, node
}

// artifactsDir is where the browser test leaves its screenshots:
// $BLOCKSTACK_ARTIFACTS/webapp (kept), or a directory removed after the test.
func artifactsDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if root := os.Getenv("BLOCKSTACK_ARTIFACTS"); root != "" {
		dir = filepath.Join(root, "webapp")
		if err := os.RemoveAll(dir); err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("screenshots in %s", dir)
	return dir
}

// TestWebappBrowser runs the sign-in page and the notes app in headless
// Chromium against a devnet (testdata/browser/run.mjs does the clicking):
// Alice's name is registered from the CLI with the recovery phrase she then
// restores in the browser; she signs in to the notes app with her name,
// writes a note, sees it again after a reload, publishes it, deletes
// another, and signs in again with the identity her browser keeps
// encrypted; a forged request and a replayed response are refused; Bob
// creates a new identity and reads her public note by her name. The pages
// prove every name record they read against a second node's consensus
// hash, and refuse once that node disagrees. Then the hub is checked:
// the note is stored as ciphertext, the public copy in clear and signed.
func TestWebappBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary and a browser")
	}
	chromium, node := browserTools(t)
	t.Parallel()
	bin := buildBinary(t)
	// The pages prove name records against the consensus hash of a
	// "second node": the devnet's own API behind a proxy, which starts
	// lying about consensus hashes when the browser run asks it to.
	apiAddr := freeAddr(t)
	var lie atomic.Bool
	trusted := rewritingNode(t, "http://"+apiAddr, nil, func(path string, body []byte) []byte {
		if lie.Load() && strings.HasPrefix(path, "/v1/blockchains/bitcoin/blocks/") {
			var b map[string]any
			if json.Unmarshal(body, &b) == nil {
				b["consensus_hash"] = strings.Repeat("5a", 16)
				body, _ = json.Marshal(b)
			}
		}
		return body
	})
	startLying := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { lie.Store(true) }))
	defer startLying.Close()
	e, addrs := devnetE2E(t, bin, t.TempDir(), "--api-addr", apiAddr, "--webapp-trust-nodes", trusted)

	var made struct {
		Mnemonic string `json:"mnemonic"`
	}
	if err := json.Unmarshal([]byte(e.ok(t, "keys", "new")), &made); err != nil {
		t.Fatal(err)
	}
	alice := filepath.Join(e.dir, "alice.json")
	e.ok(t, "wallet", "create", "--wallet", alice, "--mnemonic", made.Mnemonic)
	var ids struct {
		OwnerAddress string `json:"owner_address"`
	}
	if err := json.Unmarshal([]byte(e.ok(t, "keys", "show", "--wallet", alice)), &ids); err != nil {
		t.Fatal(err)
	}
	e.ok(t, "wallet", "faucet", "--wallet", alice, "100000000")
	e.waitSpendable(t, alice, 100_000_000)
	e.createNamespace(t, alice, "test", 1000)
	e.ok(t, "name", "register", "alice.test", "--wallet", alice)
	person := filepath.Join(e.dir, "person.json")
	if err := os.WriteFile(person, []byte(`{"@type":"Person","name":"Alice Liddell"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	e.ok(t, "profile", "publish", "alice.test", "--wallet", alice, "--person", person, "--hub", addrs.hub)

	const noteText = "Dinah is a cat, not a rabbit"
	cfg, err := json.Marshal(map[string]string{
		"chromium":     chromium,
		"appUrl":       addrs.app + "/",
		"signInUrl":    addrs.api + "/auth/",
		"mnemonic":     made.Mnemonic,
		"password":     "alice's browser password",
		"name":         "alice.test",
		"ownerAddress": ids.OwnerAddress,
		"noteText":     noteText,
		"artifacts":    artifactsDir(t),
		"explorerUrl":  addrs.api + "/",
		"lieUrl":       startLying.URL,
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, filepath.Join("testdata", "browser", "run.mjs"), string(cfg))
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err = cmd.Run()
	t.Logf("browser run:\n%s", stderr.String())
	if err != nil {
		t.Fatalf("browser run: %v", err)
	}
	var got struct {
		Bucket     string `json:"bucket"`
		NotePath   string `json:"notePath"`
		PublicPath string `json:"publicPath"`
	}
	if err := json.Unmarshal(stdout.Bytes(), &got); err != nil || got.Bucket == "" || got.NotePath == "" {
		t.Fatalf("browser result %q: %v", stdout.String(), err)
	}

	// What the hub holds: the note only as ciphertext, its public copy in
	// clear with a signature beside it.
	stored := readHub(t, got.Bucket+got.NotePath)
	var cipher struct {
		CipherText  string `json:"cipherText"`
		EphemeralPK string `json:"ephemeralPK"`
	}
	if err := json.Unmarshal([]byte(stored), &cipher); err != nil || cipher.CipherText == "" || cipher.EphemeralPK == "" ||
		strings.Contains(stored, "Dinah") {
		t.Fatalf("%s%s is not an ECIES cipher object: %v\n%s", got.Bucket, got.NotePath, err, stored)
	}
	if public := readHub(t, got.Bucket+got.PublicPath); !strings.Contains(public, noteText) {
		t.Fatalf("public note: %s", public)
	}
	if sig := readHub(t, got.Bucket+got.PublicPath+".sig"); !strings.Contains(sig, `"signature"`) {
		t.Fatalf("public note's signature: %s", sig)
	}
}

// readHub reads a file from the hub's read endpoint.
func readHub(t *testing.T, url string) string {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %v %s", url, res.StatusCode, err, b)
	}
	return string(b)
}
