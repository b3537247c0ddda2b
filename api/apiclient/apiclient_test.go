package apiclient

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

// TestRedirects: the node's redirect of a subdomain it does not know is
// followed by Name alone, once, to an http(s) registrar that answers a
// pending record, and to a private address only from a node at one;
// Subdomain follows nothing and reports the name not found (the DNS
// server and the registrar ask what is on chain, and must not fetch
// whatever URL a zone file names).
func TestRedirects(t *testing.T) {
	var reached atomic.Int32
	registrar := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reached.Add(1)
		switch r.URL.Path {
		case "/again/v1/names/a.reg.test":
			http.Redirect(w, r, "/again/v1/names/a.reg.test", http.StatusFound)
		default:
			status := strings.TrimPrefix(strings.TrimSuffix(r.URL.Path, "/v1/names/a.reg.test"), "/")
			json.NewEncoder(w).Encode(map[string]any{"status": status, "address": "mkCarol"})
		}
	}))
	defer registrar.Close()
	var location atomic.Value
	node := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Location", location.Load().(string))
		w.WriteHeader(http.StatusFound)
		w.Write([]byte(`{"error":"Name not found on chain"}`))
	}))
	defer node.Close()
	// A client that takes the node for a public host: every host dials
	// the test servers' loopback address.
	public := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		if strings.HasPrefix(addr, "node.example:") {
			addr = node.Listener.Addr().String()
		}
		return (&net.Dialer{}).DialContext(ctx, network, addr)
	}}}
	local, err := New(node.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	remote, err := New("http://node.example:80", public)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, c := range []struct {
		what     string
		c        *Client
		location string
		want     string // "" for the pending record
	}{
		{"pending, from a loopback node", local, registrar.URL + "/pending_subdomain/v1/names/a.reg.test", ""},
		{"submitted", local, registrar.URL + "/submitted_subdomain/v1/names/a.reg.test", ""},
		{"a registrar that says it is on chain", local, registrar.URL + "/registered_subdomain/v1/names/a.reg.test", "only a pending subdomain"},
		{"a registrar that redirects again", local, registrar.URL + "/again/v1/names/a.reg.test", "its domain's registrar"},
		{"javascript", local, "javascript:alert(1)", "not an http(s) URL"},
		{"ftp", local, "ftp://reg.example/v1/names/a.reg.test", "not an http(s) URL"},
		{"credentials", local, "http://u:p@reg.example/v1/names/a.reg.test", "not an http(s) URL"},
		{"loopback from a public node", remote, registrar.URL + "/pending_subdomain/v1/names/a.reg.test", "a private address"},
		{"link-local from a public node", remote, "http://169.254.169.254/latest/v1/names/a.reg.test", "a private address"},
		{"private from a public node", remote, "http://10.0.0.1/v1/names/a.reg.test", "a private address"},
		{"localhost from a public node", remote, "http://localhost:1/v1/names/a.reg.test", "a private address"},
	} {
		location.Store(c.location)
		n, err := c.c.Name(ctx, "a.reg.test")
		switch {
		case c.want == "" && (err != nil || !n.Pending() || n.Address != "mkCarol"):
			t.Errorf("%s: %+v %v, want the registrar's pending record", c.what, n, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%s: %+v %v, want an error with %q", c.what, n, err, c.want)
		}
	}

	reached.Store(0)
	location.Store(registrar.URL + "/registered_subdomain/v1/names/a.reg.test")
	if _, err := local.Subdomain(ctx, "a.reg.test"); !errors.Is(err, ErrNotFound) || reached.Load() != 0 {
		t.Errorf("Subdomain of a redirected name: %v, registrar asked %d times; want ErrNotFound and no request", err, reached.Load())
	}

	// A node's plain listener sends everything to https: not followed,
	// not "not found", and the error says what to give instead.
	plain := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "https://node.example"+r.URL.RequestURI(), http.StatusMovedPermanently)
	}))
	defer plain.Close()
	pc, err := New(plain.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pc.Name(ctx, "a.reg.test"); err == nil || errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "redirected to https://node.example/v1/names/a.reg.test") {
		t.Errorf("a node that redirects to https: %v", err)
	}
}
