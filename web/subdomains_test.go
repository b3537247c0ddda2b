package web_test

import (
	"strings"
	"testing"

	"github.com/go-blockstack/go-blockstack/bns"
	"github.com/go-blockstack/go-blockstack/subdomains"
	"github.com/go-blockstack/go-blockstack/subdomains/subdomainstest"
	"github.com/go-blockstack/go-blockstack/web"
	"github.com/go-blockstack/go-blockstack/zonefile"
)

func TestSubdomainPages(t *testing.T) {
	w, _ := newWorld(t)
	aliceAddr, bobAddr := w.alice.Address().EncodeAddress(), w.bob.Address().EncodeAddress()
	zf := []byte("$ORIGIN kid.alice.test\n$TTL 3600\nwww\tIN\tA\t10.0.0.1\n<script>x</script> TXT \"hi\"\n")
	subs := subdomainstest.Index{"kid.alice.test": {
		{Name: "kid.alice.test", Parent: "alice.test", Domain: "alice.test", Owner: aliceAddr, ZoneFile: zf,
			ZoneFileHash: zonefile.HashOf(zf), Block: 7, Txid: strings.Repeat("ab", 32), Accepted: true},
		{Name: "kid.alice.test", Parent: "alice.test", Domain: "evil.test", Owner: bobAddr, Seq: 1, ZoneFile: zf,
			ZoneFileHash: zonefile.HashOf(zf), Block: 9, Txid: strings.Repeat("cd", 32),
			Reason: subdomains.ReasonIndependentTransfer, Why: "a record carried by evil.test may not change the owner"},
	}}
	s, err := web.New(web.Config{DB: w.db, Zonefiles: w.zfs, Subdomains: subs, Network: &bns.DevNet, Rules: testRules})
	if err != nil {
		t.Fatal(err)
	}
	code, _, body := get(t, s, "/name/kid.alice.test")
	for _, want := range []string{"kid.alice.test", `href="/name/alice.test"`, aliceAddr, "may not change the owner",
		"10.0.0.1", `href="/v1/names/kid.alice.test/zonefile"`, "&lt;script&gt;"} {
		if !strings.Contains(body, want) {
			t.Errorf("subdomain page (%d) lacks %q", code, want)
		}
	}
	if code != 200 || strings.Contains(body, "<script>x") {
		t.Fatalf("subdomain page: %d\n%s", code, body)
	}
	if _, _, body := get(t, s, "/name/alice.test"); !strings.Contains(body, `href="/name/kid.alice.test"`) {
		t.Error("the domain's page does not list its subdomain")
	}
	if _, _, body := get(t, s, "/address/"+aliceAddr); !strings.Contains(body, `href="/name/kid.alice.test"`) {
		t.Error("the owner's page does not list the subdomain")
	}
	if code, hdr, _ := get(t, s, "/search?q=Kid.Alice.test"); code != 303 || hdr.Get("Location") != "/name/kid.alice.test" {
		t.Errorf("search for the subdomain: %d %s", code, hdr.Get("Location"))
	}
	for path, want := range map[string]int{"/name/nobody.alice.test": 404, "/name/-bad!.alice.test": 400} {
		if code, _, _ := get(t, s, path); code != want {
			t.Errorf("%s: %d, want %d", path, code, want)
		}
	}
}
