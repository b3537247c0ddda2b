package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/time/rate"

	"github.com/go-blockstack/go-blockstack/api/apiclient"
	"github.com/go-blockstack/go-blockstack/bns"
	"github.com/go-blockstack/go-blockstack/nameop"
	"github.com/go-blockstack/go-blockstack/registrar"
	"github.com/go-blockstack/go-blockstack/wallet"
)

type registrarFlags struct {
	domain      string
	listen      string
	dataDir     string
	resolverURL string
	batchDelay  time.Duration
	maxDelay    time.Duration
	rate        float64
	burst       int
	maxPending  int
	op          opFlags
}

// defaultRegistrarAddr is where `blockstack registrar` listens by default.
const defaultRegistrarAddr = "127.0.0.1:16290"

func newRegistrarCmd() *cobra.Command {
	var f registrarFlags
	cmd := &cobra.Command{
		Use:   "registrar --domain NAME",
		Short: "Run a subdomain registrar for a name the wallet owns",
		Long: `registrar accepts signed subdomain requests over HTTP (POST /register,
/update, /transfer; see package registrar), queues them in --data-dir,
batches as many as fit in a 40,960-byte zone file into the next NAME_UPDATE
of --domain, sent from the wallet's key that owns it, publishes each zone
file to the node (which gives it to Atlas), and answers for the names it
holds, pending ones included, at GET /v1/names/{fqn} and /status/{name}.
Each zone file carries a _resolver URI record pointing at --resolver-url.

The queue and the NAME_UPDATE's journal live in --data-dir: stopped at any
point, the registrar continues where it was when started again, and never
sends a second update for a batch. The wallet must be the registrar's own
while it runs (its commands would share coins and the journal's keys).

Beside a devnet:
  blockstack registrar --domain foo.test --listen 127.0.0.1:16290`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runRegistrar(cmd, f)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.domain, "domain", "", "the on-chain name whose zone files carry the subdomains (the wallet must own it)")
	fl.StringVar(&f.listen, "listen", defaultRegistrarAddr, "listen address of the registrar's HTTP API")
	fl.StringVar(&f.dataDir, "data-dir", "", "state folder (default $HOME/.blockstack/<network>/registrar/<domain>)")
	fl.StringVar(&f.resolverURL, "resolver-url", "", "URL the zone files' _resolver record points at (default http://<listen address>)")
	fl.DurationVar(&f.batchDelay, "batch-delay", 30*time.Second, "a zone file that is not full goes out once no request has come for this long")
	fl.DurationVar(&f.maxDelay, "max-batch-delay", 0, "... or once its oldest request has waited this long (default 10 × --batch-delay)")
	fl.Float64Var(&f.rate, "rate", 1, "write requests per second allowed per client IP, on average (0: no limit)")
	fl.IntVar(&f.burst, "burst", 10, "write requests one client IP may make at once")
	fl.IntVar(&f.maxPending, "max-pending", 10_000, "most requests waiting for a batch; more are refused with 503")
	fl.Int64Var(&f.op.feeRate, "fee-rate", defaultFeeRate, "miner fee rate in sat/vB")
	fl.DurationVar(&f.op.poll, "poll-interval", time.Second, "how often to ask the node and the chain while waiting")
	cmd.MarkFlagRequired("domain")
	return cmd
}

