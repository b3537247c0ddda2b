package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/go-blockstack/go-blockstack/client/storage"
	"github.com/go-blockstack/go-blockstack/gaia/gaiatest"
	"github.com/go-blockstack/go-blockstack/internal/testcert"
	"github.com/go-blockstack/go-blockstack/internal/waitfor"
)

// testTLSFiles writes a test CA (ca.pem) and a certificate it signed for
// the loopback names (cert.pem, key.pem) into dir.
func testTLSFiles(t *testing.T, dir string) (ca *testcert.CA, caFile, certFile, keyFile string) {
	t.Helper()
	ca, err := testcert.NewCA("blockstack test CA")
	if err != nil {
		t.Fatal(err)
	}
	caFile, certFile, keyFile = filepath.Join(dir, "ca.pem"), filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(caFile, ca.PEM, 0o600); err != nil {
		t.Fatal(err)
	}
	writeTestCert(t, ca, certFile, keyFile)
	return ca, caFile, certFile, keyFile
}

// writeTestCert writes a fresh loopback certificate signed by ca.
func writeTestCert(t *testing.T, ca *testcert.CA, certFile, keyFile string) {
	t.Helper()
	c, k, err := ca.Issue("127.0.0.1", "localhost")
	if err != nil {
		t.Fatal(err)
	}
	// The key first: a reload between the two writes fails and keeps the
	// pair served until the certificate follows.
	if err := os.WriteFile(keyFile, k, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(certFile, c, 0o600); err != nil {
		t.Fatal(err)
	}
}

// servedCert is the leaf certificate the server at url (https) presents.
func servedCert(t *testing.T, url string, roots *x509.CertPool) *x509.Certificate {
	t.Helper()
	conn, err := tls.Dial("tcp", strings.TrimPrefix(url, "https://"), &tls.Config{RootCAs: roots})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	return conn.ConnectionState().PeerCertificates[0]
}

// TestHubTLSWithTestCA: `blockstack hub` with --tls-cert and --tls-key
// serves https, its read URLs are https, the CLI (gaia put, get, ls)
// works against it with --ca-file (and fails with one line without),
// the plain listener redirects to https, and a new certificate is served
// after SIGHUP.
func TestHubTLSWithTestCA(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildBinary(t)
	dir := t.TempDir()
	ca, caFile, certFile, keyFile := testTLSFiles(t, dir)
	plain := freeAddr(t)
	p := startHubProcess(t, bin, nil, "--data-dir", filepath.Join(dir, "gaia"),
		"--tls-cert", certFile, "--tls-key", keyFile, "--http-addr", plain)
	hub, proc := p.url, p.cmd.Process
	if !strings.HasPrefix(hub, "https://127.0.0.1:") {
		t.Fatalf("hub URL %q, want https", hub)
	}

	w := identityWallet(t, bin, dir)
	local := filepath.Join(dir, "note.txt")
	if err := os.WriteFile(local, []byte("a note over TLS"), 0o600); err != nil {
		t.Fatal(err)
	}
	stdout, stderr, code := runBinary(t, bin, "", "gaia", "put", local, "note.txt", "--wallet", w, "--hub", hub)
	failsWith(t, stdout, stderr, code, "certificate signed by unknown authority (a server with a private or test CA: give its CA certificate with --ca-file")
	stdout, stderr, code = runBinary(t, bin, "", "--ca-file", caFile, "gaia", "put", local, "note.txt", "--wallet", w, "--hub", hub)
	if code != 0 || !strings.HasPrefix(strings.TrimSpace(stdout), hub+"/read/") {
		t.Fatalf("gaia put over TLS: exit %d, %s%s", code, stdout, stderr)
	}
	stdout, stderr, code = runBinary(t, bin, "", "gaia", "get", "note.txt", "--wallet", w, "--hub", hub, "--ca-file", caFile)
	if code != 0 || stdout != "a note over TLS" {
		t.Fatalf("gaia get over TLS: exit %d, %q %s", code, stdout, stderr)
	}
	// The environment variable does what the flag does.
	cmd := []string{"gaia", "ls", "--wallet", w, "--hub", hub}
	if stdout, stderr, code = runBinaryEnv(t, bin, "", []string{caFileEnv + "=" + caFile}, cmd...); code != 0 || strings.TrimSpace(stdout) != "note.txt" {
		t.Fatalf("gaia ls with $%s: exit %d, %q %s", caFileEnv, code, stdout, stderr)
	}

	// client/storage itself, given an http.Client that trusts the CA.
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: ca.Pool()}}}
	sc, err := storage.Connect(context.Background(), storage.Config{HubURL: hub, AppKey: gaiatest.Key("tls"), HTTPClient: hc})
	if err != nil {
		t.Fatal(err)
	}
	if _, err = sc.PutFile(context.Background(), "a.txt", []byte("over TLS"), storage.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	got, _, err := sc.GetFile(context.Background(), "a.txt", storage.GetOptions{})
	if err != nil || string(got) != "over TLS" {
		t.Fatalf("client/storage read over TLS: %q %v", got, err)
	}

	// Plain HTTP: reads are redirected to the same path over https.
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noFollow.Get("http://" + plain + "/hub_info?x=1")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusMovedPermanently || loc != hub+"/hub_info?x=1" {
		t.Errorf("plain GET: %d to %q, want 301 to %s/hub_info?x=1", resp.StatusCode, loc, hub)
	}

	// A renewed certificate is served after SIGHUP (or the next look at
	// the files, which may come first).
	old := servedCert(t, hub, ca.Pool())
	writeTestCert(t, ca, certFile, keyFile)
	if err := proc.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	waitfor.True(t, 10*time.Second, "the renewed certificate served", func() bool {
		return !bytes.Equal(servedCert(t, hub, ca.Pool()).Raw, old.Raw)
	})
}

