package subdomains

import (
	"encoding/base64"
	"strings"
	"testing"

	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/btcsuite/btcd/chaincfg"

	"github.com/go-blockstack/go-blockstack/zonefile"
)

// FuzzSignerOf feeds arbitrary scriptSigs to the signature parser: it
// must not panic, and whatever it accepts must have signed the record (a
// change to the record breaks it).
func FuzzSignerOf(f *testing.F) {
	f.Add(mustB64(v1Vector.sd.Sig))
	k1, k2 := testKey(f, 1), testKey(f, 2)
	redeem, _ := MultisigScript(2, []*btcec.PublicKey{k1.PubKey(), k2.PubKey()})
	sd := zonefile.Subdomain{Name: "alice", Owner: "x", Seq: 1}
	for _, k := range []Key{SingleKey{Priv: k1}, MultisigKey{RedeemScript: redeem, Privs: []*btcec.PrivateKey{k1, k2}}} {
		s, err := Sign(sd, k)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(mustB64(s.Sig))
	}
	f.Add([]byte{0x00, 0x02, 0x52, 0xae})
	f.Fuzz(func(t *testing.T, script []byte) {
		s := sd
		s.Sig = base64.StdEncoding.EncodeToString(script)
		who, err := signerOf(s)
		if err != nil {
			return
		}
		if who == "" || who[0] != 'p' && who[0] != 's' {
			t.Fatalf("signer %q", who)
		}
		s.Seq++
		if again, err := signerOf(s); err == nil && again == who {
			t.Fatalf("scriptSig %x signs two different records", script)
		}
	})
}

// FuzzDecode feeds arbitrary zone files to the record extraction: it must
// not panic, and what it returns must be well formed.
func FuzzDecode(f *testing.F) {
	k := SingleKey{Priv: testKey(f, 1), Compressed: true}
	owner := addrOf(f, k, &chaincfg.MainNetParams)
	ch := &chain{t: f}
	ch.add("foo.id", rec(f, "alice", true, owner, 0, nil), rec(f, "bob.bar.id", false, owner, 3, k), rec(f, "alice", true, owner, 1, k))
	f.Add(ch.refs[0].Data)
	f.Add([]byte("$ORIGIN foo.id\nalice TXT \"owner=x\" \"seqn=0\" \"parts=0\"\nalice TXT \"owner=y\" \"seqn=0\" \"parts=0\"\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		recs, err := decode(ZonefileRef{Name: "foo.id", Index: 1, Hash: zonefile.HashOf(data), Data: data})
		if err != nil && len(recs) > 0 {
			t.Fatalf("error %v with %d records", err, len(recs))
		}
		winners := map[string]int{}
		for i, r := range recs {
			if r.Offset != i || r.Domain != "foo.id" || !strings.HasSuffix(r.Name, "."+r.Parent) || strings.Count(r.Name, ".") != 2 {
				t.Fatalf("record %d: %+v", i, r)
			}
			if r.Reason != ReasonDuplicate {
				winners[r.Name]++
			}
		}
		for name, n := range winners {
			if n != 1 {
				t.Fatalf("%s has %d winning records in one zone file", name, n)
			}
		}
	})
}
