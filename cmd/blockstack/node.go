package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/go-blockstack/go-blockstack/api"
	"github.com/go-blockstack/go-blockstack/bns"
	"github.com/go-blockstack/go-blockstack/chain"
	"github.com/go-blockstack/go-blockstack/internal/gctune"
	"github.com/go-blockstack/go-blockstack/namedb"
	"github.com/go-blockstack/go-blockstack/rules"
	"github.com/go-blockstack/go-blockstack/virtualchain"
	"github.com/go-blockstack/go-blockstack/web"
	"github.com/go-blockstack/go-blockstack/webapp"
	"github.com/go-blockstack/go-blockstack/zonefile/store"
)

// firstBlocks are where BNS starts on each network: Blockstack v1's first
// mainnet block, and the block after genesis on local chains.
var firstBlocks = map[string]int64{"mainnet": 373601, "testnet": 1, "regtest": 1, "devnet": 1}

func newNodeCmd() *cobra.Command {
	var dataDir string
	var first int64
	var apiAddr string
	var atlasF atlasFlags
	var signInHub string
	var dnsAddr string
	var dnsF dnsFlags
	var staleBlocks int64
	cmd := &cobra.Command{
		Use:   "node",
		Short: "Follow a Bitcoin node and index BNS into the name database",
		Long: `node follows the Bitcoin node the global flags name (a devnet by default;
btcd or bitcoind with txindex), applies every block's name operations to
the name database in --data-dir (names.db), rewinds on reorganisations and
resumes where it stopped after a restart.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			b, err := openBackend(cmd)
			if err != nil {
				return err
			}
			defer b.Close()
			log := slog.New(slog.NewTextHandler(cmd.ErrOrStderr(), nil))
			if first < 0 {
				first = firstBlocks[backendOpts.network]
			}
			ix, db, err := openIndexer(cmd.Context(), b, dataDir, first, log)
			if err != nil {
				return err
			}
			defer db.Close()
			zfs, err := openZonefiles(dataDir, db, log)
			if err != nil {
				return err
			}
			defer zfs.Close()
			at, err := startAtlas(cmd.Context(), atlasF, db, zfs, log)
			if err != nil {
				return err
			}
			defer at.stop()
			sub, err := startSubdomains(cmd.Context(), dataDir, db, zfs, log)
			if err != nil {
				return err
			}
			defer sub.close()
			dnsSrv, err := startNodeDNS(cmd.Context(), dnsAddr, dnsF, db, zfs, sub, log)
			if err != nil {
				return err
			}
			defer dnsSrv.close()
			h, err := newHTTP(db, zfs, first, at, sub, b, staleBlocks, log)
			if err != nil {
				return err
			}
			apiHandler, _, err := withSignIn(h, signInHub, backendOpts.network)
			if err != nil {
				return err
			}
			apiSrv, err := listen("API", apiAddr, apiHandler, log)
			if err != nil {
				return err
			}
			defer apiSrv.stop()
			fmt.Fprintf(cmd.OutOrStdout(), "node indexing %s from block %d into %s\nAPI at http://%s/v1/\nexplorer at http://%s/\nAtlas at %s\n",
				backendOpts, first, db.Path(), apiSrv.addr, apiSrv.addr, at)
			if signInHub != "" {
				fmt.Fprintf(cmd.OutOrStdout(), "sign-in page at %s/auth/ (Gaia hub %s)\n", localURL(apiSrv.addr), signInHub)
			}
			if dnsSrv != nil {
				fmt.Fprintf(cmd.OutOrStdout(), "DNS at %s (UDP and TCP; try: %s)\n", dnsSrv.addr, dnsSrv.digHint(dnsF.suffix))
			}
			runIndexer(cmd.Context(), ix, log)
			return nil
		},
	}
	cmd.PersistentFlags().StringVar(&dataDir, "data-dir", "", "state folder (default $HOME/.blockstack/<network>/node)")
	cmd.Flags().Int64Var(&first, "first-block", -1, "first block to index (default: the network's BNS start)")
	cmd.Flags().StringVar(&apiAddr, "api-addr", "127.0.0.1:6270", "listen address of the REST API")
	cmd.Flags().StringVar(&signInHub, "sign-in-hub", "", "serve the sign-in page at /auth/ beside the API, giving apps this Gaia hub `URL` (default: no sign-in page)")
	cmd.Flags().StringVar(&dnsAddr, "dns-addr", "", "serve the names over DNS at this `address` (UDP and TCP; default: no DNS server)")
	cmd.Flags().Int64Var(&staleBlocks, "stale-blocks", api.DefaultStaleAfter, "call the node stale in /v1/info (and commands that read from it warn) when it lags the chain's tip by more than this many `blocks`")
	addDNSFlags(cmd.Flags(), &dnsF)
	addAtlasFlags(cmd.Flags(), &atlasF, defaultAtlasAddr)
	cmd.AddCommand(newNodeStatusCmd(&dataDir))
	return cmd
}

func nodeDataDir(flag string) string {
	if flag != "" {
		return flag
	}
	return filepath.Join(defaultDataDir(backendOpts.network), "node")
}

// defaultAPIAddr is the devnet's API; a node's default is Blockstack Core's
// port, 6270.
const defaultAPIAddr = "127.0.0.1:16270"

// newHTTP is the node's HTTP handler: the REST API under /v1 and the
// explorer's pages everywhere else, over db, the zone file store and the
// subdomain index, with
// the rules of the global --network. at (if running) hears of each zone
// file a client publishes and shows its status; tip (if not nil) is the
// chain the node follows, which the node calls itself stale when it lags
// by more than staleAfter blocks (0: api.DefaultStaleAfter). The split is by path prefix rather than a
// ServeMux, which would answer unclean /v1 paths with redirects where the
// API answers with its own JSON error.
func newHTTP(db *namedb.DB, zfs *store.Store, first int64, at *atlasService, sub *subdomainService, tip api.Chain, staleAfter int64, log *slog.Logger) (http.Handler, error) {
	net, err := bns.NetworkByName(backendOpts.network)
	if err != nil {
		return nil, err
	}
	zf := api.StoreZonefiles{Store: zfs, Added: sub.arrived(at.added())}
	v1 := api.New(api.Config{DB: db, Zonefiles: zf, Subdomains: sub.index(), Network: net, Rules: networkRules(), FirstBlock: first,
		Chain: tip, StaleAfter: staleAfter, Log: log})
	// On a local chain the profiles are on this machine (a devnet's Gaia
	// hub); elsewhere the explorer fetches only from public addresses.
	local := backendOpts.network == "devnet" || backendOpts.network == "regtest"
	pages, err := web.New(web.Config{DB: db, Zonefiles: zf, Subdomains: sub.index(), Network: net, Rules: networkRules(), Chain: tip,
		Clock: v1.Clock(), Atlas: at.status(), ProfileClient: web.ProfileClient(local), Log: log})
	if err != nil {
		return nil, err
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if p := r.URL.Path; p == "/v1" || strings.HasPrefix(p, "/v1/") {
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
func withSignIn(apiHandler http.Handler, hubURL, network string) (http.Handler, byte, error) {
	params, err := chain.NetworkParams(network)
	if err != nil {
		return nil, 0, err
	}
	if hubURL == "" {
		return apiHandler, params.PubKeyHashAddrID, nil
	}
	signIn := http.StripPrefix("/auth", webapp.SignIn(webapp.SignInConfig{HubURL: hubURL, AddressVersion: params.PubKeyHashAddrID}))
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

// openZonefiles opens the node's zone file store (dataDir/zonefiles), which
// keeps only zone files whose hashes db's chain names.
func openZonefiles(dataDir string, db *namedb.DB, log *slog.Logger) (*store.Store, error) {
	return store.Open(filepath.Join(nodeDataDir(dataDir), "zonefiles"), api.ChainNamed(db), log)
}

// networkRules are the BNS rules of the global --network.
func networkRules() rules.Rules {
	if backendOpts.network == "devnet" || backendOpts.network == "regtest" {
		return rules.DevnetRules
	}
	return rules.MainnetRules
}

// openIndexer opens the name database in dataDir and an indexer over it
// that logs its progress.
func openIndexer(ctx context.Context, b chain.Backend, dataDir string, first int64, log *slog.Logger) (*virtualchain.Indexer, *namedb.DB, error) {
	dir := nodeDataDir(dataDir)
	if err := mkdirFor(filepath.Join(dir, "names.db")); err != nil {
		return nil, nil, err
	}
	net, err := bns.NetworkByName(backendOpts.network)
	if err != nil {
		return nil, nil, err
	}
	rules := networkRules()
	gctune.Tune()
	db, err := namedb.Open(filepath.Join(dir, "names.db"))
	if err != nil {
		return nil, nil, err
	}
	var last time.Time
	ix, err := virtualchain.New(ctx, db, b, virtualchain.Config{
		Network: net, Rules: rules, FirstBlock: first,
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

func newNodeStatusCmd(dataDir *string) *cobra.Command {
	return &cobra.Command{
		Use:   "status",
		Short: "Print the name database's last block and consensus hash (works while the node runs)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			path := filepath.Join(nodeDataDir(*dataDir), "names.db")
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
