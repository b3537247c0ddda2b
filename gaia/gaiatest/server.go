//go:build unix

package gaiatest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/go-blockstack/go-blockstack/internal/testbin"
)

// storageServer says how to run one storage emulator (versitygw,
// fake-gcs-server, Azurite) for startServer.
type storageServer struct {
	name string // for messages and its log file, <name>.out
	bin  string
	// args are the command-line arguments for a server listening on addr
	// (127.0.0.1:PORT) and keeping its state in dir.
	args func(addr, dir string) ([]string, error)
	// readyPath is fetched until the server answers any HTTP status.
	readyPath string
}

// startServer runs s in its own process group on a free loopback port and
// stops it (the whole group) when t ends. It returns the address and the
// state directory. A probed free port can be taken before the server binds
// it, so a server that does not come up is tried again, twice.
func startServer(t testbin.TB, s storageServer) (addr, dir string) {
	t.Helper()
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ {
		addr, dir, err := startServerOnce(t, s)
		if err == nil {
			return addr, dir
		}
		lastErr = err
		t.Logf("%s: attempt %d: %v", s.name, attempt+1, err)
	}
	t.Fatalf("%s: could not start: %v", s.name, lastErr)
	return "", ""
}

func startServerOnce(t testbin.TB, s storageServer) (string, string, error) {
	dir := t.TempDir()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", "", fmt.Errorf("probe a free port: %w", err)
	}
	addr := l.Addr().String()
	l.Close()
	args, err := s.args(addr, dir)
	if err != nil {
		return "", "", err
	}
	err = testbin.Start(t, s.name, s.bin, args, dir, func(exited <-chan struct{}) error {
		return waitHTTP(s.name, "http://"+addr+s.readyPath, exited, 60*time.Second)
	})
	return addr, dir, err
}

// waitHTTP polls until the server answers any HTTP status.
func waitHTTP(name, url string, exited <-chan struct{}, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	hc := &http.Client{Timeout: 2 * time.Second}
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if resp, err := hc.Do(req); err == nil {
			resp.Body.Close()
			return nil
		}
		select {
		case <-exited:
			return errors.New(name + " exited before answering")
		case <-ctx.Done():
			return fmt.Errorf("%s at %s not ready after %v", name, url, timeout)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// splitAddr splits a host:port that net.Listen gave.
func splitAddr(addr string) (host, port string) {
	host, port, _ = net.SplitHostPort(addr)
	return host, port
}
