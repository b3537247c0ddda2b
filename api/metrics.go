package api

import (
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/go-blockstack/go-blockstack/internal/metrics"
)

// apiMetrics time the API's requests by route, method and status class
// (docs/metrics.md). The label values are the routes' patterns, never
// the paths asked for, so their number is bounded; every observer is
// curried once here, so that a request only looks its route up and
// observes. A nil *apiMetrics records nothing.
type apiMetrics struct {
	routes map[string]*routeObservers // by route pattern
	other  *routeObservers            // no route matched: 404s, unclean paths, CORS preflights
}

// routeObservers are a route's request-time histograms, by status class.
type routeObservers [len(metrics.Classes)]prometheus.Observer

func newAPIMetrics(reg prometheus.Registerer, routes []route) *apiMetrics {
	if reg == nil {
		return nil
	}
	h := prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: metrics.Namespace, Subsystem: "api", Name: "request_duration_seconds",
		Help:    "Time to answer a request to the REST API, by route pattern (other: none matched), method and status class; its _count is the requests.",
		Buckets: metrics.LatencyBuckets}, []string{"route", "method", "code"})
	reg.MustRegister(h)
	curry := func(method, route string) *routeObservers {
		var o routeObservers
		for i, c := range metrics.Classes {
			o[i] = h.WithLabelValues(route, method, c)
		}
		return &o
	}
	m := &apiMetrics{routes: map[string]*routeObservers{}, other: curry("other", "other")}
	for _, r := range routes {
		method, path, _ := strings.Cut(r.pattern, " ")
		m.routes[r.pattern] = curry(method, path)
	}
	return m
}

// observe counts a request that the route pattern ("" if none) answered
// with status after took.
func (m *apiMetrics) observe(pattern string, status int, took time.Duration) {
	if m == nil {
		return
	}
	o := m.routes[pattern]
	if o == nil {
		o = m.other
	}
	o[metrics.Class(status)].Observe(took.Seconds())
}
