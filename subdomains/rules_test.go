package subdomains

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/go-blockstack/go-blockstack/zonefile"
)

// TestRules runs each rule of docs/subdomains.md through the indexer: zone files in
// chain order, then the verdicts of alice.foo.id's records in chain order
// and its final owner.
func TestRules(t *testing.T) {
	k := newKeys(t, 3)
	a, b, c := k.single[0], k.single[1], k.single[2]
	A, B, C, M := addr(t, a), addr(t, b), addr(t, c), addr(t, k.multi)
	const fqn = "alice.foo.id"
	type zf struct {
		domain string
		recs   []zonefile.Record
	}
	in := func(domain string, recs ...zonefile.Record) zf { return zf{domain, recs} }
	// p: a record in the parent's zone file; x: an independent one.
	p := func(owner string, seq uint64, signer Key) zonefile.Record {
		return rec(t, "alice", true, owner, seq, signer)
	}
	x := func(owner string, seq uint64, signer Key) zonefile.Record {
		return rec(t, fqn, false, owner, seq, signer)
	}
	for _, tc := range []struct {
		name  string
		files []zf
		want  []Reason
		owner string // "" if alice.foo.id must not exist
	}{
		{"creation in the parent, unsigned", []zf{in("foo.id", p(A, 0, nil))}, []Reason{Accepted}, A},
		{"creation with seqn 1", []zf{in("foo.id", p(A, 1, a))}, []Reason{ReasonNotCreated}, ""},
		{"creation outside the parent", []zf{in("bar.id", x(A, 0, a))}, []Reason{ReasonCreatedOutsideParent}, ""},
		{"rejected creation does not block a later one",
			[]zf{in("bar.id", x(B, 0, b)), in("foo.id", p(A, 0, nil))}, []Reason{ReasonCreatedOutsideParent, Accepted}, A},
		{"update signed by the owner", []zf{in("foo.id", p(A, 0, nil)), in("foo.id", p(A, 1, a))}, []Reason{Accepted, Accepted}, A},
		{"update signed by another key", []zf{in("foo.id", p(A, 0, nil)), in("foo.id", p(A, 1, b))}, []Reason{Accepted, ReasonBadSignature}, A},
		{"update unsigned", []zf{in("foo.id", p(A, 0, nil)), in("foo.id", p(A, 1, nil))}, []Reason{Accepted, ReasonBadSignature}, A},
		{"seqn gap", []zf{in("foo.id", p(A, 0, nil)), in("foo.id", p(A, 2, a))}, []Reason{Accepted, ReasonSeqnGap}, A},
		{"seqn replay",
			[]zf{in("foo.id", p(A, 0, nil)), in("foo.id", p(A, 1, a)), in("foo.id", p(B, 1, a))},
			[]Reason{Accepted, Accepted, ReasonSeqnReplay}, A},
		{"second creation is a replay", []zf{in("foo.id", p(A, 0, nil)), in("foo.id", p(B, 0, nil))}, []Reason{Accepted, ReasonSeqnReplay}, A},
		{"transfer, then only the new owner signs",
			[]zf{in("foo.id", p(A, 0, nil)), in("foo.id", p(B, 1, a)), in("foo.id", p(A, 2, a)), in("foo.id", p(C, 2, b))},
			[]Reason{Accepted, Accepted, ReasonBadSignature, Accepted}, C},
		{"independent update by the owner",
			[]zf{in("foo.id", p(A, 0, nil)), in("bar.id", x(A, 1, a))}, []Reason{Accepted, Accepted}, A},
		{"independent record may not transfer",
			[]zf{in("foo.id", p(A, 0, nil)), in("bar.id", x(B, 1, a)), in("foo.id", p(B, 1, a))},
			[]Reason{Accepted, ReasonIndependentTransfer, Accepted}, B},
		{"independent record signed by another key",
			[]zf{in("foo.id", p(A, 0, nil)), in("bar.id", x(A, 1, b))}, []Reason{Accepted, ReasonBadSignature}, A},
		{"multisig owner signs",
			[]zf{in("foo.id", p(M, 0, nil)), in("foo.id", p(M, 1, k.multi)), in("foo.id", p(A, 2, k.multi)), in("foo.id", p(A, 3, a))},
			[]Reason{Accepted, Accepted, Accepted, Accepted}, A},
		{"multisig owner, one member signs alone",
			[]zf{in("foo.id", p(M, 0, nil)), in("foo.id", p(A, 1, SingleKey{Priv: k.multi.Privs[0], Compressed: true}))},
			[]Reason{Accepted, ReasonBadSignature}, M},
		{"transfer to multisig",
			[]zf{in("foo.id", p(A, 0, nil)), in("foo.id", p(M, 1, a)), in("foo.id", p(M, 2, a)), in("foo.id", p(M, 2, k.multi))},
			[]Reason{Accepted, Accepted, ReasonBadSignature, Accepted}, M},
		{"fully-qualified name in the parent's zone file signs its label",
			[]zf{in("foo.id", p(A, 0, nil)), in("foo.id", rec(t, fqn, true, A, 1, a))}, []Reason{Accepted, Accepted}, A},
		{"fully-qualified name in the parent's zone file signed over the full name",
			[]zf{in("foo.id", p(A, 0, nil)), in("foo.id", rec(t, fqn, false, A, 1, a))}, []Reason{Accepted, ReasonBadSignature}, A},
		{"duplicates in one zone file: lowest seqn wins",
			[]zf{in("foo.id", p(A, 1, a), p(B, 0, nil), p(C, 0, nil))}, []Reason{ReasonDuplicate, Accepted, ReasonDuplicate}, B},
		{"owner in testnet spelling is the same owner",
			[]zf{in("foo.id", p(addrOf(t, a, testnet), 0, nil)), in("bar.id", x(A, 1, a))}, []Reason{Accepted, Accepted}, A},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ix := openTest(t)
			ch := &chain{t: t}
			for _, f := range tc.files {
				feed(t, ix, ch.add(f.domain, f.recs...))
			}
			hist, err := ix.History(context.Background(), fqn)
			if err != nil {
				t.Fatal(err)
			}
			var got []Reason
			for _, r := range hist {
				got = append(got, r.Reason)
				if r.Accepted != (r.Reason == Accepted) || r.Accepted != (r.Why == "") {
					t.Errorf("record %d/%d: accepted %v, reason %q, why %q", r.Index, r.Offset, r.Accepted, r.Reason, r.Why)
				}
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("verdicts %q, want %q\n%s", got, tc.want, dump(t, ix))
			}
			cur, err := ix.Get(context.Background(), fqn)
			switch {
			case tc.owner == "" && !errors.Is(err, ErrNotFound):
				t.Errorf("Get = %+v, %v; want ErrNotFound", cur, err)
			case tc.owner != "" && err != nil:
				t.Errorf("Get: %v", err)
			case tc.owner != "" && cur.Owner != tc.owner:
				t.Errorf("owner %s, want %s", cur.Owner, tc.owner)
			}
		})
	}
}

