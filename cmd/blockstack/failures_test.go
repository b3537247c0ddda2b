package main

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/go-blockstack/go-blockstack/gaia"
	"github.com/go-blockstack/go-blockstack/gaia/disk"
	"github.com/go-blockstack/go-blockstack/gaia/gaiatest"
)

// runBinary runs the binary with stdin and returns its stdout, its stderr
// and its exit code.
func runBinary(t *testing.T, bin, stdin string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	return runBinaryEnv(t, bin, stdin, nil, args...)
}

// runBinaryEnv is runBinary with env added to the environment.
func runBinaryEnv(t *testing.T, bin, stdin string, env []string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdin = strings.NewReader(stdin)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		code = exit.ExitCode()
	case err != nil:
		t.Fatal(err)
	}
	return out.String(), errOut.String(), code
}

// failsWith checks that a command failed as every failure must: a
// non-zero exit and one line on stderr that holds want.
func failsWith(t *testing.T, stdout, stderr string, code int, want string) {
	t.Helper()
	if code == 0 || !strings.Contains(stderr, want) || strings.Count(stderr, "\n") != 1 || !strings.HasPrefix(stderr, "error: ") {
		t.Errorf("exit %d, stderr %q, stdout %q; want a non-zero exit and one error line with %q", code, stderr, stdout, want)
	}
}

// failingServer answers every request but GET /hub_info with status and
// a message naming it, the way a hub (plain text) and a node or registrar
// (JSON {"error"}) do; hub_info points reads back at it. It counts the
// requests that reached a failing path.
func failingServer(t *testing.T, status int) (url, msg string, hits *atomic.Int64) {
	t.Helper()
	msg = fmt.Sprintf("server says %d", status)
	hits = new(atomic.Int64)
	// The read prefix is known before the server starts, so that the
	// handler reads nothing written after it started.
	var readPrefix string
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/hub_info" {
			fmt.Fprintf(w, `{"challenge_text":"[\"gaiahub\",\"0\",\"fake\",\"blockstack_storage_please_sign\"]","latest_auth_version":"v1","max_file_upload_size_megabytes":20,"read_url_prefix":%q}`, readPrefix)
			return
		}
		hits.Add(1)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		fmt.Fprintf(w, `{"error":%q}`, msg)
	}))
	readPrefix = "http://" + srv.Listener.Addr().String() + "/read/"
	srv.Start()
	t.Cleanup(srv.Close)
	return srv.URL, msg, hits
}

// identityWallet makes a devnet wallet from a fixed mnemonic in dir.
func identityWallet(t *testing.T, bin, dir string) string {
	t.Helper()
	w := filepath.Join(dir, "wallet.json")
	mnemonic := "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about"
	if _, stderr, code := runBinary(t, bin, "", "wallet", "create", "--wallet", w, "--mnemonic", mnemonic); code != 0 {
		t.Fatalf("wallet create: %s", stderr)
	}
	return w
}

// TestFailedRemoteCallsFail: every command that calls a Gaia hub, a BNS
// node or a registrar exits non-zero with the server's message when the
// server answers an error (gaia put once printed an empty line and exited
// 0 when its upload failed).
func TestFailedRemoteCallsFail(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildBinary(t)
	dir := t.TempDir()
	w := identityWallet(t, bin, dir)
	local := filepath.Join(dir, "note.txt")
	if err := os.WriteFile(local, []byte("a note"), 0o600); err != nil {
		t.Fatal(err)
	}
	hubCommands := [][]string{
		{"gaia", "put", local, "note.txt"},
		{"gaia", "put", "-", "note.txt"},
		{"gaia", "put", local, "note.txt", "--sign"},
		{"gaia", "put", local, "note.txt", "--encrypt"},
		{"gaia", "put", local, "note.txt", "--encrypt", "--sign"},
		{"gaia", "get", "note.txt"},
		{"gaia", "get", "note.txt", "--decrypt"},
		{"gaia", "get", "note.txt", "--verify"},
		{"gaia", "get", "note.txt", "-o", filepath.Join(dir, "out.txt")},
		{"gaia", "ls"},
		{"gaia", "rm", "note.txt"},
		{"profile", "publish", "alice.id", "--no-update"},
	}
	for _, status := range []int{http.StatusBadRequest, http.StatusRequestEntityTooLarge, http.StatusInternalServerError} {
		hub, msg, _ := failingServer(t, status)
		for _, args := range hubCommands {
			name := strings.ReplaceAll(strings.Join(args, " "), dir+"/", "")
			t.Run(fmt.Sprintf("hub %d %s", status, name), func(t *testing.T) {
				stdout, stderr, code := runBinary(t, bin, "stdin data", append(append([]string(nil), args...), "--wallet", w, "--hub", hub)...)
				failsWith(t, stdout, stderr, code, msg)
			})
		}
	}

	node, msg, _ := failingServer(t, http.StatusInternalServerError)
	registrar, regMsg, _ := failingServer(t, http.StatusInternalServerError)
	goodHub, _, _ := failingServer(t, http.StatusOK)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"whois", "alice.id"}, msg},
		{[]string{"lookup", "alice.id"}, msg},
		{[]string{"lookup", "alice.id", "--profile"}, msg},
		{[]string{"lookup", "alice.id", "--app", "https://notes.example"}, msg},
		{[]string{"names", "mxmgGvGsnsosNr2HSfK91bCSLbqXasRnkx"}, msg},
		{[]string{"namespace", "show", "id"}, msg},
		{[]string{"profile", "show", "alice.id"}, msg},
		{[]string{"gaia", "get", "note.txt", "--from", "alice.id", "--app", "https://notes.example", "--wallet", w, "--hub", goodHub}, msg},
		{[]string{"subdomain", "status", "bob.alice.id", "--registrar", registrar}, regMsg},
		{[]string{"subdomain", "status", "bob.alice.id"}, msg},
	} {
		t.Run(strings.Join(tc.args[:2], " "), func(t *testing.T) {
			stdout, stderr, code := runBinary(t, bin, "", append(tc.args, "--node", node)...)
			failsWith(t, stdout, stderr, code, tc.want)
		})
	}
}

