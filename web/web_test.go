package web_test

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-blockstack/go-blockstack/api"
	"github.com/go-blockstack/go-blockstack/api/apitypes"
	"github.com/go-blockstack/go-blockstack/atlas"
	"github.com/go-blockstack/go-blockstack/bns"
	"github.com/go-blockstack/go-blockstack/chain/devchain"
	"github.com/go-blockstack/go-blockstack/client/profile"
	"github.com/go-blockstack/go-blockstack/namedb"
	"github.com/go-blockstack/go-blockstack/rules"
	"github.com/go-blockstack/go-blockstack/virtualchain"
	"github.com/go-blockstack/go-blockstack/wallet"
	"github.com/go-blockstack/go-blockstack/web"
	"github.com/go-blockstack/go-blockstack/zonefile"
)

// The tests render pages over a real name database: real transactions on
// the embedded devchain, indexed by the real virtualchain.

// testRules let names live 20 blocks (lifetime 10 × 2) with a grace period of 5.
var testRules = func() rules.Rules {
	r := rules.DevnetRules
	r.GracePeriod = 5
	return r
}()

// prices are the namespace's price function: the example of docs/bns.md ("Prices"), in which
// "alice" costs 40,000 satoshis.
var prices = bns.PriceParams{Coeff: 250, Base: 4, Buckets: [16]uint8{6, 5, 4, 3, 2, 1},
	NonalphaDiscount: 10, NoVowelDiscount: 10}

// memZonefiles holds zone files by hash.
type memZonefiles struct {
	mu sync.Mutex
	m  map[string][]byte
}

func (z *memZonefiles) Get(_ context.Context, hash string) ([]byte, error) {
	z.mu.Lock()
	defer z.mu.Unlock()
	if zf, ok := z.m[hash]; ok {
		return zf, nil
	}
	return nil, api.ErrZonefileNotFound
}

func (z *memZonefiles) Put(_ context.Context, data []byte) (string, error) {
	z.mu.Lock()
	defer z.mu.Unlock()
	h := zonefile.HashOf(data).String()
	z.m[h] = data
	return h, nil
}

// fakeAtlas reports a fixed state.
type fakeAtlas struct{}

func (fakeAtlas) Status() atlas.Status {
	return atlas.Status{Inventory: 7, Present: 4, Peers: 2, Neighbours: 1}
}

func (fakeAtlas) Peers() []atlas.PeerStatus {
	return []atlas.PeerStatus{{Addr: "192.0.2.7:6264", Health: 0.75, Requests: 12, Seed: true}}
}

// chainWorld is a devchain with names on it, indexed.
type chainWorld struct {
	t      *testing.T
	ctx    context.Context
	chain  *devchain.Chain
	wal    *wallet.Wallet
	ix     *virtualchain.Indexer
	db     *namedb.DB
	zfs    *memZonefiles
	blocks map[string]int64 // label → block

	creator, revealer, alice, bob *wallet.Key
}

func (w *chainWorld) send(from *wallet.Key, op bns.Op) {
	w.t.Helper()
	layout, err := bns.Encode(op, &bns.DevNet)
	if err != nil {
		w.t.Fatal(err)
	}
	outs := slices.Delete(slices.Clone(layout.Outputs), layout.ChangeIndex, layout.ChangeIndex+1)
	tx, err := w.wal.BuildTx(wallet.TxRequest{From: from, Outputs: outs, ChangeIndex: layout.ChangeIndex, FeeRate: 2})
	if err != nil {
		w.t.Fatalf("%s: %v", op.OpName(), err)
	}
	if _, err := w.wal.Send(w.ctx, w.chain, tx); err != nil {
		w.t.Fatalf("%s: %v", op.OpName(), err)
	}
}

