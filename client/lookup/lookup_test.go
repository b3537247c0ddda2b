package lookup

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/btcsuite/btcd/btcutil"
	"github.com/btcsuite/btcd/chaincfg"

	"github.com/go-blockstack/go-blockstack/api"
	"github.com/go-blockstack/go-blockstack/api/apiclient"
	"github.com/go-blockstack/go-blockstack/bns"
	"github.com/go-blockstack/go-blockstack/client/profile"
	"github.com/go-blockstack/go-blockstack/client/snv"
	"github.com/go-blockstack/go-blockstack/consensus"
	"github.com/go-blockstack/go-blockstack/namedb"
	"github.com/go-blockstack/go-blockstack/rules"
	"github.com/go-blockstack/go-blockstack/subdomains/subdomainstest"
	"github.com/go-blockstack/go-blockstack/zonefile"
)

// zonefiles serves zone files by hash, as the node's store does.
type zonefiles map[string][]byte

func (z zonefiles) Get(_ context.Context, hash string) ([]byte, error) {
	if zf, ok := z[hash]; ok {
		return zf, nil
	}
	return nil, api.ErrZonefileNotFound
}

func (z zonefiles) Put(context.Context, []byte) (string, error) { return "", errors.New("read-only") }

func address(t *testing.T, k *btcec.PrivateKey) string {
	t.Helper()
	a, err := btcutil.NewAddressPubKeyHash(btcutil.Hash160(k.PubKey().SerializeCompressed()), &chaincfg.RegressionNetParams)
	if err != nil {
		t.Fatal(err)
	}
	return a.EncodeAddress()
}

