package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/btcsuite/btcd/chaincfg"

	"github.com/go-blockstack/go-blockstack/internal/waitfor"
	"github.com/go-blockstack/go-blockstack/subdomains"
	"github.com/go-blockstack/go-blockstack/zonefile"
)

// TestNamesDailyUseDevnet: on a devnet, names carry estimated expiry
// dates in the API and whois; names expiring lists the wallet's names
// (and subdomains, by their parent) that expire within the window; the
// subdomain listings and counts answer in Core's and the Stacks API's
// shapes; search finds the names and subdomains by prefix and substring;
// and a node that falls behind its chain says it is stale, which
// the commands reading from it warn about, until it catches up.
func TestNamesDailyUseDevnet(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	t.Parallel()
	bin := buildBinary(t)
	e, addrs := devnetE2E(t, bin, t.TempDir())

	w, _, owner := e.newWallet(t, "w")
	e.fund(t, w, 300_000_000)
	e.waitSpendable(t, w, 300_000_000)
	// Names in soon live 2 × 100 blocks (a few minutes of devnet blocks);
	// names in late, 2 × 1,000,000 (weeks, at any rate).
	e.createNamespace(t, w, "soon", 100)
	e.createNamespace(t, w, "late", 1000000)

	// foo.soon's zone file creates two subdomains, one owned by the wallet.
	_, other := subKey(t)
	var subRecs []zonefile.Record
	for _, sd := range []struct{ label, owner string }{{"alice", owner}, {"bob", other}} {
		r, err := zonefile.Subdomain{Name: sd.label, Owner: sd.owner,
			ZoneFile: fmt.Appendf(nil, "$ORIGIN %s.foo.soon\n$TTL 3600\n", sd.label)}.Record()
		if err != nil {
			t.Fatal(err)
		}
		subRecs = append(subRecs, r)
	}
	zf, err := (&zonefile.File{Origin: "foo.soon", TTL: 3600, HasTTL: true, Records: subRecs}).Format()
	if err != nil {
		t.Fatal(err)
	}
	zfPath := filepath.Join(e.dir, "foo.zone")
	if err = os.WriteFile(zfPath, zf, 0o600); err != nil {
		t.Fatal(err)
	}
	e.ok(t, "name", "register", "foo.soon", "--wallet", w, "--zonefile", zfPath)
	e.ok(t, "name", "register", "bar.late", "--wallet", w)

	// Search: the names just registered are found at once, by prefix and
	// by substring, any case (foo.soon's subdomains, which may or may not
	// be indexed yet, are searched for below).
	searchFor := func(q string) []string {
		t.Helper()
		var res struct {
			Results []struct {
				Name  string `json:"fullyQualifiedName"`
				Match string `json:"match"`
			} `json:"results"`
		}
		if code := e.getJSON(t, "/v1/search?query="+url.QueryEscape(q), &res); code != http.StatusOK {
			t.Fatalf("search %q: %d", q, code)
		}
		var got []string
		for _, r := range res.Results {
			got = append(got, r.Name+" "+r.Match)
		}
		return got
	}
	for q, want := range map[string][]string{
		"fo":    {"foo.soon prefix"},
		"Bar":   {"bar.late prefix"},
		"r.lat": {"bar.late substring"},
		".late": {"bar.late substring"},
		"xyz":   nil,
	} {
		if got := searchFor(q); !slices.Equal(got, want) {
			t.Errorf("search %q: %v, want %v", q, got, want)
		}
	}

	// Expiry in time: the record dates its heights, as an estimate.
	var rec struct {
		ExpireBlock     int64  `json:"expire_block"`
		RenewalDeadline int64  `json:"renewal_deadline"`
		LastTxid        string `json:"last_txid"` // the registration
		Estimate        *struct {
			ExpireDate          string `json:"expire_date"`
			RenewalDeadlineDate string `json:"renewal_deadline_date"`
			Estimated           bool   `json:"estimated"`
			SecondsPerBlock     int64  `json:"seconds_per_block"`
			FromBlocks          int64  `json:"from_blocks"`
		} `json:"expiry_estimate"`
	}
	if code := e.getJSON(t, "/v1/names/foo.soon", &rec); code != http.StatusOK || rec.Estimate == nil || !rec.Estimate.Estimated ||
		rec.Estimate.SecondsPerBlock <= 0 || rec.Estimate.FromBlocks <= 0 {
		t.Fatalf("foo.soon: %d %+v, want an estimate", code, rec)
	}
	regTxid := rec.LastTxid
	expires, err1 := time.Parse(time.RFC3339, rec.Estimate.ExpireDate)
	deadline, err2 := time.Parse(time.RFC3339, rec.Estimate.RenewalDeadlineDate)
	if err1 != nil || err2 != nil || !expires.After(time.Now()) || !deadline.After(expires) {
		t.Fatalf("foo.soon dated %+v: want a future expiry before the deadline", rec.Estimate)
	}
	var whois map[string]any
	if err = json.Unmarshal([]byte(e.ok(t, "whois", "foo.soon")), &whois); err != nil {
		t.Fatal(err)
	}
	if est, _ := whois["expiry_estimate"].(map[string]any); est == nil || est["estimated"] != true || est["expire_date"] == "" {
		t.Fatalf("whois foo.soon: %v, want the estimate", whois)
	}

	// Listings, once the subdomains are indexed.
	waitfor.True(t, 60*time.Second, "foo.soon's subdomains indexed", func() bool {
		var count map[string]int
		e.getJSON(t, "/v1/blockchains/bitcoin/subdomains_count", &count)
		return count["names_count"] == 2
	})
	var list []string
	if code := e.getJSON(t, "/v1/names/foo.soon/subdomains", &list); code != 200 || !slices.Equal(list, []string{"alice.foo.soon", "bob.foo.soon"}) {
		t.Errorf("subdomains of foo.soon: %d %v", code, list)
	}
	if code := e.getJSON(t, "/v1/subdomains?page=0", &list); code != 200 || !slices.Equal(list, []string{"alice.foo.soon", "bob.foo.soon"}) {
		t.Errorf("all subdomains: %d %v", code, list)
	}
	if got, want := searchFor("FOO"), []string{"foo.soon prefix", "alice.foo.soon substring", "bob.foo.soon substring"}; !slices.Equal(got, want) {
		t.Errorf("search FOO: %v, want %v", got, want)
	}
	if got, want := searchFor("oo.so"), []string{"foo.soon substring", "alice.foo.soon substring", "bob.foo.soon substring"}; !slices.Equal(got, want) {
		t.Errorf("search oo.so: %v, want %v", got, want)
	}
	if got, want := searchFor("lice"), []string{"alice.foo.soon substring"}; !slices.Equal(got, want) {
		t.Errorf("search lice: %v, want %v", got, want)
	}
	var ops []map[string]any
	if code := e.getJSON(t, "/v1/subdomains/"+regTxid, &ops); code != 200 || len(ops) != 2 || ops[0]["fully_qualified_subdomain"] != "alice.foo.soon" ||
		ops[0]["accepted"] != 1.0 || ops[0]["owner"] != owner || ops[0]["domain"] != "foo.soon" || ops[0]["txid"] != regTxid {
		t.Errorf("subdomains of the registration %s: %d %v", regTxid, code, ops)
	}
	var count map[string]any
	if code := e.getJSON(t, "/v1/namespaces/soon/name_count", &count); code != 200 || count["names_count"] != 1.0 {
		t.Errorf("names in soon: %d %v", code, count)
	}

	// names expiring: foo.soon and the wallet's subdomain of it expire
	// within the hour; bar.late does not; the other owner's subdomain is
	// not the wallet's.
	out := e.ok(t, "names", "expiring", "--within", "1h", "--wallet", w)
	t.Logf("names expiring --within 1h:\n%s", out)
	if !strings.Contains(out, "foo.soon ") || !strings.Contains(out, "alice.foo.soon") || !strings.Contains(out, "subdomain: expires with foo.soon") ||
		strings.Contains(out, "bar.late") || strings.Contains(out, "bob.foo.soon") || !strings.Contains(out, "estimates") ||
		!strings.Contains(out, fmt.Sprintf("block %d (~", rec.ExpireBlock)) {
		t.Errorf("names expiring --within 1h:\n%s", out)
	}
	if out := e.ok(t, "names", "expiring", "--within", "1000w", owner); !strings.Contains(out, "bar.late") || !strings.Contains(out, "foo.soon") {
		t.Errorf("names expiring --within 1000w %s:\n%s", owner, out)
	}
	if out := e.ok(t, "names", "expiring", "--within", "1h", other); !strings.Contains(out, "bob.foo.soon") || strings.Contains(out, "alice") {
		t.Errorf("names expiring %s:\n%s", other, out)
	}

	// Freshness: a second node follows the devnet's chain through a
	// proxy that can stop passing anything but the tip.
	var frozen atomic.Bool
	target, err := url.Parse("http://" + addrs.rpc)
	if err != nil {
		t.Fatal(err)
	}
	rp := httputil.NewSingleHostReverseProxy(target)
	proxy := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if frozen.Load() && !bytes.Contains(body, []byte("getblockchaininfo")) {
			http.Error(rw, "frozen by the test", http.StatusServiceUnavailable)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		rp.ServeHTTP(rw, r)
	}))
	t.Cleanup(proxy.Close)
	second := startNode(t, bin, "--rpc", strings.TrimPrefix(proxy.URL, "http://"), "node", "--data-dir", t.TempDir(),
		"--api-addr", "127.0.0.1:0", "--atlas-addr", "", "--stale-blocks", "20")
	info := func() map[string]any {
		var m map[string]any
		resp, getErr := http.Get(second + "/v1/info")
		if getErr != nil {
			return map[string]any{"error": getErr.Error()}
		}
		defer resp.Body.Close()
		json.NewDecoder(resp.Body).Decode(&m)
		return m
	}
	var m map[string]any
	waitfor.True(t, 60*time.Second, "the second node caught up", func() bool {
		m = info()
		return m["stale"] == false && m["last_block_processed"] != nil
	})
	if m["last_block_seen"] == nil || m["stale_after_blocks"] != 20.0 {
		t.Fatalf("info of a fresh node: %v", m)
	}
	frozen.Store(true)
	waitfor.True(t, 60*time.Second, "the second node says it is stale", func() bool {
		m = info()
		return m["stale"] == true
	})
	if seen, last := m["last_block_seen"].(float64), m["last_block_processed"].(float64); seen <= last+20 ||
		!strings.Contains(fmt.Sprint(m["warning"]), "behind the chain tip") {
		t.Fatalf("info of a stale node: %v", m)
	}
	stdout, stderr, err := e.cli(t, nil, "whois", "foo.soon", "--node", second)
	if err != nil || !strings.Contains(stderr, "warning: the node at "+second+" is stale") || !strings.Contains(stdout, `"foo.soon"`) {
		t.Fatalf("whois from a stale node: %v\n%s%s", err, stdout, stderr)
	}
	frozen.Store(false)
	waitfor.True(t, 60*time.Second, "the second node caught up again", func() bool { return info()["stale"] == false })
	if _, stderr, err := e.cli(t, nil, "whois", "foo.soon", "--node", second); err != nil || strings.Contains(stderr, "stale") {
		t.Errorf("whois from a fresh node: %v\n%s", err, stderr)
	}
}

// subKey is a new key for a subdomain owner, and its regtest address.
func subKey(t *testing.T) (subdomains.SingleKey, string) {
	t.Helper()
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
