//go:build unix

package gaiatest

import (
	"fmt"
	"os"
	"path/filepath"

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
// directory so that no extended attributes are needed) on a random
// loopback port, and stops it when t ends. The binary is looked up on PATH,
// then in $(go env GOPATH)/bin; when missing the test is skipped loudly, or
// fails when the environment variable CI is true.
func StartVersityGW(t testbin.TB) *S3Server {
	t.Helper()
	s := &S3Server{AccessKey: "gaiatest", SecretKey: "gaiatest-secret", Region: "us-east-1"}
	addr, dir := startServer(t, storageServer{
		name: "versitygw",
		bin:  testbin.Require(t, "versitygw", VersityGWInstall, "tests against a real S3 server"),
		args: func(addr, dir string) ([]string, error) {
			data, sidecar := filepath.Join(dir, "data"), filepath.Join(dir, "meta")
			for _, d := range []string{data, sidecar} {
				if err := os.Mkdir(d, 0o700); err != nil {
					return nil, fmt.Errorf("versitygw: %w", err)
				}
			}
			return []string{"--access", s.AccessKey, "--secret", s.SecretKey, "--region", s.Region,
				"--port", addr, "posix", "--sidecar", sidecar, data}, nil
		},
		readyPath: "/",
	})
	s.Endpoint, s.Dir = "http://"+addr, dir
	return s
}
