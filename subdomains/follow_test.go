package subdomains

import (
	"context"
	"fmt"
	"testing"

	"github.com/go-blockstack/go-blockstack/namedb"
	"github.com/go-blockstack/go-blockstack/zonefile"
)

// fakeInventory is a name database's inventory; fakeStore a zone file
// store.
type fakeInventory []namedb.ZonefileHash

func (f *fakeInventory) ZonefileHashes(_ context.Context, from int64, limit int) ([]namedb.ZonefileHash, error) {
	var out []namedb.ZonefileHash
	for _, z := range *f {
		if z.Seq >= from && len(out) < limit {
			out = append(out, z)
		}
	}
	return out, nil
}

type fakeStore map[zonefile.Hash][]byte

func (s fakeStore) Has(h zonefile.Hash) bool { _, ok := s[h]; return ok }

func (s fakeStore) Get(h zonefile.Hash) ([]byte, error) {
	if d, ok := s[h]; ok {
		return d, nil
	}
	return nil, fmt.Errorf("no zone file %s", h)
}

func rowOf(r ZonefileRef) namedb.ZonefileHash {
	return namedb.ZonefileHash{Seq: r.Index, Block: r.Block, Txid: r.Txid, Name: r.Name, Hash: r.Hash.String()}
}

// TestFollower: the follower reaches the state of feeding every zone file
// directly, whatever order the files reach the store in; a rewound and
// replaced inventory rewinds the indexer; a restarted follower over an
// inventory cut while it was away takes back what was cut.
func TestFollower(t *testing.T) {
	ctx := context.Background()
	h := genHistory(t, 5, 40)
	direct := openTest(t)
	feed(t, direct, h.refs...)
	want := dump(t, direct)

	inv := fakeInventory{}
	for _, r := range h.refs {
		inv = append(inv, rowOf(r))
	}
	zfs := fakeStore{}
	ix := openTest(t)
	f := NewFollower(ix, &inv, zfs, nil)
	// The files arrive from the last to the first, a few per step.
	for i := len(h.refs) - 1; i >= 0; i-- {
		zfs[h.refs[i].Hash] = h.refs[i].Data
		if i%7 == 0 {
			if err := f.Step(ctx, true); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := f.Step(ctx, true); err != nil {
		t.Fatal(err)
	}
	if got := dump(t, ix); got != want {
		t.Fatalf("followed state:\n%s\nwant:\n%s", got, want)
	}

	// A reorganisation replaces the inventory from row 31 on with the rows
	// of another history: the follower must match a fresh index of it.
	other := genHistory(t, 6, 40)
	branch := append(fakeInventory{}, inv[:30]...)
	var branchRefs []ZonefileRef
	branchRefs = append(branchRefs, h.refs[:30]...)
	for _, r := range other.refs[30:] {
		branch = append(branch, rowOf(r))
		branchRefs = append(branchRefs, r)
		zfs[r.Hash] = r.Data
	}
	inv = branch
	if err := f.Step(ctx, false); err != nil {
		t.Fatal(err)
	}
	fresh := openTest(t)
	feed(t, fresh, branchRefs...)
	if got, want := dump(t, ix), dump(t, fresh); got != want {
		t.Fatalf("after the reorganisation:\n%s\nwant:\n%s", got, want)
	}

	// The inventory is cut to 25 rows while no follower runs; a new one
	// takes the rest back.
	inv = inv[:25]
	f = NewFollower(ix, &inv, zfs, nil)
	if err := f.Step(ctx, false); err != nil {
		t.Fatal(err)
	}
	prefix := openTest(t)
	feed(t, prefix, h.refs[:25]...)
	if got, want := dump(t, ix), dump(t, prefix); got != want {
		t.Fatalf("after a cut while away:\n%s\nwant:\n%s", got, want)
	}
}
