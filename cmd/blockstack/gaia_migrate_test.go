package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-blockstack/go-blockstack/api/apiclient"
	"github.com/go-blockstack/go-blockstack/client/lookup"
	"github.com/go-blockstack/go-blockstack/gaia/gaiatest"
	"github.com/go-blockstack/go-blockstack/internal/locked"
	"github.com/go-blockstack/go-blockstack/internal/testbin"
	"github.com/go-blockstack/go-blockstack/internal/waitfor"
)

// storeGate is a proxy in front of a hub that holds the stores after the
// first n until their client goes away or release is closed (closing
// reached when the first is held), and counts the stores it passes per
// path.
type storeGate struct {
	mu      sync.Mutex
	n       int // -1: pass everything
	passed  map[string]int
	reached chan struct{}
	release chan struct{} // closed to end the held stores
}

func (g *storeGate) wrap(target string) http.Handler {
	u, _ := url.Parse(target)
	proxy := httputil.NewSingleHostReverseProxy(u)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && strings.HasPrefix(r.URL.Path, "/store/") {
			hold := false
			locked.Do(&g.mu, func() {
				total := 0
				for _, c := range g.passed {
					total += c
				}
				if hold = g.n >= 0 && total >= g.n; hold {
					select {
					case <-g.reached:
					default:
						close(g.reached)
					}
				} else {
					g.passed[r.URL.Path]++
				}
			})
			if hold {
				// The server notices the client gone only once the body is read.
				io.Copy(io.Discard, r.Body)
				select {
				case <-r.Context().Done():
				case <-g.release:
					http.Error(w, "held", http.StatusServiceUnavailable)
				}
				return
			}
		}
		proxy.ServeHTTP(w, r)
	})
}

