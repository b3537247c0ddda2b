package main

import (
	"context"
	"crypto/ecdsa"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"time"

	"github.com/miekg/dns"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/go-blockstack/go-blockstack/api/apiclient"
	"github.com/go-blockstack/go-blockstack/bnsdns"
	"github.com/go-blockstack/go-blockstack/internal/runner"
	"github.com/go-blockstack/go-blockstack/namedb"
	"github.com/go-blockstack/go-blockstack/rules"
	"github.com/go-blockstack/go-blockstack/subdomains"
	"github.com/go-blockstack/go-blockstack/web"
	"github.com/go-blockstack/go-blockstack/zonefile"
	"github.com/go-blockstack/go-blockstack/zonefile/store"
)

// dnsFlags are the DNS server's settings, shared by dns, node and devnet.
type dnsFlags struct {
	suffix    string
	nsName    string
	poll      time.Duration
	cache     int
	dnssecKey string // "": no DNSSEC
	rateLimit int    // UDP answers a second per client network; 0: none
}

func addDNSFlags(fl *pflag.FlagSet, f *dnsFlags) {
	fl.StringVar(&f.suffix, "dns-suffix", "", "serve every name under this DNS `domain` (alice.test as alice.test.DOMAIN), for a domain delegated to this server")
	fl.StringVar(&f.nsName, "dns-ns-name", "localhost.", "the DNS server's own host `name`, in its SOA and NS records")
	fl.DurationVar(&f.poll, "dns-poll", 500*time.Millisecond, "how often the DNS server checks for a new block")
	fl.IntVar(&f.cache, "dns-cache", 100_000, "`names` the DNS server keeps parsed between blocks (and as many signatures); each costs about 0.7 KB")
	fl.StringVar(&f.dnssecKey, "dns-dnssec-key", "", "sign DNS answers (DNSSEC) with the ECDSA P-256 key in this `file`, made (mode 0600) if missing; blockstack dns ds prints a zone's DS")
	fl.IntVar(&f.rateLimit, "dns-rate-limit", 200, "UDP `answers` a second to each client network (IPv4 /24, IPv6 /56); past it every second answer is truncated (the client retries over TCP) and the rest dropped, so the server cannot be used to flood a forged source (0: no limit)")
}

