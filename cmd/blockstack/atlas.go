package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"

	"github.com/spf13/pflag"

	"github.com/go-blockstack/go-blockstack/atlas"
	"github.com/go-blockstack/go-blockstack/namedb"
	"github.com/go-blockstack/go-blockstack/web"
	"github.com/go-blockstack/go-blockstack/zonefile"
	"github.com/go-blockstack/go-blockstack/zonefile/store"
)

// Atlas listen addresses: Blockstack v1's port for a node, and the devnet's
// one under the devnet's other 1xxxx ports.
const (
	defaultAtlasAddr       = "127.0.0.1:6264"
	defaultDevnetAtlasAddr = "127.0.0.1:16264"
)

// atlasFlags configure the Atlas peer of `node` and `devnet`.
type atlasFlags struct {
	addr, advertise  string
	seeds, blacklist []string
}

func addAtlasFlags(fs *pflag.FlagSet, f *atlasFlags, defaultAddr string) {
	fs.StringVar(&f.addr, "atlas-addr", defaultAddr, `listen address of the Atlas peer RPC ("" runs no Atlas peer)`)
	fs.StringVar(&f.advertise, "atlas-advertise", "",
		"host:port other Atlas peers reach this one at (default: --atlas-addr, unless it listens on all interfaces)")
	fs.StringSliceVar(&f.seeds, "atlas-seeds", nil, "Atlas peers to start from, host:port,...")
	fs.StringSliceVar(&f.blacklist, "atlas-blacklist", nil, "hosts or host:port Atlas never talks to, comma-separated")
}

// atlasService is a running Atlas peer: its RPC server and its node's
// loops. A nil one (Atlas off) does nothing.
type atlasService struct {
	node    *atlas.Node
	srv     *server
	stopRun context.CancelFunc
	ran     chan struct{}
}

// startAtlas runs an Atlas peer that replicates into zfs the zone files
// db's chain names, until stop.
func startAtlas(ctx context.Context, f atlasFlags, db *namedb.DB, zfs *store.Store, log *slog.Logger) (*atlasService, error) {
	if f.addr == "" {
		return nil, nil
	}
	ln, err := net.Listen("tcp", f.addr)
	if err != nil {
		return nil, fmt.Errorf("atlas peer listener: %w", err)
	}
	advertise := f.advertise
	if ap := ln.Addr().(*net.TCPAddr).AddrPort(); advertise == "" && !ap.Addr().IsUnspecified() {
		advertise = ap.String()
	}
	if advertise == "" {
		log.Warn("Atlas listens on all interfaces and --atlas-advertise is not set: peers will not add this node")
	}
	node, err := atlas.New(atlas.Config{Network: backendOpts.network, Advertise: advertise, Seeds: f.seeds,
		Blacklist: f.blacklist, Chain: atlas.NameDB(db), Store: zfs, Log: log})
	if err != nil {
		ln.Close()
		return nil, err
	}
	runCtx, stopRun := context.WithCancel(ctx)
	a := &atlasService{node: node, srv: serveOn("Atlas", ln, node.Handler(), log), stopRun: stopRun, ran: make(chan struct{})}
	go func() {
		defer close(a.ran)
		node.Run(runCtx)
	}()
	return a, nil
}

// added is the REST API's hook for new zone files: Atlas gossips them.
func (a *atlasService) added() func(zonefile.Hash) {
	if a == nil {
		return nil
	}
	return a.node.Added
}

// status is what the explorer shows of the peer (nil when Atlas is off,
// not a nil *atlas.Node in an interface).
func (a *atlasService) status() web.Atlas {
	if a == nil {
		return nil
	}
	return a.node
}

// done is closed if the RPC server stops on its own, for the reason err.
func (a *atlasService) done() <-chan struct{} {
	if a == nil {
		return nil
	}
	return a.srv.done
}

func (a *atlasService) err() error { return a.srv.err }

func (a *atlasService) String() string {
	if a == nil {
		return "off"
	}
	return fmt.Sprintf("%s (advertised as %q)", a.srv.addr, a.node.Addr())
}

func (a *atlasService) stop() {
	if a == nil {
		return
	}
	a.srv.stop()
	a.stopRun()
	<-a.ran
}
