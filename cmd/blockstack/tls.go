package main

import (
	"context"
	"crypto/tls"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"syscall"

	"github.com/spf13/pflag"

	"github.com/go-blockstack/go-blockstack/internal/httpserve"
	"github.com/go-blockstack/go-blockstack/internal/runner"
	"github.com/go-blockstack/go-blockstack/internal/tlsconf"
)

// tlsFlags are how a server command (node, devnet, hub, registrar) serves
// TLS: certificate files or ACME, and the plain HTTP listener beside
// (docs/tls.md). open is the one place they are checked and used.
type tlsFlags struct {
	cfg      tlsconf.Config
	httpAddr string
}

// addTLSFlags defines the TLS flags on fs; what names, in the help, the
// servers they cover.
func addTLSFlags(fs *pflag.FlagSet, f *tlsFlags, what string) {
	fs.StringVar(&f.cfg.CertFile, "tls-cert", "", "serve "+what+" over HTTPS with this PEM certificate `file` (with its chain), read again when it changes or on SIGHUP")
	fs.StringVar(&f.cfg.KeyFile, "tls-key", "", "the PEM private key `file` of --tls-cert")
	fs.StringSliceVar(&f.cfg.ACME.Domains, "acme-domain", nil, "serve "+what+" over HTTPS with certificates obtained by ACME for these `names` (comma-separated; clients must use them)")
	fs.StringVar(&f.cfg.ACME.Email, "acme-email", "", "contact `address` of the ACME account")
	fs.StringVar(&f.cfg.ACME.CacheDir, "acme-cache", "", "`folder` keeping the ACME account key and certificates between runs (required with --acme-domain)")
	fs.StringVar(&f.cfg.ACME.DirectoryURL, "acme-directory", "", "`URL` of the ACME server's directory (default Let's Encrypt's: "+tlsconf.LetsEncrypt+")")
	fs.StringVar(&f.cfg.ACME.CAFile, "acme-ca-file", "", "PEM `file` of roots trusted for the ACME server's own HTTPS, beside the system's (a test CA)")
	fs.StringVar(&f.httpAddr, "http-addr", "", "with TLS, also listen for plain HTTP at this `address`: answer ACME http-01 challenges and redirect the rest to https (default: no plain listener)")
}

// serverTLS is a command's TLS, ready: the zero value serves plain HTTP.
type serverTLS struct {
	srv    *tlsconf.Server // nil: plain HTTP
	httpLn net.Listener    // nil: no plain listener beside
	hup    chan os.Signal  // nil: nothing to reload on SIGHUP
}

// open checks the flags, reads the certificate files, binds the plain
// listener and starts hearing SIGHUP; close releases them.
func (f tlsFlags) open(log *slog.Logger) (_ *serverTLS, err error) {
	cfg := f.cfg
	if !cfg.Enabled() {
		if err = cfg.Check(); err != nil {
			return nil, err
		}
		if f.httpAddr != "" {
			return nil, fmt.Errorf("--http-addr is the plain listener beside HTTPS: give --tls-cert and --tls-key, or --acme-domain, too")
		}
		ignoreHangUp()
		return &serverTLS{}, nil
	}
	s := &serverTLS{}
	if s.srv, err = tlsconf.New(cfg, log); err != nil {
		return nil, err
	}
	if f.httpAddr != "" {
		if s.httpLn, err = net.Listen("tcp", f.httpAddr); err != nil {
			return nil, fmt.Errorf("--http-addr: %w", err)
		}
	}
	if s.srv.Reloads() {
		s.hup = make(chan os.Signal, 1)
		signal.Notify(s.hup, syscall.SIGHUP)
	} else {
		ignoreHangUp()
	}
	return s, nil
}

// ignoreHangUp keeps a server with nothing to reload alive through a
// SIGHUP (a closed terminal, a service manager's reload), which would
// otherwise end it.
func ignoreHangUp() { signal.Ignore(syscall.SIGHUP) }

// config is the servers' tls.Config, nil for plain HTTP.
func (s *serverTLS) config() *tls.Config {
	if s.srv == nil {
		return nil
	}
	return s.srv.TLS
}

// scheme is the servers' URL scheme.
func (s *serverTLS) scheme() string {
	if s.srv == nil {
		return "http"
	}
	return "https"
}

// serve serves h on ln as httpserve.Serve does, over TLS if it is on.
func (s *serverTLS) serve(ctx context.Context, ln net.Listener, h http.Handler, log *slog.Logger) error {
	return httpserve.ServeTLS(ctx, ln, h, s.config(), log)
}

// url is the base URL of a server listening at addr, for clients on this
// machine (loopback when it listens on every interface), or with ACME
// at the first domain, the name its certificate is for.
func (s *serverTLS) url(addr net.Addr) string {
	if s.srv == nil {
		return localURL(addr)
	}
	tcp, ok := addr.(*net.TCPAddr)
	if s.srv.Domain == "" || !ok {
		return "https://" + loopbackHost(addr)
	}
	if tcp.Port == 443 {
		return "https://" + s.srv.Domain
	}
	return "https://" + net.JoinHostPort(s.srv.Domain, strconv.Itoa(tcp.Port))
}

// addServices adds the plain listener, redirecting to the TLS server at
// main, and the SIGHUP reloader to grp.
func (s *serverTLS) addServices(grp *runner.Group, main net.Addr, log *slog.Logger) {
	if s.httpLn != nil {
		_, port, _ := net.SplitHostPort(main.String())
		h := s.srv.HTTPHandler(port)
		grp.Add("plain HTTP (redirect)", func(ctx context.Context) error { return httpserve.Serve(ctx, s.httpLn, h, log) })
	}
	if s.hup != nil {
		grp.Add("TLS reload on SIGHUP", func(ctx context.Context) error {
			for {
				select {
				case <-ctx.Done():
					return nil
				case <-s.hup:
					// A failed reload is logged by the reloader and
					// keeps the pair served: the servers go on.
					_ = s.srv.Reload()
				}
			}
		})
	}
}

// close stops hearing SIGHUP and closes the plain listener, once the
// services have stopped.
func (s *serverTLS) close() {
	if s.hup != nil {
		signal.Stop(s.hup)
	}
	if s.httpLn != nil {
		s.httpLn.Close()
	}
}
