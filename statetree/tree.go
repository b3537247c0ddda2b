package statetree

import (
	"bytes"
	"slices"
)

// ref names a subtree: 0 is the empty subtree; otherwise the low bits are
// an index plus one into Tree.leaves (leafRef set) or Tree.nodes.
type ref uint32

const leafRef ref = 1 << 31

func (r ref) isLeaf() bool { return r&leafRef != 0 }
func (r ref) index() int   { return int(r&^leafRef) - 1 }

type node struct {
	hash  Hash
	child [2]ref
	dirty bool // hash is stale
}

type leaf struct {
	path, value, hash Hash
}

// Tree is an authenticated map from keys to value hashes. It is not safe
// for concurrent use: its owner serialises updates against reads (Root
// and Prove recompute stale hashes, so they write too).
type Tree struct {
	nodes     []node
	leaves    []leaf
	freeNodes []int
	freeLeafs []int
	root      ref
	count     int
}

// New returns an empty tree.
func New() *Tree { return &Tree{} }

// Len is the number of entries.
func (t *Tree) Len() int { return t.count }

// Set maps key to value, adding the key or replacing its value.
func (t *Tree) Set(key []byte, value Hash) {
	p := PathOf(key)
	t.root = t.set(t.root, 0, &p, &value)
}

// Delete removes key; it reports whether the key was there.
func (t *Tree) Delete(key []byte) bool {
	p := PathOf(key)
	r, ok := t.del(t.root, 0, &p)
	t.root = r
	return ok
}

// Get returns key's value hash, if the key is present.
func (t *Tree) Get(key []byte) (Hash, bool) {
	p := PathOf(key)
	r := t.root
	for depth := 0; r != 0 && !r.isLeaf(); depth++ {
		r = t.nodes[r.index()].child[bit(&p, depth)]
	}
	if r == 0 || t.leaves[r.index()].path != p {
		return Hash{}, false
	}
	return t.leaves[r.index()].value, true
}

// Root is the tree's root hash (32 zero bytes when it is empty).
func (t *Tree) Root() Hash { return t.hash(t.root) }

func (t *Tree) set(r ref, depth int, p, v *Hash) ref {
	switch {
	case r == 0:
		return t.newLeaf(p, v)
	case r.isLeaf():
		l := &t.leaves[r.index()]
		if l.path == *p {
			l.value, l.hash = *v, leafHash(p, v)
			return r
		}
		// Two entries in this subtree now: internal nodes down to the
		// first bit where their paths differ, the two leaves below it.
		return t.split(r, t.newLeaf(p, v), depth, commonPrefix(&l.path, p))
	}
	i := r.index()
	b := bit(p, depth)
	c := t.set(t.nodes[i].child[b], depth+1, p, v)
	n := &t.nodes[i] // t.nodes may have grown
	n.child[b], n.dirty = c, true
	return r
}

// split returns the subtree at depth holding leaves a and b, whose paths
// first differ at bit d ≥ depth.
func (t *Tree) split(a, b ref, depth, d int) ref {
	pa := &t.leaves[a.index()].path
	var n node
	n.dirty = true
	if depth == d {
		n.child[bit(pa, d)], n.child[1-bit(pa, d)] = a, b
	} else {
		n.child[bit(pa, depth)] = t.split(a, b, depth+1, d)
	}
	return t.newNode(n)
}

// del removes the entry at path p from the subtree r at depth, and keeps
// the tree canonical: a subtree left with one entry becomes its leaf.
func (t *Tree) del(r ref, depth int, p *Hash) (ref, bool) {
	switch {
	case r == 0:
		return r, false
	case r.isLeaf():
		if t.leaves[r.index()].path != *p {
			return r, false
		}
		t.freeLeafs = append(t.freeLeafs, r.index())
		t.count--
		return 0, true
	}
	i := r.index()
	b := bit(p, depth)
	c, ok := t.del(t.nodes[i].child[b], depth+1, p)
	if !ok {
		return r, false
	}
	other := t.nodes[i].child[1-b]
	if c == 0 && other.isLeaf() || other == 0 && c.isLeaf() {
		t.freeNodes = append(t.freeNodes, i)
		return c | other, true // the one that is not empty
	}
	n := &t.nodes[i]
	n.child[b], n.dirty = c, true
	return r, true
}

func (t *Tree) newLeaf(p, v *Hash) ref {
	t.count++
	l := leaf{path: *p, value: *v, hash: leafHash(p, v)}
	if k := len(t.freeLeafs); k > 0 {
		i := t.freeLeafs[k-1]
		t.freeLeafs = t.freeLeafs[:k-1]
		t.leaves[i] = l
		return ref(i+1) | leafRef
	}
	t.leaves = append(t.leaves, l)
	return ref(len(t.leaves)) | leafRef
}

func (t *Tree) newNode(n node) ref {
	if k := len(t.freeNodes); k > 0 {
		i := t.freeNodes[k-1]
		t.freeNodes = t.freeNodes[:k-1]
		t.nodes[i] = n
		return ref(i + 1)
	}
	t.nodes = append(t.nodes, n)
	return ref(len(t.nodes))
}

// hash is r's hash, recomputing stale ones below it.
func (t *Tree) hash(r ref) Hash {
	switch {
	case r == 0:
		return Hash{}
	case r.isLeaf():
		return t.leaves[r.index()].hash
	}
	n := &t.nodes[r.index()]
	if n.dirty {
		l, rt := t.hash(n.child[0]), t.hash(n.child[1])
		n.hash, n.dirty = nodeHash(&l, &rt), false
	}
	return n.hash
}

// Entry is a key and its value hash, for Build.
type Entry struct {
	Key   []byte
	Value Hash
}

// Build returns the tree of entries, made in one pass over them sorted by
// path: how a node makes the tree of its whole state at start-up (faster
// than setting the entries one by one, and with no free slots). Of a key given twice
// the last value counts.
func Build(entries []Entry) *Tree {
	ls := make([]leaf, len(entries))
	for i, e := range entries {
		ls[i].path, ls[i].value = PathOf(e.Key), e.Value
	}
	slices.SortStableFunc(ls, func(a, b leaf) int { return bytes.Compare(a.path[:], b.path[:]) })
	uniq := ls[:0]
	for i := range ls {
		if i+1 < len(ls) && ls[i+1].path == ls[i].path {
			continue // a later value of the same key follows
		}
		uniq = append(uniq, ls[i])
	}
	t := &Tree{leaves: make([]leaf, 0, len(uniq)), nodes: make([]node, 0, len(uniq))}
	t.root = t.build(uniq, 0)
	return t
}

// build makes the subtree at depth of ls, sorted by path, hashing as it
// goes.
func (t *Tree) build(ls []leaf, depth int) ref {
	switch len(ls) {
	case 0:
		return 0
	case 1:
		ls[0].hash = leafHash(&ls[0].path, &ls[0].value)
		t.leaves = append(t.leaves, ls[0])
		t.count++
		return ref(len(t.leaves)) | leafRef
	}
	// Sorted by path, the entries whose bit at depth is 0 come first.
	k, _ := slices.BinarySearchFunc(ls, 1, func(l leaf, one int) int { return bit(&l.path, depth) - one })
	l, r := t.build(ls[:k], depth+1), t.build(ls[k:], depth+1)
	lh, rh := t.hash(l), t.hash(r)
	t.nodes = append(t.nodes, node{hash: nodeHash(&lh, &rh), child: [2]ref{l, r}})
	return ref(len(t.nodes))
}
