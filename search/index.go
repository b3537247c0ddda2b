package search

import (
	"hash/maphash"
	"math"
	"slices"
	"strings"
	"sync"
	"unsafe"
)

// Kind is what a name is.
type Kind uint8

const (
	// Name is an on-chain name ("alice.id").
	Name Kind = iota
	// Subdomain is a subdomain ("bob.alice.id").
	Subdomain
	// Profile is the name in a name's verified profile ("Alice
	// Liddell"), indexed under ProfileKey.
	Profile
)

func (k Kind) String() string {
	return [...]string{Name: "name", Subdomain: "subdomain", Profile: "profile"}[k]
}

// ProfileKey is what a profile's name is indexed under: the name in the
// profile, in lower case, then a NUL and the BNS name whose profile it is,
// so that two names' profiles may give the same name. Queries match the
// part before the NUL only.
func ProfileKey(personName, name string) string {
	return strings.ToLower(personName) + "\x00" + name
}

// splitProfileKey is ProfileKey's parts.
func splitProfileKey(key string) (personName, name string) {
	personName, name, _ = strings.Cut(key, "\x00")
	return personName, name
}

// Index is the search index of package search's documentation. Its
// methods are safe for concurrent use.
type Index struct {
	wmu sync.Mutex // held by Put, so that a merge of byName can run without mu

	mu     sync.RWMutex
	seed   maphash.Seed
	byHash map[uint64]int32 // a name's hash → its id, first of the chain
	next   []int32          // id → the next id whose name has the same hash, or -1
	ends   []uint32         // id → the end of its name in arena (its start is the previous id's end)
	arena  []byte
	expire []int64 // id → first block at which it is expired; -1 never
	flags  []uint8
	grams  map[uint32][]int32 // trigram → ids, ascending
	// byName is every id in name order: sorted, the ids up to the last
	// merge, and recent, those added since, which are merged into
	// sorted when they grow past sqrt of it (an insertion into a
	// million-long list would move megabytes).
	sorted, recent []int32
}

const (
	flagRevoked = 1 << iota
	flagSubdomain
	flagProfile
)

// NewIndex returns an empty index.
func NewIndex() *Index {
	return &Index{seed: maphash.MakeSeed(), byHash: map[uint64]int32{}, grams: map[uint32][]int32{}}
}

// name is id's name. It points into the arena, which is only ever
// appended to: a byte once written never changes, so the string stays
// valid after the lock is released, even when append moves the arena.
func (ix *Index) name(id int32) string {
	start := uint32(0)
	if id > 0 {
		start = ix.ends[id-1]
	}
	b := ix.arena[start:ix.ends[id]]
	return unsafe.String(unsafe.SliceData(b), len(b))
}

func (ix *Index) find(name string) int32 {
	id, ok := ix.byHash[maphash.String(ix.seed, name)]
	if !ok {
		return -1
	}
	for ; id >= 0; id = ix.next[id] {
		if ix.name(id) == name {
			return id
		}
	}
	return -1
}

// State is what the index knows of an on-chain name: the first block at
// which it is expired, and whether it is revoked; ok false if it has no
// such name.
func (ix *Index) State(name string) (expireBlock int64, revoked, ok bool) {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	id := ix.find(name)
	if id < 0 || ix.flags[id]&(flagSubdomain|flagProfile) != 0 {
		return 0, false, false
	}
	return ix.expire[id], ix.flags[id]&flagRevoked != 0, true
}

// onChainNames lists up to limit on-chain names (not subdomains nor
// profiles) in the order they were indexed, from id from on, and the id
// to go on from.
func (ix *Index) onChainNames(from int32, limit int) ([]string, int32) {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	var out []string
	id := from
	for ; int(id) < len(ix.ends) && len(out) < limit; id++ {
		if ix.flags[id]&(flagSubdomain|flagProfile) == 0 {
			out = append(out, ix.name(id))
		}
	}
	return out, id
}

// Len is the number of names indexed, live or not.
func (ix *Index) Len() int {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return len(ix.ends)
}