// TestGaiaMigrateDevnet moves alice.test from `blockstack hub` on disk to
// `blockstack hub` on S3 (versitygw) with gaia migrate: her own bucket and
// the buckets of the two apps her profile lists, a signed file (with its
// .sig) and an encrypted one among them. The first run is killed (SIGKILL)
// while the new hub holds its fourth store; the second continues from the
// journal without storing any file twice, re-signs the profile, updates
// the name and, with --delete-source, empties the old buckets. Then a
// reader that knows only the name finds every file on the new hub through
// client/lookup (gaia get --from) and through the published
// @stacks/storage (getFile with username).
func TestGaiaMigrateDevnet(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	t.Parallel()
	nodeBin := testbin.Require(t, "node", "Debian's nodejs or nodejs.org", "the gaia migrate test")
	testbin.RequireNpm(t, filepath.Join("testdata", "hubjs"), "@stacks/storage", "the gaia migrate test")
	bin := buildBinary(t)
	e, _ := devnetE2E(t, bin, t.TempDir())
	const appA, appB = "https://notes.example", "https://photos.example"

	oldHub, stopOld := startHubBinary(t, bin, nil, "--data-dir", t.TempDir())
	defer stopOld()
	s3 := gaiatest.StartVersityGW(t)
	newHub, stopNew := startHubBinary(t, bin, []string{"GAIA_DRIVER=aws", "GAIA_BUCKET_NAME=migrated", "GAIA_S3_ENDPOINT=" + s3.Endpoint,
		"GAIA_S3_ACCESS_KEY_ID=" + s3.AccessKey, "GAIA_S3_SECRET_ACCESS_KEY=" + s3.SecretKey, "GAIA_S3_REGION=" + s3.Region, "GAIA_S3_PATH_STYLE=true"})
	defer stopNew()
	gate := &storeGate{n: 3, passed: map[string]int{}, reached: make(chan struct{}), release: make(chan struct{})}
	proxy := httptest.NewServer(gate.wrap(newHub))
	defer proxy.Close()
	defer close(gate.release) // before the proxy's Close, which waits for its handlers

	alice, _, _ := e.newWallet(t, "alice")
	reader, _, _ := e.newWallet(t, "reader")
	e.ok(t, "wallet", "faucet", "--wallet", alice, "100000000")
	e.waitSpendable(t, alice, 100_000_000)
	e.createNamespace(t, alice, "test", 1000)
	e.ok(t, "name", "register", "alice.test", "--wallet", alice)
	e.ok(t, "profile", "publish", "alice.test", "--wallet", alice, "--app", appA, "--app", appB, "--hub", oldHub)

	write := func(name, content string) string {
		p := filepath.Join(e.dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	as := func(app string, args ...string) []string {
		args = append(args, "--wallet", alice, "--hub", oldHub)
		if app != "" {
			args = append(args, "--app", app)
		}
		return args
	}
	e.ok(t, as("", "gaia", "put", write("avatar", "a picture"), "avatar.txt")...)
	e.ok(t, as(appA, "gaia", "put", write("plain", "plain note"), "notes/plain.txt")...)
	e.ok(t, as(appA, "gaia", "put", write("signed", "signed note"), "notes/signed.txt", "--sign")...)
	e.ok(t, as(appA, "gaia", "put", write("secret", "secret note"), "notes/secret.json", "--encrypt", "--sign")...)
	e.ok(t, as(appB, "gaia", "put", write("one", "photo one"), "p/1.jpg")...)
	e.ok(t, as(appB, "gaia", "put", write("two", "photo two"), "p/2.jpg")...)
	const files = 8 // 2 + 4 (with signed.txt.sig) + 2

	migrateArgs := as("", "gaia", "migrate", "alice.test", "--to", proxy.URL, "--poll-interval", "50ms", "--timeout", "60s")
	killed := e.command(nil, migrateArgs...)
	var killedErr bytes.Buffer
	killed.Stderr = &killedErr
	if err := killed.Start(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-gate.reached:
	case <-time.After(time.Minute):
		killed.Process.Kill()
		t.Fatalf("the first run never reached its fourth store:\n%s", killedErr.String())
	}
	if err := killed.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	if err := killed.Wait(); err == nil {
		t.Fatal("the killed run exited 0")
	}
	if n := strings.Count(killedErr.String(), ") copied"); n != 3 {
		t.Fatalf("the killed run reported %d copies, want 3:\n%s", n, killedErr.String())
	}

	locked.Do(&gate.mu, func() { gate.n = -1 })
	stdout, stderr, err := e.cli(t, nil, append(migrateArgs, "--delete-source")...)
	if err != nil {
		t.Fatalf("second run: %v\n%s%s", err, stdout, stderr)
	}
	for _, want := range []string{"verified 8 files of 3 buckets", "3 by an earlier run", "updated alice.test", "deleted 8 files from " + oldHub} {
		if !strings.Contains(stdout, want) {
			t.Errorf("second run's output lacks %q:\n%s", want, stdout)
		}
	}
	locked.Do(&gate.mu, func() {
		total := 0
		for path, n := range gate.passed {
			total += n
			// profile.json is copied, then replaced by the re-signed one.
			if want := map[bool]int{true: 2, false: 1}[strings.HasSuffix(path, "/profile.json")]; n != want {
				t.Errorf("%s stored %d times, want %d", path, n, want)
			}
		}
		if total != files+1 {
			t.Errorf("%d stores, want %d", total, files+1)
		}
	})
	for _, app := range []string{"", appA, appB} {
		if out := e.ok(t, as(app, "gaia", "ls")...); out != "" {
			t.Errorf("the old bucket of %q still holds %q", app, out)
		}
	}

	// client/lookup, in process and through the binary, finds the buckets
	// on the new hub.
	node, err := apiclient.New(e.node, nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := lookup.Resolve(context.Background(), node, nil, "alice.test")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(res.ProfileURL, newHub+"/read/") {
		t.Errorf("profile URL %s, want one on the new hub %s", res.ProfileURL, newHub)
	}
	for _, app := range []string{appA, appB} {
		if b, ok := res.AppBucket(app); !ok || !strings.HasPrefix(b, newHub+"/read/") {
			t.Errorf("bucket of %s: %q, want one on the new hub", app, b)
		}
	}
	from := []string{"--wallet", reader, "--app", appA, "--from", "alice.test", "--hub", newHub}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"notes/plain.txt"}, "plain note"},
		{[]string{"notes/signed.txt", "--verify"}, "signed note"},
	} {
		if got := e.ok(t, append(append([]string{"gaia", "get"}, c.args...), from...)...); got != c.want {
			t.Errorf("gaia get --from alice.test %v: %q, want %q", c.args, got, c.want)
		}
	}
	if got := e.ok(t, "gaia", "get", "notes/secret.json", "--decrypt", "--verify", "--wallet", alice, "--app", appA, "--hub", newHub); got != "secret note" {
		t.Errorf("alice's secret on the new hub: %q", got)
	}

	// The published @stacks/storage, knowing only the name.
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, nodeBin, "getfile.cjs", e.node, "alice.test", appA, "notes/plain.txt", "notes/signed.txt!")
	cmd.Dir = filepath.Join("testdata", "hubjs")
	var jsErr strings.Builder
	cmd.Stderr = &jsErr
	raw, err := cmd.Output()
	if err != nil {
		t.Fatalf("node getfile.cjs: %v\n%s", err, jsErr.String())
	}
	var got struct{ URLs, Contents map[string]string }
	lines := strings.Split(strings.TrimSpace(string(raw)), "\n")
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &got); err != nil {
		t.Fatalf("node output %s: %v", raw, err)
	}
	for path, want := range map[string]string{"notes/plain.txt": "plain note", "notes/signed.txt": "signed note"} {
		if got.Contents[path] != want || !strings.HasPrefix(got.URLs[path], newHub+"/read/") {
			t.Errorf("@stacks/storage getFile %s: %q from %s, want %q from the new hub", path, got.Contents[path], got.URLs[path], want)
		}
	}
}

