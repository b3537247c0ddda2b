package main

import (
	"context"
	"crypto/tls"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/go-blockstack/go-blockstack/gaia/gaiatest"
	"github.com/go-blockstack/go-blockstack/internal/testbin"
)

// TestHubStacksStorageClient: the published Stacks storage client
// (@stacks/storage 7.4.0 under Node.js, testdata/hubjs/hub.cjs), which
// makes its own tokens and does its own encryption and signing, writes,
// overwrites, lists, reads and deletes through `blockstack hub`; the hub
// holds only ciphertext of the encrypted file. It does so over plain
// HTTP and over HTTPS with a test CA that Node trusts by
// NODE_EXTRA_CA_CERTS.
func TestHubStacksStorageClient(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary and node")
	}
	nodeBin := testbin.Require(t, "node", "Debian's nodejs or nodejs.org", "the @stacks/storage hub tests")
	testbin.RequireNpm(t, filepath.Join("testdata", "hubjs"), "@stacks/storage", "the @stacks/storage hub tests")
	bin := buildBinary(t)
	t.Run("http", func(t *testing.T) { testStacksStorageClient(t, bin, nodeBin, false) })
	t.Run("https", func(t *testing.T) { testStacksStorageClient(t, bin, nodeBin, true) })
}

// testStacksStorageClient is TestHubStacksStorageClient against one hub,
// over TLS or not.
func testStacksStorageClient(t *testing.T, bin, nodeBin string, overTLS bool) {
	dir := t.TempDir()
	var hubArgs, nodeEnv []string
	client := http.DefaultClient
	if overTLS {
		ca, caFile, certFile, keyFile := testTLSFiles(t, t.TempDir())
		hubArgs = []string{"--tls-cert", certFile, "--tls-key", keyFile}
		nodeEnv = []string{"NODE_EXTRA_CA_CERTS=" + caFile}
		client = &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: ca.Pool()}}}
	}
	url, stop := startHubBinary(t, bin, nil, append([]string{"--data-dir", dir}, hubArgs...)...)
	defer stop()
	if scheme := strings.SplitN(url, ":", 2)[0]; scheme != map[bool]string{false: "http", true: "https"}[overTLS] {
		t.Fatalf("hub URL %s", url)
	}

	const secret = "the secret of the JS client"
	key := gaiatest.Key("stacks-storage")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, nodeBin, "hub.cjs", url, hex.EncodeToString(key.Serialize()))
	cmd.Dir = filepath.Join("testdata", "hubjs")
	cmd.Env = append(os.Environ(), nodeEnv...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	raw, err := cmd.Output()
	if err != nil {
		t.Fatalf("node hub.cjs: %v\n%s", err, stderr.String())
	}
	var got struct {
		Address, SecretURL, PublicURL, Secret, Hello, Signed, DeletedRead string
		Listed, AfterDelete                                               []string
		Count                                                             int
	}
	lines := strings.Split(strings.TrimSpace(string(raw)), "\n")
	if err = json.Unmarshal([]byte(lines[len(lines)-1]), &got); err != nil {
		t.Fatalf("node output %s: %v", raw, err)
	}
	bucket := url + "/read/" + got.Address + "/"
	if got.PublicURL != bucket+"public/hello.txt" || got.SecretURL != bucket+"notes/secret.json" {
		t.Errorf("public URLs %q, %q; want them under %s", got.PublicURL, got.SecretURL, bucket)
	}
	if got.Secret != secret || got.Hello != "hello, again" || got.Signed != `{"n":1}` {
		t.Errorf("read back %q, %q, %q", got.Secret, got.Hello, got.Signed)
	}
	slices.Sort(got.Listed)
	if want := []string{"notes/secret.json", "public/hello.txt", "public/signed.json", "public/signed.json.sig"}; !slices.Equal(got.Listed, want) || got.Count != len(want) {
		t.Errorf("listed %v (count %d), want %v", got.Listed, got.Count, want)
	}
	if !slices.Equal(got.AfterDelete, []string{"notes/secret.json"}) || got.DeletedRead == "found" {
		t.Errorf("after the deletes: listed %v, read of a deleted file %q", got.AfterDelete, got.DeletedRead)
	}

	// The hub's side: ciphertext only, and the deleted files gone.
	for path, want := range map[string]int{"notes/secret.json": http.StatusOK, "public/hello.txt": http.StatusNotFound, "public/signed.json.sig": http.StatusNotFound} {
		resp, gerr := client.Get(bucket + path)
		if gerr != nil {
			t.Fatal(gerr)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("GET %s: %d, want %d", path, resp.StatusCode, want)
		}
		if strings.Contains(string(body), secret) || (want == http.StatusOK && !strings.Contains(string(body), `"cipherText"`)) {
			t.Errorf("GET %s served %s: want the ECIES envelope, no plaintext", path, body)
		}
	}
	err = filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err == nil && strings.Contains(string(b), secret) {
			t.Errorf("%s holds the plaintext", p)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}
