package gcs_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/go-blockstack/go-blockstack/gaia"
	"github.com/go-blockstack/go-blockstack/gaia/gaiatest"
	"github.com/go-blockstack/go-blockstack/gaia/gcs"
)

// TestConformance runs the driver suite against a real fake-gcs-server:
// one server for the whole test, a fresh GCS bucket per subtest.
func TestConformance(t *testing.T) {
	srv := gaiatest.StartFakeGCS(t)
	var n atomic.Int64
	gaiatest.RunDriverTests(t, func(t *testing.T) gaia.Driver {
		return open(t, srv, fmt.Sprintf("gaia-test-%d", n.Add(1)))
	})
}

// TestSharedBucket: two hubs, each with its own client, over one bucket.
func TestSharedBucket(t *testing.T) {
	srv := gaiatest.StartFakeGCS(t)
	var n atomic.Int64
	gaiatest.RunSharedTests(t, func(t *testing.T) (gaia.Driver, gaia.Driver) {
		b := fmt.Sprintf("gaia-shared-%d", n.Add(1))
		return open(t, srv, b), open(t, srv, b)
	})
}

func open(t *testing.T, srv *gaiatest.GCSServer, bucket string) gaia.Driver {
	t.Helper()
	d, err := gcs.New(context.Background(), gcs.Config{
		Bucket: bucket, ProjectID: "gaiatest", Endpoint: srv.Endpoint, SpoolDir: t.TempDir(),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

func TestNewRejectsBadConfig(t *testing.T) {
	for _, c := range []gcs.Config{
		{},
		{Bucket: "b", ClientEmail: "a@b"},
		{Bucket: "b", PrivateKey: "k"},
	} {
		if _, err := gcs.New(context.Background(), c); err == nil {
			t.Errorf("New(%+v) succeeded", c)
		}
	}
}