// TestSkippedRecords: records v1 skipped take no part: reserved names,
// malformed records, names that are not subdomains, and every record of a
// zone file whose $ORIGIN is not its name.
func TestSkippedRecords(t *testing.T) {
	k := newKeys(t, 1)
	A := addr(t, k.single[0])
	txt := func(name string, strs ...string) zonefile.Record {
		return zonefile.Record{Name: name, Data: zonefile.TXT{Strings: strs}}
	}
	ix := openTest(t)
	ch := &chain{t: t}
	feed(t, ix, ch.add("foo.id",
		txt("_missing", "owner="+A, "seqn=0", "parts=0"),
		txt("_resolver", "owner="+A, "seqn=0", "parts=0"),
		txt("_registrar", "owner="+A, "seqn=0", "parts=0"),
		txt("bad", "owner="+A, "seqn=x", "parts=0"),
		txt("a.b.c.foo", "owner="+A, "seqn=0", "parts=0"),
		txt("ok", "owner="+A, "seqn=0", "parts=0"),
	))
	recs, err := ix.RecordsAt(context.Background(), 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 1 || recs[0].Name != "ok.foo.id" || recs[0].Offset != 0 || !recs[0].Accepted {
		t.Errorf("records %+v, want only ok.foo.id at offset 0, accepted", recs)
	}
	// A zone file for foo.id anchored by bar.id.
	f := &zonefile.File{Origin: "foo.id", Records: []zonefile.Record{txt("x", "owner="+A, "seqn=0", "parts=0")}}
	data, _ := f.Format()
	feed(t, ix, ch.addRaw("bar.id", data))
	if recs, _ := ix.RecordsAt(context.Background(), 2); len(recs) != 0 {
		t.Errorf("zone file with a foreign $ORIGIN gave records %+v", recs)
	}
	if _, ok, err := ix.Indexed(context.Background(), 2); !ok || err != nil {
		t.Errorf("zone file with a foreign $ORIGIN not marked indexed: %v %v", ok, err)
	}
	got, err := ix.IndexedBetween(context.Background(), 2, 5)
	if h2, _, _ := ix.Indexed(context.Background(), 2); err != nil || len(got) != 1 || got[2] != h2 {
		t.Errorf("IndexedBetween(2, 5) = %v, %v; want only index 2", got, err)
	}
}

// TestAddZonefileTwice: a second delivery is a no-op; another zone file at
// the same index is a conflict; bytes that do not hash to the ref's hash
// are refused.
func TestAddZonefileTwice(t *testing.T) {
	k := newKeys(t, 1)
	ix := openTest(t)
	ch := &chain{t: t}
	ref := ch.add("foo.id", rec(t, "alice", true, addr(t, k.single[0]), 0, nil))
	feed(t, ix, ref, ref)
	before := dump(t, ix)
	feed(t, ix, ref)
	if after := dump(t, ix); after != before {
		t.Errorf("second delivery changed the state:\n%s\n%s", before, after)
	}
	other := ch.add("foo.id")
	other.Index = ref.Index
	if err := ix.AddZonefile(context.Background(), other); !errors.Is(err, ErrConflict) {
		t.Errorf("another zone file at index %d: %v, want ErrConflict", ref.Index, err)
	}
	bad := ref
	bad.Index, bad.Data = 9, append([]byte{}, ref.Data...)
	bad.Data[0] ^= 1
	if err := ix.AddZonefile(context.Background(), bad); !errors.Is(err, ErrHashMismatch) {
		t.Errorf("bytes not matching the hash: %v, want ErrHashMismatch", err)
	}
}

// TestLateZonefile: a zone file that arrives after later ones changes the
// verdicts of the records after it, both ways (docs/subdomains.md, "Rules"), and IndexedOf
// shows the gap while it lasts.
func TestLateZonefile(t *testing.T) {
	ctx := context.Background()
	k := newKeys(t, 2)
	a, b := k.single[0], k.single[1]
	A, B := addr(t, a), addr(t, b)
	ch := &chain{t: t}
	z1 := ch.add("foo.id", rec(t, "alice", true, A, 0, nil), rec(t, "bob", true, A, 0, nil))
	z2 := ch.add("foo.id", rec(t, "alice", true, B, 1, a), rec(t, "bob", true, B, 1, a)) // transfers
	z3 := ch.add("foo.id", rec(t, "alice", true, B, 2, b), rec(t, "bob", true, A, 1, a))
	z4 := ch.add("bar.id", rec(t, "alice.foo.id", false, B, 3, b))

	ix := openTest(t)
	feed(t, ix, z1, z3, z4)
	verdicts := func(fqn string) []Reason {
		hist, err := ix.History(ctx, fqn)
		if err != nil {
			t.Fatal(err)
		}
		var out []Reason
		for _, r := range hist {
			out = append(out, r.Reason)
		}
		return out
	}
	if got, want := verdicts("alice.foo.id"), []Reason{Accepted, ReasonSeqnGap, ReasonSeqnGap}; !slices.Equal(got, want) {
		t.Errorf("alice before the gap is filled: %q, want %q", got, want)
	}
	if got, want := verdicts("bob.foo.id"), []Reason{Accepted, Accepted}; !slices.Equal(got, want) {
		t.Errorf("bob before the gap is filled: %q, want %q", got, want)
	}
	if got, _ := ix.IndexedOf(ctx, "foo.id"); !slices.Equal(got, []int64{1, 3}) {
		t.Errorf("IndexedOf(foo.id) = %v, want [1 3]", got)
	}

	feed(t, ix, z2)
	if got, want := verdicts("alice.foo.id"), []Reason{Accepted, Accepted, Accepted, Accepted}; !slices.Equal(got, want) {
		t.Errorf("alice after: %q, want %q", got, want)
	}
	if got, want := verdicts("bob.foo.id"), []Reason{Accepted, Accepted, ReasonSeqnReplay}; !slices.Equal(got, want) {
		t.Errorf("bob after: %q, want %q", got, want)
	}
	for fqn, want := range map[string]string{"alice.foo.id": B, "bob.foo.id": B} {
		if r, err := ix.Get(ctx, fqn); err != nil || r.Owner != want {
			t.Errorf("%s: owner %s (%v), want %s", fqn, r.Owner, err, want)
		}
	}
	if got, _ := ix.OwnedBy(ctx, B); !slices.Equal(got, []string{"alice.foo.id", "bob.foo.id"}) {
		t.Errorf("OwnedBy(B) = %v", got)
	}
	if got, _ := ix.Of(ctx, "foo.id", "", 10); !slices.Equal(got, []string{"alice.foo.id", "bob.foo.id"}) {
		t.Errorf("Of(foo.id) = %v", got)
	}
	if got, _ := ix.Of(ctx, "foo.id", "alice.foo.id", 10); !slices.Equal(got, []string{"bob.foo.id"}) {
		t.Errorf("Of(foo.id) after alice = %v", got)
	}
	r, _ := ix.Get(ctx, "alice.foo.id")
	if r.Seq != 3 || r.Domain != "bar.id" || r.Index != 4 || r.Block != z4.Block || r.Txid != z4.Txid || r.ParentZonefileHash != z4.Hash ||
		r.ZoneFileHash != zonefile.HashOf(r.ZoneFile) || !r.Independent() {
		t.Errorf("current record of alice: %+v", r)
	}
}
