package main

import (
	"context"
	"log/slog"
	"path/filepath"

	"github.com/go-blockstack/go-blockstack/namedb"
	"github.com/go-blockstack/go-blockstack/subdomains"
	"github.com/go-blockstack/go-blockstack/web"
	"github.com/go-blockstack/go-blockstack/zonefile"
	"github.com/go-blockstack/go-blockstack/zonefile/store"
)

// subdomainService is a node's subdomain index (dataDir/subdomains.db),
// fed the zone files of its store in the order of its name database's
// inventory as they arrive, until close.
type subdomainService struct {
	ix   *subdomains.Indexer
	f    *subdomains.Follower
	stop context.CancelFunc
	done chan struct{}
}

func startSubdomains(ctx context.Context, dataDir string, db *namedb.DB, zfs *store.Store, log *slog.Logger) (*subdomainService, error) {
	ix, err := subdomains.Open(filepath.Join(nodeDataDir(dataDir), "subdomains.db"))
	if err != nil {
		return nil, err
	}
	runCtx, stop := context.WithCancel(ctx)
	s := &subdomainService{ix: ix, f: subdomains.NewFollower(ix, db, zfs, log), stop: stop, done: make(chan struct{})}
	go func() {
		defer close(s.done)
		s.f.Run(runCtx)
	}()
	return s, nil
}

func (s *subdomainService) close() {
	s.stop()
	<-s.done
	s.ix.Close()
}

// index is what the API and the explorer answer subdomains from (nil
// without a service, not a nil *Indexer in an interface).
func (s *subdomainService) index() web.Subdomains {
	if s == nil {
		return nil
	}
	return s.ix
}

// arrived hears of each zone file a client publishes, with also (Atlas's
// hook) if not nil.
func (s *subdomainService) arrived(also func(zonefile.Hash)) func(zonefile.Hash) {
	if s == nil {
		return also
	}
	return func(h zonefile.Hash) {
		if also != nil {
			also(h)
		}
		s.f.Arrived(h)
	}
}
