package webapp

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-blockstack/go-blockstack/internal/testbin"
)

func get(t *testing.T, h http.Handler, method, path string) *http.Response {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(method, path, nil))
	return rec.Result()
}

func body(t *testing.T, res *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestSignIn(t *testing.T) {
	h := SignIn(SignInConfig{HubURL: "http://127.0.0.1:14000", AddressVersion: 111})
	res := get(t, h, "GET", "/")
	if b := body(t, res); res.StatusCode != 200 || !strings.Contains(b, `src="app.js"`) ||
		!strings.Contains(res.Header.Get("Content-Security-Policy"), "frame-ancestors 'none'") {
		t.Fatalf("GET /: %d %v\n%s", res.StatusCode, res.Header, b)
	}
	res = get(t, h, "GET", "/config.json")
	var cfg SignInConfig
	if err := json.Unmarshal([]byte(body(t, res)), &cfg); err != nil || cfg.HubURL != "http://127.0.0.1:14000" || cfg.AddressVersion != 111 {
		t.Fatalf("config.json: %+v %v", cfg, err)
	}
	if res := get(t, h, "GET", "/app.js"); res.StatusCode != 200 || !strings.Contains(res.Header.Get("Content-Type"), "javascript") {
		t.Fatalf("app.js: %d %v (run npm run build in webapp/?)", res.StatusCode, res.Header)
	}
	if res := get(t, h, "POST", "/"); res.StatusCode != http.StatusMethodNotAllowed {
		t.Fatalf("POST /: %d", res.StatusCode)
	}
	if res := get(t, h, "GET", "/manifest.json"); res.StatusCode != 404 {
		t.Fatalf("the sign-in page has no manifest: %d", res.StatusCode)
	}
}

func TestNotes(t *testing.T) {
	h := Notes(NotesConfig{AuthenticatorURL: "http://127.0.0.1:16270/auth/", APIURL: "http://127.0.0.1:16270", AddressVersion: 111})
	res := get(t, h, "GET", "/manifest.json")
	var m struct {
		Name  string `json:"name"`
		Icons []struct {
			Src string `json:"src"`
		} `json:"icons"`
	}
	if err := json.Unmarshal([]byte(body(t, res)), &m); err != nil || m.Name == "" || len(m.Icons) == 0 {
		t.Fatalf("manifest.json: %+v %v", m, err)
	}
	// The sign-in page, on the API's origin, reads the manifest.
	if got := res.Header.Get("Access-Control-Allow-Origin"); got != "*" {
		t.Fatalf("manifest.json Access-Control-Allow-Origin %q", got)
	}
	if res := get(t, h, "GET", m.Icons[0].Src); res.StatusCode != 200 {
		t.Fatalf("icon %s: %d", m.Icons[0].Src, res.StatusCode)
	}
	if res := get(t, h, "GET", "/"); res.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Fatal("only the manifest is for other origins")
	}
	var cfg NotesConfig
	if err := json.Unmarshal([]byte(body(t, get(t, h, "GET", "/config.json"))), &cfg); err != nil || cfg.APIURL != "http://127.0.0.1:16270" {
		t.Fatalf("config.json: %+v %v", cfg, err)
	}
}

// TestVerifierVectors: the browser's verifier (src/shared/snv.js, under
// Node) reaches the Go verifier's verdict on every answer of client/snv's
// vectors, honest and lying.
func TestVerifierVectors(t *testing.T) {
	runNodeTest(t, "snv_vectors.mjs", filepath.Join("..", "client", "snv", "testdata", "record-vectors.json"))
}

// TestOwnerKeys: the pages take a key to own the addresses of both its
// encodings (src/shared/owner.js), as client/profile does.
func TestOwnerKeys(t *testing.T) {
	runNodeTest(t, "owner_keys.mjs")
}

// runNodeTest runs test/SCRIPT under Node with the pages' locked packages.
func runNodeTest(t *testing.T, script string, args ...string) {
	t.Helper()
	node := testbin.Require(t, "node", "Debian's nodejs or nodejs.org", "the pages' JavaScript tests")
	testbin.RequireNpm(t, ".", "@noble/hashes", "the pages' JavaScript tests")
	out, err := exec.Command(node, append([]string{filepath.Join("test", script)}, args...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("node test/%s: %v\n%s", script, err, out)
	}
	t.Logf("%s", out)
}
