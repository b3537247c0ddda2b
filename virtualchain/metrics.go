package virtualchain

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/go-blockstack/go-blockstack/chain"
	"github.com/go-blockstack/go-blockstack/internal/metrics"
)

// tipTimeout bounds the look at the chain's tip a scrape makes: a slow
// Bitcoin node leaves the tip and the lag out of that scrape instead of
// holding it.
const tipTimeout = 2 * time.Second

// indexerMetrics are the indexer's Prometheus metrics (docs/metrics.md);
// a nil *indexerMetrics records nothing.
type indexerMetrics struct {
	backend chain.Backend
	height  atomic.Int64 // last applied block
	ops     *prometheus.CounterVec
	apply   prometheus.Histogram

	heightDesc, tipDesc, lagDesc *prometheus.Desc
}

// opOutcome is one operation of a block: its kind and whether the rules
// accepted it.
type opOutcome struct {
	op       string
	accepted bool
}

func newIndexerMetrics(reg prometheus.Registerer, backend chain.Backend) *indexerMetrics {
	if reg == nil {
		return nil
	}
	const sub = "indexer"
	m := &indexerMetrics{
		backend: backend,
		ops: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: metrics.Namespace, Subsystem: sub, Name: "operations_total",
			Help: "Name operations applied, by kind (NAME_REGISTRATION, ...; unknown: undecodable) and result (accepted or rejected)."},
			[]string{"kind", "result"}),
		apply: prometheus.NewHistogram(prometheus.HistogramOpts{Namespace: metrics.Namespace, Subsystem: sub, Name: "block_apply_seconds",
			Help:    "Time to apply one block's operations to the name database (before its commit).",
			Buckets: prometheus.ExponentialBuckets(0.0005, 4, 8)}),
		heightDesc: prometheus.NewDesc(prometheus.BuildFQName(metrics.Namespace, sub, "height"),
			"Height of the last block applied.", nil, nil),
		tipDesc: prometheus.NewDesc(prometheus.BuildFQName(metrics.Namespace, sub, "chain_tip_height"),
			"Height of the chain's tip, as the Bitcoin node says at scrape time (absent if it does not answer).", nil, nil),
		lagDesc: prometheus.NewDesc(prometheus.BuildFQName(metrics.Namespace, sub, "lag_blocks"),
			"Blocks between the chain's tip and the last block applied (absent if the tip is unknown).", nil, nil),
	}
	reg.MustRegister(m.ops, m.apply, m)
	return m
}

// Describe and Collect make the heights a collector of their own: the
// tip is read when Prometheus asks, so the lag is never older than the
// scrape.
func (m *indexerMetrics) Describe(ch chan<- *prometheus.Desc) {
	ch <- m.heightDesc
	ch <- m.tipDesc
	ch <- m.lagDesc
}

func (m *indexerMetrics) Collect(ch chan<- prometheus.Metric) {
	h := m.height.Load()
	ch <- prometheus.MustNewConstMetric(m.heightDesc, prometheus.GaugeValue, float64(h))
	ctx, cancel := context.WithTimeout(context.Background(), tipTimeout)
	defer cancel()
	tip, err := m.backend.Tip(ctx)
	if err != nil {
		return
	}
	ch <- prometheus.MustNewConstMetric(m.tipDesc, prometheus.GaugeValue, float64(tip.Height))
	ch <- prometheus.MustNewConstMetric(m.lagDesc, prometheus.GaugeValue, float64(max(tip.Height-h, 0)))
}

// setHeight notes the last applied block.
func (m *indexerMetrics) setHeight(h int64) {
	if m != nil {
		m.height.Store(h)
	}
}

// applied counts a block's operations and the time it took.
func (m *indexerMetrics) applied(outcomes []opOutcome, took time.Duration) {
	if m == nil {
		return
	}
	m.apply.Observe(took.Seconds())
	for _, o := range outcomes {
		kind, result := o.op, "rejected"
		if kind == "" {
			kind = "unknown"
		}
		if o.accepted {
			result = "accepted"
		}
		m.ops.WithLabelValues(kind, result).Inc()
	}
}
