package tlsconf

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-blockstack/go-blockstack/internal/httpserve"
	"github.com/go-blockstack/go-blockstack/internal/testcert"
)

// TestCheck: a Config that says two things, or half of one, is refused
// with the flag to fix.
func TestCheck(t *testing.T) {
	for _, tc := range []struct {
		name string
		c    Config
		want string // "" accepted
	}{
		{"off", Config{}, ""},
		{"files", Config{CertFile: "c", KeyFile: "k"}, ""},
		{"acme", Config{ACME: ACME{Domains: []string{"a.test"}, CacheDir: "d"}}, ""},
		{"cert without key", Config{CertFile: "c"}, "--tls-cert needs --tls-key"},
		{"key without cert", Config{KeyFile: "k"}, "--tls-key needs --tls-cert"},
		{"files and acme", Config{CertFile: "c", KeyFile: "k", ACME: ACME{Domains: []string{"a.test"}, CacheDir: "d"}}, "not both"},
		{"files and acme email", Config{CertFile: "c", KeyFile: "k", ACME: ACME{Email: "a@b.test"}}, "not both"},
		{"acme without domain", Config{ACME: ACME{CacheDir: "d"}}, "need --acme-domain"},
		{"acme without cache", Config{ACME: ACME{Domains: []string{"a.test"}}}, "needs --acme-cache"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.c.Check()
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Fatalf("error %v, want one saying %q", err, tc.want)
			}
		})
	}
}

// TestRedirect: the plain listener sends reads to the same URL over https
// on the TLS port, and refuses writes.
func TestRedirect(t *testing.T) {
	for _, tc := range []struct {
		method, host, target, port string
		code                       int
		location                   string
	}{
		{"GET", "hub.test", "/read/a/b?x=1", "443", 301, "https://hub.test/read/a/b?x=1"},
		{"HEAD", "hub.test:80", "/", "443", 301, "https://hub.test/"},
		{"GET", "127.0.0.1:8080", "/v1/info", "16270", 301, "https://127.0.0.1:16270/v1/info"},
		{"GET", "[::1]:80", "/", "443", 301, "https://[::1]/"},
		{"POST", "hub.test", "/store/a/b", "443", 400, ""},
	} {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(tc.method, "http://"+tc.host+tc.target, nil)
		Redirect(tc.port).ServeHTTP(rec, req)
		if rec.Code != tc.code || rec.Header().Get("Location") != tc.location {
			t.Errorf("%s %s%s: %d %q, want %d %q", tc.method, tc.host, tc.target, rec.Code, rec.Header().Get("Location"), tc.code, tc.location)
		}
	}
}

// TestServerFromFiles: a server with New's tls.Config is reached by a
// client that trusts the test CA through ClientConfig.
func TestServerFromFiles(t *testing.T) {
	ca, err := testcert.NewCA("test")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certFile, keyFile, caFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem"), filepath.Join(dir, "ca.pem")
	writePair(t, ca, certFile, keyFile, "127.0.0.1")
	if err := os.WriteFile(caFile, ca.PEM, 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := New(Config{CertFile: certFile, KeyFile: keyFile}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	if !s.Reloads() {
		t.Error("a server from files does not reload")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() {
		served <- httpserve.ServeTLS(ctx, ln, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok")) }), s.TLS, slog.New(slog.DiscardHandler))
	}()
	defer func() {
		cancel()
		if err := <-served; err != nil {
			t.Error(err)
		}
	}()
	url := "https://" + ln.Addr().String()
	tc, err := ClientConfig(caFile)
	if err != nil {
		t.Fatal(err)
	}
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: tc}}
	resp, err := client.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if _, err := ClientConfig(certFile + ".none"); err == nil {
		t.Error("ClientConfig of a missing file returned nil")
	}
	if _, err := ClientConfig(keyFile); err == nil {
		t.Error("ClientConfig of a file without a certificate returned nil")
	}
	// Without the test CA the server is not trusted.
	if resp, err := http.Get(url); err == nil {
		resp.Body.Close()
		t.Error("a client without the test CA trusted the server")
	}
}