// TestGaiaMigrateRefuses: what gaia migrate refuses before it reads
// anything, each with the line that says what to do.
func TestGaiaMigrateRefuses(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"alice.test"}, "--to HUB_URL is needed"},
		{[]string{"bob!.alice.test", "--to", "http://127.0.0.1:1"}, "bob!"},
		{[]string{"alice.test", "--to", "http://127.0.0.1:1", "--app", "https://notes.example"}, "takes no --app"},
		{[]string{"Alice!.test", "--to", "http://127.0.0.1:1"}, "alice!.test"},
	} {
		_, _, err := runRoot(t, append([]string{"--network", "devnet", "gaia", "migrate"}, c.args...)...)
		if err == nil || !strings.Contains(strings.ToLower(err.Error()), strings.ToLower(c.want)) {
			t.Errorf("gaia migrate %v: %v, want an error with %q", c.args, err, c.want)
		}
	}
}

// TestGaiaMigrateSubdomainDevnet: a subdomain's owner publishes a profile
// (the zone file's update goes through the domain's registrar, found by
// the domain's _resolver) and a file on one `blockstack hub`, then moves
// both to another with gaia migrate: the subdomain's update is queued at
// the registrar, and once its batch is on chain a reader that knows only
// the subdomain finds the file on the new hub.
func TestGaiaMigrateSubdomainDevnet(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	t.Parallel()
	bin := buildBinary(t)
	e, walletPath, regURL := devnetRegistrar(t, bin)
	dir := e.dir
	oldHub, stopOld := startHubBinary(t, bin, nil, "--data-dir", t.TempDir())
	defer stopOld()
	newHub, stopNew := startHubBinary(t, bin, nil, "--data-dir", t.TempDir())
	defer stopNew()

	const app = "https://notes.example"
	e.ok(t, "subdomain", "register", "alice.foo.test", "--wallet", walletPath, "--registrar", regURL)
	waitfor.True(t, 60*time.Second, "alice.foo.test on chain", func() bool {
		out, _, err := e.cli(t, nil, "whois", "alice.foo.test")
		return err == nil && strings.Contains(out, "registered_subdomain")
	})
	out := e.ok(t, "profile", "publish", "alice.foo.test", "--wallet", walletPath, "--hub", oldHub, "--registrar", regURL, "--app", app)
	if !strings.Contains(out, "once its registrar's batch is on chain") {
		t.Fatalf("profile publish of a subdomain:\n%s", out)
	}
	waitfor.True(t, 60*time.Second, "alice.foo.test's zone file points at the old hub", func() bool {
		zf, _, err := e.cli(t, nil, "lookup", "alice.foo.test")
		return err == nil && strings.Contains(zf, oldHub)
	})
	note := filepath.Join(dir, "note.txt")
	if err := os.WriteFile(note, []byte("down the rabbit hole"), 0o600); err != nil {
		t.Fatal(err)
	}
	e.ok(t, "gaia", "put", note, "note.txt", "--wallet", walletPath, "--hub", oldHub, "--app", app)

	out = e.ok(t, "gaia", "migrate", "alice.foo.test", "--wallet", walletPath, "--hub", oldHub, "--to", newHub, "--state", dir, "--registrar", regURL)
	if !strings.Contains(out, "points at the new profile once its registrar's batch is on chain") {
		t.Fatalf("gaia migrate of a subdomain:\n%s", out)
	}
	waitfor.True(t, 60*time.Second, "alice.foo.test's zone file points at the new hub", func() bool {
		zf, _, err := e.cli(t, nil, "lookup", "alice.foo.test")
		return err == nil && strings.Contains(zf, newHub)
	})
	got, stderr, err := e.cli(t, nil, "gaia", "get", "note.txt", "--from", "alice.foo.test", "--app", app, "--wallet", walletPath, "--hub", newHub)
	if err != nil || got != "down the rabbit hole" {
		t.Fatalf("gaia get --from alice.foo.test after the move: %q %v\n%s", got, err, stderr)
	}
	// Run again: everything is there and the subdomain points there.
	if out = e.ok(t, "gaia", "migrate", "alice.foo.test", "--wallet", walletPath, "--hub", oldHub, "--to", newHub, "--state", dir, "--registrar", regURL); !strings.Contains(out, "already points at the new profile") {
		t.Fatalf("gaia migrate again:\n%s", out)
	}
}
