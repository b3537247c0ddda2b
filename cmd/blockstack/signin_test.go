package main

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestWithSignIn: /auth/ is the sign-in page, /auth keeps the app's
// request on its way there, and every other path is still the API's own,
// unclean paths included (a ServeMux in front would redirect them).
func TestWithSignIn(t *testing.T) {
	apiHandler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Test", "api")
		w.WriteHeader(http.StatusTeapot)
	})
	h, version, err := withSignIn(apiHandler, "http://127.0.0.1:14000", "devnet", nil)
	if err != nil || version != 111 { // devnet names are owned by regtest addresses
		t.Fatalf("withSignIn: version %d, %v", version, err)
	}
	do := func(path string) *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
		return rec
	}
	if rec := do("/auth/"); rec.Code != 200 || !strings.Contains(rec.Body.String(), "Sign in with Blockstack") {
		t.Fatalf("/auth/: %d %.200s", rec.Code, rec.Body)
	}
	if rec := do("/auth/config.json"); !strings.Contains(rec.Body.String(), `"hubUrl":"http://127.0.0.1:14000"`) {
		t.Fatalf("/auth/config.json: %s", rec.Body)
	}
	if rec := do("/auth?authRequest=tok"); rec.Code != http.StatusMovedPermanently || rec.Header().Get("Location") != "/auth/?authRequest=tok" {
		t.Fatalf("/auth: %d %v", rec.Code, rec.Header())
	}
	for _, p := range []string{"/v1/names/alice.test", "/v1/names/../x", "/authx", "/"} {
		if rec := do(p); rec.Header().Get("X-Test") != "api" {
			t.Errorf("%s: not the API's: %d %v", p, rec.Code, rec.Header())
		}
	}
	plain, _, err := withSignIn(apiHandler, "", "mainnet", nil)
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	plain.ServeHTTP(rec, httptest.NewRequest("GET", "/auth/", nil))
	if rec.Header().Get("X-Test") != "api" {
		t.Fatal("without a hub there is no sign-in page")
	}
}

// TestWebappTrustFlags: the pages' trust setting is an anchor or node
// URLs, checked before anything serves, and reaches the sign-in page's
// config.json.
func TestWebappTrustFlags(t *testing.T) {
	const anchor = "0123456789abcdef0123456789abcdef@120"
	for _, c := range []struct {
		f    webappTrustFlags
		want string // "" ok, else part of the error
	}{
		{webappTrustFlags{}, ""},
		{webappTrustFlags{anchor: anchor}, ""},
		{webappTrustFlags{nodes: []string{"http://127.0.0.1:6270", "https://node.example"}}, ""},
		{webappTrustFlags{anchor: anchor, nodes: []string{"http://127.0.0.1:6270"}}, "not both"},
		{webappTrustFlags{anchor: "0123@x"}, "CONSENSUS_HASH@HEIGHT"},
		{webappTrustFlags{nodes: []string{"127.0.0.1:6270"}}, `node URL "127.0.0.1:6270"`},
		{webappTrustFlags{nodes: []string{"ftp://node.example"}}, "want http://HOST:PORT"},
	} {
		trust, err := c.f.config(7)
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%+v: %v", c.f, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%+v: %v, want an error with %q", c.f, err, c.want)
		case c.want == "" && (c.f.anchor != "" || len(c.f.nodes) > 0) && (trust == nil || trust.FirstBlock != 7):
			t.Errorf("%+v: %+v", c.f, trust)
		}
	}
	trust, _ := (&webappTrustFlags{anchor: anchor}).config(1)
	h, _, err := withSignIn(http.NotFoundHandler(), "http://127.0.0.1:14000", "devnet", trust)
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/auth/config.json", nil))
	if !strings.Contains(rec.Body.String(), `"trust":{"anchor":"`+anchor+`","firstBlock":1}`) {
		t.Fatalf("config.json: %s", rec.Body.String())
	}
}
