package gaia

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/go-blockstack/go-blockstack/internal/locked"
)

// Quotas (Config.MaxBucketSizeMB). Each bucket's usage is a running count
// of the bytes it holds, history copies included. The count starts from a
// listing of the bucket, taken at the bucket's first store (and again once
// it is older than usageRecount, or after the entry was forgotten), and
// then follows this hub's own stores and deletes. A listing never runs
// while this hub changes the bucket: it waits for the changes in flight,
// and new ones wait for it.
//
// Admission is exact within one hub: a store reserves what it adds (its
// size less the size of the file it replaces) under the bucket's mutex
// against the count plus every other store's reservation, and settles to
// what it actually added once written. Several hubs over one bucket each
// keep their own count: writes through another hub are seen at the next
// listing only.

// usageRecount is how old a bucket's count may grow before the next store
// lists the bucket again, so that writes through other hubs are counted.
const usageRecount = 10 * time.Minute

// maxTrackedBuckets bounds the counts kept; past it, the counts of buckets
// with nothing in flight are forgotten (and listed again when needed).
const maxTrackedBuckets = 100_000

type quotas struct {
	max  int64 // bytes per bucket
	list func(ctx context.Context, bucket string) (int64, error)
	now  func() time.Time

	mu      sync.Mutex
	buckets map[string]*usage
}

// usage is one bucket's count.
type usage struct {
	refs int // holders of this entry (guarded by quotas.mu)

	mu       sync.Mutex
	known    bool          // used is counted
	counted  time.Time     // when the listing was taken
	used     int64         // bytes in the bucket as far as this hub knows
	reserved int64         // bytes reserved by stores in flight
	changing int           // stores and deletes in flight
	listing  bool          // a listing runs
	wantList bool          // a listing waits for the changes in flight
	changed  chan struct{} // closed and replaced at every change of state
}

func newQuotas(max int64, list func(ctx context.Context, bucket string) (int64, error), now func() time.Time) *quotas {
	return &quotas{max: max, list: list, now: now, buckets: map[string]*usage{}}
}

func (q *quotas) get(bucket string) *usage {
	q.mu.Lock()
	defer q.mu.Unlock()
	u := q.buckets[bucket]
	if u == nil {
		if len(q.buckets) >= maxTrackedBuckets {
			for k, o := range q.buckets {
				if o.refs == 0 {
					delete(q.buckets, k)
				}
			}
		}
		u = &usage{changed: make(chan struct{})}
		q.buckets[bucket] = u
	}
	u.refs++
	return u
}

func (q *quotas) put(u *usage) {
	q.mu.Lock()
	defer q.mu.Unlock()
	u.refs--
}

// wake tells waiters that the state changed; u.mu is held.
func (u *usage) wake() {
	close(u.changed)
	u.changed = make(chan struct{})
}

// wait releases u.mu until the state changes or ctx ends; u.mu is held
// on return.
func (u *usage) wait(ctx context.Context) error {
	ch := u.changed
	var err error
	locked.Without(&u.mu, func() {
		select {
		case <-ch:
		case <-ctx.Done():
			err = ctx.Err()
		}
	})
	return err
}

// change is a store or delete in flight on one bucket, from begin (taken
// under the path lock) to end.
type change struct {
	q        *quotas
	bucket   string
	u        *usage
	reserved int64
}

// begin starts a change of bucket. With count, the bucket's usage is
// listed first if it is not known (or too old): stores need it, deletes
// only keep it up to date when it is known.
func (q *quotas) begin(ctx context.Context, bucket string, count bool) (*change, error) {
	u := q.get(bucket)
	c := &change{q: q, bucket: bucket, u: u}
	u.mu.Lock()
	defer u.mu.Unlock()
	for {
		if u.listing || u.wantList {
			if err := u.wait(ctx); err != nil {
				q.put(u)
				return nil, err
			}
			continue
		}
		stale := !u.known || q.now().Sub(u.counted) > usageRecount
		if !count || !stale {
			u.changing++
			return c, nil
		}
		// This store lists the bucket: first the changes in flight end.
		u.wantList = true
		for u.changing > 0 {
			if err := u.wait(ctx); err != nil {
				u.wantList = false
				u.wake()
				q.put(u)
				return nil, err
			}
		}
		u.wantList, u.listing = false, true
		var used int64
		var err error
		locked.Without(&u.mu, func() { used, err = q.list(ctx, bucket) }) // a listing is slow I/O
		u.listing = false
		u.wake()
		if err != nil {
			q.put(u)
			return nil, fmt.Errorf("count the usage of bucket %s: %w", bucket, err)
		}
		u.known, u.counted, u.used = true, q.now(), used
	}
}

// reserve admits a store that adds delta bytes (negative when it
// shrinks a file), or refuses it with 413 if the bucket would go over the
// quota.
func (c *change) reserve(delta int64) error {
	u := c.u
	u.mu.Lock()
	defer u.mu.Unlock()
	if delta > 0 && u.used+u.reserved+delta > c.q.max {
		return &HubError{Status: http.StatusRequestEntityTooLarge, Name: "PayloadTooLargeError",
			Message: fmt.Sprintf("Bucket %s is full: it holds %d bytes of its %d-byte quota, and this write needs %d more",
				c.bucket, u.used+u.reserved, c.q.max, delta)}
	}
	if delta > 0 {
		u.reserved += delta
		c.reserved = delta
	}
	return nil
}

// done records that the change added delta bytes (0 if it failed).
func (c *change) done(delta int64) {
	u := c.u
	u.mu.Lock()
	defer u.mu.Unlock()
	u.reserved -= c.reserved
	c.reserved = 0
	if u.known {
		u.used = max(u.used+delta, 0)
	}
}

// counted says whether the bucket's usage is counted (its deletes must
// then be taken off).
func (c *change) counted() bool {
	c.u.mu.Lock()
	defer c.u.mu.Unlock()
	return c.u.known
}

// end finishes the change; done must have been called for what it wrote.
func (c *change) end() {
	u := c.u
	locked.Do(&u.mu, func() {
		u.reserved -= c.reserved
		c.reserved = 0
		u.changing--
		u.wake()
	})
	c.q.put(u)
}

// bucketSize lists a bucket and adds up its files' sizes.
func (h *Hub) bucketSize(ctx context.Context, bucket string) (int64, error) {
	var total int64
	opts := ListOptions{Limit: maxPageSize, Stat: true}
	for {
		res, err := h.driver.List(ctx, bucket, opts)
		if err != nil {
			return 0, err
		}
		for _, e := range res.Entries {
			total += e.Size
		}
		if res.NextPage == "" {
			return total, nil
		}
		opts.Page = res.NextPage
	}
}