// TestGaiaPutRefusedByRealHub: the real hub's refusals (a path that
// escapes the bucket, a file over its limit) and the client's own size
// check before an encrypted upload each fail the command.
func TestGaiaPutRefusedByRealHub(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildBinary(t)
	dir := t.TempDir()
	w := identityWallet(t, bin, dir)
	var stores atomic.Int64
	hub := startTestHub(t, 0.1)
	counted := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/store/") {
			stores.Add(1)
		}
		hub.ServeHTTP(rw, r)
	}))
	t.Cleanup(counted.Close)
	write := func(name string, size int) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, bytes.Repeat([]byte("x"), size), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	small, limit := write("small.txt", 10), 0.1*(1<<20)
	// Encrypted, 60 KB of plain text is about 120 KB of hex: over the limit
	// though the file is not.
	half := write("half.bin", int(limit*0.6))
	big := write("big.bin", int(limit)+1)
	for _, tc := range []struct {
		name  string
		args  []string
		want  string
		store bool // whether the upload is tried
	}{
		{"escaping path", []string{small, "../escape.txt"}, "400", true},
		{"over the limit", []string{big, "big.bin"}, fmt.Sprintf("big.bin is %d bytes, the hub takes 0.1 MiB", int(limit)+1), false},
		{"ciphertext over the limit", []string{half, "half.bin", "--encrypt"}, "half.bin would be", false},
		{"signed ciphertext over the limit", []string{half, "half.bin", "--encrypt", "--sign"}, "half.bin would be", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := stores.Load()
			args := append(append([]string{"gaia", "put"}, tc.args...), "--wallet", w, "--hub", counted.URL)
			stdout, stderr, code := runBinary(t, bin, "", args...)
			failsWith(t, stdout, stderr, code, tc.want)
			if tried := stores.Load() > before; tried != tc.store {
				t.Errorf("upload tried: %v, want %v", tried, tc.store)
			}
		})
	}
}

// startTestHub runs the real hub in this process, its uploads limited to
// maxMB MiB.
func startTestHub(t *testing.T, maxMB float64) *gaiatest.Hub {
	t.Helper()
	d, err := disk.New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return gaiatest.StartHub(t, d, gaia.Config{MaxFileUploadSizeMB: maxMB})
}

// TestGaiaGetDecryptSigned: a file put with --encrypt --sign is read back
// by get --decrypt, which says that the signature went unchecked, and by
// get --decrypt --verify, which checks it; --verify of a file encrypted
// without --sign says that it is not signed.
func TestGaiaGetDecryptSigned(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildBinary(t)
	dir := t.TempDir()
	w := identityWallet(t, bin, dir)
	hub := []string{"--wallet", w, "--hub", startTestHub(t, 1).URL}
	const secret = "the signed secret"
	for _, args := range [][]string{{"signed.json", "--encrypt", "--sign"}, {"sealed.json", "--encrypt"}} {
		if _, stderr, code := runBinary(t, bin, secret, append(append([]string{"gaia", "put", "-"}, args...), hub...)...); code != 0 {
			t.Fatalf("put %v: %s", args, stderr)
		}
	}
	stdout, stderr, code := runBinary(t, bin, "", append([]string{"gaia", "get", "signed.json", "--decrypt"}, hub...)...)
	if code != 0 || stdout != secret || !strings.Contains(stderr, "signature was not checked") {
		t.Errorf("get --decrypt: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	stdout, stderr, code = runBinary(t, bin, "", append([]string{"gaia", "get", "signed.json", "--decrypt", "--verify"}, hub...)...)
	if code != 0 || stdout != secret || stderr != "" {
		t.Errorf("get --decrypt --verify: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	stdout, stderr, code = runBinary(t, bin, "", append([]string{"gaia", "get", "sealed.json", "--decrypt"}, hub...)...)
	if code != 0 || stdout != secret || stderr != "" {
		t.Errorf("get --decrypt of an unsigned file: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	stdout, stderr, code = runBinary(t, bin, "", append([]string{"gaia", "get", "sealed.json", "--decrypt", "--verify"}, hub...)...)
	failsWith(t, stdout, stderr, code, "not signed")
}

// TestSubdomainNameCheckedFirst: a subdomain name the registrar would
// refuse (upper case: the signature covers the name as written) fails
// before any request, saying what to send instead.
func TestSubdomainNameCheckedFirst(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildBinary(t)
	w := identityWallet(t, bin, t.TempDir())
	zf := filepath.Join(t.TempDir(), "bob.zone")
	if err := os.WriteFile(zf, []byte("$ORIGIN bob.reg.test\n$TTL 3600\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var asked atomic.Int64
	reg := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) { asked.Add(1) }))
	t.Cleanup(reg.Close)
	for _, verb := range []string{"register", "update", "transfer"} {
		args := []string{"subdomain", verb, "Bob.reg.test", "--registrar", reg.URL, "--wallet", w}
		switch verb {
		case "transfer":
			args = append(args, "mxmgGvGsnsosNr2HSfK91bCSLbqXasRnkx")
		case "update":
			args = append(args, "--zonefile", zf)
		}
		stdout, stderr, code := runBinary(t, bin, "", args...)
		failsWith(t, stdout, stderr, code, `names are lower case ("bob.reg.test")`)
	}
	if n := asked.Load(); n != 0 {
		t.Errorf("the registrar was asked %d times", n)
	}
}
