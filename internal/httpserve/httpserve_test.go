package httpserve

import (
	"context"
	"crypto/tls"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/go-blockstack/go-blockstack/internal/syncbuf"
	"github.com/go-blockstack/go-blockstack/internal/testcert"
	"github.com/go-blockstack/go-blockstack/internal/waitfor"
)

// TestLimits: the server answers a request whose headers pass the limit
// with 431 and serves a normal one; its timeouts are set.
func TestLimits(t *testing.T) {
	srv := New(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok")) }), slog.New(slog.DiscardHandler))
	if srv.ReadHeaderTimeout <= 0 || srv.ReadTimeout <= 0 || srv.WriteTimeout <= 0 || srv.IdleTimeout <= 0 {
		t.Fatalf("a timeout is unset: %+v", srv)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	defer srv.Close()
	url := "http://" + ln.Addr().String() + "/"
	client := &http.Client{Timeout: 10 * time.Second}
	for _, tc := range []struct {
		header int
		want   int
	}{{100, http.StatusOK}, {200 << 10, http.StatusRequestHeaderFieldsTooLarge}} {
		req, _ := http.NewRequest(http.MethodGet, url, nil)
		req.Header.Set("X-Big", strings.Repeat("x", tc.header))
		resp, err := client.Do(req)
		if err != nil {
			t.Fatalf("%d-byte header: %v", tc.header, err)
		}
		resp.Body.Close()
		if resp.StatusCode != tc.want {
			t.Errorf("%d-byte header: %d, want %d", tc.header, resp.StatusCode, tc.want)
		}
	}
}

// TestServe: Serve answers until its context ends and then returns nil;
// a listener that fails under it is its error.
func TestServe(t *testing.T) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok")) })
	log := slog.New(slog.DiscardHandler)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Serve(ctx, ln, h, log) }()
	resp, err := http.Get("http://" + ln.Addr().String() + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Serve after its context ended: %v", err)
	}

	ln, err = net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { done <- Serve(context.Background(), ln, h, log) }()
	ln.Close()
	if err := <-done; err == nil {
		t.Fatal("Serve on a closed listener returned nil")
	}
}

// TestTLSHandshakeErrorsQuiet: a failed TLS handshake is logged at debug
// level, not as a warning; the server's other errors stay warnings.
func TestTLSHandshakeErrorsQuiet(t *testing.T) {
	cert, _, err := testcert.Loopback()
	if err != nil {
		t.Fatal(err)
	}
	for _, level := range []slog.Level{slog.LevelInfo, slog.LevelDebug} {
		var out syncbuf.Buffer
		log := slog.New(slog.NewTextHandler(&out, &slog.HandlerOptions{Level: level}))
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() {
			done <- ServeTLS(ctx, ln, http.NotFoundHandler(), &tls.Config{Certificates: []tls.Certificate{cert}}, log)
		}()
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		c.Write([]byte("not a TLS client hello\r\n\r\n"))
		io.Copy(io.Discard, c) // the server hangs up
		c.Close()
		if level == slog.LevelDebug {
			waitfor.True(t, 10*time.Second, "the handshake's debug line", func() bool {
				return strings.Contains(out.String(), "level=DEBUG msg=\"http: TLS handshake error")
			})
		}
		cancel()
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		if strings.Contains(out.String(), "level=WARN") || level == slog.LevelInfo && strings.Contains(out.String(), "handshake") {
			t.Fatalf("at %v: %s", level, out.String())
		}
	}
	// Another error of the server is still a warning.
	var out syncbuf.Buffer
	srv := New(http.NotFoundHandler(), slog.New(slog.NewTextHandler(&out, nil)))
	srv.ErrorLog.Print("http: panic serving 127.0.0.1:1: boom")
	if !strings.Contains(out.String(), "level=WARN") {
		t.Fatalf("a server error: %q", out.String())
	}
}
