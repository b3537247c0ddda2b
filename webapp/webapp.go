// Package webapp serves the browser side of go-blockstack: the sign-in page
// (an authenticator: it creates or restores an identity from a recovery
// phrase in the browser, lets the user choose one of the identity's BNS
// names, verifies an app's auth request and answers it, see
// docs/client-formats.md, "Sign-in tokens") and the sample notes app (notes encrypted in the
// user's own Gaia bucket, public notes read through the lookup path).
//
// The pages are static files, built from src/ by build.mjs with the pinned
// @stacks packages and committed in dist/, so that the Go build needs no
// npm. The server side owns no secrets: it serves the files and a small
// config.json that tells each page where the node's API and the Gaia hub
// are. Keys exist only in the user's browser.
package webapp

import (
	"embed"
	"encoding/json"
	"io/fs"
	"net/http"

	"github.com/go-blockstack/go-blockstack/internal/httpserve"
)

//go:embed dist
var dist embed.FS

// SignInConfig is what the sign-in page needs to know. It is served on the
// node API's origin, so the API itself is the page's own origin.
type SignInConfig struct {
	// HubURL is the Gaia hub that holds the users' profiles and app
	// buckets (the auth response's hubUrl).
	HubURL string `json:"hubUrl"`
	// AddressVersion is the P2PKH version byte of the chain's addresses
	// (0 on mainnet, 111 on testnet, regtest and devnet): BNS names are
	// owned by addresses of that form.
	AddressVersion byte `json:"addressVersion"`
	// Trust, if set, has the page prove each name record it reads
	// (src/shared/snv.js) instead of taking the node's word for it.
	Trust *Trust `json:"trust,omitempty"`
}

// Trust says where a page's verified name lookups get the consensus hash
// they trust (docs/trustless.md): an anchor given as HASH@HEIGHT, or the
// hash that all of Nodes (other nodes' REST APIs, which must answer
// cross-origin requests, as this project's do) give a few blocks below
// their tips. The page then proves every name record it reads against that
// hash with the node's state proofs, and refuses a record that does not
// verify.
type Trust struct {
	Anchor string   `json:"anchor,omitempty"`
	Nodes  []string `json:"nodes,omitempty"`
	// FirstBlock is the network's first BNS block, where the consensus
	// hashes' skip lists end.
	FirstBlock int64 `json:"firstBlock"`
}

// NotesConfig is what the notes app needs to know.
type NotesConfig struct {
	// AuthenticatorURL is the sign-in page, e.g. http://127.0.0.1:16270/auth/.
	AuthenticatorURL string `json:"authenticatorUrl"`
	// APIURL is the node's REST API (name lookups).
	APIURL         string `json:"apiUrl"`
	AddressVersion byte   `json:"addressVersion"`
	// Trust: as SignInConfig's.
	Trust *Trust `json:"trust,omitempty"`
}

// SignIn serves the sign-in page at the root of the handler (mount it
// with http.StripPrefix).
func SignIn(cfg SignInConfig) http.Handler {
	// frame-ancestors: no other page may frame the Approve button.
	return pages("auth", cfg, "default-src 'self'; connect-src *; img-src * data:; frame-ancestors 'none'", false)
}

// Notes serves the notes app at the root of its own origin: an app's
// origin names its keys, so it must not share one with another app.
func Notes(cfg NotesConfig) http.Handler {
	return pages("notes", cfg, "default-src 'self'; connect-src *; img-src 'self' data:; frame-ancestors 'none'", true)
}

// pages serves dist/<dir> and config.json. publicManifest lets the sign-in
// page, on another origin, read the app's manifest.json.
func pages(dir string, cfg any, csp string, publicManifest bool) http.Handler {
	sub, err := fs.Sub(dist, "dist/"+dir)
	if err != nil {
		panic(err) // dist is embedded: only a broken build gets here
	}
	config, err := json.Marshal(cfg)
	if err != nil {
		panic(err) // the configs are plain strings and numbers
	}
	files := httpserve.FileServerFS(sub)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", csp)
		h.Set("X-Content-Type-Options", "nosniff")
		// The sign-in request and response travel in URLs: keep them out
		// of Referer headers.
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cache-Control", "no-cache")
		switch {
		case r.Method != http.MethodGet && r.Method != http.MethodHead:
			h.Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		case r.URL.Path == "/config.json":
			h.Set("Content-Type", "application/json")
			w.Write(config)
		case publicManifest && r.URL.Path == "/manifest.json":
			h.Set("Access-Control-Allow-Origin", "*")
			files.ServeHTTP(w, r)
		default:
			files.ServeHTTP(w, r)
		}
	})
}
