package tlsconf

import (
	"bytes"
	"crypto/tls"
	"log/slog"
	"os"
	"path/filepath"
	"testing"

	"github.com/go-blockstack/go-blockstack/internal/testcert"
)

// writePair writes a fresh certificate for host, signed by ca, to the
// files, and returns its DER.
func writePair(t *testing.T, ca *testcert.CA, certFile, keyFile, host string) []byte {
	t.Helper()
	c, k, err := ca.Issue(host)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(certFile, c, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, k, 0o600); err != nil {
		t.Fatal(err)
	}
	pair, err := tls.X509KeyPair(c, k)
	if err != nil {
		t.Fatal(err)
	}
	return pair.Certificate[0]
}

// TestKeyPairReload: a changed pair is served from the next handshake
// that looks; a broken one leaves the last good pair served (and Reload
// says why); Reload reads files whose stamp did not change.
func TestKeyPairReload(t *testing.T) {
	ca, err := testcert.NewCA("test")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	first := writePair(t, ca, certFile, keyFile, "a.test")
	var logs bytes.Buffer
	kp, err := LoadKeyPair(certFile, keyFile, slog.New(slog.NewTextHandler(&logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	kp.every = 0 // every handshake looks
	served := func() []byte {
		t.Helper()
		c, err := kp.GetCertificate(&tls.ClientHelloInfo{})
		if err != nil {
			t.Fatal(err)
		}
		return c.Certificate[0]
	}
	if !bytes.Equal(served(), first) {
		t.Fatal("not serving the pair loaded")
	}
	second := writePair(t, ca, certFile, keyFile, "b.test")
	if !bytes.Equal(served(), second) {
		t.Fatal("a changed pair is not served")
	}
	if err := os.WriteFile(keyFile, []byte("not a key"), 0o600); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(served(), second) {
		t.Fatal("a broken pair replaced the good one")
	}
	if !bytes.Contains(logs.Bytes(), []byte("not reloaded")) {
		t.Errorf("a broken pair is not logged: %s", logs.Bytes())
	}
	if err := kp.Reload(); err == nil {
		t.Error("Reload of a broken pair returned nil")
	}

	// A pair written back with the stamps of the files it replaces is read
	// only when asked (SIGHUP).
	third := writePair(t, ca, certFile, keyFile, "c.test")
	kp.every = 1 << 62 // handshakes no longer look
	if bytes.Equal(served(), third) {
		t.Fatal("files looked at although the check interval has not passed")
	}
	if err := kp.Reload(); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(served(), third) {
		t.Fatal("Reload did not serve the new pair")
	}
}

// TestLoadKeyPairRefuses: a missing or mismatched pair stops a server
// before it serves.
func TestLoadKeyPairRefuses(t *testing.T) {
	ca, err := testcert.NewCA("test")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	c1, k1 := filepath.Join(dir, "c1"), filepath.Join(dir, "k1")
	c2, k2 := filepath.Join(dir, "c2"), filepath.Join(dir, "k2")
	writePair(t, ca, c1, k1, "a.test")
	writePair(t, ca, c2, k2, "b.test")
	for _, tc := range []struct{ cert, key string }{{c1, filepath.Join(dir, "none")}, {c1, k2}} {
		if _, err := LoadKeyPair(tc.cert, tc.key, slog.New(slog.DiscardHandler)); err == nil {
			t.Errorf("%s with %s loaded", tc.cert, tc.key)
		}
	}
}
