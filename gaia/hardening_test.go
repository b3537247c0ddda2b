package gaia_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
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

// upload is a store sent by hand over one connection, so that a test can
// hold its body back. It asks for "100 Continue", which the server sends
// when the hub starts reading the body: from then on the test knows the
// hub is waiting for the body.
type upload struct {
	conn net.Conn
	br   *bufio.Reader
}

// startUpload sends the headers of a store of length bytes, waits for the
// hub to read the body, then sends first.
func startUpload(t *testing.T, hubURL, auth, address, path string, length int, first []byte) *upload {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(hubURL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	fmt.Fprintf(conn, "POST /store/%s/%s HTTP/1.1\r\nHost: hub\r\nAuthorization: %s\r\nContent-Type: text/plain\r\n"+
		"Content-Length: %d\r\nExpect: 100-continue\r\n\r\n", address, path, auth, length)
	u := &upload{conn: conn, br: bufio.NewReader(conn)}
	resp, err := http.ReadResponse(u.br, nil)
	if err != nil {
		t.Fatalf("upload of %s: %v", path, err)
	}
	if resp.StatusCode != http.StatusContinue {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("upload of %s: %d %s before the body, want 100", path, resp.StatusCode, b)
	}
	if _, err := conn.Write(first); err != nil {
		t.Fatal(err)
	}
	return u
}

// finish sends rest and returns the hub's answer.
func (u *upload) finish(t *testing.T, rest []byte) (int, string) {
	t.Helper()
	if _, err := u.conn.Write(rest); err != nil {
		t.Fatal(err)
	}
	return u.answer(t)
}

func (u *upload) answer(t *testing.T) (int, string) {
	t.Helper()
	resp, err := http.ReadResponse(u.br, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// doWithin is h.Do that gives up after a while, for a request that a bug
// would leave waiting forever.
func doWithin(t *testing.T, h *gaiatest.Hub, method, path string, body string, headers ...string) (int, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, h.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Errorf("%s %s: %v", method, path, err)
		return 0, ""
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestSlowUploadHoldsNoLock: a store whose body is still arriving holds no
// path lock, so another store of the same path is answered at once (issue
// 22, item 4: slow uploads held the shared lock stripes).
func TestSlowUploadHoldsNoLock(t *testing.T) {
	k := gaiatest.Key("slow")
	addr := gaiaauth.AddressFromKey(k)
	h, _ := newDiskHub(t, gaia.Config{})
	auth := h.Token(t, k, gaiaauth.TokenOptions{})
	slow := startUpload(t, h.URL, auth, addr, "f", 4, []byte("s"))
	if st, body := doWithin(t, h, http.MethodPost, "/store/"+addr+"/f", "fast", "Authorization", auth); st != http.StatusAccepted {
		t.Fatalf("store while another upload of the path stalls: %d %s", st, body)
	}
	if st, body := slow.finish(t, []byte("low")); st != http.StatusAccepted {
		t.Fatalf("slow upload: %d %s", st, body)
	}
	if g := h.Do(t, http.MethodGet, "/read/"+addr+"/f", nil); string(g.Body) != "slow" {
		t.Errorf("content %q, want the last upload to finish", g.Body)
	}
}

// TestUploadsPerAddress: one address's uploads in flight are bounded, and
// reaching the bound refuses only that address (issue 22, item 4).
func TestUploadsPerAddress(t *testing.T) {
	greedy, other := gaiatest.Key("greedy"), gaiatest.Key("other")
	addr := gaiaauth.AddressFromKey(greedy)
	h, _ := newDiskHub(t, gaia.Config{MaxUploadsPerAddress: 2})
	auth := h.Token(t, greedy, gaiaauth.TokenOptions{})
	stalled := []*upload{
		startUpload(t, h.URL, auth, addr, "a", 2, []byte("a")),
		startUpload(t, h.URL, auth, addr, "b", 2, []byte("b")),
	}
	if st, body := doWithin(t, h, http.MethodPost, "/store/"+addr+"/c", "c", "Authorization", auth); st != http.StatusTooManyRequests {
		t.Errorf("third upload of one address: %d %s, want 429", st, body)
	}
	if r := h.Store(t, h.Token(t, other, gaiaauth.TokenOptions{}), gaiaauth.AddressFromKey(other), "c", []byte("c")); r.Status != http.StatusAccepted {
		t.Errorf("another address meanwhile: %d %s", r.Status, r.Body)
	}
	for _, u := range stalled {
		if st, body := u.finish(t, []byte("!")); st != http.StatusAccepted {
			t.Errorf("stalled upload: %d %s", st, body)
		}
	}
	if r := h.Store(t, auth, addr, "c", []byte("c")); r.Status != http.StatusAccepted {
		t.Errorf("after the uploads ended: %d %s", r.Status, r.Body)
	}
}

// TestArchivalWriteKeepsCurrentVersion: under an archival scope the
// current version stays readable until the new one is stored, and is then
// found in the history (issue 22, item 5: it was moved away first, so
// readers got 404 and a crash mid-upload lost it).
func TestArchivalWriteKeepsCurrentVersion(t *testing.T) {
	k := gaiatest.Key("archivist")
	addr := gaiaauth.AddressFromKey(k)
	h, _ := newDiskHub(t, gaia.Config{})
	arch := h.Token(t, k, gaiaauth.TokenOptions{Scopes: []gaiaauth.Scope{{Scope: gaiaauth.ScopePutFileArchivalPrefix, Domain: "log/"}}})
	if r := h.Store(t, arch, addr, "log/day", []byte("v1")); r.Status != http.StatusAccepted {
		t.Fatalf("first version: %d %s", r.Status, r.Body)
	}
	u := startUpload(t, h.URL, arch, addr, "log/day", 2, []byte("v"))
	if g := h.Do(t, http.MethodGet, "/read/"+addr+"/log/day", nil); g.Status != http.StatusOK || string(g.Body) != "v1" {
		t.Errorf("read during the upload of v2: %d %q, want v1", g.Status, g.Body)
	}
	if st, body := u.finish(t, []byte("2")); st != http.StatusAccepted {
		t.Fatalf("v2: %d %s", st, body)
	}
	if g := h.Do(t, http.MethodGet, "/read/"+addr+"/log/day", nil); string(g.Body) != "v2" {
		t.Errorf("after v2: %q", g.Body)
	}
	var history []string
	for _, n := range entryNames(h.ListAll(t, h.Token(t, k, gaiaauth.TokenOptions{}), addr, false)) {
		if strings.HasPrefix(n, "log/.history.") {
			history = append(history, n)
		}
	}
	if len(history) != 1 {
		t.Fatalf("history %q, want one copy", history)
	}
	if g := h.Do(t, http.MethodGet, "/read/"+addr+"/"+history[0], nil); string(g.Body) != "v1" {
		t.Errorf("history holds %q, want v1", g.Body)
	}
}

func entryNames(entries []any) []string {
	var out []string
	for _, e := range entries {
		out = append(out, e.(string))
	}
	return out
}

// watchedHub serves a hub over d on a server with a read timeout, and
// reports on done when each request's handler has returned.
func watchedHub(t *testing.T, d gaia.Driver) (url string, done <-chan struct{}, logs *syncbuf.Buffer) {
	t.Helper()
	logs = &syncbuf.Buffer{}
	finished := make(chan struct{}, 1)
	var hub *gaia.Hub
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hub.ServeHTTP(w, r)
		finished <- struct{}{}
	}))
	srv.Config.ReadTimeout = 2 * time.Second
	srv.Start()
	t.Cleanup(srv.Close)
	var err error
	hub, err = gaia.New(d, gaia.Config{ReadURL: srv.URL + "/read/",
		Logger: slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	if err != nil {
		t.Fatal(err)
	}
	return srv.URL, finished, logs
}

// loggedStatus is the status in the access log, after checking that
// nothing was logged as a server error.
func loggedStatus(t *testing.T, logs *syncbuf.Buffer) int {
	t.Helper()
	status := 0
	for _, l := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("log line %q: %v", l, err)
		}
		if m["level"] == "ERROR" {
			t.Errorf("logged as a server error: %s", l)
		}
		if m["msg"] == "gaia request" {
			status = int(m["status"].(float64))
		}
	}
	return status
}

func newDisk(t *testing.T) *disk.Driver {
	t.Helper()
	d, err := disk.New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

// TestClientFailuresAreNotServerErrors: a body that ends early, a client
// that goes away and one that stalls past the read timeout are answered
// 400 or 408, logged below ERROR (issue 22, item 10: 500 and an ERROR line
// each, thousands in an attack).
func TestClientFailuresAreNotServerErrors(t *testing.T) {
	k := gaiatest.Key("flaky")
	addr := gaiaauth.AddressFromKey(k)
	tok, err := gaiaauth.NewV1Token(k, gaiaauth.ChallengeText("gaia-0"), gaiaauth.TokenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		fail func(u *upload)
		want int
	}{
		{"truncated", func(u *upload) { u.conn.(*net.TCPConn).CloseWrite() }, http.StatusBadRequest},
		{"disconnected", func(u *upload) { u.conn.Close() }, http.StatusBadRequest},
		{"stalled", func(*upload) {}, http.StatusRequestTimeout},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			url, done, logs := watchedHub(t, newDisk(t))
			u := startUpload(t, url, "bearer "+tok, addr, "f", 100, []byte("only ten b"))
			c.fail(u)
			<-done
			if st := loggedStatus(t, logs); st != c.want {
				t.Errorf("status %d, want %d", st, c.want)
			}
		})
	}
}

