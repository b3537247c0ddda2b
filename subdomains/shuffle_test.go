package subdomains

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/go-blockstack/go-blockstack/zonefile"
)

// history is a generated chain of zone files with creations, updates,
// transfers, independent records and invalid records, and what the rules
// must make of it.
type history struct {
	refs []ZonefileRef
	// owners is each subdomain's final owner address and seqn, by the
	// generator's own bookkeeping in chain order.
	owners map[string]string
	seqs   map[string]uint64
	valid  int // records the generator meant to be accepted
}

func genHistory(t testing.TB, seed uint64, files int) history {
	rng := rand.New(rand.NewPCG(seed, 7))
	k := newKeys(t, 6)
	owners := []Key{k.multi}
	for _, s := range k.single {
		owners = append(owners, s)
	}
	domains := []string{"foo.id", "bar.id", "baz.id", "qux.id"}
	type sub struct {
		owner Key
		seq   uint64
	}
	state := map[string]*sub{}
	var names []string // in creation order, for deterministic picks
	h := history{owners: map[string]string{}, seqs: map[string]uint64{}}
	ch := &chain{t: t}
	for i := range files {
		domain := domains[rng.IntN(len(domains))]
		used := map[string]bool{}
		var recs []zonefile.Record
		for range 1 + rng.IntN(5) {
			op := rng.IntN(10)
			if op < 3 || len(names) == 0 { // create
				label := fmt.Sprintf("s%d-%d", i, len(recs))
				fqn := label + "." + domain
				o := owners[rng.IntN(len(owners))]
				recs = append(recs, rec(t, label, true, addr(t, o), 0, nil))
				state[fqn] = &sub{owner: o}
				names = append(names, fqn)
				used[fqn] = true
				h.valid++
				continue
			}
			fqn := names[rng.IntN(len(names))]
			if used[fqn] {
				continue // one record per subdomain per zone file
			}
			used[fqn] = true
			s := state[fqn]
			inParent := fqn[len(fqn)-len(domain):] == domain && fqn[len(fqn)-len(domain)-1] == '.'
			label := fqn
			if inParent {
				label = fqn[:len(fqn)-len(domain)-1]
			}
			next := s.owner
			if op < 6 { // transfer, unless independent (then invalid)
				next = owners[rng.IntN(len(owners))]
			}
			signer := s.owner
			seq := s.seq + 1
			bad := false
			switch op {
			case 8: // wrong signer
				signer = owners[(slicesIndex(owners, s.owner)+1)%len(owners)]
				bad = true
			case 9: // replay or gap
				if rng.IntN(2) == 0 {
					seq = s.seq
				} else {
					seq = s.seq + 2
				}
				bad = true
			}
			if !inParent && addr(t, next) != addr(t, s.owner) {
				bad = true
			}
			recs = append(recs, rec(t, label, inParent, addr(t, next), seq, signer))
			if !bad {
				s.owner, s.seq = next, seq
				h.valid++
			}
		}
		ch.add(domain, recs...)
	}
	for fqn, s := range state {
		h.owners[fqn], h.seqs[fqn] = addr(t, s.owner), s.seq
	}
	h.refs = ch.refs
	return h
}

func slicesIndex(ks []Key, k Key) int {
	for i, x := range ks {
		if addrOfKey(x) == addrOfKey(k) {
			return i
		}
	}
	return -1
}

func addrOfKey(k Key) string {
	a, _ := k.Address(testnet)
	return a
}

// TestShuffle: whatever order zone files arrive in, the final state and
// every record's verdict are those of chain order, and chain order gives
// what the generator meant.
func TestShuffle(t *testing.T) {
	h := genHistory(t, 1, 50)
	ctx := context.Background()
	ref := openTest(t)
	feed(t, ref, h.refs...)
	want := dump(t, ref)

	accepted := 0
	for fqn, owner := range h.owners {
		cur, err := ref.Get(ctx, fqn)
		if err != nil {
			t.Fatalf("%s: %v", fqn, err)
		}
		if cur.Owner != owner || cur.Seq != h.seqs[fqn] {
			t.Errorf("%s: owner %s seqn %d, want %s %d", fqn, cur.Owner, cur.Seq, owner, h.seqs[fqn])
		}
		hist, _ := ref.History(ctx, fqn)
		for _, r := range hist {
			if r.Accepted {
				accepted++
			}
		}
	}
	reasons := map[Reason]int{}
	rows, err := ref.r.Query(`SELECT reason, COUNT(*) FROM records GROUP BY reason`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var r Reason
		var n int
		rows.Scan(&r, &n)
		reasons[r] = n
	}
	rows.Close()
	t.Logf("%d zone files, %d subdomains, verdicts %v", len(h.refs), len(h.owners), reasons)
	if accepted != h.valid {
		t.Errorf("%d records accepted, the generator meant %d\n%s", accepted, h.valid, want)
	}
	if n, _ := ref.Count(ctx); n != int64(len(h.owners)) {
		t.Errorf("Count %d, want %d", n, len(h.owners))
	}

	// 100 orders check determinism; under the race detector, which looks
	// for data races and makes each order ten times slower, 15 do.
	orders := 100
	if testing.Short() || raceEnabled {
		orders = 15
	}
	rng := rand.New(rand.NewPCG(2, 3))
	for i := range orders {
		refs := append([]ZonefileRef{}, h.refs...)
		rng.Shuffle(len(refs), func(a, b int) { refs[a], refs[b] = refs[b], refs[a] })
		ix := openTest(t)
		feed(t, ix, refs...)
		if got := dump(t, ix); got != want {
			t.Fatalf("order %d gives another state:\n%s\nwant:\n%s", i, got, want)
		}
		ix.Close()
	}
}

// TestRewind: taking back the zone files from an index on leaves the
// state of the chain before it; adding them again restores the whole.
func TestRewind(t *testing.T) {
	h := genHistory(t, 3, 30)
	ctx := context.Background()
	full := openTest(t)
	feed(t, full, h.refs...)
	want := dump(t, full)
	for _, from := range []int64{1, 7, 20, 30} {
		ix := openTest(t)
		feed(t, ix, h.refs...)
		if err := ix.Rewind(ctx, from); err != nil {
			t.Fatal(err)
		}
		prefix := openTest(t)
		feed(t, prefix, h.refs[:from-1]...)
		if got, want := dump(t, ix), dump(t, prefix); got != want {
			t.Fatalf("rewound to %d:\n%s\nwant:\n%s", from, got, want)
		}
		feed(t, ix, h.refs[from-1:]...)
		if got := dump(t, ix); got != want {
			t.Fatalf("rewound to %d and re-added:\n%s\nwant:\n%s", from, got, want)
		}
	}
}
