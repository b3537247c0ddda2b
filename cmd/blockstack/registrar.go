package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/spf13/cobra"
	"golang.org/x/time/rate"

	"github.com/go-blockstack/go-blockstack/api/apiclient"
	"github.com/go-blockstack/go-blockstack/bns"
	"github.com/go-blockstack/go-blockstack/internal/runner"
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
	metricsAddr string
	log         logFlags
	tls         tlsFlags
}

// defaultRegistrarAddr is where `blockstack registrar` listens by default.
const defaultRegistrarAddr = "127.0.0.1:16290"

func newRegistrarCmd(g *globalFlags) *cobra.Command {
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

Over HTTPS with --tls-cert and --tls-key, or --acme-domain (docs/tls.md).

Beside a devnet:
  blockstack registrar --domain foo.test --listen 127.0.0.1:16290`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runRegistrar(cmd, *g, f)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.domain, "domain", "", "the on-chain name whose zone files carry the subdomains (the wallet must own it)")
	fl.StringVar(&f.listen, "listen", defaultRegistrarAddr, "listen address of the registrar's HTTP API")
	fl.StringVar(&f.dataDir, "data-dir", "", "state folder (default $HOME/.blockstack/<network>/registrar/<domain>)")
	fl.StringVar(&f.resolverURL, "resolver-url", "", "URL the zone files' _resolver record points at (default http://<listen address>, https:// with TLS)")
	fl.DurationVar(&f.batchDelay, "batch-delay", 30*time.Second, "a zone file that is not full goes out once no request has come for this long")
	fl.DurationVar(&f.maxDelay, "max-batch-delay", 0, "... or once its oldest request has waited this long (default 10 × --batch-delay)")
	fl.Float64Var(&f.rate, "rate", 1, "write requests per second allowed per client IP, on average (0: no limit)")
	fl.IntVar(&f.burst, "burst", 10, "write requests one client IP may make at once")
	fl.IntVar(&f.maxPending, "max-pending", 10_000, "most requests waiting for a batch; more are refused with 503")
	fl.Int64Var(&f.op.feeRate, "fee-rate", defaultFeeRate, "miner fee rate in sat/vB")
	fl.DurationVar(&f.op.poll, "poll-interval", time.Second, "how often to ask the node and the chain while waiting")
	addMetricsFlag(fl, &f.metricsAddr)
	addLogFlags(fl, &f.log)
	addTLSFlags(fl, &f.tls, "the registrar's API")
	cmd.MarkFlagRequired("domain")
	return cmd
}

func runRegistrar(cmd *cobra.Command, g globalFlags, f registrarFlags) error {
	ctx := cmd.Context()
	log := f.log.newLogger(cmd.ErrOrStderr())
	if err := bns.ValidName(f.domain); err != nil {
		return fmt.Errorf("--domain: %w", err)
	}
	if f.dataDir == "" {
		f.dataDir = filepath.Join(g.dataDir(), "registrar", f.domain)
	}
	if err := os.MkdirAll(f.dataDir, 0o700); err != nil {
		return err
	}
	t, err := f.tls.open(log)
	if err != nil {
		return err
	}
	defer t.close()
	ops, closeOps, err := openRunner(cmd, g, f.op, filepath.Join(f.dataDir, "update.journal.json"))
	if err != nil {
		return err
	}
	defer closeOps()
	ops.Log = logWriter{log, "registrar update"}
	if err = checkOwnsDomain(ctx, ops.Node, ops.Wallet.OwnerKeys(), f.domain, g.walletPath()); err != nil {
		return err
	}
	ms, err := listenMetrics(f.metricsAddr, log)
	if err != nil {
		return err
	}
	defer ms.close()
	rs, err := openRegistrar(f, t, ops, ms.registerer(), log, testExitHook(cmd))
	if err != nil {
		return err
	}
	defer rs.close()
	out := cmd.OutOrStdout()
	fmt.Fprintf(out, "registrar for %s at %s (Ctrl-C stops it)\n", f.domain, rs.url())
	fmt.Fprintf(out, "  resolver URL: %s\n", rs.resolverURL)
	fmt.Fprintf(out, "  data dir:     %s\n", f.dataDir)
	fmt.Fprintf(out, "  node:         %s\n", ops.Node.URL())
	if ms != nil {
		fmt.Fprintf(out, "  metrics:      %s\n", ms.url())
	}
	var grp runner.Group
	ms.addService(&grp, log)
	rs.addServices(&grp, log)
	t.addServices(&grp, rs.ln.Addr(), log)
	err = grp.Run(ctx)
	if ctx.Err() != nil {
		log.Info("registrar stopping")
	}
	return err
}

// registrarServer is a registrar with its listener bound and its queue
// open, ready to run.
type registrarServer struct {
	reg         *registrar.Registrar
	st          *registrar.Store
	ln          net.Listener
	tls         *serverTLS
	limits      registrar.Limits
	resolverURL string
}

// openRegistrar makes a registrar for f.domain listening on f.listen
// (over TLS as t says), with its queue in f.dataDir, sending updates
// through ops, its metrics in metrics (nil: none).
func openRegistrar(f registrarFlags, t *serverTLS, ops *nameop.Runner, metrics prometheus.Registerer, log *slog.Logger, hook func(string)) (*registrarServer, error) {
	// Listen first: the resolver URL defaults to the address bound.
	ln, err := net.Listen("tcp", f.listen)
	if err != nil {
		return nil, fmt.Errorf("registrar: %w", err)
	}
	st, err := registrar.OpenStore(filepath.Join(f.dataDir, "queue.db"))
	if err != nil {
		ln.Close()
		return nil, err
	}
	resolverURL := f.resolverURL
	if resolverURL == "" {
		resolverURL = t.url(ln.Addr())
	}
	reg, err := registrar.New(registrar.Config{
		Domain:        f.domain,
		Params:        ops.Net.Params,
		ResolverURL:   resolverURL,
		BatchDelay:    f.batchDelay,
		MaxBatchDelay: f.maxDelay,
		MaxPending:    f.maxPending,
		Log:           log,
		Hook:          hook,
		Metrics:       metrics,
	}, st, registrar.APINode{Client: ops.Node}, &registrar.UpdateAnchor{Runner: ops, Domain: f.domain})
	if err != nil {
		ln.Close()
		st.Close()
		return nil, err
	}
	return &registrarServer{reg: reg, st: st, ln: ln, tls: t, resolverURL: resolverURL,
		limits: registrar.Limits{Rate: rate.Limit(f.rate), Burst: f.burst}}, nil
}

// addServices adds the registrar's HTTP API, then its batching loop: the
// loop stops first, while the API still answers.
func (rs *registrarServer) addServices(grp *runner.Group, log *slog.Logger) {
	grp.Add("registrar API", func(ctx context.Context) error {
		return rs.tls.serve(ctx, rs.ln, rs.reg.Handler(rs.limits), log)
	})
	grp.Add("registrar", rs.reg.Run)
}

// url is the registrar's URL for clients on this machine.
func (rs *registrarServer) url() string { return rs.tls.url(rs.ln.Addr()) }

// close releases the queue and the listener, once the services have
// stopped.
func (rs *registrarServer) close() {
	rs.ln.Close()
	rs.st.Close()
}

// checkOwnsDomain refuses a domain the owner keys of the wallet at
// walletPath do not own.
func checkOwnsDomain(ctx context.Context, node *apiclient.Client, owners []*wallet.Key, domain, walletPath string) error {
	rec, err := node.Name(ctx, domain)
	if err != nil {
		return fmt.Errorf("--domain %s: %w", domain, err)
	}
	if rec.Status != "registered" {
		return fmt.Errorf("--domain %s is %s", domain, rec.Status)
	}
	if !slices.ContainsFunc(owners, func(k *wallet.Key) bool { return k.Address().EncodeAddress() == rec.Address }) {
		return fmt.Errorf("--domain %s is owned by %s, not by a key of the wallet %s", domain, rec.Address, walletPath)
	}
	return nil
}
