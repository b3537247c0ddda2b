package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-blockstack/go-blockstack/gaia"
	"github.com/go-blockstack/go-blockstack/gaia/gaiatest"
	gaias3 "github.com/go-blockstack/go-blockstack/gaia/s3"
)

// TestGaiaDumpRestore moves a bucket from a hub on disk to a hub on S3
// (versitygw) with gaia dump and gaia restore, through the binary: the
// files, a signed one and an encrypted one included, read back from the
// new hub as they were; a second restore stores nothing again.
func TestGaiaDumpRestore(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildBinary(t)
	dir := t.TempDir()
	w := identityWallet(t, bin, dir)
	from := startTestHub(t, 20)
	srv := gaiatest.StartVersityGW(t)
	d, err := gaias3.New(context.Background(), gaias3.Config{Bucket: "migrated", Endpoint: srv.Endpoint, Region: srv.Region,
		AccessKeyID: srv.AccessKey, SecretAccessKey: srv.SecretKey, PathStyle: true, SpoolDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	to := gaiatest.StartHub(t, d, gaia.Config{})
	gaiaCmd := func(hub string, args ...string) string {
		t.Helper()
		stdout, stderr, code := runBinary(t, bin, "", append(args, "--wallet", w, "--hub", hub)...)
		if code != 0 {
			t.Fatalf("%v: exit %d\n%s", args, code, stderr)
		}
		return stdout
	}
	note := filepath.Join(dir, "note.txt")
	os.WriteFile(note, []byte("a note"), 0o600)
	gaiaCmd(from.URL, "gaia", "put", note, "notes/plain.txt")
	gaiaCmd(from.URL, "gaia", "put", note, "notes/signed.txt", "--sign")
	gaiaCmd(from.URL, "gaia", "put", note, "notes/secret.txt", "--encrypt", "--sign")

	dump := filepath.Join(dir, "dump")
	if out := gaiaCmd(from.URL, "gaia", "dump", dump); !strings.Contains(out, "dumped 4 files") {
		t.Fatalf("dump: %s", out)
	}
	if out := gaiaCmd(to.URL, "gaia", "restore", dump); !strings.Contains(out, "4 files stored, 0 already there") {
		t.Fatalf("restore: %s", out)
	}
	for _, get := range [][]string{{"notes/plain.txt"}, {"notes/signed.txt", "--verify"}, {"notes/secret.txt", "--decrypt", "--verify"}} {
		if out := gaiaCmd(to.URL, append([]string{"gaia", "get"}, get...)...); out != "a note" {
			t.Fatalf("gaia get %v from the new hub: %q", get, out)
		}
	}
	if out := gaiaCmd(to.URL, "gaia", "restore", dump); !strings.Contains(out, "0 files stored, 4 already there") {
		t.Fatalf("second restore: %s", out)
	}
	// A folder that holds no finished dump is refused, saying so.
	stdout, stderr, code := runBinary(t, bin, "", "gaia", "restore", t.TempDir(), "--wallet", w, "--hub", to.URL)
	failsWith(t, stdout, stderr, code, "holds no finished dump")
}