// TestTLSFlagsRefused: every server command refuses TLS flags that do not
// say one clear thing, with one line naming the flag to fix, before it
// opens anything. Every case runs against the hub; one against each other
// command, which shares the check (tlsFlags.open).
func TestTLSFlagsRefused(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildBinary(t)
	dir := t.TempDir()
	_, _, certFile, keyFile := testTLSFiles(t, dir)
	hub := []string{"hub", "--listen", "127.0.0.1:0", "--data-dir", filepath.Join(dir, "gaia")}
	cases := []struct {
		name string
		cmd  []string
		args []string
		want string
	}{
		{"cert without key", hub, []string{"--tls-cert", certFile}, "--tls-cert needs --tls-key"},
		{"key without cert", hub, []string{"--tls-key", keyFile}, "--tls-key needs --tls-cert"},
		{"files and ACME", hub, []string{"--tls-cert", certFile, "--tls-key", keyFile, "--acme-domain", "a.test", "--acme-cache", dir}, "not both"},
		{"ACME without a domain", hub, []string{"--acme-email", "a@b.test"}, "need --acme-domain"},
		{"ACME without a cache", hub, []string{"--acme-domain", "a.test"}, "needs --acme-cache"},
		{"plain listener without TLS", hub, []string{"--http-addr", "127.0.0.1:0"}, "--http-addr is the plain listener beside HTTPS"},
		{"mismatched pair", hub, []string{"--tls-cert", certFile, "--tls-key", certFile}, "TLS certificate " + certFile},
		{"node", []string{"node", "--api-addr", "127.0.0.1:0", "--data-dir", filepath.Join(dir, "node")}, []string{"--tls-cert", certFile}, "--tls-cert needs --tls-key"},
		{"devnet", []string{"devnet", "--data-dir", filepath.Join(dir, "devnet")}, []string{"--acme-domain", "a.test"}, "needs --acme-cache"},
		{"registrar", []string{"registrar", "--domain", "foo.id", "--data-dir", filepath.Join(dir, "registrar")}, []string{"--http-addr", "127.0.0.1:0"}, "--http-addr is the plain listener"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			stdout, stderr, code := runBinaryEnv(t, bin, "", []string{"HOME=" + dir}, append(append([]string(nil), tc.cmd...), tc.args...)...)
			failsWith(t, stdout, stderr, code, tc.want)
		})
	}
	// The devnet that refused left no state folder behind.
	if _, err := os.Stat(filepath.Join(dir, "devnet")); !os.IsNotExist(err) {
		t.Errorf("devnet state folder after a refusal: %v", err)
	}
}

// TestDevnetTLS: a devnet with --tls-cert and --tls-key serves its API,
// explorer, sign-in page, hub and notes app over https, says so in the
// URLs it prints, and the CLI reads its node with --ca-file.
func TestDevnetTLS(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildBinary(t)
	dir := t.TempDir()
	ca, caFile, certFile, keyFile := testTLSFiles(t, dir)
	d := startDevnetWith(t, bin, filepath.Join(dir, "devnet"), "--tls-cert", certFile, "--tls-key", keyFile)
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: ca.Pool()}}}
	for _, u := range []string{d.api + "/v1/info", d.api + "/", d.api + "/auth/", d.hub + "/hub_info", d.app + "/"} {
		if !strings.HasPrefix(u, "https://") {
			t.Errorf("%s: not https", u)
			continue
		}
		resp, err := client.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("GET %s: %d", u, resp.StatusCode)
		}
	}
	const addr = "mxmgGvGsnsosNr2HSfK91bCSLbqXasRnkx"
	if stdout, stderr, code := runBinary(t, bin, "", "--ca-file", caFile, "--node", d.api, "names", addr); code != 0 || stdout != "" {
		t.Errorf("names over TLS: exit %d, %q %s", code, stdout, stderr)
	}
	stdout, stderr, code := runBinary(t, bin, "", "--node", d.api, "names", addr)
	failsWith(t, stdout, stderr, code, "--ca-file")
}
