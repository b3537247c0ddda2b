package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/spf13/pflag"

	"github.com/go-blockstack/go-blockstack/internal/httpserve"
	"github.com/go-blockstack/go-blockstack/internal/metrics"
	"github.com/go-blockstack/go-blockstack/internal/runner"
)

// addMetricsFlag adds --metrics-addr to a server command.
func addMetricsFlag(fs *pflag.FlagSet, addr *string) {
	fs.StringVar(addr, "metrics-addr", "",
		"serve Prometheus metrics at http://`address`/metrics, a listener of their own (default: no metrics; docs/metrics.md)")
}

// metricsServer is a command's Prometheus registry and the listener that
// serves it at /metrics. A nil *metricsServer is metrics off.
type metricsServer struct {
	reg *prometheus.Registry
	ln  net.Listener
}

// listenMetrics makes the registry and binds its listener at addr; nil
// when addr is "" (metrics off).
func listenMetrics(addr string, log *slog.Logger) (*metricsServer, error) {
	if addr == "" {
		return nil, nil
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("--metrics-addr: %w", err)
	}
	m := &metricsServer{reg: metrics.NewRegistry(), ln: ln}
	log.Info("metrics listening", "url", m.url())
	return m, nil
}

// registerer is where the command's packages register their metrics: nil
// (the interface, not a nil pointer in it) when metrics are off.
func (m *metricsServer) registerer() prometheus.Registerer {
	if m == nil {
		return nil
	}
	return m.reg
}

func (m *metricsServer) url() string { return localURL(m.ln.Addr()) + "/metrics" }

// addService serves the metrics; nothing when they are off.
func (m *metricsServer) addService(grp *runner.Group, log *slog.Logger) {
	if m == nil {
		return
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", metrics.Handler(m.reg))
	grp.Add("metrics", func(ctx context.Context) error { return httpserve.Serve(ctx, m.ln, mux, log) })
}

// close releases the listener, once the service has stopped.
func (m *metricsServer) close() {
	if m != nil {
		m.ln.Close()
	}
}
