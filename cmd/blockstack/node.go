package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/go-blockstack/go-blockstack/api"
	"github.com/go-blockstack/go-blockstack/api/apiclient"
	"github.com/go-blockstack/go-blockstack/atlas"
	"github.com/go-blockstack/go-blockstack/chain"
	"github.com/go-blockstack/go-blockstack/internal/gctune"
	"github.com/go-blockstack/go-blockstack/internal/httpserve"
	"github.com/go-blockstack/go-blockstack/internal/runner"
	"github.com/go-blockstack/go-blockstack/namedb"
	"github.com/go-blockstack/go-blockstack/rules"
	"github.com/go-blockstack/go-blockstack/search"
	"github.com/go-blockstack/go-blockstack/subdomains"
	"github.com/go-blockstack/go-blockstack/virtualchain"
	"github.com/go-blockstack/go-blockstack/web"
	"github.com/go-blockstack/go-blockstack/webapp"
	"github.com/go-blockstack/go-blockstack/zonefile"
	"github.com/go-blockstack/go-blockstack/zonefile/store"
)

// firstBlocks are where BNS starts by default: the block after genesis on
// the local chains. Mainnet and testnet have none: see firstBlock.
var firstBlocks = map[string]int64{"regtest": 1, "devnet": 1}

// mainnetMinFirstBlock is the lowest first block a mainnet node may start
// from: the one after Blockstack v1's chain stopped taking transactions
// (Bitcoin block 665,750, 2021-01-12, when its state was exported to Stacks
// 2.0). From any earlier block this project's rules would re-judge v1's
// history and show a name state that is not v1's.
const mainnetMinFirstBlock = 665751

// firstBlock is the first block a node on network indexes: given (first ≥
// 0) or the local chains' default. On mainnet and testnet both it and the
// rule set must be given, so that no one runs such a node believing it
// replays Blockstack v1's names (docs/networks.md).
func firstBlock(network string, first int64, ruleSet string) (int64, error) {
	if def, local := firstBlocks[network]; local {
		if first < 0 {
			first = def
		}
		return first, nil
	}
	why := fmt.Sprintf("a %s node does not reproduce Blockstack v1's names: it applies this project's rules (%s) from a block you choose", network, rules.RuleSet)
	switch {
	case ruleSet != rules.RuleSet:
		return 0, fmt.Errorf("%s; start it with --rule-set %s and --first-block N to say so", why, rules.RuleSet)
	case first < 0:
		return 0, fmt.Errorf("%s; give --first-block N", why)
	case network == "mainnet" && first < mainnetMinFirstBlock:
		return 0, fmt.Errorf("%s; --first-block %d is before v1's chain stopped (block %d): give %d or later", why, first, mainnetMinFirstBlock-1, mainnetMinFirstBlock)
	}
	return first, nil
}

// Atlas listen addresses: Blockstack v1's port for a node, and the devnet's
// one under the devnet's other 1xxxx ports.
const (
	defaultAtlasAddr       = "127.0.0.1:6264"
	defaultDevnetAtlasAddr = "127.0.0.1:16264"
)

// nodeConfig is the BNS node that node and devnet run over a chain: where
// its state lives and where it serves.
type nodeConfig struct {
	dataDir string // the state folder (names.db, zonefiles, subdomains.db)
	first   int64  // the first block BNS indexes
	apiAddr string
	// signInHub, if set, serves the sign-in page beside the API, giving
	// apps this Gaia hub URL.
	signInHub string
	// webappTrust, if set, has the sign-in page prove the name records
	// it reads.
	webappTrust *webapp.Trust
	atlas       atlasFlags
	dnsAddr     string // "": no DNS server
	dns         dnsFlags
	// staleBlocks: the node calls itself stale when it lags the chain's
	// tip by more than this many blocks (0: api.DefaultStaleAfter).
	staleBlocks int64
	// verifyPeers are other nodes' API URLs whose consensus hashes the
	// explorer's name pages compare with this node's.
	verifyPeers []string
	// searchProfiles has /v1/search find names by the name in their
	// verified profiles, which the node fetches (a background crawl).
	searchProfiles bool
	// listen binds the node's TCP listeners (net.Listen if nil): a test
	// closes one under its server.
	listen func(network, addr string) (net.Listener, error)
	// metrics receives the indexer's, the API's and Atlas's metrics
	// (nil: none are kept).
	metrics prometheus.Registerer
	// tls is how the API and explorer are served (nil: plain HTTP).
	tls *serverTLS
}

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

