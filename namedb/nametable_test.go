package namedb

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
)

// TestNameTableMatchesMap drives the table with random puts, replacements,
// owner changes and removals, and checks it against a plain map after each
// step: once with a hash that makes most names and addresses collide (the
// chains), once with the real hash and enough changes to compact the
// arena several times.
func TestNameTableMatchesMap(t *testing.T) {
	for _, tc := range []struct {
		what         string
		hash         func(string) uint64
		names, steps int
		check        int // steps between full checks
	}{
		{"colliding hash", func(s string) uint64 { return uint64(len(s) % 3) }, 60, 3000, 1},
		{"real hash", nil, 2000, 120_000, 10_000},
	} {
		t.Run(tc.what, func(t *testing.T) {
			tbl := newNameTable()
			if tc.hash != nil {
				tbl.hash = tc.hash
			}
			want := map[string]NameRecord{}
			r := rand.New(rand.NewPCG(1, 2))
			compactions := 0
			for step := range tc.steps {
				name := fmt.Sprintf("n%d.id", r.IntN(tc.names))
				if r.IntN(10) == 0 {
					tbl.remove(name)
					delete(want, name)
				} else {
					rec := NameRecord{Name: name, NamespaceID: "id", Address: fmt.Sprintf("addr%d", r.IntN(tc.names/4+1)),
						Sender: fmt.Sprintf("%0*x", 50+r.IntN(3), step), ValueHash: fmt.Sprintf("%040x", r.Uint64()),
						Op: "NAME_UPDATE", Txid: fmt.Sprintf("%064x", step), ExpireBlock: int64(step), Revoked: step%7 == 0, Vtxindex: step}
					tbl.put(packName(&rec))
					want[name] = rec
				}
				before := len(tbl.arena.chunks)
				tbl.compact(new(sync.Mutex))
				if len(tbl.arena.chunks) < before {
					compactions++
				}
				if step%tc.check == 0 || step == tc.steps-1 {
					checkTable(t, tbl, want)
				}
			}
			if tc.hash == nil && compactions < 2 {
				t.Errorf("%d compactions, want several", compactions)
			}
			if dead := tbl.arena.size - tbl.live; dead > max(compactMin, tbl.live/2) {
				t.Errorf("%d dead arena bytes beside %d live", dead, tbl.live)
			}
		})
	}
}

func checkTable(t *testing.T, tbl *nameTable, want map[string]NameRecord) {
	t.Helper()
	owners := map[string][]string{}
	live := 0
	for name, rec := range want {
		p, ok := tbl.get(name)
		if !ok {
			t.Fatalf("%s missing", name)
		}
		if got := *p.record(); got != rec {
			t.Fatalf("%s = %+v, want %+v", name, got, rec)
		}
		owners[rec.Address] = append(owners[rec.Address], name)
		live += len(packName(&rec).strs)
	}
	n := 0
	tbl.each(func(p *packedName) {
		n++
		if _, ok := want[p.name()]; !ok {
			t.Fatalf("each: %s should be gone", p.name())
		}
	})
	if n != len(want) || tbl.live != live {
		t.Fatalf("each: %d records, %d live bytes; want %d, %d", n, tbl.live, len(want), live)
	}
	for i := range 200 {
		addr := fmt.Sprintf("addr%d", i)
		var got []string
		tbl.owned(addr, func(p *packedName) { got = append(got, p.name()) })
		slices.Sort(got)
		exp := owners[addr]
		slices.Sort(exp)
		if !slices.Equal(got, exp) {
			t.Fatalf("owned(%s) = %v, want %v", addr, got, exp)
		}
	}
	if _, ok := tbl.get("absent.id"); ok {
		t.Fatal("absent.id found")
	}
}
