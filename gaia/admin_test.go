package gaia_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-blockstack/go-blockstack/gaia"
	"github.com/go-blockstack/go-blockstack/gaia/gaiaauth"
	"github.com/go-blockstack/go-blockstack/gaia/gaiatest"
)

const adminKey = "an admin key of some length"

// startAdmin serves h's admin API with cfg (Key defaults to adminKey) and
// returns a client for it.
func startAdmin(t *testing.T, h *gaiatest.Hub, cfg gaia.AdminConfig) *gaiatest.Hub {
	t.Helper()
	if cfg.Key == nil {
		cfg.Key = []byte(adminKey)
	}
	handler, err := h.Hub.AdminHandler(cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(handler)
	t.Cleanup(srv.Close)
	return &gaiatest.Hub{URL: srv.URL}
}

// TestAdminAPI: the admin API's routes and answers, in the reference admin
// service's shapes; a whitelist set through it holds at once for stores.
func TestAdminAPI(t *testing.T) {
	h, _ := newDiskHub(t, gaia.Config{MaxBucketSizeMB: 1})
	owner, stranger := gaiatest.Key("identity"), gaiatest.Key("stranger")
	ownerAddr := gaiaauth.AddressFromKey(owner)
	var saved atomic.Value
	reloads := 0
	adm := startAdmin(t, h, gaia.AdminConfig{
		Reload: func(context.Context) ([]string, []string, error) {
			reloads++
			if reloads > 1 {
				return nil, nil, errors.New("the file is broken")
			}
			return []string{"whitelist"}, []string{"driver"}, nil
		},
		SaveWhitelist: func(list []string) error { saved.Store(strings.Join(list, ",")); return nil },
	})
	bearer := "bearer " + adminKey
	if r := h.Store(t, h.Token(t, owner, gaiaauth.TokenOptions{}), ownerAddr, "a.txt", []byte("hello")); r.Status != http.StatusAccepted {
		t.Fatalf("store: %d %s", r.Status, r.Body)
	}
	cases := []struct {
		name, method, path, body, auth string
		status                         int
		want                           string
	}{
		{"no key", "GET", "/v1/admin/whitelist", "", "", 403, `"error":"forbidden"`},
		{"wrong key", "GET", "/v1/admin/whitelist", "", "bearer " + adminKey + "x", 403, `"error":"forbidden"`},
		{"other scheme", "GET", "/v1/admin/whitelist", "", "basic " + adminKey, 403, `"error":"forbidden"`},
		{"no whitelist", "GET", "/v1/admin/whitelist", "", bearer, 200, `{"config":{"whitelist":null}}`},
		{"not an array", "POST", "/v1/admin/whitelist", `{"whitelist":[]}`, bearer, 400, "JSON array"},
		{"not an address", "POST", "/v1/admin/whitelist", `["1BoatSLRHtKNngkdXEeobR76b1LP5rdJLx"]`, bearer, 400, "not a Gaia address"},
		{"set whitelist", "POST", "/v1/admin/whitelist", `["` + ownerAddr + `"]`, "Bearer " + adminKey, 200, `{"message":"Whitelist updated"}`},
		{"whitelist", "GET", "/v1/admin/whitelist", "", bearer, 200, `{"config":{"whitelist":["` + ownerAddr + `"]}}`},
		{"usage", "GET", "/v1/admin/buckets/" + ownerAddr + "/usage", "", bearer, 200, `{"address":"` + ownerAddr + `","bytes":5,"quota_bytes":1048576}`},
		{"usage of a bad address", "GET", "/v1/admin/buckets/a.b/usage", "", bearer, 400, "not a bucket address"},
		{"reload", "POST", "/v1/admin/reload", "", bearer, 200, `{"applied":["whitelist"],"restart_needed":["driver"],"result":"OK"}`},
		{"reload fails", "POST", "/v1/admin/reload", "", bearer, 500, `{"message":"reload: the file is broken","error":"ReloadError"}`},
		{"unknown route", "GET", "/v1/admin/config", "", bearer, 404, "not an admin API route"},
		{"body too large", "POST", "/v1/admin/whitelist", "[" + strings.Repeat(`"`+ownerAddr+`",`, 40000) + "]", bearer, 413, "PayloadTooLargeError"},
	}
	for _, c := range cases {
		r := adm.Do(t, c.method, c.path, []byte(c.body), "Authorization", c.auth)
		if r.Status != c.status || !strings.Contains(string(r.Body), c.want) {
			t.Errorf("%s: %d %s, want %d with %s", c.name, r.Status, r.Body, c.status, c.want)
		}
	}
	if got, _ := saved.Load().(string); got != ownerAddr {
		t.Errorf("saved whitelist %q", got)
	}
	if r := h.Store(t, h.Token(t, stranger, gaiaauth.TokenOptions{}), gaiaauth.AddressFromKey(stranger), "b.txt", []byte("x")); r.Status != http.StatusUnauthorized {
		t.Errorf("store by an address off the new whitelist: %d %s", r.Status, r.Body)
	}
	if r := h.Store(t, h.Token(t, owner, gaiaauth.TokenOptions{}), ownerAddr, "b.txt", []byte("x")); r.Status != http.StatusAccepted {
		t.Errorf("store by the whitelisted address: %d %s", r.Status, r.Body)
	}
	// An empty list lets nobody write, as in the reference hub; null lets
	// everyone write again.
	if r := adm.Do(t, "POST", "/v1/admin/whitelist", []byte(`[]`), "Authorization", bearer); r.Status != 200 {
		t.Fatalf("empty whitelist: %d %s", r.Status, r.Body)
	}
	if r := adm.Do(t, "GET", "/v1/admin/whitelist", nil, "Authorization", bearer); !strings.Contains(string(r.Body), `{"whitelist":[]}`) {
		t.Errorf("empty whitelist read back: %d %s", r.Status, r.Body)
	}
	if r := h.Store(t, h.Token(t, owner, gaiaauth.TokenOptions{}), ownerAddr, "b.txt", []byte("x")); r.Status != http.StatusUnauthorized {
		t.Errorf("store with an empty whitelist: %d %s", r.Status, r.Body)
	}
	if r := adm.Do(t, "POST", "/v1/admin/whitelist", []byte(`null`), "Authorization", bearer); r.Status != 200 {
		t.Fatalf("null whitelist: %d %s", r.Status, r.Body)
	}
	if r := h.Store(t, h.Token(t, stranger, gaiaauth.TokenOptions{}), gaiaauth.AddressFromKey(stranger), "b.txt", []byte("x")); r.Status != http.StatusAccepted {
		t.Errorf("store with no whitelist: %d %s", r.Status, r.Body)
	}
}

// TestAdminLimits: each caller's requests are bounded before the key is
// checked (a 429 with Retry-After, so guessing keys is slow), a short key
// is refused, and without a place to save it a whitelist says so.
func TestAdminLimits(t *testing.T) {
	h, _ := newDiskHub(t, gaia.Config{})
	if _, err := h.Hub.AdminHandler(gaia.AdminConfig{Key: []byte("short"), Reload: func(context.Context) ([]string, []string, error) { return nil, nil, nil }}); err == nil {
		t.Error("a 5-byte key was taken")
	}
	now := time.Unix(1_800_000_000, 0)
	adm := startAdmin(t, h, gaia.AdminConfig{PerMinute: 3, Now: func() time.Time { return now },
		Reload: func(context.Context) ([]string, []string, error) { return nil, nil, nil }})
	for i := range 3 {
		if r := adm.Do(t, "GET", "/v1/admin/whitelist", nil, "Authorization", "bearer wrong"); r.Status != 403 {
			t.Fatalf("guess %d: %d", i, r.Status)
		}
	}
	r := adm.Do(t, "GET", "/v1/admin/whitelist", nil, "Authorization", "bearer "+adminKey)
	if r.Status != http.StatusTooManyRequests || r.Header.Get("Retry-After") != "20" {
		t.Fatalf("fourth request in a minute: %d, Retry-After %q, %s", r.Status, r.Header.Get("Retry-After"), r.Body)
	}
	now = now.Add(20 * time.Second)
	r = adm.Do(t, "POST", "/v1/admin/whitelist", []byte(`[]`), "Authorization", "bearer "+adminKey)
	if r.Status != 200 || !strings.Contains(string(r.Body), "not saved") {
		t.Fatalf("after the wait: %d %s", r.Status, r.Body)
	}
}
