package httpserve

import (
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
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