// blockingDriver's Put announces itself and waits for its context to end.
type blockingDriver struct {
	gaia.Driver
	entered chan struct{}
}

func (b blockingDriver) Put(ctx context.Context, bucket, path string, body io.Reader, opts gaia.PutOptions) (gaia.ObjectInfo, error) {
	close(b.entered)
	<-ctx.Done()
	return gaia.ObjectInfo{}, fmt.Errorf("put %s/%s: %w", bucket, path, ctx.Err())
}

// TestClientGoneDuringWrite: a client that disconnects once its body is
// sent cancels the write, which is no server error either (issue 22, item
// 10).
func TestClientGoneDuringWrite(t *testing.T) {
	k := gaiatest.Key("gone")
	tok, err := gaiaauth.NewV1Token(k, gaiaauth.ChallengeText("gaia-0"), gaiaauth.TokenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	d := blockingDriver{Driver: newDisk(t), entered: make(chan struct{})}
	url, done, logs := watchedHub(t, d)
	u := startUpload(t, url, "bearer "+tok, gaiaauth.AddressFromKey(k), "f", 3, []byte("all"))
	<-d.entered
	u.conn.Close()
	<-done
	if st := loggedStatus(t, logs); st != http.StatusBadRequest {
		t.Errorf("status %d, want 400", st)
	}
}

// TestActiveContentSandboxed: a file stored as HTML is served with a CSP
// sandbox, so that its scripts do not run with the hub's origin, unless
// the hub is configured to serve active content (issue 22, item 11).
func TestActiveContentSandboxed(t *testing.T) {
	k := gaiatest.Key("html")
	addr := gaiaauth.AddressFromKey(k)
	for _, c := range []struct {
		name string
		cfg  gaia.Config
		csp  string
	}{
		{"default", gaia.Config{}, "sandbox"},
		{"AllowActiveContent", gaia.Config{AllowActiveContent: true}, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			h, _ := newDiskHub(t, c.cfg)
			auth := h.Token(t, k, gaiaauth.TokenOptions{})
			if r := h.Store(t, auth, addr, "page.html", []byte("<script>alert(1)</script>"), "Content-Type", "text/html"); r.Status != http.StatusAccepted {
				t.Fatalf("store: %d %s", r.Status, r.Body)
			}
			for _, m := range []string{http.MethodGet, http.MethodHead} {
				g := h.Do(t, m, "/read/"+addr+"/page.html", nil)
				if g.Status != http.StatusOK || g.Header.Get("Content-Security-Policy") != c.csp ||
					g.Header.Get("X-Content-Type-Options") != "nosniff" {
					t.Errorf("%s: %d %v", m, g.Status, g.Header)
				}
			}
		})
	}
}

