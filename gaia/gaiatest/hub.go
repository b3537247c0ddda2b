package gaiatest

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/btcsuite/btcd/btcec/v2"

	"github.com/go-blockstack/go-blockstack/gaia"
	"github.com/go-blockstack/go-blockstack/gaia/gaiaauth"
)

// Key returns a fixed test key derived from label.
func Key(label string) *btcec.PrivateKey {
	h := sha256.Sum256([]byte("gaiatest:" + label))
	k, _ := btcec.PrivKeyFromBytes(h[:])
	return k
}

// Hub is a hub under test on an httptest server.
type Hub struct {
	*gaia.Hub
	URL  string
	Name string // server name (challenge)
}

// StartHub serves a hub over d with cfg (ReadURL and ReadPath are filled
// in) on a loopback httptest server, closed when t ends.
func StartHub(t *testing.T, d gaia.Driver, cfg gaia.Config) *Hub {
	t.Helper()
	var h *gaia.Hub
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.ServeHTTP(w, r) }))
	t.Cleanup(srv.Close)
	cfg.ReadPath = "/read/"
	cfg.ReadURL = srv.URL + "/read/"
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	var err error
	if h, err = gaia.New(d, cfg); err != nil {
		t.Fatal(err)
	}
	name := cfg.ServerName
	if name == "" {
		name = "gaia-0"
	}
	return &Hub{Hub: h, URL: srv.URL, Name: name}
}

// Token makes a bearer header value for key with opts.
func (h *Hub) Token(t *testing.T, key *btcec.PrivateKey, opts gaiaauth.TokenOptions) string {
	t.Helper()
	tok, err := gaiaauth.NewV1Token(key, gaiaauth.ChallengeText(h.Name), opts)
	if err != nil {
		t.Fatal(err)
	}
	return "bearer " + tok
}

// Resp is an HTTP answer.
type Resp struct {
	Status int
	Header http.Header
	Body   []byte
}

// JSON decodes the body into a map.
func (r Resp) JSON(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.Body, &m); err != nil {
		t.Fatalf("body %q is not a JSON object: %v", r.Body, err)
	}
	return m
}

