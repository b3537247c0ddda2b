package loadgen

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestRunCountLimitAndError(t *testing.T) {
	var calls atomic.Int64
	r, err := Run(4, time.Minute, 100, func(w, seq int) error { calls.Add(1); return nil })
	if err != nil || r.Ops != 100 || calls.Load() != 100 || r.Rate() <= 0 {
		t.Fatalf("Run = %+v, %v after %d calls; want 100 operations", r, err, calls.Load())
	}
	boom := errors.New("boom")
	if _, err := Run(2, time.Minute, 0, func(w, seq int) error {
		if seq == 3 {
			return boom
		}
		return nil
	}); !errors.Is(err, boom) {
		t.Fatalf("Run error = %v, want boom", err)
	}
}

func TestConnGet(t *testing.T) {
	var ua atomic.Value
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ua.Store(r.Header.Get("X-Test"))
		switch r.URL.Path {
		case "/missing":
			http.NotFound(w, r)
			return
		case "/close":
			w.Header().Set("Connection", "close")
		case "/chunked":
			w.Write([]byte(strings.Repeat("x", 5000))) // no length: chunked
			return
		}
		w.Header().Set("Content-Length", "5000")
		w.Write([]byte(strings.Repeat("x", 5000)))
	}))
	defer srv.Close()
	c, err := Dial(strings.TrimPrefix(srv.URL, "http://"), http.Header{"X-Test": {"yes"}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for range 3 { // the same connection, kept alive
		if st, n, err := c.Get("/a"); err != nil || st != 200 || n != 5000 {
			t.Fatalf("Get(/a) = %d, %d, %v; want 200, 5000", st, n, err)
		}
	}
	if st, _, err := c.Get("/missing"); err != nil || st != 404 {
		t.Fatalf("Get(/missing) = %d, %v; want 404", st, err)
	}
	// A server that closes the connection: the next request dials again.
	for _, p := range []string{"/close", "/a"} {
		if st, n, err := c.Get(p); err != nil || st != 200 || n != 5000 {
			t.Fatalf("Get(%s) = %d, %d, %v; want 200, 5000", p, st, n, err)
		}
	}
	// A chunked answer is read to its end, and the connection serves on.
	for _, p := range []string{"/chunked", "/a"} {
		if st, n, err := c.Get(p); err != nil || st != 200 || n != 5000 {
			t.Fatalf("Get(%s) = %d, %d, %v; want 200, 5000", p, st, n, err)
		}
	}
	if ua.Load() != "yes" {
		t.Fatalf("extra header not sent: %v", ua.Load())
	}
}

// TestConnGetTLS: DialTLS keeps one TLS connection alive across requests,
// and redials over TLS after the server closes it.
func TestConnGetTLS(t *testing.T) {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.TLS == nil {
			t.Error("a request not over TLS")
		}
		if r.URL.Path == "/close" {
			w.Header().Set("Connection", "close")
		}
		w.Header().Set("Content-Length", "2")
		w.Write([]byte("ok"))
	}))
	srv.StartTLS()
	defer srv.Close()
	pool := x509.NewCertPool()
	pool.AddCert(srv.Certificate())
	c, err := DialTLS(strings.TrimPrefix(srv.URL, "https://"), nil, &tls.Config{RootCAs: pool})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for _, p := range []string{"/a", "/close", "/b", "/c"} {
		if st, n, err := c.Get(p); err != nil || st != 200 || n != 2 {
			t.Fatalf("Get(%s) = %d, %d, %v; want 200, 2", p, st, n, err)
		}
	}
}