// TestIfMatchStarCreates: "If-Match: *" on a missing file creates it, as
// the reference hub does (RFC 9110 would answer 412); kept for
// compatibility with its clients.
func TestIfMatchStarCreates(t *testing.T) {
	k := gaiatest.Key("star")
	addr := gaiaauth.AddressFromKey(k)
	h, _ := newDiskHub(t, gaia.Config{})
	if r := h.Store(t, h.Token(t, k, gaiaauth.TokenOptions{}), addr, "new", []byte("x"), "If-Match", "*"); r.Status != http.StatusAccepted {
		t.Errorf("If-Match * on a missing file: %d %s", r.Status, r.Body)
	}
}

// TestRevocationHardening: legacy v0 tokens are refused unless allowed,
// and even then cannot write after a revoke-all or skip the hub URL check;
// revoke-all cannot move the timestamp far into the future, nor be called
// by a token restricted by scopes (issue 22, item 7).
func TestRevocationHardening(t *testing.T) {
	k := gaiatest.Key("revoker")
	addr := gaiaauth.AddressFromKey(k)
	now := time.Now()
	legacy := "bearer " + gaiaauth.NewLegacyToken(k, gaiaauth.ChallengeText("gaia-0"))
	revoke := func(ts time.Time) []byte {
		return []byte(`{"oldestValidTimestamp":` + strconv.FormatInt(ts.Unix(), 10) + `}`)
	}
	cases := []struct {
		name   string
		cfg    gaia.Config
		before func(t *testing.T, h *gaiatest.Hub) // run first, must succeed
		method string
		path   string
		body   []byte
		auth   func(t *testing.T, h *gaiatest.Hub) string
		want   int
	}{
		{name: "v0 refused by default", method: http.MethodPost, path: "/store/" + addr + "/f", body: []byte("x"),
			auth: func(*testing.T, *gaiatest.Hub) string { return legacy }, want: http.StatusUnauthorized},
		{name: "v0 allowed", cfg: gaia.Config{AllowLegacyTokens: true}, method: http.MethodPost, path: "/store/" + addr + "/f", body: []byte("x"),
			auth: func(*testing.T, *gaiatest.Hub) string { return legacy }, want: http.StatusAccepted},
		{name: "v0 write after revoke-all", cfg: gaia.Config{AllowLegacyTokens: true},
			before: func(t *testing.T, h *gaiatest.Hub) {
				if r := h.Do(t, http.MethodPost, "/revoke-all/"+addr, revoke(now.Add(-time.Minute)), "Authorization", h.Token(t, k, gaiaauth.TokenOptions{})); r.Status != http.StatusAccepted {
					t.Fatalf("revoke-all: %d %s", r.Status, r.Body)
				}
			},
			method: http.MethodPost, path: "/store/" + addr + "/f", body: []byte("x"),
			auth: func(*testing.T, *gaiatest.Hub) string { return legacy }, want: http.StatusUnauthorized},
		{name: "v0 where a hub URL is required", cfg: gaia.Config{AllowLegacyTokens: true, RequireCorrectHubURL: true},
			method: http.MethodPost, path: "/store/" + addr + "/f", body: []byte("x"),
			auth: func(*testing.T, *gaiatest.Hub) string { return legacy }, want: http.StatusUnauthorized},
		{name: "v0 revoke-all far in the future", cfg: gaia.Config{AllowLegacyTokens: true},
			method: http.MethodPost, path: "/revoke-all/" + addr, body: []byte(`{"oldestValidTimestamp":9007199254740992}`),
			auth: func(*testing.T, *gaiatest.Hub) string { return legacy }, want: http.StatusBadRequest},
		{name: "revoke-all an hour ahead", method: http.MethodPost, path: "/revoke-all/" + addr, body: revoke(now.Add(time.Hour)),
			auth: func(t *testing.T, h *gaiatest.Hub) string { return h.Token(t, k, gaiaauth.TokenOptions{}) }, want: http.StatusBadRequest},
		{name: "revoke-all within the skew", method: http.MethodPost, path: "/revoke-all/" + addr, body: revoke(now.Add(time.Minute)),
			auth: func(t *testing.T, h *gaiatest.Hub) string { return h.Token(t, k, gaiaauth.TokenOptions{}) }, want: http.StatusAccepted},
		{name: "revoke-all by a putFile token", method: http.MethodPost, path: "/revoke-all/" + addr, body: revoke(now),
			auth: func(t *testing.T, h *gaiatest.Hub) string {
				return h.Token(t, k, gaiaauth.TokenOptions{Scopes: []gaiaauth.Scope{{Scope: gaiaauth.ScopePutFile, Domain: "x"}}})
			}, want: http.StatusUnauthorized},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h, _ := newDiskHub(t, c.cfg)
			if c.before != nil {
				c.before(t, h)
			}
			if r := h.Do(t, c.method, c.path, c.body, "Authorization", c.auth(t, h)); r.Status != c.want {
				t.Errorf("%d %s, want %d", r.Status, r.Body, c.want)
			}
		})
	}
}
