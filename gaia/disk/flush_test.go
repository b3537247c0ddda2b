package disk

import (
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-blockstack/go-blockstack/gaia"
)

// TestGroupCoversEveryWaiter: every wait returns only after a flush that
// started after its write, and concurrent waiters share flushes.
func TestGroupCoversEveryWaiter(t *testing.T) {
	var writes, flushes, covered atomic.Int64
	g := newGroup(func() error {
		upTo := writes.Load() // the writes this flush covers
		flushes.Add(1)
		time.Sleep(2 * time.Millisecond)
		for {
			c := covered.Load()
			if upTo <= c || covered.CompareAndSwap(c, upTo) {
				return nil
			}
		}
	}, func() error { return nil })
	const n, rounds = 32, 20
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			for range rounds {
				mine := writes.Add(1)
				if err := g.wait(); err != nil {
					t.Error(err)
				}
				if c := covered.Load(); c < mine {
					t.Errorf("write %d returned with writes up to %d flushed", mine, c)
				}
			}
		})
	}
	wg.Wait()
	if f := flushes.Load(); f >= n*rounds {
		t.Errorf("%d flushes for %d waits: none shared", f, n*rounds)
	}
	t.Logf("%d flushes for %d waits", flushes.Load(), n*rounds)
}

// TestGroupReportsFailure: the waiters a failed flush covered get its
// error; later ones do not.
func TestGroupReportsFailure(t *testing.T) {
	fail := atomic.Bool{}
	fail.Store(true)
	g := newGroup(func() error {
		if fail.Load() {
			return errors.New("disk gone")
		}
		return nil
	}, func() error { return nil })
	if err := g.wait(); err == nil || !strings.Contains(err.Error(), "disk gone") {
		t.Fatalf("wait over a failed flush: %v", err)
	}
	fail.Store(false)
	if err := g.wait(); err != nil {
		t.Fatalf("wait over a good flush: %v", err)
	}
}

// TestPerFileFlusher runs a store and a delete with per-file fsyncs (the
// flusher of systems without syncfs).
func TestPerFileFlusher(t *testing.T) {
	d, _ := newTest(t)
	if err := d.flush.close(); err != nil {
		t.Fatal(err)
	}
	d.flush = perFile{}
	if _, err := d.Put(t.Context(), bucket, "a/b.txt", strings.NewReader("hello"), gaia.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := d.Delete(t.Context(), bucket, "a/b.txt"); err != nil {
		t.Fatal(err)
	}
}