// mine mines a block with what was sent, indexes it and records its
// height under label.
func (w *chainWorld) mine(label string) int64 {
	w.t.Helper()
	if _, err := w.chain.Mine(w.ctx, 1); err != nil {
		w.t.Fatal(err)
	}
	if _, err := w.ix.Sync(w.ctx); err != nil {
		w.t.Fatal(err)
	}
	if _, err := w.wal.Sync(w.ctx, w.chain); err != nil {
		w.t.Fatal(err)
	}
	h := w.ix.Height()
	w.blocks[label] = h
	return h
}

func (w *chainWorld) consensus() bns.Hash128 {
	w.t.Helper()
	b, _, err := w.db.LastBlock(w.ctx)
	if err != nil {
		w.t.Fatal(err)
	}
	var h bns.Hash128
	if n, err := hex.Decode(h[:], []byte(b.ConsensusHash)); err != nil || n != len(h) {
		w.t.Fatalf("consensus hash %q", b.ConsensusHash)
	}
	return h
}

// register preorders and registers name for owner with zone file zf,
// which the store then holds.
func (w *chainWorld) register(owner *wallet.Key, name string, zf []byte) {
	w.t.Helper()
	h, err := bns.PreorderHash(name, owner.PkScript(), owner.Address())
	if err != nil {
		w.t.Fatal(err)
	}
	part, _, _ := bns.SplitName(name)
	w.send(owner, &bns.NamePreorder{PreorderHash: h, ConsensusHash: w.consensus(), BurnAddress: bns.DevNet.BurnAddress(),
		Fee: prices.NamePrice(part)})
	w.mine(name + " preorder")
	w.send(owner, &bns.NameRegistration{Name: name, ValueHash: w.put(zf), Recipient: owner.Address()})
	w.mine(name)
}

func (w *chainWorld) put(zf []byte) bns.Hash160 {
	w.t.Helper()
	if _, err := w.zfs.Put(w.ctx, zf); err != nil {
		w.t.Fatal(err)
	}
	return bns.Hash160(zonefile.HashOf(zf))
}

func (w *chainWorld) record(name string) *namedb.NameRecord {
	w.t.Helper()
	rec, err := w.db.Name(w.ctx, name)
	if err != nil {
		w.t.Fatalf("%s: %v", name, err)
	}
	return rec
}

// profileZonefile is a zone file whose profile is at url.
func profileZonefile(t *testing.T, name, url string) []byte {
	t.Helper()
	zf, err := profile.ZoneFile(name, url)
	if err != nil {
		t.Fatal(err)
	}
	return zf
}

