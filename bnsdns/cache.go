package bnsdns

import (
	"sync"
	"time"
)

// cache holds what the server looked up (namespaces, names, subdomains)
// until the Source's tip changes. A lookup that began before a change
// must not store what it read: gen tells.
type cache struct {
	mu      sync.RWMutex
	tip     Tip
	gen     uint64
	entries map[string]*entry
	// sigs holds signatures by the RRset they sign (its text), so that
	// each is made once per tip.
	sigs map[string]sigEntry
	max  int
}

// entry is one looked-up namespace, name or subdomain.
type entry struct {
	exists bool
	zone   *zone // a name's or subdomain's, when it exists
	// until, if not zero, is when to read it again before the tip changes:
	// a live name whose zone file the Source does not hold yet.
	until time.Time
}

func newCache(max int) *cache {
	return &cache{entries: map[string]*entry{}, sigs: map[string]sigEntry{}, max: max}
}

// get returns key's entry (nil when absent or due again) and the
// generation a put of a fresh read must name.
func (c *cache) get(key string, now time.Time) (*entry, uint64) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	e := c.entries[key]
	if e != nil && !e.until.IsZero() && now.After(e.until) {
		e = nil
	}
	return e, c.gen
}

// put stores e unless the tip changed since gen; when full it drops an
// arbitrary entry (Go's map order), which keeps a flood of names that do
// not exist from growing memory without tracking recency on every read.
func (c *cache) put(key string, e *entry, gen uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return
	}
	if _, ok := c.entries[key]; !ok && len(c.entries) >= c.max {
		for k := range c.entries {
			delete(c.entries, k)
			break
		}
	}
	c.entries[key] = e
}

// setTip drops every entry if t differs from the tip the cache holds.
func (c *cache) setTip(t Tip) (changed bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if t == c.tip {
		return false
	}
	c.tip, c.gen, c.entries, c.sigs = t, c.gen+1, map[string]*entry{}, map[string]sigEntry{}
	return true
}

func (c *cache) sig(rrset string) (sigEntry, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	e, ok := c.sigs[rrset]
	return e, ok
}

// putSig stores a signature; when full it drops an arbitrary one, as put
// does (NXDOMAIN proofs for random names are signatures never asked again).
func (c *cache) putSig(rrset string, e sigEntry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.sigs[rrset]; !ok && len(c.sigs) >= c.max {
		for k := range c.sigs {
			delete(c.sigs, k)
			break
		}
	}
	c.sigs[rrset] = e
}

func (c *cache) currentTip() Tip {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.tip
}

func (c *cache) len() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.entries)
}
