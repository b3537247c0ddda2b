package api

import (
	"net/http"
	"slices"
	"testing"

	"github.com/go-blockstack/go-blockstack/subdomains"
	"github.com/go-blockstack/go-blockstack/subdomains/subdomainstest"
	"github.com/go-blockstack/go-blockstack/zonefile"
)

func TestSubdomainEndpoints(t *testing.T) {
	s, _ := fixture(t)
	zf1, zf2 := []byte("$ORIGIN bob.alice.test\n"), []byte("$ORIGIN bob.alice.test\n$TTL 60\n")
	s.cfg.Subdomains = subdomainstest.Index{"bob.alice.test": {
		{Name: "bob.alice.test", Parent: "alice.test", Domain: "alice.test", Owner: "mkBob", Seq: 0, ZoneFile: zf1,
			ZoneFileHash: zonefile.HashOf(zf1), Block: 6, Index: 3, Txid: "t1", Accepted: true},
		{Name: "bob.alice.test", Parent: "alice.test", Domain: "alice.test", Owner: "mkEve", Seq: 1, ZoneFile: zf2,
			ZoneFileHash: zonefile.HashOf(zf2), Block: 7, Index: 4, Txid: "t2", Reason: subdomains.ReasonBadSignature, Why: "signed by mkEve"},
		{Name: "bob.alice.test", Parent: "alice.test", Domain: "alice.test", Owner: "mkAlice1111111111111111111111111111", Seq: 1, ZoneFile: zf2,
			ZoneFileHash: zonefile.HashOf(zf2), Block: 8, Index: 5, Txid: "t3", Accepted: true},
	}}
	code, m, raw := do(t, s, "GET", "/v1/names/bob.alice.test", "")
	if code != http.StatusOK || m["status"] != "registered_subdomain" || m["address"] != "mkAlice1111111111111111111111111111" ||
		m["zonefile"] != string(zf2) || m["zonefile_hash"] != zonefile.HashOf(zf2).String() || m["last_txid"] != "t3" ||
		m["subdomain"] != true || m["domain"] != "alice.test" || m["block_height"] != 8.0 || m["seqn"] != 1.0 {
		t.Fatalf("subdomain record: %d %s", code, raw)
	}
	if code, m, raw = do(t, s, "GET", "/v1/names/bob.alice.test/zonefile", ""); code != 200 || m["zonefile"] != string(zf2) {
		t.Fatalf("zone file: %d %s", code, raw)
	}
	if code, m, raw = do(t, s, "GET", "/v1/names/bob.alice.test/zonefile/"+zonefile.HashOf(zf1).String(), ""); code != 200 || m["zonefile"] != string(zf1) {
		t.Fatalf("earlier zone file: %d %s", code, raw)
	}
	if code, _, raw = do(t, s, "GET", "/v1/names/bob.alice.test/zonefile/"+zonefile.HashOf([]byte("x")).String(), ""); code != 404 {
		t.Fatalf("another zone file: %d %s", code, raw)
	}
	if code, m, raw = do(t, s, "GET", "/v1/names/bob.alice.test/history", ""); code != 200 || len(m) != 2 || m["7"] != nil {
		t.Fatalf("history: %d %s", code, raw)
	}
	if code, m, raw = do(t, s, "GET", "/v1/names/bob.alice.test/history?rejected=1", ""); code != 200 || len(m) != 3 {
		t.Fatalf("history with rejections: %d %s", code, raw)
	}
	if code, _, raw = do(t, s, "GET", "/v1/names/nobody.alice.test", ""); code != 404 {
		t.Fatalf("unknown subdomain: %d %s", code, raw)
	}
	code, m, raw = do(t, s, "GET", "/v1/addresses/bitcoin/mkAlice1111111111111111111111111111", "")
	if names, _ := m["names"].([]any); code != 200 || !slices.Contains(names, any("bob.alice.test")) || !slices.Contains(names, any("alice.test")) {
		t.Fatalf("names of the address: %d %s", code, raw)
	}
}
