package search

import (
	"fmt"
	"slices"
	"testing"
)

func allLive(int64, bool) bool { return true }

func names(hits []Hit) []string {
	out := make([]string, len(hits))
	for i, h := range hits {
		out[i] = h.Name + ":" + h.Match.String()
	}
	return out
}

func TestQuery(t *testing.T) {
	ix := NewIndex()
	for _, n := range []string{"alice.id", "alicia.id", "malice.id", "bob.id", "bobby.btc", "aaa.id", "ali.id", "xalixali.id"} {
		ix.Put(n, Name, -1, false)
	}
	ix.Put("carol.alice.id", Subdomain, -1, false)
	for _, c := range []struct {
		q    string
		want []string
	}{
		{"a", []string{"aaa.id:prefix", "ali.id:prefix", "alice.id:prefix", "alicia.id:prefix"}},
		{"al", []string{"ali.id:prefix", "alice.id:prefix", "alicia.id:prefix"}},
		{"ali", []string{"ali.id:prefix", "alice.id:prefix", "alicia.id:prefix", "malice.id:substring", "xalixali.id:substring", "carol.alice.id:substring"}},
		{"alice", []string{"alice.id:prefix", "malice.id:substring", "carol.alice.id:substring"}},
		{"alice.id", []string{"alice.id:exact", "malice.id:substring", "carol.alice.id:substring"}},
		{"lic", []string{"alice.id:substring", "alicia.id:substring", "malice.id:substring", "carol.alice.id:substring"}},
		{"bob", []string{"bob.id:prefix", "bobby.btc:prefix"}},
		{".btc", []string{"bobby.btc:substring"}},
		{"zzz", nil},
		{"z", nil},
		{"ice.ix", nil}, // every trigram is there, not the string
	} {
		got, more := ix.Query(c.q, 0, 20, allLive)
		if !slices.Equal(names(got), c.want) || more {
			t.Errorf("%q: got %v (more %v), want %v", c.q, names(got), more, c.want)
		}
	}
}

func TestQueryKinds(t *testing.T) {
	ix := NewIndex()
	ix.Put("alice.id", Name, 100, false)
	ix.Put("bob.alice.id", Subdomain, -1, false)
	got, _ := ix.Query("alice", 0, 10, allLive)
	want := []Hit{{Name: "alice.id", Kind: Name, Match: Prefix, ExpireBlock: 100}, {Name: "bob.alice.id", Kind: Subdomain, Match: Substring, ExpireBlock: -1}}
	if !slices.Equal(got, want) {
		t.Fatalf("got %+v, want %+v", got, want)
	}
}

// TestQueryLive: names that are not live are left out (subdomains never
// are), and a name's update (a renewal, a revocation) takes effect.
func TestQueryLive(t *testing.T) {
	ix := NewIndex()
	ix.Put("old.id", Name, 10, false)
	ix.Put("gone.id", Name, -1, true)
	ix.Put("new.id", Name, 1000, false)
	ix.Put("sub.old.id", Subdomain, -1, false)
	live := func(expire int64, revoked bool) bool { return !revoked && (expire < 0 || expire > 500) }
	got, _ := ix.Query(".id", 0, 10, live)
	if want := []string{"new.id:substring", "sub.old.id:substring"}; !slices.Equal(names(got), want) {
		t.Fatalf("got %v, want %v", names(got), want)
	}
	ix.Put("old.id", Name, 2000, false) // renewed
	ix.Put("new.id", Name, 1000, true)  // revoked
	got, _ = ix.Query(".id", 0, 10, live)
	if want := []string{"old.id:substring", "sub.old.id:substring"}; !slices.Equal(names(got), want) {
		t.Fatalf("after changes: got %v, want %v", names(got), want)
	}
	if ix.Len() != 4 {
		t.Fatalf("Len %d, want 4: an update is not a new name", ix.Len())
	}
}

func TestQueryPages(t *testing.T) {
	ix := NewIndex()
	var want []string
	for i := range 55 {
		n := fmt.Sprintf("p%03d.id", i)
		ix.Put(n, Name, -1, false)
		want = append(want, n+":prefix")
	}
	var got []string
	for page := 0; ; page++ {
		hits, more := ix.Query("p", page*20, 20, allLive)
		got = append(got, names(hits)...)
		if !more {
			break
		}
	}
	if !slices.Equal(got, want) {
		t.Fatalf("pages: got %v, want %v", got, want)
	}
	if hits, more := ix.Query("p", 0, MaxResults+1, allLive); hits != nil || more {
		t.Fatalf("past MaxResults: got %v, %v", hits, more)
	}
}

// TestQueryRandom checks the index, past many merges of its name order,
// against a scan of every name in the order of Query's documentation.
func TestQueryRandom(t *testing.T) {
	ix := NewIndex()
	var all []string
	for i := range 3000 {
		n := fmt.Sprintf("%x.%s", i*7919%4099, []string{"id", "btc", "app"}[i%3])
		ix.Put(n, Name, -1, false)
		all = append(all, n)
	}
	for _, q := range []string{"a", "1", "ab", "12", "abc", "123", "1.b", "f.app", "aa1", "77", "a.id"} {
		got, _ := ix.Query(q, 0, MaxResults, allLive)
		var exact, prefix, substring []string
		for _, n := range all {
			switch {
			case n == q:
				exact = append(exact, n)
			case len(n) > len(q) && n[:len(q)] == q:
				prefix = append(prefix, n)
			case len(q) >= 3 && contains(n, q):
				substring = append(substring, n)
			}
		}
		slices.Sort(prefix)
		want := append(append(exact, prefix...), substring...)
		want = want[:min(len(want), MaxResults)]
		gotNames := make([]string, len(got))
		for i, h := range got {
			gotNames[i] = h.Name
		}
		if !slices.Equal(gotNames, want) {
			t.Errorf("%q: %d names, a scan finds %d (or in another order)", q, len(gotNames), len(want))
		}
	}
}

func contains(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}

// TestProfileNames: a profile's name is found by prefix and substring of
// the name in the profile, not of the BNS name stored after it; its hit
// names the BNS name; two names' profiles may give the same name; an entry
// marked revoked is no longer listed.
func TestProfileNames(t *testing.T) {
	ix := NewIndex()
	ix.Put("alice.id", Name, -1, false)
	ix.Put(ProfileKey("Alice Liddell", "alice.id"), Profile, -1, false)
	ix.Put(ProfileKey("Alice", "other.id"), Profile, -1, false)
	show := func(hs []Hit) []string {
		var out []string
		for _, h := range hs {
			out = append(out, h.Name+":"+h.Kind.String()+":"+h.Match.String()+":"+h.ProfileName)
		}
		return out
	}
	for _, c := range []struct {
		q    string
		want []string
	}{
		{"liddell", []string{"alice.id:profile:substring:alice liddell"}},
		{"alice", []string{"other.id:profile:prefix:alice", "alice.id:profile:prefix:alice liddell", "alice.id:name:prefix:"}},
		{"e.id", []string{"alice.id:name:substring:"}},
		{"her.id", nil},
		{"alice liddell\x00alice", nil},
	} {
		hits, _ := ix.Query(c.q, 0, 20, allLive)
		if got := show(hits); !slices.Equal(got, c.want) {
			t.Errorf("%q: %v, want %v", c.q, got, c.want)
		}
	}
	ix.Put(ProfileKey("Alice Liddell", "alice.id"), Profile, -1, true)
	if hits, _ := ix.Query("liddell", 0, 20, func(_ int64, revoked bool) bool { return !revoked }); len(hits) != 0 {
		t.Errorf("a profile name marked gone: %v", show(hits))
	}
}
