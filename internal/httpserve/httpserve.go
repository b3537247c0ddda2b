// Package httpserve holds the settings of the HTTP servers the node runs
// (REST API, explorer, hub, registrar): timeouts and header limits, so that
// a slow or hostile client holds a connection for a bounded time, and how
// such a server runs as a service of a command (Serve, ServeTLS with a
// tls.Config from internal/tlsconf). It keeps no state;
// the bench commands use it to measure what the node serves.
package httpserve

import (
	"context"
	"crypto/tls"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"
)

// New is an http.Server for h with the node's limits; its own errors (a
// bad request line, a failed read) go to log as warnings, except failed
// TLS handshakes, which go at debug level: on a public port scanners and
// clients with old TLS versions make them all day, and they say nothing
// about the server.
func New(h http.Handler, log *slog.Logger) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(serverErrors{log.Handler()}, slog.LevelWarn),
	}
}

// shutdownGrace is how long Serve lets requests in flight finish once its
// context ends, before it closes their connections.
const shutdownGrace = 5 * time.Second

// Serve serves h on ln with the node's limits until ctx ends, then shuts
// down, letting requests in flight finish for a while; it returns nil
// then, and the server's error if it stops on its own (its listener
// failed). It closes ln.
func Serve(ctx context.Context, ln net.Listener, h http.Handler, log *slog.Logger) error {
	return ServeTLS(ctx, ln, h, nil, log)
}

// ServeTLS is Serve over TLS as cfg says (HTTP/2 offered beside
// HTTP/1.1); a nil cfg is plain HTTP (Serve).
func ServeTLS(ctx context.Context, ln net.Listener, h http.Handler, cfg *tls.Config, log *slog.Logger) error {
	srv := New(h, log)
	served := make(chan error, 1)
	if cfg == nil {
		go func() { served <- srv.Serve(ln) }()
	} else {
		srv.TLSConfig = cfg
		// The certificate comes from cfg (GetCertificate), not files.
		go func() { served <- srv.ServeTLS(ln, "", "") }()
	}
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if srv.Shutdown(sctx) != nil {
		// Requests still running past the grace period are cut off: a
		// stop is not a failure.
		srv.Close()
	}
	<-served
	return nil
}

// serverErrors is the handler of an http.Server's own log lines: it
// demotes those about failed TLS handshakes to debug.
type serverErrors struct{ slog.Handler }

func (h serverErrors) Handle(ctx context.Context, r slog.Record) error {
	if strings.HasPrefix(r.Message, "http: TLS handshake error") {
		if !h.Handler.Enabled(ctx, slog.LevelDebug) {
			return nil
		}
		r.Level = slog.LevelDebug
	}
	return h.Handler.Handle(ctx, r)
}

func (h serverErrors) WithAttrs(as []slog.Attr) slog.Handler {
	return serverErrors{h.Handler.WithAttrs(as)}
}

func (h serverErrors) WithGroup(name string) slog.Handler {
	return serverErrors{h.Handler.WithGroup(name)}
}
