package subdomains

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/btcsuite/btcd/chaincfg"

	"github.com/go-blockstack/go-blockstack/zonefile"
)

// chain builds zone files in chain order, each a name's zone file with a
// profile URI and subdomain records, given the next inventory index.
type chain struct {
	t     testing.TB
	refs  []ZonefileRef
	block int64
}

func (c *chain) add(domain string, recs ...zonefile.Record) ZonefileRef {
	c.t.Helper()
	f := &zonefile.File{Origin: domain, TTL: 3600, HasTTL: true, Records: []zonefile.Record{
		{Name: "_http._tcp", Data: zonefile.URI{Priority: 10, Weight: 1, Target: "https://hub.example/" + domain + "/profile.json"}},
	}}
	f.Records = append(f.Records, recs...)
	data, err := f.Format()
	if err != nil {
		c.t.Fatal(err)
	}
	return c.addRaw(domain, data)
}

func (c *chain) addRaw(domain string, data []byte) ZonefileRef {
	c.block += 1 + int64(len(c.refs)%2) // some blocks hold two zone files
	idx := int64(len(c.refs) + 1)
	ref := ZonefileRef{Name: domain, Block: c.block, Index: idx, Txid: fmt.Sprintf("%064x", idx), Hash: zonefile.HashOf(data), Data: data}
	c.refs = append(c.refs, ref)
	return ref
}

// rec makes a subdomain TXT record named name (a label, or a
// fully-qualified name), owned by owner, signed by signer if not nil. The
// signed text names the subdomain as v1 does: by its label when carried
// by its parent (inParent), by its full name otherwise.
func rec(t testing.TB, name string, inParent bool, owner string, seq uint64, signer Key) zonefile.Record {
	t.Helper()
	sd := zonefile.Subdomain{Name: name, Owner: owner, Seq: seq,
		ZoneFile: fmt.Appendf(nil, "$ORIGIN %s\n$TTL 3600\n_http._tcp\tIN\tURI\t10\t1\t\"https://hub.example/%s/%d\"\n", name, owner, seq)}
	if signer != nil {
		signed := sd
		if inParent {
			signed.Name, _, _ = strings.Cut(name, ".")
		}
		signed, err := Sign(signed, signer)
		if err != nil {
			t.Fatal(err)
		}
		sd.Sig = signed.Sig
	}
	r, err := sd.Record()
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func openTest(t testing.TB) *Indexer {
	t.Helper()
	ix, err := Open(filepath.Join(t.TempDir(), "subdomains.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ix.Close() })
	return ix
}

func feed(t testing.TB, ix *Indexer, refs ...ZonefileRef) {
	t.Helper()
	for _, r := range refs {
		if err := ix.AddZonefile(context.Background(), r); err != nil {
			t.Fatal(err)
		}
	}
}

// dump is the whole state as text: every record with its verdict in
// chain order, then every subdomain's current record.
func dump(t testing.TB, ix *Indexer) string {
	t.Helper()
	var b strings.Builder
	rows, err := ix.r.Query(`SELECT idx, off, name, domain, owner, seqn, signer, accepted, reason, why FROM records ORDER BY idx, off`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var idx, off, seq int64
		var name, domain, owner, signer, reason, why string
		var acc bool
		if err := rows.Scan(&idx, &off, &name, &domain, &owner, &seq, &signer, &acc, &reason, &why); err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "%d/%d %s in %s owner=%s seqn=%d signer=%s accepted=%v %s %s\n", idx, off, name, domain, owner, seq, signer, acc, reason, why)
	}
	rows.Close()
	rows, err = ix.r.Query(`SELECT name, parent, owner, idx, off FROM subdomains ORDER BY name`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var name, parent, owner string
		var idx, off int64
		if err := rows.Scan(&name, &parent, &owner, &idx, &off); err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "current %s of %s: %s at %d/%d\n", name, parent, owner, idx, off)
	}
	rows.Close()
	return b.String()
}

// keys are the owners of the tests: single-sig keys and a 2-of-3 multisig.
type keys struct {
	single []SingleKey
	multi  MultisigKey
}

func newKeys(t testing.TB, n int) keys {
	var k keys
	for i := range n {
		k.single = append(k.single, SingleKey{Priv: testKey(t, byte(10+i)), Compressed: i%3 != 2})
	}
	p1, p2, p3 := testKey(t, 1), testKey(t, 2), testKey(t, 3)
	redeem, err := MultisigScript(2, []*btcec.PublicKey{p1.PubKey(), p2.PubKey(), p3.PubKey()})
	if err != nil {
		t.Fatal(err)
	}
	k.multi = MultisigKey{RedeemScript: redeem, Privs: []*btcec.PrivateKey{p1, p3}}
	return k
}

func addr(t testing.TB, k Key) string { return addrOf(t, k, &chaincfg.MainNetParams) }

var testnet = &chaincfg.TestNet3Params
