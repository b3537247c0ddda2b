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

	"github.com/spf13/cobra"

	"github.com/go-blockstack/go-blockstack/api/apiclient"
	"github.com/go-blockstack/go-blockstack/bns"
	"github.com/go-blockstack/go-blockstack/chain"
	"github.com/go-blockstack/go-blockstack/chain/devchain"
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
}

func newDevnetCmd() *cobra.Command {
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
State lives in --data-dir; a second run resumes it. Ctrl-C stops it.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if f.dataDir == "" {
				f.dataDir = defaultDataDir("devnet")
			}
			// A run that fails before it serves leaves no half-made state
			// folder behind, unless the folder was there before it.
			_, statErr := os.Stat(f.dataDir)
			fresh := errors.Is(statErr, fs.ErrNotExist)
			var serving bool
			err := runDevnet(cmd.Context(), cmd, f, &serving)
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
	fl.StringVar(&f.hubConfig, "hub-config", "", "the Gaia hub's JSON configuration `file`, as blockstack hub --config takes it (upload limit, page size, ...; default: the disk driver in --data-dir/gaia)")
	return cmd
}

// defaultDataDir is ~/.blockstack/<name>.
func defaultDataDir(name string) string {
	home, err := os.UserHomeDir()
	if err != nil {
		return filepath.Join(".blockstack", name)
	}
	return filepath.Join(home, ".blockstack", name)
}

// runDevnet runs the devnet until ctx ends; it sets *serving once every
// service is up.
func runDevnet(ctx context.Context, cmd *cobra.Command, f devnetFlags, serving *bool) error {
	hubCfg, err := loadHubConfig(f.hubConfig, os.Getenv)
	if err != nil {
		return err
	}
	if hubCfg.Driver == "disk" && hubCfg.DiskSettings.StorageRootDirectory == "" {
		hubCfg.DiskSettings.StorageRootDirectory = filepath.Join(f.dataDir, "gaia")
	}
	log := slog.New(slog.NewTextHandler(cmd.ErrOrStderr(), nil))
	c, err := devchain.Open(devchain.Config{DataDir: filepath.Join(f.dataDir, "chain"), Log: log})
	if err != nil {
		return err
	}
	defer c.Close()

	rpcSrv, err := listen("chain RPC", f.rpcAddr, devchain.NewRPCServer(c, backendOpts.rpcUser, backendOpts.rpcPass), log)
	if err != nil {
		return err
	}
	defer rpcSrv.stop()

	ix, db, err := openIndexer(ctx, c, filepath.Join(f.dataDir, "node"), firstBlocks["devnet"], log)
	if err != nil {
		return err
	}
	defer db.Close()
	indexCtx, stopIndex := context.WithCancel(ctx)
	indexDone := make(chan struct{})
	go func() {
		defer close(indexDone)
		runIndexer(indexCtx, ix, log)
	}()
	defer func() {
		stopIndex()
		<-indexDone
	}()
	zfs, err := openZonefiles(filepath.Join(f.dataDir, "node"), db, log)
	if err != nil {
		return err
	}
	defer zfs.Close()
	at, err := startAtlas(ctx, f.atlas, db, zfs, log)
	if err != nil {
		return err
	}
	defer at.stop()
	sub, err := startSubdomains(ctx, filepath.Join(f.dataDir, "node"), db, zfs, log)
	if err != nil {
		return err
	}
	defer sub.close()
	dnsSrv, err := startNodeDNS(ctx, f.dnsAddr, f.dns, db, zfs, sub, log)
	if err != nil {
		return err
	}
	defer dnsSrv.close()
	// The hub starts first: the sign-in page gives apps its URL.
	hubSrv, stopHub, err := startHub(ctx, f.hubAddr, hubCfg, log)
	if err != nil {
		return err
	}
	defer stopHub()
	h, err := newHTTP(db, zfs, firstBlocks["devnet"], at, sub, c, 0, log)
	if err != nil {
		return err
	}
	apiHandler, addrVersion, err := withSignIn(h, localURL(hubSrv.addr), "devnet")
	if err != nil {
		return err
	}
	apiSrv, err := listen("API", f.apiAddr, apiHandler, log)
	if err != nil {
		return err
	}
	defer apiSrv.stop()
	apiURL := localURL(apiSrv.addr)
	appSrv, err := listen("notes app", f.appAddr, webapp.Notes(webapp.NotesConfig{
		AuthenticatorURL: apiURL + "/auth/", APIURL: apiURL, AddressVersion: addrVersion}), log)
	if err != nil {
		return err
	}
	defer appSrv.stop()

	*serving = true
	tip, _ := c.Tip(ctx)
	out := cmd.OutOrStdout()
	fmt.Fprintf(out, "devnet running (Ctrl-C stops it)\n")
	fmt.Fprintf(out, "  data dir:       %s\n", f.dataDir)
	fmt.Fprintf(out, "  chain RPC:      http://%s (user %q, password %q; btcd dialect, regtest params)\n",
		rpcSrv.addr, backendOpts.rpcUser, backendOpts.rpcPass)
	fmt.Fprintf(out, "  API:            http://%s/v1/ (Blockstack Core /v1; OpenAPI at /v1/openapi.json)\n", apiSrv.addr)
	fmt.Fprintf(out, "  explorer:       %s/\n", apiURL)
	fmt.Fprintf(out, "  sign-in page:   %s/auth/\n", apiURL)
	fmt.Fprintf(out, "  Gaia hub:       http://%s (read prefix http://%s/read/)\n", hubSrv.addr, hubSrv.addr)
	fmt.Fprintf(out, "  notes app:      %s/ (sample app)\n", localURL(appSrv.addr))
	fmt.Fprintf(out, "  Atlas peer:     %s\n", at)
	if dnsSrv != nil {
		fmt.Fprintf(out, "  DNS:            %s (UDP and TCP; try: %s)\n", dnsSrv.addr, dnsSrv.digHint(f.dns.suffix))
	}
	fmt.Fprintf(out, "  faucet address: %s\n", c.FaucetAddress())
	fmt.Fprintf(out, "  name database:  %s (BNS from block %d)\n", db.Path(), firstBlocks["devnet"])
	fmt.Fprintf(out, "  tip:            %d %s\n", tip.Height, tip.Hash)
	fmt.Fprintf(out, "  block interval: %s\n", f.blockInterval)
	fmt.Fprintf(out, "commands in other shells find it with:\n")
	fmt.Fprintf(out, "  export %s=%s\n  export %s=%s\n  export %s=http://%s\n", rpcEnv, rpcSrv.addr, nodeEnv, apiURL, hubEnv, hubSrv.addr)
	if f.registrarDomain != "" {
		fmt.Fprintf(out, "  registrar:      http://%s for %s, once the wallet %s owns it\n", f.registrarAddr, f.registrarDomain, walletPath())
		regCtx, stopReg := context.WithCancel(ctx)
		regDone := make(chan struct{})
		go func() {
			defer close(regDone)
			runDevnetRegistrar(regCtx, f, c, apiURL, cmd.ErrOrStderr(), log)
		}()
		defer func() {
			stopReg()
			<-regDone
		}()
	}

	var tick <-chan time.Time
	if f.blockInterval > 0 {
		t := time.NewTicker(f.blockInterval)
		defer t.Stop()
		tick = t.C
	}
	for {
		select {
		case <-ctx.Done():
			log.Info("devnet stopping")
			return nil
		case <-rpcSrv.done:
			return fmt.Errorf("devnet: %w", rpcSrv.err)
		case <-apiSrv.done:
			return fmt.Errorf("devnet: %w", apiSrv.err)
		case <-hubSrv.done:
			return fmt.Errorf("devnet: %w", hubSrv.err)
		case <-appSrv.done:
			return fmt.Errorf("devnet: %w", appSrv.err)
		case <-dnsSrv.stopped():
			return fmt.Errorf("devnet: %w", dnsSrv.err)
		case <-at.done():
			return fmt.Errorf("devnet: %w", at.err())
		case <-tick:
			hashes, err := c.Mine(ctx, 1)
			if err != nil {
				if ctx.Err() != nil {
					return nil
				}
				log.Error("mine", "err", err)
				continue
			}
			tip, _ := c.Tip(ctx)
			log.Info("mined block", "height", tip.Height, "hash", hashes[0])
		}
	}
}

