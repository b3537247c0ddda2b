package search

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/go-blockstack/go-blockstack/internal/locked"
	"github.com/go-blockstack/go-blockstack/internal/waitfor"
	"github.com/go-blockstack/go-blockstack/namedb"
)

// fakeProfiles gives each name the profile name in its map; a name not
// there has a profile that does not verify.
type fakeProfiles struct {
	mu    sync.Mutex
	names map[string]string
}

func (p *fakeProfiles) PersonName(_ context.Context, name string) (string, error) {
	var person string
	var ok bool
	locked.Do(&p.mu, func() { person, ok = p.names[name] })
	if !ok {
		return "", errors.New("the profile does not verify")
	}
	return person, nil
}

func (p *fakeProfiles) set(name, person string) {
	locked.Do(&p.mu, func() { p.names[name] = person })
}

// TestRunProfiles: the crawl indexes the names in names' profiles, under
// the names' own state (a revoked name's profile is not listed); a changed
// profile name replaces the old one at the next pass; the profile names
// stay in a new index built after a reorganisation.
func TestRunProfiles(t *testing.T) {
	db, err := namedb.Open(filepath.Join(t.TempDir(), "names.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	c := &chain{t: t, db: db}
	c.block(false, "alice.id", "bob.id", "eve.id")
	c.block(true, "eve.id")
	f := NewFollower(db, nil, nil)
	if err := f.Step(context.Background()); err != nil {
		t.Fatal(err)
	}
	src := &fakeProfiles{names: map[string]string{"alice.id": "Alice Liddell", "eve.id": "Eve Liddell"}}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); f.RunProfiles(ctx, src, time.Millisecond) }()
	defer func() { cancel(); <-done }()
	liveOnly := func(_ int64, revoked bool) bool { return !revoked }
	found := func(q string) []string {
		hits, _, err := f.Search(context.Background(), q, 0, 20, liveOnly)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, h := range hits {
			out = append(out, h.Name+":"+h.Kind.String())
		}
		return out
	}
	waitfor.True(t, 10*time.Second, "alice.id's profile name indexed", func() bool {
		return slices.Equal(found("liddell"), []string{"alice.id:profile"})
	})
	src.set("alice.id", "Alice Pleasance")
	waitfor.True(t, 10*time.Second, "the changed profile name indexed", func() bool {
		return slices.Equal(found("pleasance"), []string{"alice.id:profile"}) && len(found("liddell")) == 0
	})
	if err := db.Rewind(context.Background(), 1); err != nil {
		t.Fatal(err)
	}
	c.height, c.fork = 1, "f"
	c.block(false, "carol.id")
	if err := f.Step(context.Background()); err != nil { // a new index
		t.Fatal(err)
	}
	if got := found("pleasance"); !slices.Equal(got, []string{"alice.id:profile"}) {
		t.Errorf("after the rebuild: %v", got)
	}
}