// Put indexes a name, or updates what it knows of one: expireBlock is the
// first block at which it is expired (-1: never; subdomains never do).
func (ix *Index) Put(name string, kind Kind, expireBlock int64, revoked bool) {
	ix.wmu.Lock()
	defer ix.wmu.Unlock()
	var merge bool
	func() {
		ix.mu.Lock()
		defer ix.mu.Unlock()
		ix.put(name, kind, expireBlock, revoked, true)
		merge = len(ix.recent) > max(256, int(math.Sqrt(float64(len(ix.sorted)))))
	}()
	if merge {
		// Readers go on meanwhile: only Put changes byName, and wmu
		// keeps other Puts out.
		var merged []int32
		func() {
			ix.mu.RLock()
			defer ix.mu.RUnlock()
			merged = ix.merged()
		}()
		func() {
			ix.mu.Lock()
			defer ix.mu.Unlock()
			ix.sorted, ix.recent = merged, ix.recent[:0]
		}()
	}
}

// load fills an empty index as Put would, then sorts the name order once:
// Put would merge its recent names into the order a thousand times at a
// million names. each calls put with every name.
func (ix *Index) load(each func(put func(name string, kind Kind, expireBlock int64, revoked bool)) error) error {
	ix.wmu.Lock()
	defer ix.wmu.Unlock()
	ix.mu.Lock()
	defer ix.mu.Unlock()
	err := each(func(name string, kind Kind, expireBlock int64, revoked bool) {
		ix.put(name, kind, expireBlock, revoked, false)
	})
	ix.sorted, ix.recent = make([]int32, len(ix.ends)), nil
	for i := range ix.sorted {
		ix.sorted[i] = int32(i)
	}
	slices.SortFunc(ix.sorted, func(a, b int32) int { return strings.Compare(ix.name(a), ix.name(b)) })
	return err
}

// put indexes a name; ordered: in the name order too (else load does).
func (ix *Index) put(name string, kind Kind, expireBlock int64, revoked, ordered bool) {
	var f uint8
	if revoked {
		f |= flagRevoked
	}
	switch kind {
	case Subdomain:
		f |= flagSubdomain
	case Profile:
		f |= flagProfile
	}
	if id := ix.find(name); id >= 0 {
		ix.expire[id], ix.flags[id] = expireBlock, f
		return
	}
	id := int32(len(ix.ends))
	h := maphash.String(ix.seed, name)
	first, ok := ix.byHash[h]
	if !ok {
		first = -1
	}
	ix.byHash[h] = id
	ix.next = append(ix.next, first)
	ix.arena = append(ix.arena, name...)
	ix.ends = append(ix.ends, uint32(len(ix.arena)))
	ix.expire = append(ix.expire, expireBlock)
	ix.flags = append(ix.flags, f)
	for i := 0; i+3 <= len(name); i++ {
		g := trigram(name[i], name[i+1], name[i+2])
		l := ix.grams[g]
		// A name with a trigram twice lists its id once.
		if len(l) == 0 || l[len(l)-1] != id {
			ix.grams[g] = append(l, id)
		}
	}
	if ordered {
		at, _ := slices.BinarySearchFunc(ix.recent, name, ix.cmpName)
		ix.recent = slices.Insert(ix.recent, at, id)
	}
}

// merged is sorted and recent merged, in a new slice.
func (ix *Index) merged() []int32 {
	out := make([]int32, 0, len(ix.sorted)+len(ix.recent))
	a, b := ix.sorted, ix.recent
	for len(a) > 0 && len(b) > 0 {
		if ix.name(a[0]) < ix.name(b[0]) {
			out, a = append(out, a[0]), a[1:]
		} else {
			out, b = append(out, b[0]), b[1:]
		}
	}
	return append(append(out, a...), b...)
}

// cmpName orders an id against a name.
func (ix *Index) cmpName(id int32, name string) int { return strings.Compare(ix.name(id), name) }

func trigram(a, b, c byte) uint32 { return uint32(a)<<16 | uint32(b)<<8 | uint32(c) }
