package search

import (
	"context"
	"time"
)

// Profiles reads the name a BNS name's profile gives (schema.org Person's
// "name"), once the profile is verified against the name's owner: "" if it
// gives none. The node's implementation fetches the profile from where the
// name's zone file points.
type Profiles interface {
	PersonName(ctx context.Context, name string) (string, error)
}

// profileBatch is how many names a pass reads from the index at a time.
const profileBatch = 256

// RunProfiles indexes the names in names' verified profiles, read from
// src one name after another, until ctx ends: a pass over every on-chain
// name the index holds, then another after a pause of every. A pass takes
// as long as its profiles take to fetch: a background crawl, which a
// profile's owner sees at the next pass, not a refresh. A name whose
// profile cannot be read or verified has none indexed.
func (f *Follower) RunProfiles(ctx context.Context, src Profiles, every time.Duration) {
	t := time.NewTimer(0)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if ix := f.ix.Load(); ix != nil {
			for from := int32(0); ; {
				names, next := ix.onChainNames(from, profileBatch)
				if len(names) == 0 {
					break
				}
				for _, n := range names {
					person, err := src.PersonName(ctx, n)
					if ctx.Err() != nil {
						return
					}
					if err != nil {
						f.log.Debug("search: a profile not indexed", "name", n, "err", err)
						person = ""
					}
					f.SetProfile(n, person)
				}
				from = next
			}
		}
		t.Reset(every)
	}
}