// TestResolve builds the whole chain — a name on a node, its zone file,
// a profile on a storage server signed by the owner — then breaks each
// link in turn.
func TestResolve(t *testing.T) {
	ctx := context.Background()
	owner, _ := btcec.NewPrivateKey()
	stranger, _ := btcec.NewPrivateKey()
	sign := func(k *btcec.PrivateKey) []byte {
		p := profile.NewPerson()
		p.SetApp("https://notes.example", "https://hub.example/read/1App/", "02aa")
		tok, err := profile.Sign(p, k, time.Now(), time.Now().Add(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		f, err := profile.MakeFile(tok)
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	files := map[string][]byte{"/alice/profile.json": sign(owner), "/forged/profile.json": sign(stranger)}
	storage := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if f, ok := files[r.URL.Path]; ok {
			w.Write(f)
			return
		}
		http.NotFound(w, r)
	}))
	defer storage.Close()

	db, err := namedb.Open(filepath.Join(t.TempDir(), "names.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	zfs := zonefiles{}
	tx, err := db.Begin(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	vtx := 0
	addName := func(name, profilePath string, tamper bool) {
		zf, err := profile.ZoneFile(name, storage.URL+profilePath)
		if err != nil {
			t.Fatal(err)
		}
		h := zonefile.HashOf(zf).String()
		if tamper {
			zf = append(zf, "; changed\n"...)
		}
		zfs[h] = zf
		rec := &namedb.NameRecord{Name: name, NamespaceID: "test", Address: address(t, owner), ValueHash: h, ExpireBlock: -1}
		if err := tx.PutName(rec); err != nil {
			t.Fatal(err)
		}
		raw, _ := namedb.MarshalRecord(rec)
		vtx++ // the history, by which a node serves a name's zone files by hash
		if err := tx.AddHistory(namedb.HistoryEntry{Block: 1, Vtxindex: vtx, Txid: name, Op: "NAME_REGISTRATION", Subject: name, Accepted: true, Record: raw}); err != nil {
			t.Fatal(err)
		}
	}
	addName("alice.test", "/alice/profile.json", false)
	addName("forged.test", "/forged/profile.json", false)
	addName("gone.test", "/gone/profile.json", false)
	addName("tampered.test", "/alice/profile.json", true)
	if err := tx.PutName(&namedb.NameRecord{Name: "bare.test", NamespaceID: "test", Address: address(t, owner), ExpireBlock: -1}); err != nil {
		t.Fatal(err)
	}
	noURI := []byte("$ORIGIN nouri.test\n$TTL 3600\n@ IN A 127.0.0.1\n")
	zfs[zonefile.HashOf(noURI).String()] = noURI
	if err := tx.PutName(&namedb.NameRecord{Name: "nouri.test", NamespaceID: "test", Address: address(t, owner),
		ValueHash: zonefile.HashOf(noURI).String(), ExpireBlock: -1}); err != nil {
		t.Fatal(err)
	}
	if err := tx.PutNamespace(&namedb.NamespaceRecord{NamespaceID: "test", Ready: true}); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(namedb.Block{Height: 1, Hash: strings.Repeat("01", 32), ConsensusHash: "01", OpsHash: strings.Repeat("00", 32)}, nil); err != nil {
		t.Fatal(err)
	}
	nodeSrv := httptest.NewServer(api.New(api.Config{DB: db, Zonefiles: zfs, Network: &bns.DevNet, Rules: rules.DevnetRules, FirstBlock: 1}))
	defer nodeSrv.Close()
	node, err := apiclient.New(nodeSrv.URL, nil)
	if err != nil {
		t.Fatal(err)
	}

	res, err := Resolve(ctx, node, nil, "alice.test")
	if err != nil {
		t.Fatal(err)
	}
	if bucket, ok := res.AppBucket("https://notes.example"); !ok || bucket != "https://hub.example/read/1App/" {
		t.Fatalf("app bucket %q %v", bucket, ok)
	}
	if res.Owner != address(t, owner) || res.ProfileURL != storage.URL+"/alice/profile.json" {
		t.Fatalf("result %+v", res)
	}

	for _, tc := range []struct{ name, link string }{
		{"nobody.test", LinkName},
		{"bare.test", LinkZonefile},
		{"tampered.test", LinkZonefile},
		{"nouri.test", LinkProfileURL},
		{"gone.test", LinkProfile},
		{"forged.test", LinkProfile},
	} {
		_, err := Resolve(ctx, node, nil, tc.name)
		var le *LinkError
		if !errors.As(err, &le) || le.Link != tc.link {
			t.Errorf("%s: got %v, want a broken %s link", tc.name, err, tc.link)
		}
	}
	if _, err := Resolve(ctx, node, nil, "forged.test"); !errors.Is(err, profile.ErrWrongIssuer) {
		t.Errorf("a profile signed by another key: %v, want ErrWrongIssuer", err)
	}

	// Proved: the anchor is block 1's consensus hash, as the block's
	// commitment gives it.
	last, _, err := db.LastBlock(ctx)
	if err != nil {
		t.Fatal(err)
	}
	c := consensus.Commitment{Height: 1, BlockHash: last.Hash, OpsHash: last.OpsHash, StateRoot: last.StateRoot}
	ch, err := c.Hash()
	if err != nil {
		t.Fatal(err)
	}
	anchor := snv.Anchor{Height: 1, ConsensusHash: ch}
	res, proof, err := ResolveProved(ctx, node, nil, "alice.test", anchor, 1, rules.DevnetRules)
	if err != nil || res.Owner != address(t, owner) || proof.Name == nil || !proof.NamespaceExists {
		t.Fatalf("ResolveProved: %+v %+v %v", res, proof, err)
	}
	for _, tc := range []struct{ name, link string }{
		{"nobody.test", LinkName},
		{"bob.alice.test", LinkName},
		{"bare.test", LinkZonefile},
		{"tampered.test", LinkZonefile},
		{"forged.test", LinkProfile},
	} {
		_, _, err := ResolveProved(ctx, node, nil, tc.name, anchor, 1, rules.DevnetRules)
		var le *LinkError
		if !errors.As(err, &le) || le.Link != tc.link {
			t.Errorf("proved %s: got %v, want a broken %s link", tc.name, err, tc.link)
		}
	}
	// Block 1's consensus hash were another: nothing the node says is
	// believed.
	wrong := snv.Anchor{Height: 1, ConsensusHash: strings.Repeat("ab", 16)}
	if _, _, err := ResolveProved(ctx, node, nil, "alice.test", wrong, 1, rules.DevnetRules); !errors.Is(err, snv.ErrMismatch) {
		t.Errorf("another anchor: %v, want snv.ErrMismatch", err)
	}
}

// TestProfileOwnerOfUncompressedKey: a name owned by the hash of the
// uncompressed form of the key that signs its profile (names of 2016)
// resolves, as it does for an owner of the compressed form.
func TestProfileOwnerOfUncompressedKey(t *testing.T) {
	key, _ := btcec.NewPrivateKey()
	tok, err := profile.Sign(profile.NewPerson(), key, time.Now(), time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	file, err := profile.MakeFile(tok)
	if err != nil {
		t.Fatal(err)
	}
	storage := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.Write(file) }))
	defer storage.Close()
	zf, err := profile.ZoneFile("old.id", storage.URL+"/profile.json")
	if err != nil {
		t.Fatal(err)
	}
	for _, pub := range [][]byte{key.PubKey().SerializeCompressed(), key.PubKey().SerializeUncompressed()} {
		owner, err := btcutil.NewAddressPubKeyHash(btcutil.Hash160(pub), &chaincfg.MainNetParams)
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := Profile(context.Background(), storage.Client(), "old.id", owner.EncodeAddress(), zf); err != nil {
			t.Errorf("owner %s (%d-byte key): %v", owner, len(pub), err)
		}
	}
}

// TestResolvePending: a subdomain the node does not know yet, whose
// domain's zone file names a registrar (_resolver), resolves through that
// registrar, to which the node sends the look-up: the Result is Pending,
// and its profile is still checked against the owner the registrar gives.
func TestResolvePending(t *testing.T) {
	ctx := context.Background()
	owner, _ := btcec.NewPrivateKey()
	p := profile.NewPerson()
	tok, err := profile.Sign(p, owner, time.Now(), time.Now().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	prof, err := profile.MakeFile(tok)
	if err != nil {
		t.Fatal(err)
	}
	storage := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write(prof) }))
	defer storage.Close()
	subZone, err := profile.ZoneFile("carol.reg.test", storage.URL+"/carol/profile.json")
	if err != nil {
		t.Fatal(err)
	}
	// The registrar's answer for a queued name, in its shape.
	registrar := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v1/names/carol.reg.test" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"blockchain": "bitcoin", "status": "pending_subdomain", "address": address(t, owner),
			"seqn": 0, "domain": "reg.test", "last_txid": "", "zonefile": string(subZone), "zonefile_hash": zonefile.HashOf(subZone).String()})
	}))
	defer registrar.Close()

	db, err := namedb.Open(filepath.Join(t.TempDir(), "names.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	domainZone := []byte("$ORIGIN reg.test\n$TTL 3600\n_resolver URI 10 1 \"" + registrar.URL + "\"\n")
	zfs := zonefiles{zonefile.HashOf(domainZone).String(): domainZone}
	tx, err := db.Begin(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	if err := tx.PutNamespace(&namedb.NamespaceRecord{NamespaceID: "test", Ready: true}); err != nil {
		t.Fatal(err)
	}
	if err := tx.PutName(&namedb.NameRecord{Name: "reg.test", NamespaceID: "test", Address: address(t, owner),
		ValueHash: zonefile.HashOf(domainZone).String(), ExpireBlock: -1}); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(namedb.Block{Height: 1, Hash: strings.Repeat("01", 32), ConsensusHash: "01", OpsHash: strings.Repeat("00", 32)}, nil); err != nil {
		t.Fatal(err)
	}
	nodeSrv := httptest.NewServer(api.New(api.Config{DB: db, Zonefiles: zfs, Subdomains: subdomainstest.Index{},
		Network: &bns.DevNet, Rules: rules.DevnetRules, FirstBlock: 1}))
	defer nodeSrv.Close()
	node, err := apiclient.New(nodeSrv.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := Resolve(ctx, node, nil, "carol.reg.test")
	if err != nil {
		t.Fatal(err)
	}
	if !res.Pending || res.Owner != address(t, owner) || res.ProfileURL != storage.URL+"/carol/profile.json" {
		t.Fatalf("result %+v, want a pending subdomain with its profile", res)
	}
	var le *LinkError
	if _, err := Resolve(ctx, node, nil, "dave.reg.test"); !errors.As(err, &le) || le.Link != LinkName || !errors.Is(err, apiclient.ErrNotFound) {
		t.Fatalf("a name the registrar does not know either: %v", err)
	}
}
