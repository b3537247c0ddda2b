package bnsdns

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"time"

	"github.com/miekg/dns"
)

// Config is what a Server answers from and how.
type Config struct {
	Source Source
	// Suffix, if not "", is the DNS domain every name is served under
	// ("bns.example." serves alice.test as alice.test.bns.example.).
	Suffix string
	// NSName is the server's own host name, in the SOA and the apex NS
	// records (default "localhost.": set it to the name a parent zone
	// delegates to).
	NSName string
	// DefaultTTL is the TTL of records whose zone file gives none (default
	// 3600, the $TTL Blockstack writes).
	DefaultTTL uint32
	// NegativeTTL is the SOA's TTL and minimum, which resolvers cache
	// NXDOMAIN and NODATA for (RFC 2308; default 60 s).
	NegativeTTL uint32
	// Poll is how often the Source's tip is read (default 500 ms).
	Poll time.Duration
	// MaxEntries bounds the cache (default 100,000 names, and as many
	// signatures).
	MaxEntries int
	// Key, if not nil, signs answers (DNSSEC) for clients that ask (the DO
	// bit): an ECDSA P-256 key (LoadKey), published as every zone's DNSKEY.
	Key *ecdsa.PrivateKey
	// RateLimit, if not 0, is how many answers a second each client
	// network (IPv4 /24, IPv6 /56) gets over UDP (ratelimit.go); past it,
	// every second answer is an empty truncated one, the others dropped.
	RateLimit int
	Log       *slog.Logger
}

// maxUDP is the largest UDP answer, whatever a client offers: 1232 bytes
// fits the IPv6 minimum MTU without fragmentation (DNS Flag Day 2020).
const maxUDP = 1232

// lookupTimeout bounds one query's Source reads.
const lookupTimeout = 5 * time.Second

// Server answers DNS queries for BNS names; it is a dns.Handler.
type Server struct {
	cfg    Config
	suffix string // lower case, absolute; "" without a suffix
	cache  *cache
	keyTag uint16   // Key's, when DNSSEC is on
	limit  *limiter // nil: UDP answers are not limited
}

