package disk

import (
	"fmt"
	"os"
	"sync"

	"github.com/go-blockstack/go-blockstack/internal/locked"
)

// Durability. A store is answered only once its object is on disk: the
// temporary file's bytes before the rename (so that a crash never leaves a
// renamed file without its content), and the rename itself before the
// answer. Where the system can flush a whole file system at once (Linux's
// syncfs), concurrent stores share those flushes (group commit): one
// flush covers every write finished before it started, so 64 concurrent
// stores cost about two flushes, not 128 fsyncs. Elsewhere each file and
// directory is fsynced on its own.

// flusher makes finished writes durable.
type flusher interface {
	// file makes f's written bytes durable.
	file(f *os.File) error
	// dirs makes the entries of the directories (relative to the root)
	// durable.
	dirs(d *Driver, dirs ...string) error
	close() error
}

// perFile fsyncs each file and directory.
type perFile struct{}

func (perFile) file(f *os.File) error { return f.Sync() }

func (perFile) dirs(d *Driver, dirs ...string) error {
	seen := map[string]bool{}
	for _, dir := range dirs {
		if seen[dir] {
			continue
		}
		seen[dir] = true
		if err := d.syncDir(dir); err != nil {
			return err
		}
	}
	return nil
}

func (perFile) close() error { return nil }

// group is a group commit over flushAll, a flush of the whole file system.
type group struct {
	flushAll func() error
	release  func() error

	mu      sync.Mutex
	cond    *sync.Cond
	next    uint64 // the number the next flush to start will take
	done    uint64 // flushes finished: every number below it
	running bool
	failed  map[uint64]error
}

func newGroup(flushAll, release func() error) *group {
	g := &group{flushAll: flushAll, release: release, failed: map[uint64]error{}}
	g.cond = sync.NewCond(&g.mu)
	return g
}

// wait returns once a flush that started after the call has finished. The
// caller that finds no flush running runs one for everyone waiting.
func (g *group) wait() error {
	g.mu.Lock()
	defer g.mu.Unlock()
	mine := g.next
	for g.done <= mine {
		if g.running {
			g.cond.Wait()
			continue
		}
		g.running = true
		n := g.next
		g.next++
		var err error
		locked.Without(&g.mu, func() { err = g.flushAll() }) // a flush is slow I/O
		g.running = false
		g.done = n + 1
		if err != nil {
			g.failed[n] = err
		}
		for k := range g.failed {
			if k+1024 < n {
				delete(g.failed, k) // no waiter is that far behind
			}
		}
		g.cond.Broadcast()
	}
	if err := g.failed[mine]; err != nil {
		return fmt.Errorf("flush: %w", err)
	}
	return nil
}

func (g *group) file(*os.File) error           { return g.wait() }
func (g *group) dirs(*Driver, ...string) error { return g.wait() }
func (g *group) close() error                  { return g.release() }
