package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/go-blockstack/go-blockstack/client/storage"
	"github.com/go-blockstack/go-blockstack/gaia/gaiatest"
	"github.com/go-blockstack/go-blockstack/internal/metrics/metricstest"
)

var hubURLRE = regexp.MustCompile(`msg="gaia hub listening" url=(\S+)`)

// startHubBinary runs `blockstack hub` with args and env, returns its URL
// and a stop function that sends Ctrl-C and checks the clean exit.
func startHubBinary(t *testing.T, bin string, env []string, args ...string) (string, func()) {
	t.Helper()
	p := startHubProcess(t, bin, env, args...)
	return p.url, func() { p.interrupt(t) }
}

// hubProcess is a `blockstack hub` started by startHubProcess.
type hubProcess struct {
	url     string
	startup []string // its log up to the line that gives url
	cmd     *exec.Cmd
	cancel  context.CancelFunc
	drained chan struct{} // closed once its standard error is at its end
	stopped bool
}

// startHubProcess runs `blockstack hub` with args and env until its stop,
// or until the test's end interrupts it.
func startHubProcess(t *testing.T, bin string, env []string, args ...string) *hubProcess {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	cmd := exec.CommandContext(ctx, bin, append([]string{"hub", "--listen", "127.0.0.1:0"}, args...)...)
	cmd.Env = append(os.Environ(), env...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(stderr)
	var url string
	var lines []string
	for sc.Scan() {
		lines = append(lines, sc.Text())
		if m := hubURLRE.FindStringSubmatch(sc.Text()); m != nil {
			url = m[1]
			break
		}
	}
	if url == "" {
		cmd.Wait()
		cancel()
		t.Fatalf("hub exited before listening:\n%s", strings.Join(lines, "\n"))
	}
	p := &hubProcess{url: url, startup: lines, cmd: cmd, cancel: cancel, drained: make(chan struct{})}
	go func() { // keeps the access log flowing; ends at the hub's exit
		for sc.Scan() {
		}
		close(p.drained)
	}()
	t.Cleanup(func() { p.interrupt(t) })
	return p
}

// interrupt stops the hub as Ctrl-C does and checks its clean exit.
func (p *hubProcess) interrupt(t *testing.T) {
	if err := p.stop(syscall.SIGINT); err != nil {
		t.Errorf("hub after Ctrl-C: %v", err)
	}
}

// stop sends sig to the hub, once, and returns how it exited.
func (p *hubProcess) stop(sig os.Signal) error {
	if p.stopped {
		return nil
	}
	p.stopped = true
	defer p.cancel()
	if err := p.cmd.Process.Signal(sig); err != nil {
		return err
	}
	<-p.drained
	return p.cmd.Wait()
}

// TestHubEndToEnd drives `blockstack hub` with a client built only on the
// published client protocol: connect, encrypted and plain writes with ETag
// tracking, reads, listing, deletion, and a restart on the same data.
func TestHubEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildBinary(t)
	dir := t.TempDir()
	metricsAddr := freeAddr(t)
	url, stop := startHubBinary(t, bin, nil, "--data-dir", dir, "--metrics-addr", metricsAddr)
	ctx := context.Background()
	key := gaiatest.Key("e2e-app")
	c, err := storage.Connect(ctx, storage.Config{HubURL: url, AppKey: key})
	if err != nil {
		t.Fatal(err)
	}
	if c.Info().ReadURLPrefix != url+"/read/" || c.Info().MaxUploadMB != 20 {
		t.Errorf("hub_info %+v", c.Info())
	}
	secret := []byte("the secret message of e2e")
	if _, err = c.PutFile(ctx, "notes/secret.json", secret, storage.PutOptions{Encrypt: true}); err != nil {
		t.Fatal(err)
	}
	got, _, err := c.GetFile(ctx, "notes/secret.json", storage.GetOptions{Decrypt: true})
	if err != nil || string(got) != string(secret) {
		t.Fatalf("decrypted %q, %v", got, err)
	}
	plain := storage.PutOptions{ContentType: "text/plain"}
	pub, err := c.PutFile(ctx, "public/hello.txt", []byte("hello"), plain)
	if err != nil || pub != url+"/read/"+c.Address()+"/public/hello.txt" {
		t.Fatalf("publicURL %q, %v", pub, err)
	}
	if _, err = c.PutFile(ctx, "public/hello.txt", []byte("hello, again"), plain); err != nil {
		t.Fatalf("second write (If-Match): %v", err)
	}
	body, _, err := c.GetFile(ctx, "public/hello.txt", storage.GetOptions{})
	if err != nil || string(body) != "hello, again" {
		t.Fatalf("read %q %v", body, err)
	}
	// The client does not report the Content-Type; the read endpoint must
	// serve the one written.
	resp, err := http.Get(c.BucketURL() + "public/hello.txt")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); resp.StatusCode != http.StatusOK || ct != "text/plain" {
		t.Fatalf("read: %d, Content-Type %q", resp.StatusCode, ct)
	}
	// A second device that has not seen the file sends If-None-Match: *.
	stale, err := storage.Connect(ctx, storage.Config{HubURL: url, AppKey: key})
	if err != nil {
		t.Fatal(err)
	}
	if _, err = stale.PutFile(ctx, "public/hello.txt", []byte("clobber"), plain); !errors.Is(err, storage.ErrPrecondition) {
		t.Errorf("stale device's write: %v, want 412", err)
	}
	var names []string
	if _, err = c.ListFiles(ctx, func(n string) bool { names = append(names, n); return true }); err != nil {
		t.Fatal(err)
	}
	slices.Sort(names)
	if !slices.Equal(names, []string{"notes/secret.json", "public/hello.txt"}) {
		t.Errorf("list-files %q", names)
	}
	if err = c.DeleteFile(ctx, "public/hello.txt", false); err != nil {
		t.Fatal(err)
	}
	if _, _, err = c.GetFile(ctx, "public/hello.txt", storage.GetOptions{}); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("read after delete: %v", err)
	}
	checkHubMetrics(t, "http://"+metricsAddr+"/metrics", len(secret)+len("hello, again"))
	// Encrypted content never reaches the disk in the clear.
	filepath.WalkDir(dir, func(p string, de os.DirEntry, err error) error {
		if err == nil && !de.IsDir() {
			if b, _ := os.ReadFile(p); strings.Contains(string(b), string(secret)) {
				t.Errorf("%s holds the plaintext", p)
			}
		}
		return nil
	})
	stop()

	url2, _ := startHubBinary(t, bin, nil, "--data-dir", dir)
	c2, err := storage.Connect(ctx, storage.Config{HubURL: url2, AppKey: key})
	if err != nil {
		t.Fatal(err)
	}
	if got, _, err := c2.GetFile(ctx, "notes/secret.json", storage.GetOptions{Decrypt: true}); err != nil || string(got) != string(secret) {
		t.Errorf("after restart: %q %v", got, err)
	}
}

