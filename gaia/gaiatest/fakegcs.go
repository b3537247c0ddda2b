//go:build unix

package gaiatest

import (
	"github.com/go-blockstack/go-blockstack/internal/testbin"
)

// FakeGCSVersion is the fake-gcs-server release the Google Cloud Storage
// tests run against.
const FakeGCSVersion = "v1.56.1"

// FakeGCSInstall says how to get the binary.
const FakeGCSInstall = "go install github.com/fsouza/fake-gcs-server@" + FakeGCSVersion

// GCSServer is a running Google Cloud Storage emulator on loopback.
type GCSServer struct {
	Endpoint string // http://127.0.0.1:PORT, the JSON API's host
	Dir      string // its log (fake-gcs-server.out)
}

// StartFakeGCS runs fake-gcs-server on a random loopback port, and stops
// it when t ends; a missing binary skips or fails the test as
// StartVersityGW does. Objects are kept in memory: its filesystem backend
// maps names onto directories, so "a/b" cannot be stored once "a/b/c" has
// been, which GCS's flat namespace allows. -public-host names the
// listening address, so that the Go client's media downloads come back to
// it.
func StartFakeGCS(t testbin.TB) *GCSServer {
	t.Helper()
	addr, dir := startServer(t, storageServer{
		name: "fake-gcs-server",
		bin:  testbin.Require(t, "fake-gcs-server", FakeGCSInstall, "tests against a Google Cloud Storage emulator"),
		args: func(addr, _ string) ([]string, error) {
			host, port := splitAddr(addr)
			return []string{"-scheme", "http", "-host", host, "-port", port, "-public-host", addr,
				"-backend", "memory", "-log-level", "warn"}, nil
		},
		readyPath: "/storage/v1/b",
	})
	return &GCSServer{Endpoint: "http://" + addr, Dir: dir}
}