func newDNSCmd(g *globalFlags) *cobra.Command {
	var listenAddr string
	var f dnsFlags
	var lf logFlags
	var trust trustFlags
	cmd := &cobra.Command{
		Use:   "dns",
		Short: "Answer DNS queries for BNS names from a node's zone files",
		Long: `dns is an authoritative DNS server for BNS names (UDP and TCP on --listen):
alice.test's A, AAAA, CNAME, MX, NS, SRV, TXT, URI... records come from its
zone file on the node (--node), checked against the hash on chain;
subdomains from their own zone files. Names that do not exist, expired or
revoked names are NXDOMAIN. A new block is visible within --dns-poll. Point
a resolver's stub zone for a namespace (or, with --dns-suffix, for that
domain) at it; docs/dns.md says how. node and devnet run the same server
in-process with --dns-addr.

With --trust HASH@HEIGHT or --trust-nodes URL,... the node is not trusted:
each name's record is proved against that consensus hash's state root
(docs/trustless.md) before its zone file is served, and answers are as of
that block (with --trust-nodes, a few blocks below the nodes' tips, moving
with them). Subdomains are not served then: no state proof covers them.

With --dns-dnssec-key FILE it signs its answers for resolvers that ask
(DNSSEC, one ECDSA P-256 key for every zone, NSEC3 proofs of NXDOMAIN and
NODATA); blockstack dns ds --dns-dnssec-key FILE ZONE prints the DS
record to put in a zone's parent, or to give a validating resolver as its
trust anchor.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			node, err := g.openNode()
			if err != nil {
				return err
			}
			log := lf.newLogger(cmd.ErrOrStderr())
			var src bnsdns.Source = restSource{node}
			if trust.set() {
				if src, err = newProvedSource(cmd.Context(), *g, node, &trust); err != nil {
					return err
				}
			}
			s, err := openDNS(cmd.Context(), listenAddr, f, src, log)
			if err != nil {
				return err
			}
			defer s.Close()
			fmt.Fprintf(cmd.OutOrStdout(), "DNS for BNS names at %s (UDP and TCP), from the node at %s\n  try: %s\n", s.addr(), node.URL(), s.digHint(f.suffix))
			if p, ok := src.(*provedSource); ok {
				from := "--trust"
				if len(trust.nodes) > 0 {
					from = fmt.Sprintf("what --trust-nodes agree on %d blocks below their tips, moving with them", anchorDepth)
				}
				fmt.Fprintf(cmd.OutOrStdout(), "  every name proved against %s (%s); subdomains are not served\n", p.current(), from)
			}
			s.printDNSSEC(cmd.OutOrStdout(), "  ", f)
			var grp runner.Group
			grp.Add("DNS", s.run)
			return grp.Run(cmd.Context())
		},
	}
	cmd.Flags().StringVar(&listenAddr, "listen", "127.0.0.1:5353", "listen `address` (UDP and TCP)")
	addDNSFlags(cmd.Flags(), &f)
	addAnchorFlags(cmd, &trust)
	addLogFlags(cmd.Flags(), &lf)
	cmd.AddCommand(newDNSDSCmd())
	return cmd
}

// dnsServer is a DNS server with its listeners bound, ready to run.
type dnsServer struct {
	srv *bnsdns.Server
	pc  net.PacketConn
	ln  net.Listener
	key *ecdsa.PrivateKey // nil: no DNSSEC
	// newKey is set when the DNSSEC key file was made at this start.
	newKey bool
}

// openDNS makes a server of src's names and binds addr (UDP and TCP); it
// reads src once first, so that a node that cannot be reached fails here.
func openDNS(ctx context.Context, addr string, f dnsFlags, src bnsdns.Source, log *slog.Logger) (*dnsServer, error) {
	if f.cache < 1 {
		return nil, fmt.Errorf("--dns-cache %d: give a number of names, at least 1", f.cache)
	}
	if f.rateLimit < 0 {
		return nil, fmt.Errorf("--dns-rate-limit %d: give answers a second, or 0 for no limit", f.rateLimit)
	}
	var key *ecdsa.PrivateKey
	var newKey bool
	if f.dnssecKey != "" {
		var err error
		if key, newKey, err = bnsdns.LoadKey(f.dnssecKey); err != nil {
			return nil, err
		}
	}
	s, err := bnsdns.New(bnsdns.Config{Source: src, Suffix: f.suffix, NSName: f.nsName, Poll: f.poll, MaxEntries: f.cache, Key: key, RateLimit: f.rateLimit, Log: log})
	if err != nil {
		return nil, err
	}
	if err = s.Refresh(ctx); err != nil {
		return nil, err
	}
	pc, ln, err := bnsdns.Listen(addr)
	if err != nil {
		return nil, err
	}
	return &dnsServer{srv: s, pc: pc, ln: ln, key: key, newKey: newKey}, nil
}

// printDNSSEC says, when the server signs, with which key and what a
// validating resolver needs: in suffix mode the one zone's DS, else the
// command that prints a namespace's.
func (d *dnsServer) printDNSSEC(out io.Writer, indent string, f dnsFlags) {
	if d.key == nil {
		return
	}
	made := ""
	if d.newKey {
		made = ", made now"
	}
	fmt.Fprintf(out, "%sDNSSEC: signing with %s (ECDSA P-256, key tag %d%s)\n", indent, f.dnssecKey, bnsdns.DNSKEY(d.key, ".", 0).KeyTag(), made)
	if f.suffix != "" {
		fmt.Fprintf(out, "%s  DS for the parent of %s: %s\n", indent, f.suffix, rrLine(bnsdns.DS(d.key, f.suffix)))
		return
	}
	fmt.Fprintf(out, "%s  a namespace's DS (its trust anchor): blockstack dns ds --dns-dnssec-key %s NAMESPACE\n", indent, f.dnssecKey)
}

// rrLine is a record in zone file syntax on one line, spaces between fields.
func rrLine(rr dns.RR) string { return strings.Join(strings.Fields(rr.String()), " ") }

// run serves until ctx ends or a listener fails.
func (d *dnsServer) run(ctx context.Context) error { return d.srv.Run(ctx, d.pc, d.ln) }

// Close closes the listeners (Run closes them too: for a server that
// never ran).
func (d *dnsServer) Close() error {
	return errors.Join(d.pc.Close(), d.ln.Close())
}

func (d *dnsServer) addr() net.Addr { return d.pc.LocalAddr() }

// digHint is a dig command that asks the server for a name's profile URI.
func (d *dnsServer) digHint(suffix string) string {
	host, port, _ := net.SplitHostPort(d.addr().String())
	if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	if suffix != "" {
		suffix = "." + suffix
	}
	return fmt.Sprintf("dig @%s -p %s _http._tcp.NAME.NAMESPACE%s URI", host, port, suffix)
}

// nodeSource is what node and devnet serve DNS from: their own name
// database, zone file store and subdomain index.
type nodeSource struct {
	db    *namedb.DB
	zfs   *store.Store
	sub   web.Subdomains // nil: no subdomains
	rules rules.Rules
}

// Tip changes with each block and each zone file stored, since a zone file
// may arrive (through Atlas) after the block that names it.
func (s nodeSource) Tip(ctx context.Context) (bnsdns.Tip, error) {
	b, ok, err := s.db.LastBlock(ctx)
	if err != nil || !ok {
		return bnsdns.Tip{}, err
	}
	return bnsdns.Tip{Height: b.Height, ID: fmt.Sprintf("%s/%d", b.ConsensusHash, s.zfs.Len())}, nil
}

func (s nodeSource) Namespace(ctx context.Context, id string) error {
	_, err := s.db.Namespace(ctx, id)
	return notFound(err, namedb.ErrNotFound)
}

func (s nodeSource) Name(ctx context.Context, name string) (bnsdns.Name, error) {
	rec, height, err := s.db.CurrentName(ctx, name)
	if err != nil {
		return bnsdns.Name{}, notFound(err, namedb.ErrNotFound)
	}
	n := bnsdns.Name{Live: s.rules.NameState(rec.Revoked, rec.ExpireBlock, height) == rules.Registered}
	if rec.ValueHash == "" || !n.Live {
		return n, nil
	}
	if n.ZonefileHash, err = zonefile.ParseHash(rec.ValueHash); err != nil {
		return n, fmt.Errorf("%s: %w", name, err)
	}
	n.HasZonefile = true
	n.Zonefile, err = s.zfs.Get(n.ZonefileHash)
	if errors.Is(err, store.ErrNotFound) {
		return n, nil // not here yet
	}
	return n, err
}

func (s nodeSource) Subdomain(ctx context.Context, fqn string) (bnsdns.Name, error) {
	if s.sub == nil {
		return bnsdns.Name{}, bnsdns.ErrNotFound
	}
	rec, err := s.sub.Get(ctx, fqn)
	if err != nil {
		return bnsdns.Name{}, notFound(err, subdomains.ErrNotFound)
	}
	return bnsdns.Name{Live: true, ZonefileHash: rec.ZoneFileHash, HasZonefile: len(rec.ZoneFile) > 0, Zonefile: rec.ZoneFile}, nil
}

// restSource is what blockstack dns serves from: a node's REST API.
type restSource struct{ c *apiclient.Client }

func (s restSource) Tip(ctx context.Context) (bnsdns.Tip, error) {
	info, err := s.c.Info(ctx)
	if err != nil {
		return bnsdns.Tip{}, err
	}
	return bnsdns.Tip{Height: info.LastBlockProcessed, ID: info.Consensus}, nil
}

func (s restSource) Namespace(ctx context.Context, id string) error {
	_, err := s.c.Namespace(ctx, id)
	return notFound(err, apiclient.ErrNotFound)
}

func (s restSource) Name(ctx context.Context, name string) (bnsdns.Name, error) {
	rec, err := s.c.Name(ctx, name)
	if err != nil {
		return bnsdns.Name{}, notFound(err, apiclient.ErrNotFound)
	}
	return restName(name, rec.Status == "registered", rec.ZonefileHash, rec.Zonefile)
}

func (s restSource) Subdomain(ctx context.Context, fqn string) (bnsdns.Name, error) {
	rec, err := s.c.Subdomain(ctx, fqn)
	if err != nil {
		return bnsdns.Name{}, notFound(err, apiclient.ErrNotFound)
	}
	live := rec.Status == "registered_subdomain"
	if rec.Zonefile == "" {
		return restName(fqn, live, "", nil)
	}
	return restName(fqn, live, rec.ZonefileHash, &rec.Zonefile)
}

// restName is a name's state from the API's fields; the server checks the
// zone file against the hash.
func restName(name string, live bool, hash string, text *string) (bnsdns.Name, error) {
	n := bnsdns.Name{Live: live}
	if hash == "" || !live {
		return n, nil
	}
	var err error
	if n.ZonefileHash, err = zonefile.ParseHash(hash); err != nil {
		return n, fmt.Errorf("%s: the node's zone file hash: %w", name, err)
	}
	n.HasZonefile = true
	if text != nil {
		n.Zonefile = []byte(*text)
	}
	return n, nil
}

// notFound maps a source's "no such thing" onto bnsdns.ErrNotFound.
func notFound(err, missing error) error {
	if errors.Is(err, missing) {
		return fmt.Errorf("%w: %w", bnsdns.ErrNotFound, err)
	}
	return err
}