// TestHubAbuseControlsThroughEnv runs the binary with a bucket quota and a
// write rate limit set by GAIA_* variables, through the storage client.
func TestHubAbuseControlsThroughEnv(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildBinary(t)
	url, _ := startHubBinary(t, bin, []string{"GAIA_MAX_BUCKET_SIZE=0.1", "GAIA_MAX_WRITES_PER_MINUTE=3"}, "--data-dir", t.TempDir())
	ctx := context.Background()
	c, err := storage.Connect(ctx, storage.Config{HubURL: url, AppKey: gaiatest.Key("abuse")})
	if err != nil {
		t.Fatal(err)
	}
	plain := storage.PutOptions{ContentType: "text/plain"}
	big := make([]byte, 60<<10)
	if _, err := c.PutFile(ctx, "one", big, plain); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutFile(ctx, "two", big, plain); !errors.Is(err, storage.ErrTooLarge) {
		t.Errorf("store past the bucket quota: %v, want 413", err)
	}
	if err := c.DeleteFile(ctx, "one", false); err != nil {
		t.Fatal(err)
	}
	var he *storage.HubError
	if _, err := c.PutFile(ctx, "two", big, plain); !errors.As(err, &he) || he.Status != http.StatusTooManyRequests {
		t.Errorf("fourth write in a minute: %v, want 429", err)
	}
}

