package search

import (
	"hash/maphash"
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
)

func (k Kind) String() string {
	if k == Subdomain {
		return "subdomain"
	}
	return "name"
}

// startMark begins every indexed name, so that a trigram that starts with
// it lists the names that begin with its other two bytes. Names are
// printable ASCII and cannot contain it.
const startMark = 0x02

// Index is the search index of package search's documentation. Its
// methods are safe for concurrent use.
type Index struct {
	mu     sync.RWMutex
	seed   maphash.Seed
	byHash map[uint64]int32 // a name's hash → its id, first of the chain
	next   []int32          // id → the next id whose name has the same hash, or -1
	ends   []uint32         // id → the end of its name in arena (its start is the previous id's end)
	arena  []byte
	expire []int64 // id → first block at which it is expired; -1 never
	flags  []uint8
	grams  map[uint32][]int32 // trigram (or first letter) → ids, ascending
}

const (
	flagRevoked = 1 << iota
	flagSubdomain
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

// Len is the number of names indexed, live or not.
func (ix *Index) Len() int {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return len(ix.ends)
}

// Put indexes a name, or updates what it knows of one: expireBlock is the
// first block at which it is expired (-1: never; subdomains never do).
func (ix *Index) Put(name string, kind Kind, expireBlock int64, revoked bool) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	ix.put(name, kind, expireBlock, revoked)
}

func (ix *Index) put(name string, kind Kind, expireBlock int64, revoked bool) {
	var f uint8
	if revoked {
		f |= flagRevoked
	}
	if kind == Subdomain {
		f |= flagSubdomain
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
	forGrams(name, func(g uint32) {
		l := ix.grams[g]
		// A name with a trigram twice lists its id once.
		if len(l) == 0 || l[len(l)-1] != id {
			ix.grams[g] = append(l, id)
		}
	})
}

// forGrams calls f with the keys a name is listed under: its first letter
// and every trigram of the name with startMark before it.
func forGrams(name string, f func(uint32)) {
	if name == "" {
		return
	}
	f(firstLetter(name[0]))
	prev2, prev1 := uint32(0), uint32(startMark)
	for i := 0; i < len(name); i++ {
		c := uint32(name[i])
		if i >= 1 {
			f(prev2<<16 | prev1<<8 | c)
		}
		prev2, prev1 = prev1, c
	}
}

// firstLetter is the key of the names that begin with c: above every
// trigram's.
func firstLetter(c byte) uint32 { return 1<<24 | uint32(c) }

func trigram(a, b, c byte) uint32 { return uint32(a)<<16 | uint32(b)<<8 | uint32(c) }
