package subdomains

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/btcsuite/btcd/chaincfg"

	"github.com/go-blockstack/go-blockstack/internal/secpverify"
	"github.com/go-blockstack/go-blockstack/zonefile"
)

// benchChain is a registrar's history: each domain's first zone file
// creates perFile subdomains, each later one updates each of them once,
// signed by its owner (every tenth a transfer), so that all but the
// creations need a signature checked.
func benchChain(b *testing.B, domains, filesPerDomain, perFile int) ([]ZonefileRef, int) {
	ks := newKeys(b, 4)
	ch := &chain{t: b}
	n := 0
	type sub struct {
		owner SingleKey
		seq   uint64
	}
	subs := map[string]*sub{}
	for f := range filesPerDomain {
		for d := range domains {
			domain := fmt.Sprintf("d%d.id", d)
			var recs []zonefile.Record
			for i := range perFile {
				label := fmt.Sprintf("s%d", i)
				fqn := label + "." + domain
				if f == 0 {
					subs[fqn] = &sub{owner: ks.single[i%len(ks.single)]}
					recs = append(recs, rec(b, label, true, addr(b, subs[fqn].owner), 0, nil))
					continue
				}
				s := subs[fqn]
				next := s.owner
				if (i+f)%10 == 0 {
					next = ks.single[(i+f)%len(ks.single)]
				}
				s.seq++
				recs = append(recs, rec(b, label, true, addr(b, next), s.seq, s.owner))
				s.owner = next
			}
			ch.add(domain, recs...)
			n += len(recs)
		}
	}
	return ch.refs, n
}

// BenchmarkAddZonefile indexes zone files of 100 records, all but the
// first of each domain signed updates, in chain order.
func BenchmarkAddZonefile(b *testing.B) {
	refs, records := benchChain(b, 4, 10, 100)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		ix, err := Open(filepath.Join(b.TempDir(), fmt.Sprint(i, ".db")))
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		for _, r := range refs {
			if err := ix.AddZonefile(context.Background(), r); err != nil {
				b.Fatal(err)
			}
		}
		b.StopTimer()
		ix.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(records*b.N)/b.Elapsed().Seconds(), "records/s")
}

// BenchmarkVerify is the baseline: one ECDSA verification on one core,
// by the verifier the indexer uses.
func BenchmarkVerify(b *testing.B) {
	k := testKey(b, 1)
	sd := zonefile.Subdomain{Name: "alice", Owner: addrOf(b, SingleKey{Priv: k}, &chaincfg.MainNetParams), Seq: 1}
	h := digest(sd)
	sig, pub := compactSig(k, h[:]), k.PubKey().SerializeCompressed()
	for b.Loop() {
		if !secpverify.Verify(pub, h[:], sig) {
			b.Fatal("does not verify")
		}
	}
}

// BenchmarkSignerOf is one record's signature check, parsing included.
func BenchmarkSignerOf(b *testing.B) {
	sd, err := Sign(zonefile.Subdomain{Name: "alice", Owner: "x", Seq: 1, ZoneFile: make([]byte, 200)}, SingleKey{Priv: testKey(b, 1), Compressed: true})
	if err != nil {
		b.Fatal(err)
	}
	for i := 0; i < b.N; i++ {
		if _, err := signerOf(sd); err != nil {
			b.Fatal(err)
		}
	}
}
