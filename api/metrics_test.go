package api

import (
	"net/http/httptest"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/go-blockstack/go-blockstack/internal/metrics/metricstest"
)

// TestMetricsByRoute: requests are counted under their route's pattern
// and status class, never their path; what no route answers is "other".
func TestMetricsByRoute(t *testing.T) {
	s, _ := fixture(t)
	cfg := s.cfg
	reg := prometheus.NewRegistry()
	cfg.Metrics = reg
	s = New(cfg)
	for _, c := range []struct {
		method, path string
		status       int
	}{
		{"GET", "/v1/names/alice.test", 200},
		{"GET", "/v1/names/old.test", 200},
		{"GET", "/v1/names/nobody.test", 404},
		{"GET", "/v1/no/such/route", 404},
		{"GET", "/v1/names/../names", 400},
		{"OPTIONS", "/v1/names/alice.test", 405},
	} {
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, httptest.NewRequest(c.method, c.path, nil))
		if rec.Code != c.status {
			t.Fatalf("%s %s: %d, want %d", c.method, c.path, rec.Code, c.status)
		}
	}
	m := metricstest.ScrapeRegistry(t, reg)
	const name = "blockstack_api_request_duration_seconds"
	for _, c := range []struct {
		labels []string
		want   float64
	}{
		{[]string{"route", "/v1/names/{name}", "method", "GET", "code", "2xx"}, 2},
		{[]string{"route", "/v1/names/{name}", "method", "GET", "code", "4xx"}, 1},
		{[]string{"route", "other", "code", "4xx"}, 3},
		{[]string{"route", "/v1/info", "code", "2xx"}, 0},
	} {
		if got := m.Value(t, name, c.labels...); got != c.want {
			t.Errorf("%s%v = %v, want %v", name, c.labels, got, c.want)
		}
	}
	if n := len(m[name].GetMetric()); n != (len(s.routes())+1)*5 {
		t.Errorf("%d series, want a route's 5 status classes for each of %d routes and other", n, len(s.routes()))
	}
}
