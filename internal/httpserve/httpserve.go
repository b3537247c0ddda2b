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
	"time"
)

// New is an http.Server for h with the node's limits; its own errors
// (a bad request line, a TLS probe) go to log as warnings.
func New(h http.Handler, log *slog.Logger) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
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