// TestHubS3ThroughEnv runs the binary on the S3 driver, configured only by
// environment variables, against a real versitygw.
func TestHubS3ThroughEnv(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	s3 := gaiatest.StartVersityGW(t)
	bin := buildBinary(t)
	url, _ := startHubBinary(t, bin, []string{
		"GAIA_DRIVER=aws", "GAIA_BUCKET_NAME=gaia-e2e", "GAIA_S3_ENDPOINT=" + s3.Endpoint,
		"GAIA_S3_ACCESS_KEY_ID=" + s3.AccessKey, "GAIA_S3_SECRET_ACCESS_KEY=" + s3.SecretKey,
		"GAIA_S3_REGION=" + s3.Region, "GAIA_S3_PATH_STYLE=true",
	})
	ctx := context.Background()
	c, err := storage.Connect(ctx, storage.Config{HubURL: url, AppKey: gaiatest.Key("e2e-s3")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutFile(ctx, "a/b.txt", []byte("on s3"), storage.PutOptions{ContentType: "text/plain"}); err != nil {
		t.Fatal(err)
	}
	if body, _, err := c.GetFile(ctx, "a/b.txt", storage.GetOptions{}); err != nil || string(body) != "on s3" {
		t.Errorf("read %q %v", body, err)
	}
}

// TestHubManyOverOneBucket runs two `blockstack hub` processes over one
// bucket of each shared backend (versitygw for S3, fake-gcs-server for
// Google Cloud Storage, Azurite for Azure Blob), each configured through
// the reference hub's GAIA_* variables, and checks that they behave as one
// hub (gaiatest.RunSharedHubTests).
func TestHubManyOverOneBucket(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildBinary(t)
	backends := []struct {
		name string
		env  func(t *testing.T) []string // the variables of every hub over one backend
	}{
		{"aws", func(t *testing.T) []string {
			s3 := gaiatest.StartVersityGW(t)
			return []string{"GAIA_S3_ENDPOINT=" + s3.Endpoint, "GAIA_S3_ACCESS_KEY_ID=" + s3.AccessKey,
				"GAIA_S3_SECRET_ACCESS_KEY=" + s3.SecretKey, "GAIA_S3_REGION=" + s3.Region, "GAIA_S3_PATH_STYLE=true"}
		}},
		{"google-cloud", func(t *testing.T) []string {
			gcs := gaiatest.StartFakeGCS(t)
			return []string{"STORAGE_EMULATOR_HOST=" + gcs.Endpoint, "GAIA_GCP_PROJECT_ID=gaiatest"}
		}},
		{"azure", func(t *testing.T) []string {
			az := gaiatest.StartAzurite(t)
			return []string{"GAIA_AZURE_ACCOUNT_NAME=" + az.Account, "GAIA_AZURE_ACCOUNT_KEY=" + az.Key, "GAIA_AZURE_ENDPOINT=" + az.Endpoint}
		}},
	}
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			env := append(b.env(t), "GAIA_DRIVER="+b.name)
			n := 0
			gaiatest.RunSharedHubTests(t, func(t *testing.T) (*gaiatest.Hub, *gaiatest.Hub) {
				n++
				hubEnv := append(slices.Clone(env), fmt.Sprintf("GAIA_BUCKET_NAME=gaia-shared-%d", n))
				urlA, _ := startHubBinary(t, bin, hubEnv)
				urlB, _ := startHubBinary(t, bin, hubEnv)
				return &gaiatest.Hub{URL: urlA, Name: "gaia-0"}, &gaiatest.Hub{URL: urlB, Name: "gaia-0"}
			})
		})
	}
}

