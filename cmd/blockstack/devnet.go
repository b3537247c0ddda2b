package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/spf13/cobra"

	"github.com/go-blockstack/go-blockstack/bns"
	"github.com/go-blockstack/go-blockstack/chain"
	"github.com/go-blockstack/go-blockstack/chain/devchain"
	"github.com/go-blockstack/go-blockstack/internal/httpserve"
	"github.com/go-blockstack/go-blockstack/internal/runner"
	"github.com/go-blockstack/go-blockstack/nameop"
	"github.com/go-blockstack/go-blockstack/wallet"
	"github.com/go-blockstack/go-blockstack/webapp"
)

type devnetFlags struct {
	dataDir       string
	blockInterval time.Duration
	rpcAddr       string
	apiAddr       string
	hubAddr       string
	appAddr       string
	atlas         atlasFlags
	// registrarDomain, if set, runs a subdomain registrar for it at
	// registrarAddr once the wallet owns it.
	registrarDomain string
	registrarAddr   string
	// hubConfig is the hub's JSON configuration file (as blockstack hub
	// --config takes), "" for the defaults.
	hubConfig string
	// dnsAddr, if set, is where the in-process DNS server listens.
	dnsAddr string
	dns     dnsFlags
	// metricsAddr, if set, serves the metrics of every server the devnet
	// runs, from one registry.
	metricsAddr string
	log         logFlags
	tls         tlsFlags
	// webappTrust: where the sign-in page and the notes app get the
	// consensus hash they prove name records against.
	webappTrust webappTrustFlags
	// searchProfiles: as node's --search-profiles.
	searchProfiles bool
}

