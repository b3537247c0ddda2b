package gaia

import (
	"context"
	"hash/maphash"
)

// pathLocks serialises the read-check-write sequences on one path (ETag
// preconditions, archival rename then write, revocation raise) inside this
// process. Where the reference hub answers 409 to a second operation in
// flight on the same path, this hub queues it: the later request then sees
// the earlier one's result, so If-Match gives the loser a 412 instead of a
// spurious conflict.
//
// Paths hash onto a fixed set of stripes, so memory does not grow with the
// number of paths; two paths on one stripe merely wait for each other.
type pathLocks struct {
	seed    maphash.Seed
	stripes []chan struct{}
}

func newPathLocks(n int) *pathLocks {
	l := &pathLocks{seed: maphash.MakeSeed(), stripes: make([]chan struct{}, n)}
	for i := range l.stripes {
		l.stripes[i] = make(chan struct{}, 1)
	}
	return l
}

// lock waits for key's stripe or for ctx to end; unlock releases it.
func (l *pathLocks) lock(ctx context.Context, key string) (unlock func(), err error) {
	c := l.stripes[maphash.String(l.seed, key)%uint64(len(l.stripes))]
	select {
	case c <- struct{}{}:
		return func() { <-c }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}
