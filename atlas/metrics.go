package atlas

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/go-blockstack/go-blockstack/internal/metrics"
)

// nodeMetrics are the Atlas peer's Prometheus metrics (docs/metrics.md):
// counters of the pulls and pushes, and the inventory and the peer table
// read at scrape time. A nil *nodeMetrics records nothing.
type nodeMetrics struct {
	n                    *Node
	pulls, pushes        *prometheus.CounterVec
	pulled               prometheus.Counter
	received             *prometheus.CounterVec
	inventory, missing   *prometheus.Desc
	peers, nbrs, healthD *prometheus.Desc
}

func newNodeMetrics(reg prometheus.Registerer, n *Node) *nodeMetrics {
	if reg == nil {
		return nil
	}
	const sub = "atlas"
	name := func(s string) string { return prometheus.BuildFQName(metrics.Namespace, sub, s) }
	m := &nodeMetrics{
		n: n,
		pulls: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: metrics.Namespace, Subsystem: sub, Name: "pulls_total",
			Help: "get_zonefiles requests made to peers, by result (ok or error)."}, []string{"result"}),
		pulled: prometheus.NewCounter(prometheus.CounterOpts{Namespace: metrics.Namespace, Subsystem: sub, Name: "pulled_zonefiles_total",
			Help: "Zone files pulled from peers and stored."}),
		pushes: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: metrics.Namespace, Subsystem: sub, Name: "pushes_total",
			Help: "put_zonefiles requests made to peers (gossip of new zone files' bytes), by result (ok or error)."}, []string{"result"}),
		received: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: metrics.Namespace, Subsystem: sub, Name: "received_zonefiles_total",
			Help: "Zone files peers pushed to this node, by result (saved, present, unnamed, invalid, failed)."}, []string{"result"}),
		inventory: prometheus.NewDesc(name("zonefiles"), "Zone file hashes the chain names (the inventory).", nil, nil),
		missing:   prometheus.NewDesc(name("zonefiles_missing"), "Zone files of the inventory this node does not hold.", nil, nil),
		peers:     prometheus.NewDesc(name("peers"), "Peers in the peer table.", nil, nil),
		nbrs:      prometheus.NewDesc(name("neighbours"), "Peers of the table that are neighbours (refreshed, pulled from, pushed to).", nil, nil),
		healthD: prometheus.NewDesc(name("peer_health"),
			"A peer's health: its successes over its requests in the health window (the peer table is bounded, and so are its labels).",
			[]string{"peer"}, nil),
	}
	reg.MustRegister(m.pulls, m.pulled, m.pushes, m.received, m)
	return m
}

func (m *nodeMetrics) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{m.inventory, m.missing, m.peers, m.nbrs, m.healthD} {
		ch <- d
	}
}

func (m *nodeMetrics) Collect(ch chan<- prometheus.Metric) {
	st := m.n.Status()
	gauge := func(d *prometheus.Desc, v int, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, float64(v), labels...)
	}
	gauge(m.inventory, st.Inventory)
	gauge(m.missing, st.Inventory-st.Present)
	gauge(m.peers, st.Peers)
	gauge(m.nbrs, st.Neighbours)
	for _, p := range m.n.Peers() {
		ch <- prometheus.MustNewConstMetric(m.healthD, prometheus.GaugeValue, p.Health, p.Addr)
	}
}

func result(err error) string {
	if err != nil {
		return "error"
	}
	return "ok"
}

// pull counts a get_zonefiles request and the files it brought.
func (m *nodeMetrics) pull(err error, stored int) {
	if m != nil {
		m.pulls.WithLabelValues(result(err)).Inc()
		m.pulled.Add(float64(stored))
	}
}

// push counts a put_zonefiles request.
func (m *nodeMetrics) push(err error) {
	if m != nil {
		m.pushes.WithLabelValues(result(err)).Inc()
	}
}

// receive counts the files of a put_zonefiles request served, by result.
func (m *nodeMetrics) receive(results []string) {
	if m == nil {
		return
	}
	for _, r := range results {
		m.received.WithLabelValues(r).Inc()
	}
}
