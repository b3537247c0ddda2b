//go:build unix

package gaiatest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/go-blockstack/go-blockstack/internal/testbin"
)

// VersityGWVersion is the versitygw release the S3 tests run against.
const VersityGWVersion = "v1.8.0"

// VersityGWInstall says how to get the binary.
const VersityGWInstall = "go install github.com/versity/versitygw/cmd/versitygw@" + VersityGWVersion

// S3Server is a running S3-compatible server on loopback.
type S3Server struct {
	Endpoint             string // http://127.0.0.1:PORT
	AccessKey, SecretKey string
	Region               string
	Dir                  string // its storage and log (versitygw.out)
}

// StartVersityGW runs versitygw (POSIX backend, metadata in a side
// directory so that no extended attributes are needed) in its own process
// group on a random loopback port, and stops it when t ends. The binary is
// looked up on PATH, then in $(go env GOPATH)/bin; when missing the test is
// skipped loudly, or fails when the environment variable CI is true.
func StartVersityGW(t testing.TB) *S3Server {
	t.Helper()
	bin := testbin.Require(t, "versitygw", VersityGWInstall, "tests against a real S3 server")
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ { // a probed free port can be taken before versitygw binds it
		s, err := startVersityGW(t, bin)
		if err == nil {
			return s
		}
		lastErr = err
		t.Logf("versitygw: attempt %d: %v", attempt+1, err)
	}
	t.Fatalf("versitygw: could not start: %v", lastErr)
	return nil
}

func startVersityGW(t testing.TB, bin string) (*S3Server, error) {
	dir := t.TempDir()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := l.Addr().String()
	l.Close()
	s := &S3Server{Endpoint: "http://" + addr, AccessKey: "gaiatest", SecretKey: "gaiatest-secret", Region: "us-east-1", Dir: dir}
	data, sidecar := filepath.Join(dir, "data"), filepath.Join(dir, "meta")
	for _, d := range []string{data, sidecar} {
		if err := os.Mkdir(d, 0o700); err != nil {
			return nil, err
		}
	}
	outPath := filepath.Join(dir, "versitygw.out")
	out, err := os.Create(outPath)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, "--access", s.AccessKey, "--secret", s.SecretKey, "--region", s.Region,
		"--port", addr, "posix", "--sidecar", sidecar, data)
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		out.Close()
		return nil, fmt.Errorf("start %s: %w", bin, err)
	}
	exited := make(chan struct{})
	go func() { // reaps the process; ends when it exits
		_ = cmd.Wait()
		out.Close()
		close(exited)
	}()
	stop := func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-exited
		}
	}
	if err := waitHTTP(s.Endpoint, exited, 30*time.Second); err != nil {
		stop()
		return nil, fmt.Errorf("%w\n%s", err, testbin.Tail(outPath, 30))
	}
	t.Cleanup(func() {
		stop()
		if t.Failed() {
			t.Logf("versitygw: last lines of %s:\n%s", outPath, testbin.Tail(outPath, 40))
		}
	})
	return s, nil
}

// waitHTTP polls until the server answers any HTTP status.
func waitHTTP(url string, exited <-chan struct{}, timeout time.Duration) error {
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
			return errors.New("versitygw exited before answering")
		case <-ctx.Done():
			return fmt.Errorf("versitygw at %s not ready after %v", url, timeout)
		case <-time.After(50 * time.Millisecond):
		}
	}
}