func newNodeCmd(g *globalFlags) *cobra.Command {
	var dataDir string
	cfg := nodeConfig{first: -1}
	var ruleSet, metricsAddr string
	var lf logFlags
	var tf tlsFlags
	var wt webappTrustFlags
	cmd := &cobra.Command{
		Use:   "node",
		Short: "Follow a Bitcoin node and index BNS into the name database",
		Long: `node follows the Bitcoin node the global flags name (a devnet by default;
btcd or bitcoind with txindex), applies every block's name operations to
the name database in --data-dir (names.db), rewinds on reorganisations and
resumes where it stopped after a restart.

On devnet and regtest it applies this project's rules from block 1. On
testnet and mainnet it reads Blockstack v1's wire format but applies this
project's rules (` + rules.RuleSet + `) from a first block you choose: it is a new
deployment, not a replica of v1's names, which were made under other rules.
It starts only with --rule-set ` + rules.RuleSet + ` and --first-block N (on mainnet
N ≥ 665751, after v1's chain stopped). See docs/networks.md.

The API and explorer are served over HTTPS with --tls-cert and --tls-key,
or --acme-domain (docs/tls.md); the Atlas peer RPC stays plain HTTP.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c := cfg
			c.dataDir = nodeDataDir(*g, dataDir)
			var err error
			if c.first, err = firstBlock(g.network, c.first, ruleSet); err != nil {
				return err
			}
			if c.webappTrust, err = wt.config(c.first); err != nil {
				return err
			}
			if err = checkNodeURLs("--verify-peers", c.verifyPeers); err != nil {
				return err
			}
			log := lf.newLogger(cmd.ErrOrStderr())
			t, err := tf.open(log)
			if err != nil {
				return err
			}
			defer t.close()
			c.tls = t
			return runNode(cmd.Context(), *g, c, metricsAddr, cmd.OutOrStdout(), log)
		},
	}
	cmd.PersistentFlags().StringVar(&dataDir, "data-dir", "", "state folder (default $HOME/.blockstack/<network>/node)")
	cmd.Flags().Int64Var(&cfg.first, "first-block", -1, "first block to index (default on devnet and regtest: 1; required on testnet and mainnet)")
	cmd.Flags().StringVar(&ruleSet, "rule-set", "", "the rules the node applies; required on testnet and mainnet, where it must be "+rules.RuleSet+" (this project's, not v1's history)")
	cmd.Flags().StringVar(&cfg.apiAddr, "api-addr", defaultNodeAPIAddr, "listen address of the REST API")
	cmd.Flags().StringVar(&cfg.signInHub, "sign-in-hub", "", "serve the sign-in page at /auth/ beside the API, giving apps this Gaia hub `URL` (default: no sign-in page)")
	addWebappTrustFlags(cmd.Flags(), &wt)
	cmd.Flags().StringVar(&cfg.dnsAddr, "dns-addr", "", "serve the names over DNS at this `address` (UDP and TCP; default: no DNS server)")
	cmd.Flags().Int64Var(&cfg.staleBlocks, "stale-blocks", api.DefaultStaleAfter, "call the node stale in /v1/info (and commands that read from it warn) when it lags the chain's tip by more than this many `blocks`")
	addSearchProfilesFlag(cmd.Flags(), &cfg.searchProfiles)
	cmd.Flags().StringSliceVar(&cfg.verifyPeers, "verify-peers", nil, "other nodes' REST API `URL`s whose consensus hashes the explorer's name pages show beside this node's, as second sources")
	addDNSFlags(cmd.Flags(), &cfg.dns)
	addAtlasFlags(cmd.Flags(), &cfg.atlas, defaultAtlasAddr)
	addMetricsFlag(cmd.Flags(), &metricsAddr)
	addLogFlags(cmd.Flags(), &lf)
	addTLSFlags(cmd.Flags(), &tf, "the API and explorer")
	cmd.AddCommand(newNodeStatusCmd(g, &dataDir))
	return cmd
}

// runNode follows the chain g names and serves the node (and its metrics
// at metricsAddr, if not "") until ctx ends or one of its services fails.
func runNode(ctx context.Context, g globalFlags, cfg nodeConfig, metricsAddr string, out io.Writer, log *slog.Logger) error {
	b, err := g.openBackend(ctx)
	if err != nil {
		return err
	}
	defer b.Close()
	ms, err := listenMetrics(metricsAddr, log)
	if err != nil {
		return err
	}
	defer ms.close()
	cfg.metrics = ms.registerer()
	n, err := openBNSNode(ctx, g, cfg, b, b, log)
	if err != nil {
		return err
	}
	defer n.close()
	fmt.Fprintf(out, "node indexing %s from block %d into %s\nAPI at %s/v1/\nexplorer at %s/\nAtlas at %s\n",
		g, cfg.first, n.db.Path(), n.apiURL(), n.apiURL(), n.atlasString())
	if cfg.signInHub != "" {
		fmt.Fprintf(out, "sign-in page at %s/auth/ (Gaia hub %s)\n", n.apiURL(), cfg.signInHub)
	}
	if n.dns != nil {
		fmt.Fprintf(out, "DNS at %s (UDP and TCP; try: %s)\n", n.dns.addr(), n.dns.digHint(cfg.dns.suffix))
		n.dns.printDNSSEC(out, "  ", cfg.dns)
	}
	if ms != nil {
		fmt.Fprintf(out, "metrics at %s\n", ms.url())
	}
	var grp runner.Group
	ms.addService(&grp, log)
	n.addServices(&grp, log)
	n.tls.addServices(&grp, n.apiAddr(), log)
	return grp.Run(ctx)
}

// bnsNode is a node opened over a chain, its listeners bound, ready to
// run: the indexer, the zone file store, the Atlas peer, the subdomain
// index, the DNS server and the HTTP API with the explorer.
type bnsNode struct {
	db       *namedb.DB
	ix       *virtualchain.Indexer
	zfs      *store.Store
	profiles search.Profiles // nil: profiles are not searched
	atlas    *atlas.Node     // nil: Atlas off
	atlasLn  net.Listener
	subs     *subdomains.Indexer
	follower *subdomains.Follower
	search   *search.Follower // the /v1/search index of names and subdomains
	dns      *dnsServer       // nil: no DNS server
	api      net.Listener
	tls      *serverTLS // how api is served
	handler  http.Handler
	// addrVersion is the P2PKH version byte of the network's addresses,
	// which own its names.
	addrVersion byte
	closers     []io.Closer // closed in reverse by close
}

// openBNSNode opens the node's state in cfg.dataDir over the chain b (tip,
// if not nil, is what the API and the explorer show of it) and binds its
// listeners.
func openBNSNode(ctx context.Context, g globalFlags, cfg nodeConfig, b chain.Backend, tip api.Chain, log *slog.Logger) (_ *bnsNode, err error) {
	n := &bnsNode{tls: cfg.tls}
	if n.tls == nil {
		n.tls = &serverTLS{}
	}
	defer func() {
		if err != nil {
			n.close()
		}
	}()
	listen := cfg.listen
	if listen == nil {
		listen = net.Listen
	}
	if n.ix, n.db, err = openIndexer(ctx, g, b, cfg.dataDir, cfg.first, cfg.metrics, log); err != nil {
		return nil, err
	}
	n.closers = append(n.closers, n.db)
	if n.zfs, err = openZonefiles(cfg.dataDir, n.db, log); err != nil {
		return nil, err
	}
	n.closers = append(n.closers, n.zfs)
	if n.atlas, n.atlasLn, err = openAtlas(g, cfg.atlas, listen, n.db, n.zfs, cfg.metrics, log); err != nil {
		return nil, err
	}
	if n.atlasLn != nil {
		n.closers = append(n.closers, n.atlasLn)
	}
	if n.subs, err = subdomains.Open(filepath.Join(cfg.dataDir, "subdomains.db")); err != nil {
		return nil, err
	}
	n.closers = append(n.closers, n.subs)
	n.follower = subdomains.NewFollower(n.subs, n.db, n.zfs, log)
	n.search = search.NewFollower(n.db, n.subs, log)
	if cfg.searchProfiles {
		n.profiles = profileNames{db: n.db, zfs: n.zfs, hc: web.ProfileClient(g.localChain())}
	}
	if cfg.dnsAddr != "" {
		src := nodeSource{db: n.db, zfs: n.zfs, sub: n.subs, rules: g.rules()}
		if n.dns, err = openDNS(ctx, cfg.dnsAddr, cfg.dns, src, log); err != nil {
			return nil, err
		}
		n.closers = append(n.closers, n.dns)
	}
	h, err := newHTTP(g, n.db, n.zfs, cfg.first, n.atlas, n.subs, n.follower, n.search, tip, cfg.staleBlocks, cfg.verifyPeers, cfg.metrics, log)
	if err != nil {
		return nil, err
	}
	if n.handler, n.addrVersion, err = withSignIn(h, cfg.signInHub, g.network, cfg.webappTrust); err != nil {
		return nil, err
	}
	if n.api, err = listen("tcp", cfg.apiAddr); err != nil {
		return nil, fmt.Errorf("API: %w", err)
	}
	n.closers = append(n.closers, n.api)
	return n, nil
}

// addServices adds the node's services to grp, each after what it
// depends on: the indexer first, the API last.
func (n *bnsNode) addServices(grp *runner.Group, log *slog.Logger) {
	grp.Add("indexer", func(ctx context.Context) error {
		runIndexer(ctx, n.ix, log)
		return nil
	})
	if n.atlas != nil {
		grp.Add("Atlas", n.atlas.Run)
		grp.Add("Atlas RPC", func(ctx context.Context) error {
			return httpserve.Serve(ctx, n.atlasLn, n.atlas.Handler(), log)
		})
	}
	grp.Add("subdomain indexer", func(ctx context.Context) error {
		n.follower.Run(ctx)
		return nil
	})
	grp.Add("search index", func(ctx context.Context) error {
		n.search.Run(ctx)
		return nil
	})
	if n.profiles != nil {
		grp.Add("profile search", func(ctx context.Context) error {
			n.search.RunProfiles(ctx, n.profiles, profilePassPause)
			return nil
		})
	}
	if n.dns != nil {
		grp.Add("DNS", n.dns.run)
	}
	grp.Add("API", func(ctx context.Context) error {
		return n.tls.serve(ctx, n.api, n.handler, log)
	})
}

// close releases what openBNSNode opened, once its services have stopped.
func (n *bnsNode) close() {
	for i := len(n.closers) - 1; i >= 0; i-- {
		n.closers[i].Close()
	}
}

func (n *bnsNode) apiAddr() net.Addr { return n.api.Addr() }

// apiURL is the API's URL for clients on this machine.
func (n *bnsNode) apiURL() string { return n.tls.url(n.api.Addr()) }

// atlasString says where the Atlas peer listens, or that it is off.
func (n *bnsNode) atlasString() string {
	if n.atlas == nil {
		return "off"
	}
	return fmt.Sprintf("%s (advertised as %q)", n.atlasLn.Addr(), n.atlas.Addr())
}

// openAtlas makes an Atlas peer that replicates into zfs the zone files
// db's chain names, and binds its RPC listener; nil for both when
// f.addr is "" (Atlas off). Its metrics go to reg (nil: none).
func openAtlas(g globalFlags, f atlasFlags, listen func(string, string) (net.Listener, error), db *namedb.DB, zfs *store.Store,
	reg prometheus.Registerer, log *slog.Logger) (*atlas.Node, net.Listener, error) {
	if f.addr == "" {
		return nil, nil, nil
	}
	ln, err := listen("tcp", f.addr)
	if err != nil {
		return nil, nil, fmt.Errorf("atlas peer listener: %w", err)
	}
	advertise := f.advertise
	if ap := ln.Addr().(*net.TCPAddr).AddrPort(); advertise == "" && !ap.Addr().IsUnspecified() {
		advertise = ap.String()
	}
	if advertise == "" {
		log.Warn("Atlas listens on all interfaces and --atlas-advertise is not set: peers will not add this node")
	}
	node, err := atlas.New(atlas.Config{Network: g.network, Advertise: advertise, Seeds: f.seeds,
		Blacklist: f.blacklist, Chain: atlas.NameDB(db), Store: zfs, Log: log, Metrics: reg})
	if err != nil {
		ln.Close()
		return nil, nil, err
	}
	return node, ln, nil
}

func nodeDataDir(g globalFlags, flag string) string {
	if flag != "" {
		return flag
	}
	return filepath.Join(g.dataDir(), "node")
}

// newHTTP is the node's HTTP handler: the REST API under /v1 and the
// explorer's pages everywhere else, over db, the zone file store and the
// subdomain index (subs and follower, nil without one), the search index
// (finder, nil without one), with the rules of
// the --network. at (if not nil) hears of each zone file a client
// publishes and its status is shown; tip (if not nil) is the chain the
// node follows, which the node calls itself stale when it lags by more
// than staleAfter blocks (0: api.DefaultStaleAfter); the explorer compares
// its consensus hashes with those of the nodes at peers' URLs. The API's
// metrics go to reg (nil: none). The split is by path prefix rather than a ServeMux, which
// would answer unclean /v1 paths with redirects where the API answers with
// its own JSON error.
func newHTTP(g globalFlags, db *namedb.DB, zfs *store.Store, first int64, at *atlas.Node, subs *subdomains.Indexer,
	follower *subdomains.Follower, finder api.Searcher, tip api.Chain, staleAfter int64, peers []string, reg prometheus.Registerer, log *slog.Logger) (http.Handler, error) {
	net, err := g.bnsNetwork()
	if err != nil {
		return nil, err
	}
	// Interfaces get nil, not a nil pointer, for what is off.
	var added []func(zonefile.Hash)
	var status web.Atlas
	var subIndex web.Subdomains
	if at != nil {
		added, status = append(added, at.Added), at
	}
	if subs != nil {
		subIndex = subs
	}
	if follower != nil {
		added = append(added, follower.Arrived)
	}
	zf := api.StoreZonefiles{Store: zfs}
	if len(added) > 0 {
		zf.Added = func(h zonefile.Hash) {
			for _, f := range added {
				f(h)
			}
		}
	}
	v1 := api.New(api.Config{DB: db, Zonefiles: zf, Subdomains: subIndex, Search: finder, Network: net, Rules: g.rules(), FirstBlock: first,
		Chain: tip, StaleAfter: staleAfter, Log: log, Metrics: reg})
	// On a local chain the profiles are on this machine (a devnet's Gaia
	// hub); elsewhere the explorer fetches only from public addresses.
	var verify []web.Peer
	for _, u := range peers {
		c, cerr := apiclient.New(u, nil)
		if cerr != nil {
			return nil, fmt.Errorf("--verify-peers %s: %w", u, cerr)
		}
		verify = append(verify, c)
	}
	pages, err := web.New(web.Config{DB: db, Zonefiles: zf, Subdomains: subIndex, Network: net, Rules: g.rules(), Chain: tip,
		Clock: v1.Clock(), Atlas: status, ProfileClient: web.ProfileClient(g.localChain()), Peers: verify, Log: log})
	if err != nil {
		return nil, err
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if p := r.URL.Path; p == "/v1" || strings.HasPrefix(p, "/v1/") || strings.HasPrefix(p, "/stacks/v1/") {
			v1.ServeHTTP(w, r)
			return
		}
		pages.ServeHTTP(w, r)
	}), nil
}

// withSignIn serves the sign-in page at /auth/ beside the API, for users
// whose Gaia hub is hubURL (empty: the API alone). The page shares the
// API's origin: it reads names same-origin, and apps know it by the node
// they trust. Every other path is the API's, which answers unclean paths
// itself (a ServeMux would redirect them). It also returns the P2PKH
// version byte of network's addresses, which own its names.
func withSignIn(apiHandler http.Handler, hubURL, network string, trust *webapp.Trust) (http.Handler, byte, error) {
	params, err := chain.NetworkParams(network)
	if err != nil {
		return nil, 0, err
	}
	if hubURL == "" {
		return apiHandler, params.PubKeyHashAddrID, nil
	}
	signIn := http.StripPrefix("/auth", webapp.SignIn(webapp.SignInConfig{HubURL: hubURL, AddressVersion: params.PubKeyHashAddrID, Trust: trust}))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == "/auth":
			u := *r.URL
			u.Path = "/auth/"
			http.Redirect(w, r, u.RequestURI(), http.StatusMovedPermanently)
		case strings.HasPrefix(r.URL.Path, "/auth/"):
			signIn.ServeHTTP(w, r)
		default:
			apiHandler.ServeHTTP(w, r)
		}
	}), params.PubKeyHashAddrID, nil
}

// localURL is the http URL of a listener for clients on this machine.
func localURL(addr net.Addr) string { return "http://" + loopbackHost(addr) }

// loopbackHost is the host:port of a listener for clients on this
// machine: loopback when it listens on every interface.
func loopbackHost(addr net.Addr) string {
	if tcp, ok := addr.(*net.TCPAddr); ok && tcp.IP.IsUnspecified() {
		return net.JoinHostPort("127.0.0.1", strconv.Itoa(tcp.Port))
	}
	return addr.String()
}

// openZonefiles opens the node's zone file store (dataDir/zonefiles), which
// keeps only zone files whose hashes db's chain names.
func openZonefiles(dataDir string, db *namedb.DB, log *slog.Logger) (*store.Store, error) {
	return store.Open(filepath.Join(dataDir, "zonefiles"), api.ChainNamed(db), log)
}

// openIndexer opens the name database in dataDir and an indexer over it
// that logs its progress and keeps its metrics in reg (nil: none).
func openIndexer(ctx context.Context, g globalFlags, b chain.Backend, dataDir string, first int64, reg prometheus.Registerer,
	log *slog.Logger) (*virtualchain.Indexer, *namedb.DB, error) {
	if err := mkdirFor(filepath.Join(dataDir, "names.db")); err != nil {
		return nil, nil, err
	}
	net, err := g.bnsNetwork()
	if err != nil {
		return nil, nil, err
	}
	gctune.Tune()
	db, err := namedb.Open(filepath.Join(dataDir, "names.db"))
	if err != nil {
		return nil, nil, err
	}
	var last time.Time
	ix, err := virtualchain.New(ctx, db, b, virtualchain.Config{
		Network: net, Rules: g.rules(), FirstBlock: first, Metrics: reg,
		OnBlock: func(blk namedb.Block) {
			if blk.Accepted+blk.Rejected == 0 && time.Since(last) < 5*time.Second {
				return
			}
			last = time.Now()
			log.Info("indexed block", "height", blk.Height, "consensus", blk.ConsensusHash,
				"accepted", blk.Accepted, "rejected", blk.Rejected)
		},
	})
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	return ix, db, nil
}

// runIndexer follows the chain until ctx ends, retrying after failures (a
// node that went away, a block that could not be read).
func runIndexer(ctx context.Context, ix *virtualchain.Indexer, log *slog.Logger) {
	for ctx.Err() == nil {
		err := ix.Run(ctx)
		if ctx.Err() != nil {
			return
		}
		log.Error("indexer stopped; retrying", "err", err)
		select {
		case <-ctx.Done():
		case <-time.After(2 * time.Second):
		}
	}
}

func newNodeStatusCmd(g *globalFlags, dataDir *string) *cobra.Command {
	return &cobra.Command{
		Use:   "status",
		Short: "Print the name database's last block and consensus hash (works while the node runs)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			path := filepath.Join(nodeDataDir(*g, *dataDir), "names.db")
			// Opening would create it: say instead that there is none.
			if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
				return fmt.Errorf("no node database at %s: run blockstack node (or devnet) first, or give its --data-dir", path)
			}
			db, err := namedb.Open(path)
			if err != nil {
				return err
			}
			defer db.Close()
			b, ok, err := db.LastBlock(cmd.Context())
			if err != nil {
				return err
			}
			if !ok {
				fmt.Fprintln(cmd.OutOrStdout(), "nothing indexed yet")
				return nil
			}
			n, err := db.NameCount(cmd.Context())
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "height %d\nblock %s\nconsensus %s\nnames %d\n", b.Height, b.Hash, b.ConsensusHash, n)
			return nil
		},
	}
}

// mkdirFor creates the folder that will hold path.
func mkdirFor(path string) error {
	return os.MkdirAll(filepath.Dir(path), 0o700)
}
