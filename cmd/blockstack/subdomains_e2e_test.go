package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/btcsuite/btcd/chaincfg"

	"github.com/go-blockstack/go-blockstack/internal/metrics/metricstest"
	"github.com/go-blockstack/go-blockstack/internal/waitfor"
	"github.com/go-blockstack/go-blockstack/subdomains"
	"github.com/go-blockstack/go-blockstack/zonefile"
)

// TestSubdomainsEndToEnd: foo.test's zone file creates two subdomains and
// a later one transfers one of them with its owner's signature; the devnet
// and a second node, which gets the zone files only through Atlas, answer
// both as the rules say, and the CLI looks them up.
func TestSubdomainsEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	t.Parallel()
	bin := buildBinary(t)
	e, second := devnetWithAtlasPeer(t, bin)

	key := func() (subdomains.SingleKey, string) {
		priv, err := btcec.NewPrivateKey()
		if err != nil {
			t.Fatal(err)
		}
		k := subdomains.SingleKey{Priv: priv, Compressed: true}
		addr, err := k.Address(&chaincfg.RegressionNetParams)
		if err != nil {
			t.Fatal(err)
		}
		return k, addr
	}
	_, alice := key()
	bobKey, bob := key()
	_, carol := key()
	record := func(label, owner string, seq uint64, signer subdomains.Key) zonefile.Record {
		sd := zonefile.Subdomain{Name: label, Owner: owner, Seq: seq,
			ZoneFile: fmt.Appendf(nil, "$ORIGIN %s.foo.test\n$TTL 3600\n_http._tcp URI 10 1 \"https://hub.example/%s/%d\"\n", label, owner, seq)}
		if signer != nil {
			var err error
			if sd, err = subdomains.Sign(sd, signer); err != nil {
				t.Fatal(err)
			}
		}
		r, err := sd.Record()
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	zoneFile := func(name string, recs ...zonefile.Record) string {
		f := &zonefile.File{Origin: "foo.test", TTL: 3600, HasTTL: true, Records: append([]zonefile.Record{
			{Name: "_http._tcp", Data: zonefile.URI{Priority: 10, Weight: 1, Target: "https://hub.example/foo/profile.json"}}}, recs...)}
		data, err := f.Format()
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(e.dir, name)
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}

	w, _, _ := e.newWallet(t, "w")
	e.ok(t, "wallet", "faucet", "--wallet", w, "100000000")
	e.waitSpendable(t, w, 100_000_000)
	e.createNamespace(t, w, "test", 1000)
	// Creations need no signature; an update signed by nobody is refused.
	e.ok(t, "name", "register", "foo.test", "--wallet", w, "--zonefile",
		zoneFile("1.zone", record("alice", alice, 0, nil), record("bob", bob, 0, nil)))

	owner := func(api, fqn string) string {
		resp, err := http.Get(api + "/v1/names/" + fqn)
		if err != nil {
			return err.Error()
		}
		defer resp.Body.Close()
		var m map[string]any
		json.NewDecoder(resp.Body).Decode(&m)
		if m["status"] != "registered_subdomain" || m["domain"] != "foo.test" {
			return fmt.Sprint(resp.StatusCode, m)
		}
		return m["address"].(string)
	}
	expect := func(want map[string]string) {
		t.Helper()
		for _, api := range []string{e.node, second} {
			for fqn, who := range want {
				var got string
				waitfor.True(t, 60*time.Second, fmt.Sprintf("%s owns %s at %s", who, fqn, api), func() bool {
					got = owner(api, fqn)
					return got == who
				})
			}
		}
	}
	expect(map[string]string{"alice.foo.test": alice, "bob.foo.test": bob})

	// Bob gives his subdomain to carol; a forged transfer of alice's is
	// recorded and refused.
	e.ok(t, "name", "update", "foo.test", "--wallet", w, "--zonefile",
		zoneFile("2.zone", record("bob", carol, 1, bobKey), record("alice", carol, 1, bobKey)))
	expect(map[string]string{"alice.foo.test": alice, "bob.foo.test": carol})
	var hist map[string][]map[string]any
	resp, err := http.Get(second + "/v1/names/alice.foo.test/history?rejected=1")
	if err != nil {
		t.Fatal(err)
	}
	json.NewDecoder(resp.Body).Decode(&hist)
	resp.Body.Close()
	rejected := 0
	for _, entries := range hist {
		for _, h := range entries {
			if h["accepted"] == false && strings.Contains(fmt.Sprint(h["reason"]), "signature") {
				rejected++
			}
		}
	}
	if rejected != 1 {
		t.Fatalf("alice.foo.test's history on the second node: %v", hist)
	}

	// The explorer's page, on the second node.
	page, err := http.Get(second + "/name/bob.foo.test")
	if err != nil {
		t.Fatal(err)
	}
	html, _ := io.ReadAll(page.Body)
	page.Body.Close()
	if page.StatusCode != 200 || !strings.Contains(string(html), carol) || !strings.Contains(string(html), `href="/name/foo.test"`) {
		t.Fatalf("explorer page of bob.foo.test: %d\n%s", page.StatusCode, html)
	}

	// The CLI: the subdomain's zone file, and the names carol owns.
	if out := e.ok(t, "lookup", "bob.foo.test"); !strings.Contains(out, "$ORIGIN bob.foo.test") || !strings.Contains(out, carol) {
		t.Fatalf("lookup bob.foo.test:\n%s", out)
	}
	if out := e.ok(t, "names", carol); out != "bob.foo.test\n" {
		t.Fatalf("names %s: %q", carol, out)
	}
}

