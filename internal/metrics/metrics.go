// Package metrics is what the servers' Prometheus instrumentation shares:
// the registry a command makes, the handler that serves it, the latency
// buckets and the status classes.
//
// The instrumentation itself lives in the packages that own the events
// (virtualchain, api, gaia, atlas, registrar): each takes a
// prometheus.Registerer in its Config and records nothing when it is nil,
// so that a library caller is never made to run a registry. Metric names
// and labels are listed in docs/metrics.md.
package metrics

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Namespace prefixes every metric of the project.
const Namespace = "blockstack"

// NewRegistry is a process's registry, with the Go runtime's and the
// process's collectors. Each command makes its own (not the global default
// registry), so that servers started side by side in one test process do
// not share counters.
func NewRegistry() *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return reg
}

// Handler serves reg in the exposition formats Prometheus asks for. A
// collector that fails is reported in the answer (HTTP 500 with the error)
// rather than hidden.
func Handler(reg *prometheus.Registry) http.Handler {
	return promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg, ErrorHandling: promhttp.HTTPErrorOnError})
}

// LatencyBuckets (seconds) span what a request to these servers takes:
// from a cached API answer (~100 µs) to a slow storage backend (seconds).
var LatencyBuckets = prometheus.ExponentialBuckets(0.0001, 4, 9)

// Classes are the status classes a request is counted under: the code's
// first digit, so that a label has 5 values whatever a handler answers.
var Classes = [...]string{"1xx", "2xx", "3xx", "4xx", "5xx"}

// Class is the index in Classes of an HTTP status code (out-of-range codes
// count as 5xx).
func Class(code int) int {
	if c := code/100 - 1; c >= 0 && c < len(Classes) {
		return c
	}
	return len(Classes) - 1
}
