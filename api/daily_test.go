package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-blockstack/go-blockstack/api/apiclient"
	"github.com/go-blockstack/go-blockstack/chain"
	"github.com/go-blockstack/go-blockstack/subdomains"
	"github.com/go-blockstack/go-blockstack/subdomains/subdomainstest"
	"github.com/go-blockstack/go-blockstack/zonefile"
)

// fakeChain is a chain whose tip the test sets, whose block h was mined
// at start + h × spacing, and which fails when down.
type fakeChain struct {
	tip     atomic.Int64
	down    atomic.Bool
	start   time.Time
	spacing time.Duration
	reads   atomic.Int64
}

func (c *fakeChain) Tip(context.Context) (chain.Tip, error) {
	if c.down.Load() {
		return chain.Tip{}, errors.New("connection refused")
	}
	return chain.Tip{Height: c.tip.Load()}, nil
}

func (c *fakeChain) BlockByHeight(_ context.Context, h int64) (*chain.Block, error) {
	c.reads.Add(1)
	if c.down.Load() {
		return nil, errors.New("connection refused")
	}
	b := &chain.Block{Height: h}
	b.Header.Timestamp = c.start.Add(time.Duration(h) * c.spacing)
	return b, nil
}

// TestInfoFreshness: /v1/info reports the chain's tip as last_block_seen,
// and stale (with a warning) once the node lags it by more than the
// configured blocks, or cannot see it.
func TestInfoFreshness(t *testing.T) {
	s, _ := fixture(t) // indexed to block 20
	c := &fakeChain{start: time.Unix(1_700_000_000, 0), spacing: 10 * time.Minute}
	s = New(Config{DB: s.cfg.DB, Network: s.cfg.Network, Rules: s.cfg.Rules, FirstBlock: 1, Chain: c, StaleAfter: 3})
	for _, tc := range []struct {
		tip   int64
		down  bool
		stale bool
		seen  any
	}{
		{tip: 20, stale: false, seen: 20.0},
		{tip: 23, stale: false, seen: 23.0},
		{tip: 24, stale: true, seen: 24.0},
		{tip: 24, down: true, stale: true, seen: nil},
	} {
		c.tip.Store(tc.tip)
		c.down.Store(tc.down)
		code, m, raw := do(t, s, "GET", "/v1/info", "")
		_, warned := m["warning"]
		if code != http.StatusOK || m["stale"] != tc.stale || m["last_block_seen"] != tc.seen || m["last_block_processed"] != 20.0 ||
			m["stale_after_blocks"] != 3.0 || warned != tc.stale {
			t.Errorf("tip %d (down %v): %d %s, want stale %v", tc.tip, tc.down, code, raw, tc.stale)
		}
	}
	// Without a chain to ask, the node cannot tell: not stale, no tip.
	s, _ = fixture(t)
	if _, m, raw := do(t, s, "GET", "/v1/info", ""); m["stale"] != false || m["last_block_seen"] != nil || m["stale_after_blocks"] != float64(DefaultStaleAfter) {
		t.Errorf("no chain: %s", raw)
	}
}

