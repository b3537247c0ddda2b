package registrar

import (
	"context"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/go-blockstack/go-blockstack/internal/metrics"
)

// countTimeout bounds the queue count a scrape makes.
const countTimeout = 2 * time.Second

// registrarMetrics are the registrar's Prometheus metrics
// (docs/metrics.md): its batches as they go, and its queue read at scrape
// time. A nil *registrarMetrics records nothing.
type registrarMetrics struct {
	store   *Store
	batches *prometheus.CounterVec
	errors  prometheus.Counter
	confirm prometheus.Histogram
	queue   *prometheus.Desc
}

func newRegistrarMetrics(reg prometheus.Registerer, store *Store) *registrarMetrics {
	if reg == nil {
		return nil
	}
	const sub = "registrar"
	m := &registrarMetrics{
		store: store,
		batches: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: metrics.Namespace, Subsystem: sub, Name: "batches_total",
			Help: "Batches (zone files and their NAME_UPDATE) by step reached: built, submitted (broadcast), confirmed (indexed by the node)."},
			[]string{"step"}),
		errors: prometheus.NewCounter(prometheus.CounterOpts{Namespace: metrics.Namespace, Subsystem: sub, Name: "batch_errors_total",
			Help: "Failed attempts to build or send a batch (each is retried)."}),
		confirm: prometheus.NewHistogram(prometheus.HistogramOpts{Namespace: metrics.Namespace, Subsystem: sub, Name: "confirm_seconds",
			Help:    "Time from a batch's building to its confirmation.",
			Buckets: prometheus.ExponentialBuckets(1, 2, 14)}), // 1 s to ~2 h: a Bitcoin block is 10 minutes on average
		queue: prometheus.NewDesc(prometheus.BuildFQName(metrics.Namespace, sub, "requests"),
			"Requests in the queue, by state (pending, submitted, confirmed, failed).", []string{"state"}, nil),
	}
	reg.MustRegister(m.batches, m.errors, m.confirm, m)
	return m
}

func (m *registrarMetrics) Describe(ch chan<- *prometheus.Desc) { ch <- m.queue }

// Collect counts the queue when Prometheus asks; a count that fails is
// reported to the scrape as an invalid metric, not left out silently.
func (m *registrarMetrics) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), countTimeout)
	defer cancel()
	counts, err := m.store.Counts(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(m.queue, err)
		return
	}
	for _, st := range []State{StatePending, StateSubmitted, StateConfirmed, StateFailed} {
		ch <- prometheus.MustNewConstMetric(m.queue, prometheus.GaugeValue, float64(counts[st]), string(st))
	}
}

// step counts a batch reaching a step (the hook's "batch:<step>").
func (m *registrarMetrics) step(event string) {
	if m == nil {
		return
	}
	if s, ok := strings.CutPrefix(event, "batch:"); ok {
		m.batches.WithLabelValues(s).Inc()
	}
}

// confirmed times a batch built at built.
func (m *registrarMetrics) confirmed(built time.Time) {
	if m != nil && !built.IsZero() {
		m.confirm.Observe(time.Since(built).Seconds())
	}
}

func (m *registrarMetrics) failed() {
	if m != nil {
		m.errors.Inc()
	}
}
