package gaia

import (
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/go-blockstack/go-blockstack/internal/metrics"
)

// hubOp is what a request asked the hub for: the op label of its metrics.
type hubOp uint8

const (
	opOther hubOp = iota // no endpoint, or a CORS preflight
	opHubInfo
	opHealth
	opStore
	opDelete
	opListFiles
	opRevokeAll
	opRead
	numOps
)

var opNames = [numOps]string{"other", "hub_info", "health", "store", "delete", "list_files", "revoke_all", "read"}

// hubMetrics are the hub's Prometheus metrics (docs/metrics.md), every
// one labelled with the driver's name. The request histograms are curried
// by operation and status class once, so that a request only observes. A
// nil *hubMetrics records nothing.
type hubMetrics struct {
	requests [numOps][len(metrics.Classes)]prometheus.Observer
	errors   *prometheus.CounterVec
	storedB  prometheus.Counter
	readB    prometheus.Counter
}

func newHubMetrics(reg prometheus.Registerer, driver string) *hubMetrics {
	if reg == nil {
		return nil
	}
	const sub = "gaia"
	labels := prometheus.Labels{"driver": driver}
	h := prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: metrics.Namespace, Subsystem: sub, Name: "request_duration_seconds",
		Help:        "Time to answer a request to the hub, by operation (store, read, ...) and status class; its _count is the requests.",
		ConstLabels: labels, Buckets: metrics.LatencyBuckets}, []string{"op", "code"})
	m := &hubMetrics{
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: metrics.Namespace, Subsystem: sub, Name: "errors_total",
			Help:        "Requests the hub refused or failed, by operation, status code and error name (as in the answer's JSON).",
			ConstLabels: labels}, []string{"op", "code", "error"}),
		storedB: prometheus.NewCounter(prometheus.CounterOpts{Namespace: metrics.Namespace, Subsystem: sub, Name: "stored_bytes_total",
			Help: "Bytes of the files stored.", ConstLabels: labels}),
		readB: prometheus.NewCounter(prometheus.CounterOpts{Namespace: metrics.Namespace, Subsystem: sub, Name: "read_bytes_total",
			Help: "Bytes of the files served by reads.", ConstLabels: labels}),
	}
	for op := range numOps {
		for c, class := range metrics.Classes {
			m.requests[op][c] = h.WithLabelValues(opNames[op], class)
		}
	}
	reg.MustRegister(h, m.errors, m.storedB, m.readB)
	return m
}

// observe counts a request that rec answered.
func (m *hubMetrics) observe(rec *recorder, took time.Duration) {
	if m == nil {
		return
	}
	status := rec.status
	if status == 0 {
		status = 200 // nothing written: net/http answers 200
	}
	m.requests[rec.op][metrics.Class(status)].Observe(took.Seconds())
	if rec.op == opRead && status < 300 {
		m.readB.Add(float64(rec.bytes))
	}
}

// failed counts a request answered with e.
func (m *hubMetrics) failed(op hubOp, e *HubError) {
	if m == nil {
		return
	}
	name := e.Name
	if name == "" {
		name = "ServerError" // the answer names none
	}
	m.errors.WithLabelValues(opNames[op], strconv.Itoa(e.Status), name).Inc()
}

// stored counts the bytes of a file stored.
func (m *hubMetrics) stored(n int64) {
	if m != nil {
		m.storedB.Add(float64(n))
	}
}