// TestExpiryEstimate: a name's record dates its expiry and renewal
// deadline from the chain's block rate over its recent blocks, counted
// from now, and says they are estimates; the rate is measured once per
// indexed block; a name that never expires, or a chain that cannot be
// read, gets no estimate.
func TestExpiryEstimate(t *testing.T) {
	s, _ := fixture(t)
	c := &fakeChain{start: time.Unix(1_700_000_000, 0), spacing: 7 * time.Minute}
	c.tip.Store(20)
	s = New(Config{DB: s.cfg.DB, Network: s.cfg.Network, Rules: s.cfg.Rules, FirstBlock: 1, Chain: c})
	now := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	s.clock.now = func() time.Time { return now }
	code, m, raw := do(t, s, "GET", "/v1/names/alice.test", "")
	est, _ := m["expiry_estimate"].(map[string]any)
	// alice.test expires at block 205, 185 blocks after block 20; its
	// renewal deadline is 8 blocks later (the fixture's grace period).
	want := map[string]any{"expire_date": now.Add(185 * 7 * time.Minute).Format(time.RFC3339),
		"renewal_deadline_date": now.Add(193 * 7 * time.Minute).Format(time.RFC3339), "estimated": true,
		"seconds_per_block": 420.0, "from_blocks": 19.0, "as_of_block": 20.0}
	if code != http.StatusOK || fmt.Sprint(est) != fmt.Sprint(want) {
		t.Fatalf("alice.test: %d %s\nwant expiry_estimate %v", code, raw, want)
	}
	do(t, s, "GET", "/v1/names/old.test", "")
	if n := c.reads.Load(); n != 2 {
		t.Errorf("%d block reads for two look-ups at one height, want 2 (the rate is kept)", n)
	}
	if _, m, raw = do(t, s, "GET", "/v1/names/old.test", ""); !strings.HasPrefix(fmt.Sprint(m["expiry_estimate"]), "map[") {
		t.Errorf("an expired name: %s, want its (past) dates", raw)
	}

	s2, _ := fixture(t)
	c2 := &fakeChain{}
	c2.down.Store(true)
	s2 = New(Config{DB: s2.cfg.DB, Network: s2.cfg.Network, Rules: s2.cfg.Rules, FirstBlock: 1, Chain: c2})
	if code, m, raw := do(t, s2, "GET", "/v1/names/alice.test", ""); code != http.StatusOK || m["expiry_estimate"] != nil {
		t.Errorf("chain down: %d %s, want the record without an estimate", code, raw)
	}
}

// TestSubdomainListings: a domain's subdomains (all, or by page), all
// subdomains by page, a transaction's subdomain records in Core's shape,
// and the counts.
func TestSubdomainListings(t *testing.T) {
	s, _ := fixture(t)
	idx := subdomainstest.Index{}
	txid := strings.Repeat("cd", 32)
	for i := range 150 {
		fqn := fmt.Sprintf("u%03d.alice.test", i)
		zf := []byte("$ORIGIN " + fqn + "\n")
		idx[fqn] = []subdomains.Record{{Name: fqn, Parent: "alice.test", Domain: "alice.test", Owner: "mkBob", ZoneFile: zf,
			ZoneFileHash: zonefile.HashOf(zf), Block: 6, Index: 3, Offset: i, Txid: txid, Accepted: i != 7, Sig: "c2ln"}}
	}
	idx["x.old.test"] = []subdomains.Record{{Name: "x.old.test", Parent: "old.test", Domain: "old.test", Owner: "mkBob", Block: 6,
		Index: 4, Txid: strings.Repeat("ef", 32), Accepted: true}}
	s.cfg.Subdomains = idx

	for _, tc := range []struct {
		path        string
		status, len int
		first, last string
	}{
		{"/v1/names/alice.test/subdomains", 200, 149, "u000.alice.test", "u149.alice.test"},
		{"/v1/names/alice.test/subdomains?page=1", 200, 49, "u101.alice.test", "u149.alice.test"},
		{"/v1/names/alice.test/subdomains?page=2", 200, 0, "", ""},
		{"/v1/names/old.test/subdomains", 200, 1, "x.old.test", "x.old.test"},
		{"/v1/names/frozen.test/subdomains", 200, 0, "", ""},
		{"/v1/subdomains", 200, 100, "u000.alice.test", "u100.alice.test"},
		{"/v1/subdomains?page=1", 200, 50, "u101.alice.test", "x.old.test"},
		{"/v1/subdomains?page=9", 200, 0, "", ""},
	} {
		code, _, raw := do(t, s, "GET", tc.path, "")
		var got []string
		if code == 200 {
			got = strings.Split(strings.Trim(strings.TrimSpace(raw), "[]"), ",")
			if got[0] == "" {
				got = nil
			}
		}
		if code != tc.status || len(got) != tc.len || tc.len > 0 && (got[0] != `"`+tc.first+`"` || got[len(got)-1] != `"`+tc.last+`"`) {
			t.Errorf("%s: %d, %d names (%.80s…), want %d from %s to %s", tc.path, code, len(got), raw, tc.len, tc.first, tc.last)
		}
	}
	for path, want := range map[string]int{"/v1/names/nobody.test/subdomains": 404, "/v1/names/x/subdomains": 400,
		"/v1/subdomains?page=x": 400, "/v1/subdomains/xyz": 400, "/v1/namespaces/nope/name_count": 404} {
		if code, _, raw := do(t, s, "GET", path, ""); code != want {
			t.Errorf("%s: %d %s, want %d", path, code, raw, want)
		}
	}

	code, _, raw := do(t, s, "GET", "/v1/subdomains/"+txid, "")
	if code != 200 || strings.Count(raw, `"fully_qualified_subdomain"`) != 150 ||
		!strings.Contains(raw, `{"accepted":0,"block_height":6,"domain":"alice.test","fully_qualified_subdomain":"u007.alice.test","missing":"","owner":"mkBob",`) ||
		!strings.Contains(raw, `"parent_zonefile_index":3,"resolver":"","sequence":0,"signature":"c2ln","txid":"`+txid+`"`) {
		t.Errorf("subdomains of %s: %d %.400s", txid, code, raw)
	}
	if code, _, raw := do(t, s, "GET", "/v1/subdomains/"+strings.Repeat("0", 64), ""); code != 200 || strings.TrimSpace(raw) != "[]" {
		t.Errorf("a transaction without subdomains: %d %s", code, raw)
	}
	for path, want := range map[string]string{
		"/v1/blockchains/bitcoin/subdomains_count": `{"names_count":150}`,
		"/v1/namespaces/test/name_count":           `{"names_count":4}`,
	} {
		if code, _, raw := do(t, s, "GET", path, ""); code != 200 || strings.TrimSpace(raw) != want {
			t.Errorf("%s: %d %s, want %s", path, code, raw, want)
		}
	}
}