func runRegistrar(cmd *cobra.Command, f registrarFlags) error {
	ctx := cmd.Context()
	log := slog.New(slog.NewTextHandler(cmd.ErrOrStderr(), nil))
	if err := bns.ValidName(f.domain); err != nil {
		return fmt.Errorf("--domain: %w", err)
	}
	if f.dataDir == "" {
		f.dataDir = filepath.Join(defaultDataDir(backendOpts.network), "registrar", f.domain)
	}
	if err := os.MkdirAll(f.dataDir, 0o700); err != nil {
		return err
	}
	runner, closeRunner, err := openRunner(cmd, &f.op, filepath.Join(f.dataDir, "update.journal.json"))
	if err != nil {
		return err
	}
	defer closeRunner()
	if err = checkOwnsDomain(ctx, runner.Node, runner.Wallet.OwnerKeys(), f.domain); err != nil {
		return err
	}
	// Listen first: the resolver URL defaults to the address bound.
	ln, err := net.Listen("tcp", f.listen)
	if err != nil {
		return fmt.Errorf("registrar: %w", err)
	}
	rs, err := startRegistrar(ctx, f, ln, runner, log, testExitHook(cmd))
	if err != nil {
		return err
	}
	defer rs.stop()
	out := cmd.OutOrStdout()
	fmt.Fprintf(out, "registrar for %s at http://%s (Ctrl-C stops it)\n", f.domain, rs.srv.addr)
	fmt.Fprintf(out, "  resolver URL: %s\n", rs.resolverURL)
	fmt.Fprintf(out, "  data dir:     %s\n", f.dataDir)
	fmt.Fprintf(out, "  node:         %s\n", runner.Node.URL())
	select {
	case <-ctx.Done():
		log.Info("registrar stopping")
		return nil
	case <-rs.srv.done:
		return rs.srv.err
	case <-rs.done:
		if errors.Is(rs.err, context.Canceled) {
			return nil
		}
		return rs.err
	}
}

// registrarService is a registrar serving on its listener and batching
// until stop.
type registrarService struct {
	srv         *server
	resolverURL string
	done        chan struct{} // closed when the batching loop ends
	err         error         // why, once done is closed
	stopRun     context.CancelFunc
	st          *registrar.Store
}

// startRegistrar runs a registrar for f.domain on ln, with its queue in
// f.dataDir, sending updates through runner.
func startRegistrar(ctx context.Context, f registrarFlags, ln net.Listener, runner *nameop.Runner, log *slog.Logger, hook func(string)) (*registrarService, error) {
	st, err := registrar.OpenStore(filepath.Join(f.dataDir, "queue.db"))
	if err != nil {
		ln.Close()
		return nil, err
	}
	resolverURL := f.resolverURL
	if resolverURL == "" {
		resolverURL = "http://" + ln.Addr().String()
	}
	reg, err := registrar.New(registrar.Config{
		Domain:        f.domain,
		Params:        runner.Net.Params,
		ResolverURL:   resolverURL,
		BatchDelay:    f.batchDelay,
		MaxBatchDelay: f.maxDelay,
		MaxPending:    f.maxPending,
		Log:           log,
		Hook:          hook,
	}, st, registrar.APINode{Client: runner.Node}, &registrar.UpdateAnchor{Runner: runner, Domain: f.domain})
	if err != nil {
		ln.Close()
		st.Close()
		return nil, err
	}
	runCtx, stopRun := context.WithCancel(ctx)
	rs := &registrarService{srv: serveOn("registrar", ln, reg.Handler(registrar.Limits{Rate: rate.Limit(f.rate), Burst: f.burst}), log),
		resolverURL: resolverURL, done: make(chan struct{}), stopRun: stopRun, st: st}
	go func() {
		defer close(rs.done)
		rs.err = reg.Run(runCtx)
	}()
	return rs, nil
}

// stop ends the batching loop, then the server, then the queue.
func (rs *registrarService) stop() {
	rs.stopRun()
	<-rs.done
	rs.srv.stop()
	rs.st.Close()
}

// checkOwnsDomain refuses a domain the wallet's owner keys do not own.
func checkOwnsDomain(ctx context.Context, node *apiclient.Client, owners []*wallet.Key, domain string) error {
	rec, err := node.Name(ctx, domain)
	if err != nil {
		return fmt.Errorf("--domain %s: %w", domain, err)
	}
	if rec.Status != "registered" {
		return fmt.Errorf("--domain %s is %s", domain, rec.Status)
	}
	if !slices.ContainsFunc(owners, func(k *wallet.Key) bool { return k.Address().EncodeAddress() == rec.Address }) {
		return fmt.Errorf("--domain %s is owned by %s, not by a key of the wallet %s", domain, rec.Address, walletPath())
	}
	return nil
}
