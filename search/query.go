package search

import (
	"container/heap"
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
}

// MaxResults bounds how far a query's results may be paged: ranking
// needs the best offset+limit of all the candidates, and past a thousand
// a longer query serves better than another page.
const MaxResults = 1000

// Query returns the names matching q (lowercase), ranked, limit of them
// from the offset-th (offset+limit at most MaxResults), and whether more
// follow. live says whether an on-chain name that expires at expireBlock
// and is revoked or not is listed at all; subdomains always are.
func (ix *Index) Query(q string, offset, limit int, live func(expireBlock int64, revoked bool) bool) ([]Hit, bool) {
	if q == "" || limit <= 0 || offset < 0 || offset+limit > MaxResults {
		return nil, false
	}
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	lists := ix.lists(q)
	if lists == nil {
		return nil, false
	}
	best := ranked{ix: ix, max: offset + limit + 1} // one more: are there more?
	intersect(lists, func(id int32) {
		name := ix.name(id)
		var m Match
		switch i := strings.Index(name, q); {
		case i < 0:
			return
		case len(name) == len(q):
			m = Exact
		case i == 0:
			m = Prefix
		default:
			m = Substring
		}
		f := ix.flags[id]
		if f&flagSubdomain == 0 && !live(ix.expire[id], f&flagRevoked != 0) {
			return
		}
		best.offer(candidate{id: id, match: m, length: uint32(len(name))})
	})
	sort.Slice(best.c, func(i, j int) bool { return best.better(best.c[i], best.c[j]) })
	more := len(best.c) > offset+limit
	if offset >= len(best.c) {
		return nil, more
	}
	out := make([]Hit, 0, min(limit, len(best.c)-offset))
	for _, c := range best.c[offset:min(len(best.c), offset+limit)] {
		h := Hit{Name: ix.name(c.id), Match: c.match, ExpireBlock: ix.expire[c.id], Revoked: ix.flags[c.id]&flagRevoked != 0}
		if ix.flags[c.id]&flagSubdomain != 0 {
			h.Kind, h.ExpireBlock = Subdomain, -1
		}
		out = append(out, h)
	}
	return out, more
}

// lists are the posting lists whose intersection holds every candidate
// for q, shortest first; nil if one is empty (nothing matches). A query
// of three bytes or more is found anywhere in a name by its trigrams;
// a shorter one only at the start, by its first letter or by the start
// trigram.
func (ix *Index) lists(q string) [][]int32 {
	var keys []uint32
	switch len(q) {
	case 1:
		keys = []uint32{firstLetter(q[0])}
	case 2:
		keys = []uint32{trigram(startMark, q[0], q[1])}
	default:
		for i := 0; i+3 <= len(q); i++ {
			keys = append(keys, trigram(q[i], q[i+1], q[i+2]))
		}
		slices.Sort(keys)
		keys = slices.Compact(keys)
	}
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
// last match left them.
func intersect(lists [][]int32, f func(int32)) {
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
		f(id)
	}
}

type candidate struct {
	id     int32
	match  Match
	length uint32
}

// ranked keeps the max best candidates seen, the worst of them on top of
// a heap, so that most candidates are turned away by one comparison.
type ranked struct {
	ix  *Index
	max int
	c   []candidate
}

// better ranks a before b: by how it matches, then shorter, then by name.
func (r *ranked) better(a, b candidate) bool {
	if a.match != b.match {
		return a.match < b.match
	}
	if a.length != b.length {
		return a.length < b.length
	}
	return r.ix.name(a.id) < r.ix.name(b.id)
}

func (r *ranked) offer(c candidate) {
	if len(r.c) < r.max {
		heap.Push(r, c)
		return
	}
	if r.better(c, r.c[0]) {
		r.c[0] = c
		heap.Fix(r, 0)
	}
}

// The heap's order is worst first.
func (r *ranked) Len() int           { return len(r.c) }
func (r *ranked) Less(i, j int) bool { return r.better(r.c[j], r.c[i]) }
func (r *ranked) Swap(i, j int)      { r.c[i], r.c[j] = r.c[j], r.c[i] }
func (r *ranked) Push(x any)         { r.c = append(r.c, x.(candidate)) }
func (r *ranked) Pop() any           { panic("ranked: never popped") }
