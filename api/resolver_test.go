package api

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/go-blockstack/go-blockstack/namedb"
	"github.com/go-blockstack/go-blockstack/subdomains/subdomainstest"
	"github.com/go-blockstack/go-blockstack/zonefile"
)

// TestResolver: a name's record carries its zone file's _resolver URI; a
// subdomain's, its domain's; a subdomain the node does not know is sent
// to the registrar its domain's _resolver names (as the Stacks API did),
// and 404 when there is none, or it is no http(s) URL.
func TestResolver(t *testing.T) {
	s, zf := fixture(t)
	tx, h := beginNext(t, s)
	for _, n := range []struct{ name, resolver string }{{"reg.test", "https://reg.example/"}, {"odd.test", "ftp://reg.example"}} {
		text := fmt.Sprintf("$ORIGIN %s\n$TTL 3600\n_resolver URI 10 1 %q\n", n.name, n.resolver)
		hash := zonefile.HashOf([]byte(text)).String()
		zf.files[hash] = []byte(text)
		must(t, tx.PutName(&namedb.NameRecord{Name: n.name, NamespaceID: "test", Address: "mkReg", ValueHash: hash, ExpireBlock: h + 100}))
	}
	commitBlock(t, tx, h)
	s.cfg.Subdomains = subdomainstest.Index{"bob.reg.test": {{Name: "bob.reg.test", Parent: "reg.test", Domain: "reg.test",
		Owner: "mkBob", ZoneFile: []byte("$ORIGIN bob.reg.test\n"), Accepted: true}}}

	for _, c := range []struct {
		path     string
		status   int
		resolver any    // the answer's "resolver"
		location string // of a redirect
	}{
		{"/v1/names/reg.test", http.StatusOK, "https://reg.example/", ""},
		{"/v1/names/alice.test", http.StatusOK, nil, ""},
		{"/v1/names/odd.test", http.StatusOK, nil, ""},
		{"/v1/names/bob.reg.test", http.StatusOK, "https://reg.example/", ""},
		{"/v1/names/carol.reg.test", http.StatusFound, nil, "https://reg.example/v1/names/carol.reg.test"},
		{"/v1/names/carol.alice.test", http.StatusNotFound, nil, ""},
		{"/v1/names/carol.odd.test", http.StatusNotFound, nil, ""},
		{"/v1/names/carol.nobody.test", http.StatusNotFound, nil, ""},
	} {
		req := httptest.NewRequest("GET", c.path, nil)
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, req)
		_, m, raw := do(t, s, "GET", c.path, "")
		if rec.Code != c.status || rec.Header().Get("Location") != c.location {
			t.Errorf("%s: %d, Location %q, want %d, %q: %s", c.path, rec.Code, rec.Header().Get("Location"), c.status, c.location, raw)
			continue
		}
		if c.status == http.StatusOK && m["resolver"] != c.resolver {
			t.Errorf("%s: resolver %v, want %v", c.path, m["resolver"], c.resolver)
		}
	}
}