func newDevnetCmd(g *globalFlags) *cobra.Command {
	var f devnetFlags
	cmd := &cobra.Command{
		Use:   "devnet",
		Short: "Run a whole development network in one process, on embedded defaults",
		Long: `devnet starts the embedded Bitcoin chain (regtest rules, real signatures, a
funded faucet), mines a block every --block-interval, serves its JSON-RPC
(btcd's dialect) at --rpc-addr for other blockstack processes, and runs the
BNS node on it in-process (name database in --data-dir/node) with its REST
API and the sign-in page (/auth/), a Gaia hub on the disk driver
(--data-dir/gaia), and the sample notes app on its own origin (--app-addr).
With --registrar-domain NAME it also runs a subdomain registrar for NAME
(at --registrar-addr) as soon as the wallet (--wallet) owns NAME.
With --dns-addr ADDR it answers DNS queries for the names at ADDR, as
blockstack dns does (off by default: 5353 may be taken, and devnets run
side by side).
With --tls-cert and --tls-key (or --acme-domain) the API, explorer,
sign-in page, hub, notes app and registrar are served over HTTPS with that
certificate, which must name the hosts clients use (127.0.0.1, say); the
chain's RPC stays plain HTTP. Give the CA that signed it to --ca-file if
the registrar runs (it reads the API). See docs/tls.md.
State lives in --data-dir; a second run resumes it. Ctrl-C stops it.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if g.rpcCookie != "" {
				return errors.New("--rpc-cookie names bitcoind's cookie; the devnet serves its own JSON-RPC, with --rpc-user and --rpc-pass (or --rpc-pass-file)")
			}
			if f.dataDir == "" {
				f.dataDir = defaultDataDir("devnet")
			}
			// A run that fails before it serves leaves no half-made state
			// folder behind, unless the folder was there before it.
			_, statErr := os.Stat(f.dataDir)
			fresh := errors.Is(statErr, fs.ErrNotExist)
			var serving bool
			err := runDevnet(cmd.Context(), cmd, *g, f, &serving)
			if err != nil && fresh && !serving {
				if rmErr := os.RemoveAll(f.dataDir); rmErr != nil {
					return errors.Join(err, fmt.Errorf("removing the half-made %s: %w", f.dataDir, rmErr))
				}
			}
			return err
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.dataDir, "data-dir", "", "state folder (default $HOME/.blockstack/devnet)")
	fl.DurationVar(&f.blockInterval, "block-interval", 5*time.Second, "time between mined blocks (0: mine only on demand)")
	fl.StringVar(&f.rpcAddr, "rpc-addr", defaultDevnetRPCAddr, "listen address of the chain's JSON-RPC")
	fl.StringVar(&f.apiAddr, "api-addr", defaultAPIAddr, "listen address of the REST API")
	fl.StringVar(&f.hubAddr, "hub-addr", defaultDevnetHubAddr, "listen address of the Gaia hub")
	fl.StringVar(&f.appAddr, "app-addr", defaultDevnetAppAddr, "listen address of the sample notes app (its own origin: an app's origin names its keys)")
	addAtlasFlags(fl, &f.atlas, defaultDevnetAtlasAddr)
	fl.StringVar(&f.registrarDomain, "registrar-domain", "", "run a subdomain registrar for this name once the wallet owns it")
	fl.StringVar(&f.registrarAddr, "registrar-addr", defaultRegistrarAddr, "listen address of that registrar")
	fl.StringVar(&f.dnsAddr, "dns-addr", "", "serve the names over DNS at this `address` (UDP and TCP; default: no DNS server)")
	addDNSFlags(fl, &f.dns)
	addMetricsFlag(fl, &f.metricsAddr)
	addLogFlags(fl, &f.log)
	addTLSFlags(fl, &f.tls, "the API, explorer, hub, notes app and registrar")
	addWebappTrustFlags(fl, &f.webappTrust)
	addSearchProfilesFlag(fl, &f.searchProfiles)
	fl.StringVar(&f.hubConfig, "hub-config", "", "the Gaia hub's JSON configuration `file`, as blockstack hub --config takes it (upload limit, page size, ...; default: the disk driver in --data-dir/gaia)")
	return cmd
}

// runDevnet runs the devnet until ctx ends or one of its services fails;
// it sets *serving once every service is about to run.
func runDevnet(ctx context.Context, cmd *cobra.Command, g globalFlags, f devnetFlags, serving *bool) error {
	hubCfg, err := loadHubConfig(f.hubConfig, os.Getenv)
	if err != nil {
		return err
	}
	if hubCfg.Driver == "disk" && hubCfg.DiskSettings.StorageRootDirectory == "" {
		hubCfg.DiskSettings.StorageRootDirectory = filepath.Join(f.dataDir, "gaia")
	}
	trust, err := f.webappTrust.config(firstBlocks["devnet"])
	if err != nil {
		return err
	}
	log := f.log.newLogger(cmd.ErrOrStderr())
	t, err := f.tls.open(log)
	if err != nil {
		return err
	}
	defer t.close()
	c, err := devchain.Open(devchain.Config{DataDir: filepath.Join(f.dataDir, "chain"), Log: log})
	if err != nil {
		return err
	}
	defer c.Close()
	rpcLn, err := net.Listen("tcp", f.rpcAddr)
	if err != nil {
		return fmt.Errorf("chain RPC: %w", err)
	}
	defer rpcLn.Close()
	ms, err := listenMetrics(f.metricsAddr, log)
	if err != nil {
		return err
	}
	defer ms.close()
	// The hub first: the sign-in page gives apps its URL.
	hub, err := listenHub(ctx, f.hubAddr, hubCfg, t, ms.registerer(), log)
	if err != nil {
		return err
	}
	defer hub.close()
	n, err := openBNSNode(ctx, g, nodeConfig{dataDir: filepath.Join(f.dataDir, "node"), first: firstBlocks["devnet"],
		apiAddr: f.apiAddr, signInHub: hub.url(), webappTrust: trust, searchProfiles: f.searchProfiles, atlas: f.atlas, dnsAddr: f.dnsAddr, dns: f.dns, tls: t,
		metrics: ms.registerer()}, c, c, log)
	if err != nil {
		return err
	}
	defer n.close()
	apiURL := n.apiURL()
	appLn, err := net.Listen("tcp", f.appAddr)
	if err != nil {
		return fmt.Errorf("notes app: %w", err)
	}
	defer appLn.Close()
	notes := webapp.Notes(webapp.NotesConfig{AuthenticatorURL: apiURL + "/auth/", APIURL: apiURL, AddressVersion: n.addrVersion, Trust: trust})

	var grp runner.Group
	ms.addService(&grp, log)
	grp.Add("chain RPC", func(ctx context.Context) error {
		return httpserve.Serve(ctx, rpcLn, devchain.NewRPCServer(c, g.rpcUser, g.rpcPass), log)
	})
	hub.addService(&grp, log)
	n.addServices(&grp, log)
	grp.Add("notes app", func(ctx context.Context) error { return t.serve(ctx, appLn, notes, log) })
	t.addServices(&grp, n.apiAddr(), log)

	*serving = true
	tip, _ := c.Tip(ctx)
	out := cmd.OutOrStdout()
	fmt.Fprintf(out, "devnet running (Ctrl-C stops it)\n")
	fmt.Fprintf(out, "  data dir:       %s\n", f.dataDir)
	fmt.Fprintf(out, "  chain RPC:      http://%s (user %q, password %q; btcd dialect, regtest params)\n",
		rpcLn.Addr(), g.rpcUser, g.rpcPass)
	fmt.Fprintf(out, "  API:            %s/v1/ (Blockstack Core /v1; OpenAPI at /v1/openapi.json)\n", apiURL)
	fmt.Fprintf(out, "  explorer:       %s/\n", apiURL)
	fmt.Fprintf(out, "  sign-in page:   %s/auth/\n", apiURL)
	fmt.Fprintf(out, "  Gaia hub:       %s (read prefix %s/read/)\n", hub.url(), hub.url())
	fmt.Fprintf(out, "  notes app:      %s/ (sample app)\n", t.url(appLn.Addr()))
	fmt.Fprintf(out, "  Atlas peer:     %s\n", n.atlasString())
	if n.dns != nil {
		fmt.Fprintf(out, "  DNS:            %s (UDP and TCP; try: %s)\n", n.dns.addr(), n.dns.digHint(f.dns.suffix))
		n.dns.printDNSSEC(out, "                  ", f.dns)
	}
	if ms != nil {
		fmt.Fprintf(out, "  metrics:        %s\n", ms.url())
	}
	fmt.Fprintf(out, "  faucet address: %s\n", c.FaucetAddress())
	fmt.Fprintf(out, "  name database:  %s (BNS from block %d)\n", n.db.Path(), firstBlocks["devnet"])
	fmt.Fprintf(out, "  tip:            %d %s\n", tip.Height, tip.Hash)
	fmt.Fprintf(out, "  block interval: %s\n", f.blockInterval)
	fmt.Fprintf(out, "commands in other shells find it with:\n")
	fmt.Fprintf(out, "  export %s=%s\n  export %s=%s\n  export %s=%s\n", rpcEnv, rpcLn.Addr(), nodeEnv, apiURL, hubEnv, hub.url())
	if f.registrarDomain != "" {
		fmt.Fprintf(out, "  registrar:      %s://%s for %s, once the wallet %s owns it\n", t.scheme(), f.registrarAddr, f.registrarDomain, g.walletPath())
		grp.Add("registrar", func(ctx context.Context) error {
			return runDevnetRegistrar(ctx, g, f, t, c, apiURL, ms.registerer(), logWriter{log, "registrar update"}, log)
		})
	}
	grp.Add("miner", func(ctx context.Context) error {
		mine(ctx, c, f.blockInterval, log)
		return nil
	})
	err = grp.Run(ctx)
	if ctx.Err() != nil {
		log.Info("devnet stopping")
	}
	return err
}

// mine mines a block every interval (never if it is 0) until ctx ends.
func mine(ctx context.Context, c *devchain.Chain, interval time.Duration, log *slog.Logger) {
	if interval <= 0 {
		<-ctx.Done()
		return
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		hashes, err := c.Mine(ctx, 1)
		if err != nil {
			if ctx.Err() == nil {
				log.Error("mine", "err", err)
			}
			continue
		}
		tip, _ := c.Tip(ctx)
		log.Info("mined block", "height", tip.Height, "hash", hashes[0])
	}
}

// runDevnetRegistrar waits until the wallet owns f.registrarDomain, then
// runs its registrar on the devnet's chain and API until ctx ends, its
// metrics in reg (nil: none).
func runDevnetRegistrar(ctx context.Context, g globalFlags, f devnetFlags, t *serverTLS, c chain.Backend, apiURL string,
	reg prometheus.Registerer, progress io.Writer, log *slog.Logger) error {
	node, err := g.openNodeAt(apiURL)
	if err != nil {
		return err
	}
	var w *wallet.Wallet
	for waiting := ""; ; {
		if w, err = g.openWallet(); err == nil {
			err = checkOwnsDomain(ctx, node, w.OwnerKeys(), f.registrarDomain, g.walletPath())
		}
		if err == nil {
			break
		}
		if err.Error() != waiting {
			waiting = err.Error()
			log.Info("registrar waiting", "domain", f.registrarDomain, "why", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(time.Second):
		}
	}
	rf := registrarFlags{domain: f.registrarDomain, listen: f.registrarAddr,
		dataDir:    filepath.Join(f.dataDir, "registrar", f.registrarDomain),
		batchDelay: 2 * time.Second, rate: 10, burst: 100, maxPending: 10_000}
	if err = os.MkdirAll(rf.dataDir, 0o700); err != nil {
		return err
	}
	journal, err := nameop.OpenJournal(filepath.Join(rf.dataDir, "update.journal.json"))
	if err != nil {
		return err
	}
	ops := &nameop.Runner{Wallet: w, Chain: c, Node: node, Net: &bns.DevNet, Journal: journal,
		FeeRate: defaultFeeRate, Poll: 200 * time.Millisecond, Log: progress}
	rs, err := openRegistrar(rf, t, ops, reg, log, nil)
	if err != nil {
		return err
	}
	defer rs.close()
	log.Info("registrar running", "domain", f.registrarDomain, "url", rs.url())
	var grp runner.Group
	rs.addServices(&grp, log)
	return grp.Run(ctx)
}