// TestClientReadsDailyEndpoints: the client reads freshness, estimates,
// listings and counts as the server writes them.
func TestClientReadsDailyEndpoints(t *testing.T) {
	s, _ := fixture(t)
	c := &fakeChain{start: time.Unix(1_700_000_000, 0), spacing: 10 * time.Minute}
	c.tip.Store(30)
	sub := []byte("$ORIGIN bob.alice.test\n")
	txid := strings.Repeat("ab", 32)
	s = New(Config{DB: s.cfg.DB, Network: s.cfg.Network, Rules: s.cfg.Rules, FirstBlock: 1, Chain: c,
		Subdomains: subdomainstest.Index{"bob.alice.test": {{Name: "bob.alice.test", Parent: "alice.test", Domain: "alice.test",
			Owner: "mkBob", ZoneFile: sub, ZoneFileHash: zonefile.HashOf(sub), Block: 6, Index: 3, Txid: txid, Accepted: true}}}})
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	ctx := context.Background()
	cl, err := apiclient.New(srv.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	info, err := cl.Info(ctx)
	if err != nil || !info.Stale || info.LastBlockSeen != 30 || info.StaleAfterBlocks != DefaultStaleAfter || info.Warning == "" {
		t.Errorf("info %+v, %v", info, err)
	}
	n, err := cl.Name(ctx, "alice.test")
	if err != nil || n.ExpiryEstimate == nil || !n.ExpiryEstimate.Estimated || n.ExpiryEstimate.SecondsPerBlock != 600 {
		t.Errorf("alice.test %+v, %v", n, err)
	}
	if subs, err := cl.NameSubdomains(ctx, "alice.test"); err != nil || len(subs) != 1 || subs[0] != "bob.alice.test" {
		t.Errorf("subdomains of alice.test: %v, %v", subs, err)
	}
	if subs, err := cl.Subdomains(ctx, 0); err != nil || len(subs) != 1 {
		t.Errorf("subdomains: %v, %v", subs, err)
	}
	if ops, err := cl.SubdomainsOfTx(ctx, txid); err != nil || len(ops) != 1 || ops[0].FQN != "bob.alice.test" || ops[0].Accepted != 1 {
		t.Errorf("subdomains of %s: %+v, %v", txid, ops, err)
	}
	if n, err := cl.SubdomainCount(ctx); err != nil || n != 1 {
		t.Errorf("subdomain count %d, %v", n, err)
	}
	if n, err := cl.NamespaceNameCount(ctx, "test"); err != nil || n != 4 {
		t.Errorf("names in test: %d, %v", n, err)
	}
	if _, err := cl.NamespaceNameCount(ctx, "nope"); !errors.Is(err, apiclient.ErrNotFound) {
		t.Errorf("names in nope: %v", err)
	}
}
