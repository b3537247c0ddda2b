package api

import (
	"encoding/json"
	"net/http"
	"slices"
	"testing"

	"github.com/go-blockstack/go-blockstack/search"
)

// TestSearch: /v1/search over the fixture at block 20, where alice.test
// is registered, old.test in its grace period, gone.test past it and
// frozen.test revoked.
func TestSearch(t *testing.T) {
	s, _ := fixture(t)
	for _, c := range []struct {
		path   string
		status int
		want   []string // name:match:status
		more   bool
	}{
		{"/v1/search?query=ali", http.StatusOK, []string{"alice.test:prefix:registered"}, false},
		{"/v1/search?query=A", http.StatusOK, []string{"alice.test:prefix:registered"}, false},
		{"/v1/search?query=alice.test", http.StatusOK, []string{"alice.test:exact:registered"}, false},
		{"/v1/search?query=.test", http.StatusOK, []string{"alice.test:substring:registered", "old.test:substring:expired"}, false},
		{"/v1/search?query=gone", http.StatusOK, []string{}, false},
		{"/v1/search?query=froz", http.StatusOK, []string{}, false},
		{"/v1/search?query=test&page=1", http.StatusOK, []string{}, false},
		{"/v1/search", http.StatusBadRequest, nil, false},
		{"/v1/search?query=a&page=x", http.StatusBadRequest, nil, false},
		{"/v1/search?query=a&page=50", http.StatusBadRequest, nil, false},
	} {
		status, _, raw := do(t, s, "GET", c.path, "")
		if status != c.status {
			t.Errorf("%s: %d %s, want %d", c.path, status, raw, c.status)
			continue
		}
		if status != http.StatusOK {
			continue
		}
		var out struct {
			Results []searchResult `json:"results"`
			More    bool           `json:"more"`
		}
		if err := json.Unmarshal([]byte(raw), &out); err != nil {
			t.Fatalf("%s: %v", c.path, err)
		}
		got := []string{}
		for _, r := range out.Results {
			got = append(got, r.FullyQualifiedName+":"+r.Match+":"+r.Status)
		}
		if !slices.Equal(got, c.want) || out.More != c.more {
			t.Errorf("%s: %v (more %v), want %v (more %v)", c.path, got, out.More, c.want, c.more)
		}
	}
}

// TestSearchProfiles: a name found by the name in its profile is listed
// as kind "profile" with the name's own status.
func TestSearchProfiles(t *testing.T) {
	s, _ := fixture(t)
	s.cfg.Search.(*search.Follower).SetProfile("alice.test", "Alice Liddell")
	status, body, raw := do(t, s, "GET", "/v1/search?query=liddell", "")
	results, _ := body["results"].([]any)
	if status != http.StatusOK || len(results) != 1 {
		t.Fatalf("%d %s", status, raw)
	}
	r := results[0].(map[string]any)
	if r["fullyQualifiedName"] != "alice.test" || r["kind"] != "profile" || r["match"] != "substring" || r["status"] != "registered" {
		t.Errorf("%v", r)
	}
}