// signedProfile is a profile file signed by k whose name is person.
func signedProfile(t *testing.T, k *wallet.Key, person string) []byte {
	t.Helper()
	p := profile.NewPerson()
	p["name"] = person
	p.SetApp("https://notes.example", "https://hub.example/read/1App/", "02aa")
	tok, err := profile.Sign(p, k.PrivKey(), time.Now(), time.Now().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	f, err := profile.MakeFile(tok)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// hostileZonefile parses, and carries markup in its records.
const hostileZonefile = "$ORIGIN evil.test\n$TTL 3600\n" +
	"evil\tIN\tTXT\t\"<script>alert(1)</script>\" \"\\\"><img src=x onerror=alert(2)>\"\n"

// newWorld builds the chain the tests read: namespace "test" (ready),
// alice.test registered and then updated to a zone file that points to
// her signed profile, evil.test with hostile content, a rejected
// registration; and a server over it with profile fetching allowed to
// this machine (the profile server is on loopback).
func newWorld(t *testing.T) (*chainWorld, http.Handler) {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	c, err := devchain.Open(devchain.Config{DataDir: filepath.Join(dir, "chain"), NoSync: true, CoinbaseMaturity: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if _, err := c.Mine(ctx, 25); err != nil {
		t.Fatal(err)
	}
	wal, err := wallet.Create(filepath.Join(dir, "wallet.json"), wallet.CreateOptions{Network: "devnet", OwnerKeys: 4})
	if err != nil {
		t.Fatal(err)
	}
	db, err := namedb.Open(filepath.Join(dir, "names.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	ix, err := virtualchain.New(ctx, db, c, virtualchain.Config{Network: &bns.DevNet, Rules: testRules, FirstBlock: 1})
	if err != nil {
		t.Fatal(err)
	}
	keys := wal.OwnerKeys()
	w := &chainWorld{t: t, ctx: ctx, chain: c, wal: wal, ix: ix, db: db, zfs: &memZonefiles{m: map[string][]byte{}},
		blocks: map[string]int64{}, creator: keys[0], revealer: keys[1], alice: keys[2], bob: keys[3]}
	for _, k := range keys {
		if _, err := c.Faucet(ctx, k.Address(), 100_000_000); err != nil {
			t.Fatal(err)
		}
	}
	w.mine("funding")

	nsHash, err := bns.NamespacePreorderHash("test", w.creator.PkScript(), w.revealer.Address())
	if err != nil {
		t.Fatal(err)
	}
	nsPrice, _ := bns.NamespacePrice("test")
	w.send(w.creator, &bns.NamespacePreorder{PreorderHash: nsHash, ConsensusHash: w.consensus(), Fee: nsPrice})
	w.mine("namespace preorder")
	w.send(w.creator, &bns.NamespaceReveal{NamespaceID: "test", Lifetime: 10, PriceParams: prices,
		Version: bns.NamespaceVersionPayToBurn, Recipient: w.revealer.Address()})
	w.mine("reveal")
	w.send(w.revealer, &bns.NamespaceReady{NamespaceID: "test"})
	w.mine("ready")

	profiles := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/alice.json":
			rw.Write(signedProfile(t, w.alice, "Alice Liddell"))
		case "/evil.json":
			rw.Write(signedProfile(t, w.bob, "<script>alert(3)</script>"))
		case "/forged.json": // signed by someone else than the owner, bob
			rw.Write(signedProfile(t, w.alice, "Not Bob"))
		default:
			http.NotFound(rw, r)
		}
	}))
	t.Cleanup(profiles.Close)

	w.register(w.alice, "alice.test", []byte("$ORIGIN alice.test\n$TTL 3600\n"))
	w.send(w.alice, &bns.NameUpdate{NameConsensusHash: bns.NameConsensusHash("alice.test", w.consensus()),
		ValueHash: w.put(profileZonefile(t, "alice.test", profiles.URL+"/alice.json"))})
	w.mine("alice update")
	w.register(w.bob, "evil.test", append([]byte(hostileZonefile), fmt.Sprintf("_http._tcp\tIN\tURI\t10\t1\t%q\n", profiles.URL+"/evil.json")...))
	w.register(w.bob, "forged.test", profileZonefile(t, "forged.test", profiles.URL+"/forged.json"))
	// A registration without a preorder, rejected.
	w.send(w.bob, &bns.NameRegistration{Name: "nopre.test", Recipient: w.bob.Address()})
	w.mine("rejected")

	s, err := web.New(web.Config{DB: db, Zonefiles: w.zfs, Network: &bns.DevNet, Rules: testRules, Chain: c, Atlas: fakeAtlas{},
		Clock: api.NewBlockClock(c), ProfileClient: web.ProfileClient(true)})
	if err != nil {
		t.Fatal(err)
	}
	return w, s
}

func get(t *testing.T, h http.Handler, path string) (int, http.Header, string) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
	body, _ := io.ReadAll(rec.Body)
	return rec.Code, rec.Header(), string(body)
}

func TestPages(t *testing.T) {
	w, s := newWorld(t)
	alice := w.record("alice.test")
	aliceAddr := w.alice.Address().EncodeAddress()
	bobAddr := w.bob.Address().EncodeAddress()
	last, _, _ := w.db.LastBlock(w.ctx)
	regBlock, updBlock, rejBlock := w.blocks["alice.test"], w.blocks["alice update"], w.blocks["rejected"]
	if want := regBlock + 20; alice.ExpireBlock != want {
		t.Fatalf("alice.test expires at %d, want %d", alice.ExpireBlock, want)
	}
	aliceBlock, _ := w.db.BlockAt(w.ctx, regBlock)
	cases := []struct {
		path    string
		status  int
		want    []string
		notWant []string
	}{
		{"/", 200, []string{
			fmt.Sprintf(`<a href="/block/%d">block %d</a>`, last.Height, last.Height), last.ConsensusHash, "(in sync)",
			`<a href="/namespace/test">.test</a>`,
			fmt.Sprintf(`<a href="/block/%d">Block %d</a>`, regBlock, regBlock), aliceBlock.ConsensusHash,
			`<a href="/name/alice.test">alice.test</a>`, "NAME_REGISTRATION", "NAMESPACE_READY",
			"<dt>missing</dt><dd><span class=\"warn\">3</span>", "192.0.2.7:6264",
		}, nil},
		{"/name/alice.test", 200, []string{
			"alice.test", `<span class="status registered">registered</span>`,
			fmt.Sprintf(`<a href="/address/%s"><code>%s</code></a>`, aliceAddr, aliceAddr),
			fmt.Sprintf("block %d", alice.ExpireBlock), fmt.Sprintf("block %d", alice.ExpireBlock+testRules.GracePeriod),
			alice.ValueHash, "<td>URI</td>", "/alice.json", // rendered zone file
			"$ORIGIN alice.test", // raw zone file
			"Signed by the owner", "Alice Liddell", "https://notes.example",
			fmt.Sprintf(`<a href="/block/%d#tx-`, regBlock), fmt.Sprintf(`<a href="/block/%d#tx-`, updBlock),
			"<code>NAME_UPDATE</code>", "<code>NAME_REGISTRATION</code>",
			`, about <time datetime="`, "Dates are estimates from the chain's recent block rate",
		}, nil},
		{"/name/forged.test", 200, []string{"not signed by the name&#39;s owner"}, []string{"Not Bob", "Signed by the owner"}},
		{"/namespace/test", 200, []string{
			"ready", fmt.Sprintf(`<a href="/block/%d">block %d</a>`, w.blocks["ready"], w.blocks["ready"]),
			"20 blocks (lifetime 10 × 2)", "the burn address (version 1)",
			"<td>1</td><td>10240000</td><td>1024000</td><td>1024000</td>",
			"<td>5</td><td>40000</td><td>4000</td><td>4000</td>",
			"<td>16 or more</td><td>2500</td>",
			`<a href="/name/alice.test">alice.test</a>`, "<code>NAMESPACE_REVEAL</code>",
		}, nil},
		{"/namespace/test?page=1", 200, []string{"No names on this page", `href="/namespace/test?page=0"`}, []string{"/name/alice.test"}},
		{"/address/" + aliceAddr, 200, []string{`<a href="/name/alice.test">alice.test</a>`, fmt.Sprintf("block %d", alice.ExpireBlock)}, []string{"evil.test"}},
		{"/address/" + bobAddr, 200, []string{"evil.test", "forged.test"}, []string{"alice.test"}},
		{"/address/" + w.creator.Address().EncodeAddress(), 200, []string{"owns no names"}, nil},
		{fmt.Sprintf("/block/%d", regBlock), 200, []string{aliceBlock.Hash, aliceBlock.ConsensusHash, aliceBlock.OpsHash,
			"<code>NAME_REGISTRATION</code>", `<a href="/name/alice.test">alice.test</a>`, "accepted",
			fmt.Sprintf(`<a href="/block/%d">`, regBlock-1), fmt.Sprintf(`<a href="/block/%d">`, regBlock+1)}, nil},
		{fmt.Sprintf("/block/%d", rejBlock), 200, []string{"rejected", "nopre.test", "no pending NAME_PREORDER"}, []string{"/name/nopre.test"}},
		// Not found.
		{"/name/nobody.test", 404, []string{"No one has registered nobody.test"}, nil},
		{"/namespace/nope", 404, []string{"nope"}, nil},
		{fmt.Sprintf("/block/%d", last.Height+1), 404, []string{"has not indexed block"}, nil},
		{"/no/such/page", 404, []string{"There is no page"}, nil},
		// Malformed.
		{"/name/Alice.test", 400, []string{"not a valid name"}, nil},
		{"/name/a.b.c.d", 400, []string{"not a valid name"}, nil},
		{"/name/x%2Fy.test", 400, []string{"not a valid name"}, nil},
		{"/namespace/Te_st!", 400, []string{"not a valid namespace id"}, nil},
		{"/namespace/test?page=-1", 400, []string{"page must be"}, nil},
		{"/address/notanaddress", 400, []string{"is not a devnet address"}, nil},
		{"/address/1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2", 400, []string{"is not a devnet address"}, nil}, // mainnet
		{"/block/-1", 400, []string{"is not a block height"}, nil},
		{"/block/abc", 400, []string{"is not a block height"}, nil},
		{"/block/99999999999999999999", 400, []string{"is not a block height"}, nil},
		{"/?before=x", 400, []string{"before must be"}, nil},
		// Search.
		{"/search?q=nothing.test", 404, []string{"Nothing on this chain is called"}, nil},
		{"/search?q=%3Cscript%3Ealert(9)%3C/script%3E", 404, []string{"&lt;script&gt;alert(9)"}, []string{"<script>"}},
		// Static files.
		{"/static/style.css", 200, []string{"prefers-color-scheme"}, nil},
		{"/static/favicon.svg", 200, []string{"<svg"}, nil},
	}
	for _, tc := range cases {
		code, hdr, body := get(t, s, tc.path)
		if code != tc.status {
			t.Errorf("GET %s: status %d, want %d\n%s", tc.path, code, tc.status, body)
			continue
		}
		if !strings.HasPrefix(tc.path, "/static/") {
			if ct := hdr.Get("Content-Type"); ct != "text/html; charset=utf-8" {
				t.Errorf("GET %s: Content-Type %q", tc.path, ct)
			}
			if !strings.Contains(hdr.Get("Content-Security-Policy"), "default-src 'none'") {
				t.Errorf("GET %s: no content security policy", tc.path)
			}
		}
		for _, want := range tc.want {
			if !strings.Contains(body, want) {
				t.Errorf("GET %s: page lacks %q", tc.path, want)
			}
		}
		for _, bad := range tc.notWant {
			if strings.Contains(body, bad) {
				t.Errorf("GET %s: page has %q", tc.path, bad)
			}
		}
	}
}

func TestSearch(t *testing.T) {
	w, s := newWorld(t)
	addr := w.alice.Address().EncodeAddress()
	hist, _ := w.db.History(w.ctx, "alice.test")
	cases := []struct{ q, location string }{
		{"alice.test", "/name/alice.test"},
		{"  ALICE.test ", "/name/alice.test"},
		{"test", "/namespace/test"},
		{addr, "/address/" + addr},
		{"7", "/block/7"},
		{hist[0].Txid, fmt.Sprintf("/block/%d#tx-%s", hist[0].Block, hist[0].Txid)},
		{"", "/"},
	}
	for _, tc := range cases {
		code, hdr, _ := get(t, s, "/search?q="+strings.ReplaceAll(tc.q, " ", "+"))
		if code != http.StatusSeeOther || hdr.Get("Location") != tc.location {
			t.Errorf("search %q: %d to %q, want 303 to %q", tc.q, code, hdr.Get("Location"), tc.location)
		}
	}
}

// TestEscaping: nothing a name's owner wrote reaches the page as markup:
// not the zone file (rendered or raw), not the profile.
func TestEscaping(t *testing.T) {
	_, s := newWorld(t)
	code, _, body := get(t, s, "/name/evil.test")
	if code != 200 {
		t.Fatalf("status %d: %s", code, body)
	}
	for _, bad := range []string{"<script>", "<img"} {
		if strings.Contains(body, bad) {
			t.Errorf("page has %q", bad)
		}
	}
	for _, want := range []string{
		"&lt;script&gt;alert(1)&lt;/script&gt;", // TXT, rendered and raw
		"&lt;img src=x onerror=alert(2)&gt;",    // the second string
		"&lt;script&gt;alert(3)&lt;/script&gt;", // the profile's name
	} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %q", want)
		}
	}
}

