package gaia_test

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-blockstack/go-blockstack/gaia"
	"github.com/go-blockstack/go-blockstack/gaia/disk"
	"github.com/go-blockstack/go-blockstack/gaia/gaiaauth"
	"github.com/go-blockstack/go-blockstack/gaia/gaiatest"
	"github.com/go-blockstack/go-blockstack/internal/syncbuf"
)

// newDiskHub is a hub on a fresh disk driver; dir is its storage.
func newDiskHub(t *testing.T, cfg gaia.Config) (*gaiatest.Hub, string) {
	t.Helper()
	dir := t.TempDir()
	d, err := disk.New(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return gaiatest.StartHub(t, d, cfg), dir
}

// storedFiles lists every file under dir (temporary files included).
func storedFiles(t *testing.T, dir string) []string {
	t.Helper()
	var files []string
	err := filepath.WalkDir(dir, func(p string, de fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !de.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			files = append(files, rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func TestHubInfo(t *testing.T) {
	h, _ := newDiskHub(t, gaia.Config{ServerName: "hub.example", MaxFileUploadSizeMB: 7.5})
	for _, p := range []string{"/hub_info", "/hub_info/"} {
		r := h.Do(t, http.MethodGet, p, nil)
		var got map[string]any
		if err := json.Unmarshal(r.Body, &got); err != nil || r.Status != http.StatusOK || r.Header.Get("Content-Type") != "application/json" {
			t.Fatalf("%s: %d %s %v", p, r.Status, r.Body, err)
		}
		want := map[string]any{
			"challenge_text":                 `["gaiahub","0","hub.example","blockstack_storage_please_sign"]`,
			"latest_auth_version":            "v1",
			"max_file_upload_size_megabytes": 7.5,
			"read_url_prefix":                h.URL + "/read/",
		}
		for k, v := range want {
			if got[k] != v {
				t.Errorf("%s: %s = %v, want %v", p, k, got[k], v)
			}
		}
	}
}

func TestCORS(t *testing.T) {
	h, _ := newDiskHub(t, gaia.Config{MaxFileUploadSizeMB: 0.1})
	for _, p := range []string{"/store/1A/x", "/hub_info", "/anything"} {
		r := h.Do(t, http.MethodOptions, p, nil, "Origin", "https://app.example", "Access-Control-Request-Method", "POST")
		if r.Status != http.StatusNoContent || r.Header.Get("Access-Control-Allow-Origin") != "*" ||
			r.Header.Get("Access-Control-Allow-Methods") != "DELETE,POST,GET,OPTIONS,HEAD" ||
			r.Header.Get("Access-Control-Allow-Headers") != "Authorization,Content-Type,If-Match,If-None-Match" ||
			r.Header.Get("Access-Control-Max-Age") != "86400" {
			t.Errorf("preflight %s: %d %v", p, r.Status, r.Header)
		}
	}
	// Errors carry CORS too, or a browser app sees a CORS failure instead
	// of the 413 (a complaint of Gaia's users: stacks-archive/gaia#169).
	k := gaiatest.Key("cors")
	r := h.Store(t, h.Token(t, k, gaiaauth.TokenOptions{}), gaiaauth.AddressFromKey(k), "big", make([]byte, 200<<10))
	if r.Status != http.StatusRequestEntityTooLarge || r.Header.Get("Access-Control-Allow-Origin") != "*" {
		t.Errorf("413: %d %v", r.Status, r.Header)
	}
}

// TestSecurityRejections: every attack is refused with the right status
// and a JSON error, and nothing at all is written to storage.
func TestSecurityRejections(t *testing.T) {
	now := time.Now()
	victim, attacker := gaiatest.Key("victim"), gaiatest.Key("attacker")
	addr := gaiaauth.AddressFromKey(victim)
	h, dir := newDiskHub(t, gaia.Config{
		MaxFileUploadSizeMB:  0.1,
		RequireCorrectHubURL: true,
		ValidHubURLs:         []string{"https://hub.example"},
	})
	mk := func(o gaiaauth.TokenOptions) string {
		if o.HubURL == "" {
			o.HubURL = "https://hub.example"
		}
		return h.Token(t, victim, o)
	}
	good := mk(gaiaauth.TokenOptions{})
	wrongChallenge, _ := gaiaauth.NewV1Token(victim, gaiaauth.ChallengeText("evil.example"), gaiaauth.TokenOptions{HubURL: "https://hub.example"})
	forged := forgeSignature(t, good, h.Token(t, attacker, gaiaauth.TokenOptions{HubURL: "https://hub.example"}))

	type attempt struct {
		name     string
		method   string
		path     string
		body     []byte
		headers  []string
		status   int
		errClass string
	}
	store := func(name, auth, path string, status int, class string, extra ...string) attempt {
		return attempt{name, http.MethodPost, "/store/" + addr + "/" + path, []byte("evil"),
			append([]string{"Authorization", auth}, extra...), status, class}
	}
	attempts := []attempt{
		store("no token", "", "f", 401, "ValidationError"),
		store("forged signature", forged, "f", 401, "ValidationError"),
		store("token for another address", h.Token(t, attacker, gaiaauth.TokenOptions{HubURL: "https://hub.example"}), "f", 401, "ValidationError"),
		store("expired token", mk(gaiaauth.TokenOptions{ExpiresAt: now.Add(-time.Minute)}), "f", 401, "ValidationError"),
		store("wrong challenge", "bearer "+wrongChallenge, "f", 401, "ValidationError"),
		store("wrong hubUrl", h.Token(t, victim, gaiaauth.TokenOptions{HubURL: "https://evil.example"}), "f", 401, "ValidationError"),
		store("no hubUrl", h.Token(t, victim, gaiaauth.TokenOptions{}), "f", 401, "ValidationError"),
		store("putFile scope", mk(gaiaauth.TokenOptions{Scopes: []gaiaauth.Scope{{Scope: gaiaauth.ScopePutFile, Domain: "allowed"}}}), "other", 401, "ValidationError"),
		store("putFilePrefix scope", mk(gaiaauth.TokenOptions{Scopes: []gaiaauth.Scope{{Scope: gaiaauth.ScopePutFilePrefix, Domain: "app/"}}}), "ap/x", 401, "ValidationError"),
		store("archival scope", mk(gaiaauth.TokenOptions{Scopes: []gaiaauth.Scope{{Scope: gaiaauth.ScopePutFileArchivalPrefix, Domain: "log/"}}}), "f", 401, "ValidationError"),
		store("dot-dot", good, "../victim2/f", 400, "BadPathError"),
		store("dot-dot inside", good, "a/../../f", 400, "BadPathError"),
		store("encoded dot-dot", good, "%2e%2e/f", 400, "BadPathError"),
		store("encoded slash", good, "a%2F..%2Ff", 400, "BadPathError"),
		store("encoded backslash", good, "a%5C..%5Cf", 400, "BadPathError"),
		store("NUL", good, "a%00b", 400, "BadPathError"),
		store("absolute", good, "/etc/passwd", 400, "BadPathError"),
		store("control character", good, "a%0Ab", 400, "BadPathError"),
		{"oversize Content-Length", http.MethodPost, "/store/" + addr + "/big", make([]byte, 200<<10), []string{"Authorization", good}, 413, "PayloadTooLargeError"},
		store("Content-Type too long", good, "f", 400, "InvalidInputError", "Content-Type", strings.Repeat("x", 1025)),
		{"address with a dash", http.MethodPost, "/store/" + addr + "-auth/authTimestamp", []byte("9999999999"), []string{"Authorization", good}, 400, "BadPathError"},
		{"delete with a deleteFile scope for another file", http.MethodDelete, "/delete/" + addr + "/f", nil,
			[]string{"Authorization", mk(gaiaauth.TokenOptions{Scopes: []gaiaauth.Scope{{Scope: gaiaauth.ScopeDeleteFile, Domain: "g"}}})}, 401, "ValidationError"},
		{"revoke-all for another address", http.MethodPost, "/revoke-all/" + addr, []byte(`{"oldestValidTimestamp":` + strconv.FormatInt(now.Unix(), 10) + `}`),
			[]string{"Authorization", h.Token(t, attacker, gaiaauth.TokenOptions{HubURL: "https://hub.example"})}, 401, "ValidationError"},
		{"revoke-all without timestamp", http.MethodPost, "/revoke-all/" + addr, []byte(`{}`), []string{"Authorization", good}, 400, "InvalidInputError"},
		{"revoke-all negative", http.MethodPost, "/revoke-all/" + addr, []byte(`{"oldestValidTimestamp":-1}`), []string{"Authorization", good}, 400, "InvalidInputError"},
		{"revoke-all malformed", http.MethodPost, "/revoke-all/" + addr, []byte(`{"oldestValidTimestamp":`), []string{"Authorization", good}, 400, "InvalidInputError"},
		{"revoke-all too long", http.MethodPost, "/revoke-all/" + addr, bytes.Repeat([]byte(" "), 5000), []string{"Authorization", good}, 400, "InvalidInputError"},
		{"list-files too long", http.MethodPost, "/list-files/" + addr, bytes.Repeat([]byte(" "), 5000), []string{"Authorization", good}, 400, "InvalidInputError"},
		{"list-files malformed", http.MethodPost, "/list-files/" + addr, []byte(`{"page":`), []string{"Authorization", good}, 400, "InvalidInputError"},
		{"list-files page not a string", http.MethodPost, "/list-files/" + addr, []byte(`{"page":5}`), []string{"Authorization", good}, 400, "InvalidInputError"},
		{"list-files bad page token", http.MethodPost, "/list-files/" + addr, []byte(`{"page":"../../x"}`), []string{"Authorization", good}, 400, "InvalidInputError"},
		{"store with GET", http.MethodGet, "/store/" + addr + "/f", nil, []string{"Authorization", good}, 405, "MethodNotAllowed"},
		{"read traversal", http.MethodGet, "/read/" + addr + "/../x", nil, nil, 400, "BadPathError"},
	}
	for _, a := range attempts {
		r := h.Do(t, a.method, a.path, a.body, a.headers...)
		if r.Status != a.status {
			t.Errorf("%s: status %d (%s), want %d", a.name, r.Status, r.Body, a.status)
			continue
		}
		var e struct{ Message, Error string }
		if err := json.Unmarshal(r.Body, &e); err != nil || e.Message == "" || e.Error != a.errClass {
			t.Errorf("%s: body %q, want a JSON error %s", a.name, r.Body, a.errClass)
		}
	}
	// A body larger than the limit without Content-Length is cut off.
	if st := gaiatest.PostChunked(t, h.URL+"/store/"+addr+"/big", good, 300<<10); st != http.StatusRequestEntityTooLarge {
		t.Errorf("oversize chunked body: %d", st)
	}
	if files := storedFiles(t, dir); len(files) != 0 {
		t.Errorf("rejected requests stored %q", files)
	}
	// The hub still works for the real owner.
	if r := h.Store(t, good, addr, "f", []byte("mine")); r.Status != http.StatusAccepted {
		t.Errorf("owner's store: %d %s", r.Status, r.Body)
	}
}

// forgeSignature puts the signature of other on good's header and payload.
func forgeSignature(t *testing.T, good, other string) string {
	g := strings.Split(strings.TrimPrefix(good, "bearer v1:"), ".")
	o := strings.Split(strings.TrimPrefix(other, "bearer v1:"), ".")
	if len(g) != 3 || len(o) != 3 {
		t.Fatal("not JWTs")
	}
	return "bearer v1:" + g[0] + "." + g[1] + "." + o[2]
}

func TestWhitelistAndAssociation(t *testing.T) {
	owner, app, stranger := gaiatest.Key("identity"), gaiatest.Key("app"), gaiatest.Key("stranger")
	h, dir := newDiskHub(t, gaia.Config{Whitelist: []string{gaiaauth.AddressFromKey(owner)}})
	appAddr := gaiaauth.AddressFromKey(app)
	appPub := hex.EncodeToString(app.PubKey().SerializeCompressed())
	now := time.Now()
	assoc, err := gaiaauth.NewAssociationToken(owner, appPub, now, now.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if r := h.Store(t, h.Token(t, app, gaiaauth.TokenOptions{}), appAddr, "f", []byte("x")); r.Status != http.StatusUnauthorized {
		t.Errorf("app not on the whitelist, no association: %d", r.Status)
	}
	strangerAssoc, _ := gaiaauth.NewAssociationToken(stranger, appPub, now, now.Add(time.Hour))
	if r := h.Store(t, h.Token(t, app, gaiaauth.TokenOptions{AssociationToken: strangerAssoc}), appAddr, "f", []byte("x")); r.Status != http.StatusUnauthorized {
		t.Errorf("association by a non-whitelisted identity: %d", r.Status)
	}
	if files := storedFiles(t, dir); len(files) != 0 {
		t.Errorf("stored %q", files)
	}
	if r := h.Store(t, h.Token(t, app, gaiaauth.TokenOptions{AssociationToken: assoc}), appAddr, "f", []byte("x")); r.Status != http.StatusAccepted {
		t.Errorf("app vouched for by the whitelisted identity: %d %s", r.Status, r.Body)
	}
	if r := h.Store(t, h.Token(t, owner, gaiaauth.TokenOptions{}), gaiaauth.AddressFromKey(owner), "profile.json", []byte("[]")); r.Status != http.StatusAccepted {
		t.Errorf("whitelisted identity: %d %s", r.Status, r.Body)
	}
}

func TestLegacyTokenStore(t *testing.T) {
	k := gaiatest.Key("legacy")
	h, _ := newDiskHub(t, gaia.Config{AllowLegacyTokens: true})
	auth := "bearer " + gaiaauth.NewLegacyToken(k, `["gaiahub","2018","gaia-0","blockstack_storage_please_sign"]`)
	if r := h.Store(t, auth, gaiaauth.AddressFromKey(k), "f", []byte("x")); r.Status != http.StatusAccepted {
		t.Errorf("legacy token: %d %s", r.Status, r.Body)
	}
}

// TestConcurrentStoresOnePath: many clients write one path at once; every
// request is answered 202 (queued, not 409) and the file holds one whole
// body. With If-Match on the same ETag exactly one wins.
func TestConcurrentStoresOnePath(t *testing.T) {
	k := gaiatest.Key("busy")
	addr := gaiaauth.AddressFromKey(k)
	h, _ := newDiskHub(t, gaia.Config{})
	auth := h.Token(t, k, gaiaauth.TokenOptions{})
	first := h.Store(t, auth, addr, "shared", []byte("v0"))
	etag := first.JSON(t)["etag"].(string)
	const n = 16
	statuses := make(chan int, n)
	for i := 0; i < n; i++ {
		go func(i int) {
			body := bytes.Repeat([]byte{byte('a' + i)}, 64<<10)
			statuses <- h.Store(t, auth, addr, "shared", body, "If-Match", etag).Status
		}(i)
	}
	won := 0
	for i := 0; i < n; i++ {
		switch st := <-statuses; st {
		case http.StatusAccepted:
			won++
		case http.StatusPreconditionFailed:
		default:
			t.Errorf("status %d", st)
		}
	}
	if won != 1 {
		t.Errorf("%d writers won the same If-Match, want 1", won)
	}
	whole := func(when string) {
		t.Helper()
		g := h.Do(t, http.MethodGet, "/read/"+addr+"/shared", nil)
		if len(g.Body) != 64<<10 || bytes.Count(g.Body, g.Body[:1]) != len(g.Body) {
			t.Errorf("%s: content mixes writers", when)
		}
	}
	whole("after the If-Match race")
	// Without preconditions every writer is answered 202, one after the
	// other, and the file is one of their bodies.
	for i := 0; i < n; i++ {
		go func(i int) {
			body := bytes.Repeat([]byte{byte('A' + i)}, 64<<10)
			statuses <- h.Store(t, auth, addr, "shared", body).Status
		}(i)
	}
	for i := 0; i < n; i++ {
		if st := <-statuses; st != http.StatusAccepted {
			t.Errorf("unconditional concurrent store: %d, want 202", st)
		}
	}
	whole("after the unconditional writers")
}

// TestAccessLog: at DEBUG, every request leaves one structured line with
// its method, path, status, sizes, duration and peer, and the error class
// of a refusal.
func TestAccessLog(t *testing.T) {
	var buf syncbuf.Buffer
	k := gaiatest.Key("logged")
	addr := gaiaauth.AddressFromKey(k)
	h, _ := newDiskHub(t, gaia.Config{Logger: slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	auth := h.Token(t, k, gaiaauth.TokenOptions{})
	if r := h.Store(t, auth, addr, "a/b.txt", []byte("12345")); r.Status != http.StatusAccepted {
		t.Fatalf("store: %d %s", r.Status, r.Body)
	}
	h.Do(t, http.MethodGet, "/read/"+addr+"/missing", nil)
	var lines []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("log line %q: %v", l, err)
		}
		if m["msg"] == "gaia request" {
			lines = append(lines, m)
		}
	}
	if len(lines) != 2 {
		t.Fatalf("%d access log lines, want 2: %s", len(lines), buf.String())
	}
	store, miss := lines[0], lines[1]
	if store["method"] != "POST" || store["path"] != "/store/"+addr+"/a/b.txt" || store["status"] != 202.0 ||
		store["req_bytes"] != 5.0 || store["bytes"].(float64) <= 0 || store["remote"] == "" || store["dur"] == nil || store["error"] != nil {
		t.Errorf("store's line: %v", store)
	}
	if miss["method"] != "GET" || miss["status"] != 404.0 || miss["error"] != "DoesNotExist" {
		t.Errorf("missing read's line: %v", miss)
	}
}

// TestNoAccessLogAtInfo: at the default level (INFO) requests, served or
// refused, write no line.
func TestNoAccessLogAtInfo(t *testing.T) {
	var buf syncbuf.Buffer
	k := gaiatest.Key("quiet")
	addr := gaiaauth.AddressFromKey(k)
	h, _ := newDiskHub(t, gaia.Config{Logger: slog.New(slog.NewJSONHandler(&buf, nil))})
	auth := h.Token(t, k, gaiaauth.TokenOptions{})
	for i := range 20 {
		if r := h.Store(t, auth, addr, fmt.Sprintf("f%d", i), []byte("x")); r.Status != http.StatusAccepted {
			t.Fatalf("store: %d %s", r.Status, r.Body)
		}
		h.Do(t, http.MethodGet, "/read/"+addr+"/missing", nil)
	}
	if buf.String() != "" {
		t.Fatalf("logged at INFO under requests:\n%s", buf.String())
	}
}
