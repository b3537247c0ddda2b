package registrar

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzHandler sends arbitrary requests to the registrar's handler, seeded
// with a real request to each endpoint: none may panic or be answered as a
// server error (bad input is the client's fault), and the registrar still
// answers its index after each.
func FuzzHandler(f *testing.F) {
	alice := newUser(f)
	reg, _ := SignRegistration("alice.foo.test", alice.addr, profile("alice"), alice.key)
	upd, _ := SignRecord("alice.foo.test", alice.addr, 1, profile("alice2"), alice.key)
	regJSON, _ := json.Marshal(reg)
	updJSON, _ := json.Marshal(upd)
	for _, seed := range [][3]string{
		{"GET", "/index", ""},
		{"POST", "/register", string(regJSON)},
		{"POST", "/update", string(updJSON)},
		{"POST", "/transfer", string(updJSON)},
		{"GET", "/v1/names/alice.foo.test", ""},
		{"GET", "/status/alice", ""},
		{"POST", "/register", `{"name":"Bob","owner_address":"1","zonefile":"","signature":"` + strings.Repeat("f", 200) + `"}`},
	} {
		f.Add(seed[0], seed[1], seed[2])
	}
	r := newTestRegistrar(f, filepath.Join(f.TempDir(), "q.db"), newFakeChain(), 0)
	h := r.Handler(Limits{Rate: 1e6, Burst: 1e6})
	f.Fuzz(func(t *testing.T, method, path, body string) {
		req, err := http.NewRequest(method, "http://registrar"+path, strings.NewReader(body))
		if err != nil || !strings.HasPrefix(path, "/") {
			t.Skip("not an HTTP request")
		}
		req.RemoteAddr = "127.0.0.1:1"
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("%s %q: HTTP %d %.300s", method, path, rec.Code, rec.Body)
		}
		idx := httptest.NewRecorder()
		h.ServeHTTP(idx, httptest.NewRequest("GET", "/index", nil))
		if idx.Code != http.StatusOK {
			t.Fatalf("after %s %q: the index answers HTTP %d", method, path, idx.Code)
		}
	})
}