// Do sends a request; headers alternate name, value.
func (h *Hub) Do(t *testing.T, method, path string, body []byte, headers ...string) Resp {
	t.Helper()
	r, err := h.DoErr(method, path, body, headers...)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// DoErr is Do for goroutines other than the test's, which must not end
// the test.
func (h *Hub) DoErr(method, path string, body []byte, headers ...string) (Resp, error) {
	req, err := http.NewRequest(method, h.URL+path, bytes.NewReader(body))
	if err != nil {
		return Resp{}, err
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return Resp{}, fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return Resp{}, fmt.Errorf("%s %s: read answer: %w", method, path, err)
	}
	return Resp{Status: resp.StatusCode, Header: resp.Header, Body: b}, nil
}

// Store POSTs data to /store/<address>/<path>.
func (h *Hub) Store(t *testing.T, auth, address, path string, data []byte, headers ...string) Resp {
	t.Helper()
	return h.Do(t, http.MethodPost, "/store/"+address+"/"+path, data, append([]string{"Authorization", auth, "Content-Type", "text/plain"}, headers...)...)
}

// ListAll follows list-files pages and returns every entry.
func (h *Hub) ListAll(t *testing.T, auth, address string, stat bool) []any {
	t.Helper()
	var all []any
	var page any
	for i := 0; ; i++ {
		if i > 1000 {
			t.Fatal("list-files does not end")
		}
		body, _ := json.Marshal(map[string]any{"page": page, "stat": stat})
		r := h.Do(t, http.MethodPost, "/list-files/"+address, body, "Authorization", auth, "Content-Type", "application/json")
		if r.Status != http.StatusAccepted {
			t.Fatalf("list-files: %d %s", r.Status, r.Body)
		}
		var res struct {
			Entries []any   `json:"entries"`
			Page    *string `json:"page"`
		}
		if err := json.Unmarshal(r.Body, &res); err != nil {
			t.Fatal(err)
		}
		if res.Entries == nil {
			t.Fatalf("list-files: entries is not an array: %s", r.Body)
		}
		for _, e := range res.Entries {
			if e != nil {
				all = append(all, e)
			}
		}
		if res.Page == nil {
			return all
		}
		page = *res.Page
	}
}

func entryNames(entries []any) []string {
	var out []string
	for _, e := range entries {
		switch v := e.(type) {
		case string:
			out = append(out, v)
		case map[string]any:
			out = append(out, v["name"].(string))
		}
	}
	return out
}

func runHub(t *testing.T, nd NewDriver) {
	key := Key("owner")
	addr := gaiaauth.AddressFromKey(key)

	t.Run("StoreReadOverwriteDelete", func(t *testing.T) {
		h := StartHub(t, nd(t), gaia.Config{})
		auth := h.Token(t, key, gaiaauth.TokenOptions{})
		r := h.Store(t, auth, addr, "notes/today.txt", []byte("hello"), "Content-Type", "text/markdown")
		if r.Status != http.StatusAccepted {
			t.Fatalf("store: %d %s", r.Status, r.Body)
		}
		m := r.JSON(t)
		if m["publicURL"] != h.ReadURLPrefix()+addr+"/notes/today.txt" || m["etag"] == "" {
			t.Errorf("store answer %s", r.Body)
		}
		etag := m["etag"].(string)
		g := h.Do(t, http.MethodGet, "/read/"+addr+"/notes/today.txt", nil)
		if g.Status != http.StatusOK || string(g.Body) != "hello" || g.Header.Get("Content-Type") != "text/markdown" ||
			!gaia.ETagsMatch(g.Header.Get("ETag"), etag) || g.Header.Get("Cache-Control") != "no-cache" ||
			g.Header.Get("Last-Modified") == "" || g.Header.Get("Access-Control-Allow-Origin") != "*" {
			t.Errorf("read: %d %q %v", g.Status, g.Body, g.Header)
		}
		hd := h.Do(t, http.MethodHead, "/read/"+addr+"/notes/today.txt", nil)
		if hd.Status != http.StatusOK || len(hd.Body) != 0 || hd.Header.Get("Content-Length") != "5" {
			t.Errorf("HEAD: %d %v", hd.Status, hd.Header)
		}
		if r := h.Do(t, http.MethodGet, "/read/"+addr+"/notes/today.txt", nil, "If-None-Match", g.Header.Get("ETag")); r.Status != http.StatusNotModified || len(r.Body) != 0 {
			t.Errorf("conditional read with the current ETag: %d with %d bytes, want 304 and none", r.Status, len(r.Body))
		}
		if r := h.Do(t, http.MethodGet, "/read/"+addr+"/notes/today.txt", nil, "If-None-Match", `"0123"`); r.Status != http.StatusOK || string(r.Body) != "hello" {
			t.Errorf("conditional read with another ETag: %d %q, want 200 and the file", r.Status, r.Body)
		}
		// Overwrite with the read ETag echoed back, as @stacks/storage does.
		r = h.Store(t, auth, addr, "notes/today.txt", []byte("hello again"), "If-Match", g.Header.Get("ETag"))
		if r.Status != http.StatusAccepted {
			t.Fatalf("overwrite with If-Match: %d %s", r.Status, r.Body)
		}
		if g := h.Do(t, http.MethodGet, "/read/"+addr+"/notes/today.txt", nil); string(g.Body) != "hello again" {
			t.Errorf("after overwrite: %q", g.Body)
		}
		d := h.Do(t, http.MethodDelete, "/delete/"+addr+"/notes/today.txt", nil, "Authorization", auth)
		if d.Status != http.StatusAccepted || len(d.Body) != 0 {
			t.Errorf("delete: %d %q", d.Status, d.Body)
		}
		if g := h.Do(t, http.MethodGet, "/read/"+addr+"/notes/today.txt", nil); g.Status != http.StatusNotFound {
			t.Errorf("read after delete: %d", g.Status)
		}
		if d := h.Do(t, http.MethodDelete, "/delete/"+addr+"/notes/today.txt", nil, "Authorization", auth); d.Status != http.StatusNotFound || d.JSON(t)["error"] != "DoesNotExist" {
			t.Errorf("second delete: %d %s", d.Status, d.Body)
		}
	})

	t.Run("Preconditions", func(t *testing.T) {
		h := StartHub(t, nd(t), gaia.Config{})
		auth := h.Token(t, key, gaiaauth.TokenOptions{})
		first := h.Store(t, auth, addr, "doc", []byte("v1"), "If-None-Match", "*")
		if first.Status != http.StatusAccepted {
			t.Fatalf("create with If-None-Match *: %d %s", first.Status, first.Body)
		}
		etag1 := first.JSON(t)["etag"].(string)
		cases := []struct {
			name    string
			headers []string
		}{
			{"If-None-Match * on an existing file", []string{"If-None-Match", "*"}},
			{"stale If-Match", []string{"If-Match", `"0123456789abcdef0123456789abcdef"`}},
			{"both headers", []string{"If-Match", etag1, "If-None-Match", "*"}},
			{"If-None-Match not *", []string{"If-None-Match", etag1}},
		}
		for _, c := range cases {
			r := h.Store(t, auth, addr, "doc", []byte("clobber"), c.headers...)
			if r.Status != http.StatusPreconditionFailed || r.JSON(t)["error"] != "PreconditionFailedError" {
				t.Errorf("%s: %d %s", c.name, r.Status, r.Body)
			}
		}
		if r := h.Store(t, auth, addr, "missing", []byte("x"), "If-Match", etag1); r.Status != http.StatusPreconditionFailed {
			t.Errorf("If-Match on a missing file: %d %s", r.Status, r.Body)
		}
		r := h.Store(t, auth, addr, "doc", []byte("v2"), "If-Match", etag1)
		if r.Status != http.StatusAccepted {
			t.Fatalf("If-Match current: %d %s", r.Status, r.Body)
		}
		etag2 := r.JSON(t)["etag"].(string)
		if r := h.Store(t, auth, addr, "doc", []byte("v3"), "If-Match", etag1); r.Status != http.StatusPreconditionFailed ||
			!gaia.ETagsMatch(r.JSON(t)["etag"].(string), etag2) {
			t.Errorf("If-Match superseded: %d %s (current %s)", r.Status, r.Body, etag2)
		}
		if r := h.Store(t, auth, addr, "doc", []byte("v3"), "If-Match", "*"); r.Status != http.StatusAccepted {
			t.Errorf("If-Match *: %d %s", r.Status, r.Body)
		}
		if g := h.Do(t, http.MethodGet, "/read/"+addr+"/doc", nil); string(g.Body) != "v3" {
			t.Errorf("content %q", g.Body)
		}
	})

	t.Run("ListFiles", func(t *testing.T) {
		h := StartHub(t, nd(t), gaia.Config{PageSize: 3})
		auth := h.Token(t, key, gaiaauth.TokenOptions{})
		want := []string{"a", "b/c", "b/d/e", "f g", "h", "i/j", "k", "l"}
		for _, p := range want {
			if r := h.Store(t, auth, addr, strings.ReplaceAll(p, " ", "%20"), []byte(p)); r.Status != http.StatusAccepted {
				t.Fatalf("store %s: %d %s", p, r.Status, r.Body)
			}
		}
		if got := entryNames(h.ListAll(t, auth, addr, false)); !sameSet(got, want) {
			t.Errorf("list-files = %q, want %q", got, want)
		}
		for _, e := range h.ListAll(t, auth, addr, true) {
			m := e.(map[string]any)
			n := m["name"].(string)
			if m["exists"] != true || m["etag"] == "" || m["contentLength"] != float64(len(n)) || m["contentType"] != "text/plain" {
				t.Errorf("stat entry %v", m)
			}
			if lm, ok := m["lastModifiedDate"].(float64); !ok || time.Since(time.Unix(int64(lm), 0)) > time.Hour {
				t.Errorf("lastModifiedDate %v", m["lastModifiedDate"])
			}
		}
		// Another user's bucket is empty and its listing needs its own key.
		other := Key("other")
		if got := h.ListAll(t, h.Token(t, other, gaiaauth.TokenOptions{}), gaiaauth.AddressFromKey(other), false); len(got) != 0 {
			t.Errorf("other bucket lists %v", got)
		}
		if r := h.Do(t, http.MethodPost, "/list-files/"+gaiaauth.AddressFromKey(other), []byte(`{}`), "Authorization", auth); r.Status != http.StatusUnauthorized {
			t.Errorf("listing another bucket: %d %s", r.Status, r.Body)
		}
	})

	t.Run("ArchivalScopes", func(t *testing.T) {
		h := StartHub(t, nd(t), gaia.Config{})
		plain := h.Token(t, key, gaiaauth.TokenOptions{})
		arch := h.Token(t, key, gaiaauth.TokenOptions{Scopes: []gaiaauth.Scope{{Scope: gaiaauth.ScopePutFileArchivalPrefix, Domain: "journal/"}}})
		for i, v := range []string{"v1", "v2", "v3"} {
			if r := h.Store(t, arch, addr, "journal/day", []byte(v)); r.Status != http.StatusAccepted {
				t.Fatalf("archival store %d: %d %s", i, r.Status, r.Body)
			}
		}
		if r := h.Store(t, arch, addr, "outside", []byte("x")); r.Status != http.StatusUnauthorized {
			t.Errorf("archival token outside its prefix: %d", r.Status)
		}
		all := entryNames(h.ListAll(t, plain, addr, false))
		history := 0
		for _, n := range all {
			if strings.HasPrefix(n, "journal/.history.") && strings.HasSuffix(n, ".day") {
				history++
				g := h.Do(t, http.MethodGet, "/read/"+addr+"/"+n, nil)
				if g.Status != http.StatusOK || (string(g.Body) != "v1" && string(g.Body) != "v2") {
					t.Errorf("history %s: %d %q", n, g.Status, g.Body)
				}
			}
		}
		if history != 2 || len(all) != 3 {
			t.Errorf("after 3 archival writes, list = %q", all)
		}
		if got := entryNames(h.ListAll(t, arch, addr, false)); !slices.Equal(got, []string{"journal/day"}) {
			t.Errorf("archival token lists %q, want only the current file", got)
		}
		if d := h.Do(t, http.MethodDelete, "/delete/"+addr+"/journal/day", nil, "Authorization", arch); d.Status != http.StatusAccepted {
			t.Fatalf("archival delete: %d %s", d.Status, d.Body)
		}
		if g := h.Do(t, http.MethodGet, "/read/"+addr+"/journal/day", nil); g.Status != http.StatusNotFound {
			t.Errorf("after archival delete: %d", g.Status)
		}
		if n := len(h.ListAll(t, plain, addr, false)); n != 3 {
			t.Errorf("archival delete kept %d files, want 3 history copies", n)
		}
		// A write that fails (too large) under archival scopes keeps the
		// current version where it was.
		small := StartHub(t, nd(t), gaia.Config{MaxFileUploadSizeMB: 0.1})
		sarch := small.Token(t, key, gaiaauth.TokenOptions{Scopes: []gaiaauth.Scope{{Scope: gaiaauth.ScopePutFileArchival, Domain: "f"}}})
		if r := small.Store(t, sarch, addr, "f", []byte("keep me")); r.Status != http.StatusAccepted {
			t.Fatal(r.Status)
		}
		if r := PostChunked(t, small.URL+"/store/"+addr+"/f", sarch, 200<<10); r != http.StatusRequestEntityTooLarge {
			t.Errorf("oversize chunked archival write: %d", r)
		}
		if g := small.Do(t, http.MethodGet, "/read/"+addr+"/f", nil); string(g.Body) != "keep me" {
			t.Errorf("after failed archival write: %d %q", g.Status, g.Body)
		}
		if n := len(small.ListAll(t, small.Token(t, key, gaiaauth.TokenOptions{}), addr, false)); n != 1 {
			t.Errorf("after failed archival write, %d files, want 1", n)
		}
	})

	t.Run("DeleteScopes", func(t *testing.T) {
		h := StartHub(t, nd(t), gaia.Config{})
		plain := h.Token(t, key, gaiaauth.TokenOptions{})
		for _, p := range []string{"cache/a", "cache/deep/b", "cached", "notes/1", "notes/2"} {
			if r := h.Store(t, plain, addr, p, []byte(p)); r.Status != http.StatusAccepted {
				t.Fatalf("store %s: %d %s", p, r.Status, r.Body)
			}
		}
		scoped := h.Token(t, key, gaiaauth.TokenOptions{Scopes: []gaiaauth.Scope{
			{Scope: gaiaauth.ScopeDeleteFilePrefix, Domain: "cache/"}, {Scope: gaiaauth.ScopeDeleteFile, Domain: "notes/1"}}})
		for p, want := range map[string]int{"cache/a": 202, "cache/deep/b": 202, "notes/1": 202, "cached": 401, "notes/2": 401} {
			d := h.Do(t, http.MethodDelete, "/delete/"+addr+"/"+p, nil, "Authorization", scoped)
			if d.Status != want {
				t.Errorf("delete %s under deleteFilePrefix cache/ and deleteFile notes/1: %d %s, want %d", p, d.Status, d.Body, want)
			}
		}
		if got := entryNames(h.ListAll(t, plain, addr, false)); !slices.Equal(got, []string{"cached", "notes/2"}) {
			t.Errorf("after the scoped deletes, list = %q, want the two refused ones", got)
		}
	})

	t.Run("AbuseControls", func(t *testing.T) { runAbuseControls(t, nd) })

	t.Run("Revocation", func(t *testing.T) {
		d := nd(t)
		h := StartHub(t, d, gaia.Config{})
		now := time.Now()
		old := h.Token(t, key, gaiaauth.TokenOptions{IssuedAt: now.Add(-time.Hour)})
		noIat := h.Token(t, key, gaiaauth.TokenOptions{})
		if r := h.Store(t, old, addr, "f", []byte("1")); r.Status != http.StatusAccepted {
			t.Fatal(r.Status)
		}
		ts := now.Add(-time.Minute).Unix()
		rv := h.Do(t, http.MethodPost, "/revoke-all/"+addr, []byte(`{"oldestValidTimestamp":`+strconv.FormatInt(ts, 10)+`}`), "Authorization", noIat)
		if rv.Status != http.StatusAccepted || rv.JSON(t)["status"] != "success" {
			t.Fatalf("revoke-all: %d %s", rv.Status, rv.Body)
		}
		for name, tok := range map[string]string{"issued before": old, "no iat": noIat} {
			r := h.Store(t, tok, addr, "g", []byte("2"))
			if r.Status != http.StatusUnauthorized || r.JSON(t)["error"] != "AuthTokenTimestampValidationError" {
				t.Errorf("%s revoke-all: %d %s", name, r.Status, r.Body)
			}
		}
		if g := h.Do(t, http.MethodGet, "/read/"+addr+"/g", nil); g.Status != http.StatusNotFound {
			t.Errorf("a revoked token's store left g: %d %q", g.Status, g.Body)
		}
		fresh := h.Token(t, key, gaiaauth.TokenOptions{IssuedAt: now})
		if r := h.Store(t, fresh, addr, "g", []byte("2")); r.Status != http.StatusAccepted {
			t.Errorf("token issued after revoke-all: %d %s", r.Status, r.Body)
		}
		// Revocation only moves forward, and is stored where the
		// reference hub keeps it.
		if rv := h.Do(t, http.MethodPost, "/revoke-all/"+addr, []byte(`{"oldestValidTimestamp":1000}`), "Authorization", fresh); rv.Status != http.StatusAccepted {
			t.Fatalf("lower revoke-all: %d %s", rv.Status, rv.Body)
		}
		g := h.Do(t, http.MethodGet, "/read/"+addr+"-auth/authTimestamp", nil)
		if g.Status != http.StatusOK || string(g.Body) != strconv.FormatInt(ts, 10) {
			t.Errorf("stored timestamp: %d %q, want %d", g.Status, g.Body, ts)
		}
		// A second hub on the same storage (a restart) honours it.
		h2 := StartHub(t, d, gaia.Config{})
		if r := h2.Store(t, h2.Token(t, key, gaiaauth.TokenOptions{IssuedAt: now.Add(-time.Hour)}), addr, "h", []byte("3")); r.Status != http.StatusUnauthorized {
			t.Errorf("revoked token on a restarted hub: %d %s", r.Status, r.Body)
		}
	})
}

// PostChunked streams n zero bytes to url with no Content-Length and
// returns the status; a connection the hub closes while the client still
// sends counts as 413.
func PostChunked(t *testing.T, url, auth string, n int) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, io.NopCloser(io.LimitReader(zeros{}, int64(n))))
	if err != nil {
		t.Fatal(err)
	}
	req.ContentLength = -1
	req.Header.Set("Authorization", auth)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		// The hub may close the connection while the client still sends.
		t.Logf("chunked post: %v", err)
		return http.StatusRequestEntityTooLarge
	}
	resp.Body.Close()
	return resp.StatusCode
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) { clear(p); return len(p), nil }
