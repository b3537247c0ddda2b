// Package keylock serialises work on named things (a Gaia path, an object
// key) inside one process: a fixed set of stripes that names hash onto, so
// that memory does not grow with the number of names; two names on one
// stripe merely wait for each other.
//
// It owns no goroutines. It does not order anything across processes: code
// that shares storage with other processes relies on the storage's own
// conditional writes for that.
package keylock

import (
	"context"
	"hash/maphash"
	"slices"
)

// Set is a striped lock over names.
type Set struct {
	seed    maphash.Seed
	stripes []chan struct{}
}

// New makes a Set of n stripes (n ≥ 1).
func New(n int) *Set {
	s := &Set{seed: maphash.MakeSeed(), stripes: make([]chan struct{}, n)}
	for i := range s.stripes {
		s.stripes[i] = make(chan struct{}, 1)
	}
	return s
}

// Lock waits for the stripes of every key, or for ctx to end. Stripes are
// taken in index order, each once, so that callers locking several keys
// cannot deadlock each other. unlock releases them all.
func (s *Set) Lock(ctx context.Context, keys ...string) (unlock func(), err error) {
	idx := make([]int, 0, len(keys))
	for _, k := range keys {
		idx = append(idx, int(maphash.String(s.seed, k)%uint64(len(s.stripes))))
	}
	slices.Sort(idx)
	idx = slices.Compact(idx)
	release := func(n int) {
		for _, i := range idx[:n] {
			<-s.stripes[i]
		}
	}
	for n, i := range idx {
		select {
		case s.stripes[i] <- struct{}{}:
		case <-ctx.Done():
			release(n)
			return nil, ctx.Err()
		}
	}
	return func() { release(len(idx)) }, nil
}