// New checks cfg and fills in its defaults.
func New(cfg Config) (*Server, error) {
	if cfg.Source == nil {
		return nil, errors.New("bnsdns: no Source")
	}
	s := &Server{cfg: cfg}
	if cfg.Suffix != "" {
		if err := CheckZone(cfg.Suffix); err != nil {
			return nil, fmt.Errorf("bnsdns: suffix: %w", err)
		}
		s.suffix = dns.Fqdn(strings.ToLower(cfg.Suffix))
	}
	if s.cfg.NSName == "" {
		s.cfg.NSName = "localhost."
	}
	s.cfg.NSName = dns.Fqdn(strings.ToLower(s.cfg.NSName))
	if _, ok := dns.IsDomainName(s.cfg.NSName); !ok {
		return nil, fmt.Errorf("bnsdns: name server name %q is not a domain name", cfg.NSName)
	}
	if s.cfg.DefaultTTL == 0 {
		s.cfg.DefaultTTL = 3600
	}
	if s.cfg.NegativeTTL == 0 {
		s.cfg.NegativeTTL = 60
	}
	if s.cfg.Poll <= 0 {
		s.cfg.Poll = 500 * time.Millisecond
	}
	if s.cfg.MaxEntries <= 0 {
		s.cfg.MaxEntries = 100_000
	}
	if s.cfg.RateLimit < 0 {
		return nil, fmt.Errorf("bnsdns: rate limit %d: want answers a second, or 0 for none", s.cfg.RateLimit)
	}
	if s.cfg.RateLimit > 0 {
		s.limit = newLimiter(s.cfg.RateLimit)
	}
	if s.cfg.Log == nil {
		s.cfg.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if cfg.Key != nil {
		if cfg.Key.Curve != elliptic.P256() {
			return nil, errors.New("bnsdns: the DNSSEC key is not an ECDSA P-256 key")
		}
		s.keyTag = DNSKEY(cfg.Key, ".", 0).KeyTag()
	}
	s.cache = newCache(s.cfg.MaxEntries)
	return s, nil
}

// Refresh reads the Source's tip and drops the cache if it moved.
func (s *Server) Refresh(ctx context.Context) error {
	t, err := s.cfg.Source.Tip(ctx)
	if err != nil {
		return fmt.Errorf("bnsdns: reading the tip: %w", err)
	}
	if s.cache.setTip(t) {
		s.cfg.Log.Debug("dns cache dropped", "height", t.Height, "id", t.ID)
	}
	return nil
}

// ServeDNS answers one query.
func (s *Server) ServeDNS(w dns.ResponseWriter, req *dns.Msg) {
	ua, udp := w.RemoteAddr().(*net.UDPAddr)
	if udp && s.limit != nil {
		switch s.limit.allow(ua.IP) {
		case drop:
			return
		case truncate:
			m := new(dns.Msg)
			m.SetReply(req)
			m.Truncated = true
			if err := w.WriteMsg(m); err != nil {
				s.cfg.Log.Debug("dns write", "client", ua, "err", err)
			}
			return
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), lookupTimeout)
	defer cancel()
	if err := w.WriteMsg(s.reply(ctx, req, udp)); err != nil {
		s.cfg.Log.Debug("dns write", "client", w.RemoteAddr(), "err", err)
	}
}

// Listen opens UDP and TCP on the same address, as DNS clients expect
// (they retry a truncated UDP answer over TCP at the same port). With port
// 0 the system picks a UDP port that may be taken for TCP: then it picks
// again.
func Listen(addr string) (net.PacketConn, net.Listener, error) {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, nil, fmt.Errorf("dns: listen address %q: %w", addr, err)
	}
	for try := 1; ; try++ {
		pc, err := net.ListenPacket("udp", addr)
		if err != nil {
			return nil, nil, fmt.Errorf("dns: %w", err)
		}
		ln, err := net.Listen("tcp", pc.LocalAddr().String())
		if err == nil {
			return pc, ln, nil
		}
		pc.Close()
		if port != "0" || try == 10 {
			return nil, nil, fmt.Errorf("dns: %w", err)
		}
	}
}

// Run serves queries on pc (UDP) and ln (TCP) and keeps the cache fresh
// until ctx ends (nil) or a listener fails; it closes both.
func (s *Server) Run(ctx context.Context, pc net.PacketConn, ln net.Listener) error {
	defer pc.Close()
	defer ln.Close()
	servers := []*dns.Server{
		{PacketConn: pc, Handler: s},
		{Listener: ln, Handler: s},
	}
	failed := make(chan error, len(servers))
	for _, srv := range servers {
		started := make(chan struct{})
		srv.NotifyStartedFunc = func() { close(started) }
		go func() { failed <- srv.ActivateAndServe() }()
		// Shutdown refuses a server that has not started: wait for it.
		select {
		case <-started:
		case err := <-failed:
			stopAll(servers)
			return fmt.Errorf("dns: %w", err)
		}
	}
	t := time.NewTicker(s.cfg.Poll)
	defer t.Stop()
	lastErr := ""
	for {
		select {
		case <-ctx.Done():
			stopAll(servers)
			return nil
		case err := <-failed:
			stopAll(servers)
			return fmt.Errorf("dns: %w", err)
		case <-t.C:
			// A Source that went away (a node restarting) is retried at the
			// next tick; the cache keeps answering meanwhile.
			switch err := s.Refresh(ctx); {
			case err == nil:
				lastErr = ""
			case err.Error() != lastErr && ctx.Err() == nil:
				lastErr = err.Error()
				s.cfg.Log.Warn("dns", "err", err)
			}
		}
	}
}

// stopAll shuts down every started server (the others never started, or
// already failed).
func stopAll(servers []*dns.Server) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for _, srv := range servers {
		_ = srv.ShutdownContext(ctx)
	}
}
