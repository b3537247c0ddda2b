package namedb

import (
	"hash/maphash"
	"sync"
	"unsafe"
)

// nameTable holds every name's record with no pointer per name, so that
// the garbage collector has nothing of it to mark: its maps have integer
// keys and values, its slots are plain values and its strings lie in
// pointer-free chunks. At a million names the pointer per name of a
// map[string]record kept the collector marking for half a second of every
// two during API load (gctrace), which set the lookups' p99.
//
// A name is found by a seeded hash of it (maphash, seeded per process, so
// a chain cannot aim collisions at it); names whose hashes collide are
// chained through their slots. The names an address owns are a doubly
// linked list through their slots, headed in byOwner by the address's
// hash; addresses sharing a hash share a list, filtered on reading.
//
// Only the writer changes it, under state.mu; readers read under the
// read lock. The arena is append-only and a chunk's bytes never change
// once written, so strings returned to readers may point into it for as
// long as they like: compaction copies into new chunks and drops the old.
type nameTable struct {
	hash    func(string) uint64 // maphash with the table's seed; tests force collisions
	byName  map[uint64]int32    // a name's hash → its slot, first of the chain
	byOwner map[uint64]int32    // an address's hash → the first slot of its list
	slots   []slot
	free    []int32 // slots of deleted names, for reuse
	arena   arena
	live    int // arena bytes that used slots refer to
}

// slot is one name's record in the table.
type slot struct {
	at uint64 // the record's strings in the arena (see arena.add)
	nameFields
	used                           bool
	nextName, nextOwner, prevOwner int32 // -1: none
}

// nameFields is a record but for its strings: their ends in the one
// string they share, in packName's order, and the numbers.
type nameFields struct {
	ends                                                   [8]uint32 // ends[7] is the length of them all
	firstRegistered, lastRenewed, expireBlock, blockNumber int64
	vtxindex                                               int
	revoked, imported                                      bool
}

func newNameTable() *nameTable {
	seed := maphash.MakeSeed()
	return &nameTable{hash: func(s string) uint64 { return maphash.String(seed, s) },
		byName: map[uint64]int32{}, byOwner: map[uint64]int32{}}
}

// packed is slot i's record; its strings point into the arena.
func (t *nameTable) packed(i int32) packedName {
	s := &t.slots[i]
	return packedName{strs: t.arena.str(s.at, s.ends[7]), nameFields: s.nameFields}
}

// find is the slot of name, or -1.
func (t *nameTable) find(name string) int32 {
	i, ok := t.byName[t.hash(name)]
	if !ok {
		return -1
	}
	for ; i >= 0; i = t.slots[i].nextName {
		s := &t.slots[i]
		if t.arena.str(s.at, s.ends[0]) == name {
			return i
		}
	}
	return -1
}

func (t *nameTable) get(name string) (packedName, bool) {
	i := t.find(name)
	if i < 0 {
		return packedName{}, false
	}
	return t.packed(i), true
}

// put stores a record under its name, replacing the name's record if it
// has one.
func (t *nameTable) put(p packedName) {
	name, addr := p.name(), p.address()
	i := t.find(name)
	relink := true
	if i >= 0 {
		t.live -= int(t.slots[i].ends[7])
		if old := t.packed(i); old.address() == addr {
			relink = false
		} else {
			t.unlinkOwner(i)
		}
	} else {
		i = t.newSlot(name)
	}
	s := &t.slots[i]
	s.at, s.nameFields = t.arena.add(p.strs), p.nameFields
	t.live += len(p.strs)
	if relink {
		t.linkOwner(i, addr)
	}
}

// newSlot takes a free slot (or a new one) for name and chains it under
// name's hash; its record and owner link are the caller's to set.
func (t *nameTable) newSlot(name string) int32 {
	var i int32
	if n := len(t.free); n > 0 {
		i, t.free = t.free[n-1], t.free[:n-1]
	} else {
		i = int32(len(t.slots))
		t.slots = append(t.slots, slot{})
	}
	h := t.hash(name)
	next, ok := t.byName[h]
	if !ok {
		next = -1
	}
	t.slots[i] = slot{used: true, nextName: next}
	t.byName[h] = i
	return i
}