func TestHubConfig(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	full := write("full.json", `{"driver":"aws","serverName":"hub.example","readURL":"https://cdn.example/",
		"whitelist":["1A"],"pageSize":50,"maxFileUploadSize":5,"bucket":"b","allowLegacyTokens":true,"maxUploadsPerAddress":4,
		"maxBucketSize":50,"maxWritesPerMinute":60,"writeBurst":10,
		"awsCredentials":{"accessKeyId":"k","secretAccessKey":"s","endpoint":"http://127.0.0.1:1"},"awsPathStyle":true}`)
	env := map[string]string{}
	getenv := func(k string) string { return env[k] }

	cfg, err := loadHubConfig(full, getenv)
	if err != nil || cfg.Driver != "aws" || cfg.ServerName != "hub.example" || cfg.PageSize != 50 ||
		cfg.MaxFileUploadSize != 5 || cfg.AWSCredentials.AccessKeyID != "k" || !cfg.AWSPathStyle || !slices.Equal(cfg.Whitelist, []string{"1A"}) ||
		!cfg.AllowLegacyTokens || cfg.AllowActiveContent || cfg.MaxUploadsPerAddress != 4 ||
		cfg.MaxBucketSize != 50 || cfg.MaxWritesPerMinute != 60 || cfg.WriteBurst != 10 {
		t.Errorf("file config: %+v %v", cfg, err)
	}
	env = map[string]string{"GAIA_SERVER_NAME": "env.example", "GAIA_WHITELIST": `["1B","1C"]`, "GAIA_PAGE_SIZE": "7",
		"GAIA_S3_SECRET_ACCESS_KEY": "env-secret", "GAIA_VALID_HUB_URLS": "https://a, https://b",
		"GAIA_ALLOW_LEGACY_TOKENS": "false", "GAIA_ALLOW_ACTIVE_CONTENT": "true", "GAIA_MAX_UPLOADS_PER_ADDRESS": "9",
		"GAIA_MAX_BUCKET_SIZE": "0.5", "GAIA_MAX_WRITES_PER_MINUTE": "120", "GAIA_WRITE_BURST": "3"}
	cfg, err = loadHubConfig(full, getenv)
	if err != nil || cfg.ServerName != "env.example" || cfg.PageSize != 7 || cfg.AWSCredentials.SecretAccessKey != "env-secret" ||
		cfg.AllowLegacyTokens || !cfg.AllowActiveContent || cfg.MaxUploadsPerAddress != 9 ||
		cfg.MaxBucketSize != 0.5 || cfg.MaxWritesPerMinute != 120 || cfg.WriteBurst != 3 ||
		!slices.Equal(cfg.Whitelist, []string{"1B", "1C"}) || !slices.Equal(cfg.ValidHubURLs, []string{"https://a", "https://b"}) {
		t.Errorf("environment over file: %+v %v", cfg, err)
	}
	gc := write("gc.json", `{"driver":"google-cloud","bucket":"gb","resumable":true,
		"gcCredentials":{"projectId":"p","keyFilename":"/k.json","email":"e@x","credentials":{"client_email":"c@x","private_key":"K"}}}`)
	cfg, err = loadHubConfig(gc, getenv)
	if g := cfg.GCCredentials; err != nil || cfg.Driver != "google-cloud" || cfg.Bucket != "gb" || !cfg.Resumable || g.ProjectID != "p" ||
		g.KeyFilename != "/k.json" || g.Email != "e@x" || g.Credentials.ClientEmail != "c@x" || g.Credentials.PrivateKey != "K" {
		t.Errorf("google-cloud config: %+v %v", cfg, err)
	}
	az := write("az.json", `{"driver":"azure","bucket":"container","azCredentials":{"accountName":"acct","accountKey":"a2V5"},
		"azEndpoint":"http://127.0.0.1:1/acct","authTimestampCacheSize":10}`)
	env = map[string]string{"GAIA_AZURE_ACCOUNT_KEY": "ZW52", "GAIA_GCP_PROJECT_ID": "envp", "GAIA_GCP_CLIENT_PRIVATE_KEY": "EK"}
	cfg, err = loadHubConfig(az, getenv)
	if err != nil || cfg.Driver != "azure" || cfg.AZCredentials.AccountName != "acct" || cfg.AZCredentials.AccountKey != "ZW52" ||
		cfg.AZEndpoint != "http://127.0.0.1:1/acct" || cfg.GCCredentials.ProjectID != "envp" || cfg.GCCredentials.Credentials.PrivateKey != "EK" {
		t.Errorf("azure config with the environment: %+v %v", cfg, err)
	}
	env = map[string]string{}
	if cfg, err := loadHubConfig("", getenv); err != nil || cfg.Driver != "disk" || cfg.Bucket != "hub" {
		t.Errorf("defaults: %+v %v", cfg, err)
	}
	for name, body := range map[string]string{
		"typo.json":   `{"serverNmae":"x"}`,
		"driver.json": `{"driver":"dropbox"}`,
		"broken.json": `{"driver":`,
	} {
		if _, err := loadHubConfig(write(name, body), getenv); err == nil {
			t.Errorf("%s accepted", name)
		}
	}
	env = map[string]string{"GAIA_REQUIRE_CORRECT_HUB_URL": "maybe"}
	if _, err := loadHubConfig("", getenv); err == nil {
		t.Error("bad boolean in the environment accepted")
	}
	if _, err := loadHubConfig(filepath.Join(dir, "missing.json"), getenv); err == nil {
		t.Error("missing file accepted")
	}
}