// TestProfileNotFetched: a public node's client does not fetch a profile
// from this machine, and the page says why rather than failing.
func TestProfileNotFetched(t *testing.T) {
	w, _ := newWorld(t)
	for _, tc := range []struct {
		client *http.Client
		want   string
	}{
		{web.ProfileClient(false), "is not a public address"},
		{nil, "This node does not fetch profiles"},
	} {
		s, err := web.New(web.Config{DB: w.db, Zonefiles: w.zfs, Network: &bns.DevNet, Rules: testRules, ProfileClient: tc.client})
		if err != nil {
			t.Fatal(err)
		}
		code, _, body := get(t, s, "/name/alice.test")
		if code != 200 || !strings.Contains(body, tc.want) || strings.Contains(body, "Alice Liddell") {
			t.Errorf("client %v: status %d, want a page saying %q", tc.client, code, tc.want)
		}
		// Atlas off, no chain tip: the home page says so.
		if _, _, body := get(t, s, "/"); !strings.Contains(body, "runs no Atlas peer") {
			t.Error("home page without Atlas does not say so")
		}
	}
}

// fakePeer answers every block with a consensus hash (or an error).
type fakePeer struct {
	url  string
	says func(height int64) (string, error)
}

func (p fakePeer) URL() string { return p.url }
func (p fakePeer) SNVBlock(_ context.Context, height int64, _ bool) (*apitypes.SNVBlock, error) {
	ch, err := p.says(height)
	if err != nil {
		return nil, err
	}
	return &apitypes.SNVBlock{Height: height, ConsensusHash: ch}, nil
}