// remove deletes name's record, if it has one.
func (t *nameTable) remove(name string) {
	i := t.find(name)
	if i < 0 {
		return
	}
	h := t.hash(name)
	if head := t.byName[h]; head == i {
		if next := t.slots[i].nextName; next >= 0 {
			t.byName[h] = next
		} else {
			delete(t.byName, h)
		}
	} else {
		j := head
		for t.slots[j].nextName != i {
			j = t.slots[j].nextName
		}
		t.slots[j].nextName = t.slots[i].nextName
	}
	t.unlinkOwner(i)
	t.live -= int(t.slots[i].ends[7])
	t.slots[i] = slot{nextName: -1, nextOwner: -1, prevOwner: -1}
	t.free = append(t.free, i)
}

func (t *nameTable) linkOwner(i int32, addr string) {
	h := t.hash(addr)
	head, ok := t.byOwner[h]
	if !ok {
		head = -1
	}
	t.slots[i].prevOwner, t.slots[i].nextOwner = -1, head
	if head >= 0 {
		t.slots[head].prevOwner = i
	}
	t.byOwner[h] = i
}

func (t *nameTable) unlinkOwner(i int32) {
	s := &t.slots[i]
	prev, next := s.prevOwner, s.nextOwner
	if prev >= 0 {
		t.slots[prev].nextOwner = next
	} else {
		p := t.packed(i)
		if h := t.hash(p.address()); next >= 0 {
			t.byOwner[h] = next
		} else {
			delete(t.byOwner, h)
		}
	}
	if next >= 0 {
		t.slots[next].prevOwner = prev
	}
	s.prevOwner, s.nextOwner = -1, -1
}

// owned calls f with each record whose owner is address.
func (t *nameTable) owned(address string, f func(*packedName)) {
	i, ok := t.byOwner[t.hash(address)]
	if !ok {
		return
	}
	for ; i >= 0; i = t.slots[i].nextOwner {
		if p := t.packed(i); p.address() == address {
			f(&p)
		}
	}
}

// each calls f with every record, in no particular order.
func (t *nameTable) each(f func(*packedName)) {
	for i := range t.slots {
		if t.slots[i].used {
			p := t.packed(int32(i))
			f(&p)
		}
	}
}

// compactMin is the dead arena bytes below which compact leaves the arena
// alone.
const compactMin = 8 << 20

// compact copies the live strings into a new arena once the dead ones
// (left by changed and deleted records) outweigh half the live ones, so
// that the arena stays under 1.5 times the strings it holds. It is called
// by the writer, without the lock: only the writer changes the table, so
// the copy can be made while readers read, and only the switch to it
// (under mu, state.mu) waits for them.
func (t *nameTable) compact(mu sync.Locker) {
	dead := t.arena.size - t.live
	if dead < compactMin || dead < t.live/2 {
		return
	}
	var fresh arena
	at := make([]uint64, len(t.slots))
	for i := range t.slots {
		if s := &t.slots[i]; s.used {
			at[i] = fresh.add(t.arena.str(s.at, s.ends[7]))
		}
	}
	mu.Lock()
	defer mu.Unlock()
	for i := range t.slots {
		if t.slots[i].used {
			t.slots[i].at = at[i]
		}
	}
	t.arena = fresh
}

// arena is append-only storage for the records' strings, in chunks that
// hold no pointers.
type arena struct {
	chunks [][]byte
	size   int // bytes in all chunks
}

// arenaChunk is the size of an arena chunk (a longer string gets a chunk
// of its own).
const arenaChunk = 1 << 20

// add copies s into the arena and returns where: chunk<<32 | offset.
func (a *arena) add(s string) uint64 {
	last := len(a.chunks) - 1
	if last < 0 || cap(a.chunks[last])-len(a.chunks[last]) < len(s) {
		a.chunks = append(a.chunks, make([]byte, 0, max(arenaChunk, len(s))))
		last++
	}
	c := a.chunks[last]
	at := uint64(last)<<32 | uint64(len(c))
	a.chunks[last] = append(c, s...)
	a.size += len(s)
	return at
}

// str is the n bytes at at, as a string that shares the arena's bytes
// (they never change).
func (a *arena) str(at uint64, n uint32) string {
	if n == 0 {
		return ""
	}
	return unsafe.String(&a.chunks[at>>32][uint32(at)], n)
}