// runDevnetRegistrar waits until the wallet owns f.registrarDomain, then
// runs its registrar on the devnet's chain and API until ctx ends.
func runDevnetRegistrar(ctx context.Context, f devnetFlags, c chain.Backend, apiURL string, progress io.Writer, log *slog.Logger) {
	node, err := apiclient.New(apiURL, nil)
	if err != nil {
		log.Error("registrar", "err", err)
		return
	}
	var w *wallet.Wallet
	for waiting := ""; ; {
		if w, err = openWallet(); err == nil {
			err = checkOwnsDomain(ctx, node, w.OwnerKeys(), f.registrarDomain)
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
			return
		case <-time.After(time.Second):
		}
	}
	rf := registrarFlags{domain: f.registrarDomain, listen: f.registrarAddr,
		dataDir:    filepath.Join(f.dataDir, "registrar", f.registrarDomain),
		batchDelay: 2 * time.Second, rate: 10, burst: 100, maxPending: 10_000}
	err = os.MkdirAll(rf.dataDir, 0o700)
	var journal *nameop.Journal
	if err == nil {
		journal, err = nameop.OpenJournal(filepath.Join(rf.dataDir, "update.journal.json"))
	}
	if err != nil {
		log.Error("registrar", "err", err)
		return
	}
	runner := &nameop.Runner{Wallet: w, Chain: c, Node: node, Net: &bns.DevNet, Journal: journal,
		FeeRate: defaultFeeRate, Poll: 200 * time.Millisecond, Log: progress}
	ln, err := net.Listen("tcp", rf.listen)
	if err != nil {
		log.Error("registrar", "err", err)
		return
	}
	rs, err := startRegistrar(ctx, rf, ln, runner, log, nil)
	if err != nil {
		log.Error("registrar", "err", err)
		return
	}
	defer rs.stop()
	log.Info("registrar running", "domain", f.registrarDomain, "url", localURL(rs.srv.addr))
	select {
	case <-ctx.Done():
	case <-rs.srv.done:
		log.Error("registrar", "err", rs.srv.err)
	case <-rs.done:
		log.Error("registrar stopped", "err", rs.err)
	}
}