// TestDevnetRegistrar: `devnet --registrar-domain` starts the registrar
// once the wallet owns the domain; a subdomain registered through it
// resolves on the devnet's node. The devnet's metrics (--metrics-addr)
// show the work: every server it runs, from one registry.
func TestDevnetRegistrar(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	t.Parallel()
	bin := buildBinary(t)
	metricsAddr := freeAddr(t)
	e, walletPath, regURL := devnetRegistrar(t, bin, "--metrics-addr", metricsAddr)
	e.ok(t, "subdomain", "register", "alice.foo.test", "--registrar", regURL, "--wallet", walletPath)
	waitfor.True(t, 60*time.Second, "alice.foo.test resolves on the node", func() bool {
		resp, err := http.Get(e.node + "/v1/names/alice.foo.test")
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		var m map[string]any
		json.NewDecoder(resp.Body).Decode(&m)
		return m["status"] == "registered_subdomain"
	})
	checkDevnetMetrics(t, "http://"+metricsAddr+"/metrics")
}

// devnetRegistrar starts a devnet (devnetE2E, with args) whose wallet
// (the returned path) owns foo.test, and waits until the devnet's
// registrar for it answers at the returned URL.
func devnetRegistrar(t *testing.T, bin string, args ...string) (e *e2eNet, walletPath, regURL string) {
	t.Helper()
	dir := t.TempDir()
	walletPath = filepath.Join(dir, "w.json")
	regURL = "http://" + freeAddr(t)
	e, _ = devnetE2E(t, bin, dir, append([]string{"--wallet", walletPath, "--registrar-domain", "foo.test",
		"--registrar-addr", strings.TrimPrefix(regURL, "http://")}, args...)...)
	if w, _, _ := e.newWallet(t, "w"); w != walletPath {
		t.Fatalf("wallet at %s, want %s", w, walletPath)
	}
	e.ok(t, "wallet", "faucet", "--wallet", walletPath, "100000000")
	e.waitSpendable(t, walletPath, 100_000_000)
	e.createNamespace(t, walletPath, "test", 1000)
	e.ok(t, "name", "register", "foo.test", "--wallet", walletPath)
	waitfor.True(t, 30*time.Second, "the devnet's registrar answers", func() bool {
		resp, err := http.Get(regURL + "/index")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
	return e, walletPath, regURL
}

// checkDevnetMetrics scrapes the devnet of TestDevnetRegistrar, which has
// seen a namespace and foo.test made, and a subdomain registered through
// its registrar.
func checkDevnetMetrics(t *testing.T, url string) {
	t.Helper()
	var m metricstest.Families
	// The miner keeps going: wait for a scrape at the tip; and the
	// registrar may hear of its batch's confirmation after the node
	// resolves the name.
	waitfor.True(t, 30*time.Second, "a scrape at the tip, with the registrar's batch confirmed", func() bool {
		m = metricstest.Scrape(t, url)
		lag, ok := m.Lookup("blockstack_indexer_lag_blocks")
		confirmed, _ := m.Lookup("blockstack_registrar_requests", "state", "confirmed")
		batches, _ := m.Lookup("blockstack_registrar_batches_total", "step", "confirmed")
		return ok && lag == 0 && confirmed >= 1 && batches >= 1
	})
	if h, tip := m.Value(t, "blockstack_indexer_height"), m.Value(t, "blockstack_indexer_chain_tip_height"); h != tip || h < 10 {
		t.Errorf("indexer height %v, chain tip %v", h, tip)
	}
	for _, kind := range []string{"NAMESPACE_PREORDER", "NAMESPACE_REVEAL", "NAMESPACE_READY", "NAME_PREORDER", "NAME_REGISTRATION", "NAME_UPDATE"} {
		if got := m.Value(t, "blockstack_indexer_operations_total", "kind", kind, "result", "accepted"); got < 1 {
			t.Errorf("%s accepted: %v, want ≥ 1", kind, got)
		}
	}
	for _, c := range []struct {
		name   string
		labels []string
	}{
		{"blockstack_api_request_duration_seconds", []string{"route", "/v1/names/{name}", "method", "GET", "code", "2xx"}},
		{"blockstack_api_request_duration_seconds", []string{"route", "/v1/zonefile", "method", "POST", "code", "2xx"}},
		{"blockstack_atlas_zonefiles", nil},
		{"blockstack_registrar_batches_total", []string{"step", "confirmed"}},
		{"blockstack_registrar_requests", []string{"state", "confirmed"}},
	} {
		if got := m.Value(t, c.name, c.labels...); got < 1 {
			t.Errorf("%s%v = %v, want ≥ 1", c.name, c.labels, got)
		}
	}
	if got := m.Value(t, "blockstack_atlas_zonefiles_missing"); got != 0 {
		t.Errorf("Atlas misses %v zone files", got)
	}
	if _, ok := m.Lookup("blockstack_gaia_stored_bytes_total", "driver", "disk"); !ok {
		t.Error("no hub metrics")
	}
	// Every metric of the project that the devnet serves is documented.
	doc, err := os.ReadFile("../../docs/metrics.md")
	if err != nil {
		t.Fatal(err)
	}
	for name := range m {
		if strings.HasPrefix(name, "blockstack_") && !strings.Contains(string(doc), "`"+name+"`") {
			t.Errorf("%s is not in docs/metrics.md", name)
		}
	}
}