// TestNameProof: a name page says which block's state root proves the
// record, and what each peer gives as that block's consensus hash.
func TestNameProof(t *testing.T) {
	w, _ := newWorld(t)
	last, _, err := w.db.LastBlock(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	peers := []web.Peer{
		fakePeer{"http://agrees.example", func(int64) (string, error) { return last.ConsensusHash, nil }},
		fakePeer{"http://lies.example", func(int64) (string, error) { return strings.Repeat("f", 32), nil }},
		fakePeer{"http://down.example", func(int64) (string, error) { return "", errors.New("connection refused") }},
	}
	s, err := web.New(web.Config{DB: w.db, Zonefiles: w.zfs, Network: &bns.DevNet, Rules: testRules, Peers: peers})
	if err != nil {
		t.Fatal(err)
	}
	code, _, body := get(t, s, "/name/alice.test")
	for _, want := range []string{"proved by the state root of block", last.StateRoot, last.ConsensusHash, "/v1/names/alice.test/proof",
		"1 of 3 other nodes give the same consensus hash", "agrees: <code>http://agrees.example",
		"<strong>disagrees</strong>: <code>http://lies.example</code> says", "no answer: <code>http://down.example</code> <span class=\"muted\">(connection refused)"} {
		if code != 200 || !strings.Contains(body, want) {
			t.Errorf("status %d; page lacks %q", code, want)
		}
	}
	s, err = web.New(web.Config{DB: w.db, Zonefiles: w.zfs, Network: &bns.DevNet, Rules: testRules})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, body := get(t, s, "/name/alice.test"); !strings.Contains(body, "No other node was asked") {
		t.Error("a page without peers does not say so")
	}
}
