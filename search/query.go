package search

import (
	"slices"
	"sort"
	"strings"
)

// Match is how a name matches a query; results are ranked by it first.
type Match uint8

const (
	Exact Match = iota
	Prefix
	Substring
)

func (m Match) String() string {
	return [...]string{Exact: "exact", Prefix: "prefix", Substring: "substring"}[m]
}

// Hit is one name a query found.
type Hit struct {
	Name  string
	Kind  Kind
	Match Match
	// ExpireBlock and Revoked are what the index knows of a name
	// (-1 and false for a subdomain).
	ExpireBlock int64
	Revoked     bool
	// ProfileName is, for a Profile hit, the name in Name's profile that
	// matched (in lower case).
	ProfileName string
}

// MaxResults bounds how far a query's results may be paged: each page
// walks the results before it, and past a thousand a longer query serves
// better than another page.
const MaxResults = 1000

// Query returns the names matching q (lowercase), limit of them from the
// offset-th (offset+limit at most MaxResults), and whether more follow.
// They come in three groups: the name q itself; the names q begins, in
// name order; and, for a q of three bytes or more, the other names that
// contain it, oldest in the index first. The order lets a query stop once
// it has a page, whatever the number of matches: ranking a group by any
// other measure (shorter first, say) would read all of it, every name for
// a one-letter prefix. live says whether an on-chain name that expires at
// expireBlock and is revoked or not is listed at all; subdomains always
// are. A profile's name (Profile, ProfileKey) is found by prefix and
// substring as names are, and its hit names the BNS name whose profile it
// is.
func (ix *Index) Query(q string, offset, limit int, live func(expireBlock int64, revoked bool) bool) ([]Hit, bool) {
	if q == "" || limit <= 0 || offset < 0 || offset+limit > MaxResults || strings.IndexByte(q, 0) >= 0 {
		return nil, false // a NUL would reach past a profile's name (ProfileKey)
	}
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	var out []Hit
	skip, more := offset, false
	// take lists id as a result unless it is not live; false: stop.
	take := func(id int32, m Match) bool {
		f := ix.flags[id]
		if f&flagSubdomain == 0 && !live(ix.expire[id], f&flagRevoked != 0) {
			return true
		}
		if skip > 0 {
			skip--
			return true
		}
		if len(out) == limit {
			more = true
			return false
		}
		h := Hit{Name: ix.name(id), Match: m, ExpireBlock: ix.expire[id], Revoked: f&flagRevoked != 0}
		switch {
		case f&flagSubdomain != 0:
			h.Kind, h.ExpireBlock = Subdomain, -1
		case f&flagProfile != 0:
			h.Kind = Profile
			h.ProfileName, h.Name = splitProfileKey(h.Name)
		}
		out = append(out, h)
		return true
	}
	exact := ix.find(q)
	if exact >= 0 && !take(exact, Exact) {
		return out, more
	}
	if !ix.prefixed(q, func(id int32) bool { return id == exact || take(id, Prefix) }) {
		return out, more
	}
	if len(q) >= 3 {
		intersect(ix.lists(q), func(id int32) bool {
			text := ix.name(id)
			if ix.flags[id]&flagProfile != 0 {
				text, _ = splitProfileKey(text) // not the BNS name after it
			}
			if i := strings.Index(text, q); i <= 0 { // absent, or a prefix: listed above
				return true
			}
			return take(id, Substring)
		})
	}
	return out, more
}

// prefixed calls f with the ids of the names that begin with q, in name
// order (merging sorted and recent), until f returns false; it returns
// false if f did.
func (ix *Index) prefixed(q string, f func(int32) bool) bool {
	a := ix.sorted[ix.lowerBound(ix.sorted, q):]
	b := ix.recent[ix.lowerBound(ix.recent, q):]
	in := func(l []int32) bool { return len(l) > 0 && strings.HasPrefix(ix.name(l[0]), q) }
	for {
		var id int32
		switch ina, inb := in(a), in(b); {
		case ina && (!inb || ix.name(a[0]) < ix.name(b[0])):
			id, a = a[0], a[1:]
		case inb:
			id, b = b[0], b[1:]
		default:
			return true
		}
		if !f(id) {
			return false
		}
	}
}

func (ix *Index) lowerBound(l []int32, q string) int {
	i, _ := slices.BinarySearchFunc(l, q, ix.cmpName)
	return i
}

// lists are the posting lists of q's trigrams, shortest first: every name
// that contains q is in all of them. nil if one is empty.
func (ix *Index) lists(q string) [][]int32 {
	var keys []uint32
	for i := 0; i+3 <= len(q); i++ {
		keys = append(keys, trigram(q[i], q[i+1], q[i+2]))
	}
	slices.Sort(keys)
	keys = slices.Compact(keys)
	lists := make([][]int32, 0, len(keys))
	for _, k := range keys {
		l := ix.grams[k]
		if len(l) == 0 {
			return nil
		}
		lists = append(lists, l)
	}
	slices.SortFunc(lists, func(a, b []int32) int { return len(a) - len(b) })
	return lists
}

// intersect calls f with every id in all the lists (ascending, shortest
// first), walking the shortest and searching the others from where their
// last match left them, until f returns false.
func intersect(lists [][]int32, f func(int32) bool) {
	if len(lists) == 0 {
		return
	}
	at := make([]int, len(lists))
outer:
	for _, id := range lists[0] {
		for i := 1; i < len(lists); i++ {
			l := lists[i]
			j := at[i] + sort.Search(len(l)-at[i], func(k int) bool { return l[at[i]+k] >= id })
			at[i] = j
			if j == len(l) {
				return
			}
			if l[j] != id {
				continue outer
			}
		}
		if !f(id) {
			return
		}
	}
}
