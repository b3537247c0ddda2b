// Package httpserve holds the settings of the HTTP servers the node runs
// (REST API, explorer, hub, registrar): timeouts and header limits, so that
// a slow or hostile client holds a connection for a bounded time. It owns
// nothing but those settings; the bench commands use it to measure what
// the node serves.
package httpserve

import (
	"log/slog"
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