// checkHubMetrics scrapes the hub of TestHubEndToEnd: three stores (one
// more refused for its precondition), reads, a delete and a read of the
// deleted file, all on the disk driver.
func checkHubMetrics(t *testing.T, url string, minRead int) {
	t.Helper()
	m := metricstest.Scrape(t, url)
	for _, c := range []struct {
		name   string
		labels []string
		min    float64
	}{
		{"blockstack_gaia_request_duration_seconds", []string{"driver", "disk", "op", "store", "code", "2xx"}, 3},
		{"blockstack_gaia_request_duration_seconds", []string{"driver", "disk", "op", "store", "code", "4xx"}, 1},
		{"blockstack_gaia_request_duration_seconds", []string{"driver", "disk", "op", "read", "code", "2xx"}, 3},
		{"blockstack_gaia_request_duration_seconds", []string{"driver", "disk", "op", "delete", "code", "2xx"}, 1},
		{"blockstack_gaia_request_duration_seconds", []string{"driver", "disk", "op", "list_files", "code", "2xx"}, 1},
		{"blockstack_gaia_errors_total", []string{"driver", "disk", "op", "store", "code", "412", "error", "PreconditionFailedError"}, 1},
		{"blockstack_gaia_errors_total", []string{"driver", "disk", "op", "read", "code", "404"}, 1},
		{"blockstack_gaia_stored_bytes_total", []string{"driver", "disk"}, float64(len("hello") + len("hello, again"))},
		{"blockstack_gaia_read_bytes_total", []string{"driver", "disk"}, float64(minRead)},
	} {
		if got := m.Value(t, c.name, c.labels...); got < c.min {
			t.Errorf("%s%v = %v, want ≥ %v", c.name, c.labels, got, c.min)
		}
	}
	if _, ok := m.Lookup("go_goroutines"); !ok {
		t.Error("no Go runtime metrics")
	}
}
