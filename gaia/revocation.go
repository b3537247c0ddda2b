package gaia

import (
	"bytes"
	"container/list"
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"time"
)

// The revocation timestamp of bucket A lives where the reference hub keeps
// it: file "authTimestamp" in bucket "A-auth", decimal seconds.
const (
	authTimestampFile        = "authTimestamp"
	authTimestampContentType = "text/plain; charset=UTF-8"
	maxAuthTimestampBytes    = 1024
	// revocationTTL bounds how long a cached timestamp is trusted, so that a
	// revoke-all made through another hub process on the same storage takes
	// effect here too. Within one process the cache is updated at once.
	revocationTTL = 10 * time.Second
)

// revocations reads and raises buckets' oldest-valid-token timestamps
// through the driver, with an LRU cache. Unlike the reference hub, which
// fetches the timestamp from its read URL and never caches the common value
// 0, it reads storage directly and caches every value.
type revocations struct {
	driver Driver
	now    func() time.Time
	max    int

	mu    sync.Mutex
	lru   *list.List // of *revEntry, most recent first
	byKey map[string]*list.Element
}

type revEntry struct {
	address string
	ts      int64
	fetched time.Time
}

func newRevocations(d Driver, size int, now func() time.Time) *revocations {
	return &revocations{driver: d, now: now, max: size, lru: list.New(), byKey: map[string]*list.Element{}}
}

// oldest returns the bucket's oldest valid token timestamp (0: none).
func (r *revocations) oldest(ctx context.Context, address string) (int64, error) {
	if ts, ok := r.cached(address); ok {
		return ts, nil
	}
	ts, err := r.read(ctx, address)
	if err != nil {
		return 0, err
	}
	return r.remember(address, ts), nil
}

// cached is the bucket's cached timestamp, if it is fresh.
func (r *revocations) cached(address string) (int64, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	el, ok := r.byKey[address]
	if !ok {
		return 0, false
	}
	e := el.Value.(*revEntry)
	if r.now().Sub(e.fetched) >= revocationTTL {
		return 0, false
	}
	r.lru.MoveToFront(el)
	return e.ts, true
}

// remember caches ts unless a larger value is already cached (a concurrent
// raise), and returns the value kept.
func (r *revocations) remember(address string, ts int64) int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	if el, ok := r.byKey[address]; ok {
		e := el.Value.(*revEntry)
		e.ts = max(e.ts, ts)
		e.fetched = r.now()
		r.lru.MoveToFront(el)
		return e.ts
	}
	r.byKey[address] = r.lru.PushFront(&revEntry{address: address, ts: ts, fetched: r.now()})
	for r.lru.Len() > r.max {
		old := r.lru.Remove(r.lru.Back()).(*revEntry)
		delete(r.byKey, old.address)
	}
	return ts
}

func (r *revocations) read(ctx context.Context, address string) (int64, error) {
	obj, err := r.driver.Get(ctx, address+authBucketSuffix, authTimestampFile)
	if errors.Is(err, ErrNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("read revocation timestamp of %s: %w", address, err)
	}
	defer obj.Body.Close()
	b, err := io.ReadAll(io.LimitReader(obj.Body, maxAuthTimestampBytes+1))
	if err != nil {
		return 0, fmt.Errorf("read revocation timestamp of %s: %w", address, err)
	}
	ts, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
	if err != nil || ts < 0 || len(b) > maxAuthTimestampBytes {
		return 0, validationError("Bucket contained an invalid authentication revocation timestamp: %q", truncate(string(b)))
	}
	return ts, nil
}

// raise stores ts as the bucket's timestamp unless the stored one is
// already later: revocation only ever moves forward. The caller holds the
// path lock of the timestamp file.
func (r *revocations) raise(ctx context.Context, address string, ts int64) error {
	cur, err := r.read(ctx, address)
	if err != nil {
		return err
	}
	if ts > cur {
		body := strconv.FormatInt(ts, 10)
		if _, err := r.driver.Put(ctx, address+authBucketSuffix, authTimestampFile,
			bytes.NewReader([]byte(body)), PutOptions{ContentType: authTimestampContentType}); err != nil {
			return fmt.Errorf("write revocation timestamp of %s: %w", address, err)
		}
	}
	r.remember(address, max(ts, cur))
	return nil
}
