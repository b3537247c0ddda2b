package gcs_test

import (
	"context"
	"testing"

	"github.com/go-blockstack/go-blockstack/gaia"
	"github.com/go-blockstack/go-blockstack/gaia/gaiatest"
	"github.com/go-blockstack/go-blockstack/gaia/gcs"
)

// TestConformance runs the driver suites against a real fake-gcs-server: one
// server for the whole test, a fresh bucket per subtest (two drivers over
// it for the shared-bucket suite).
func TestConformance(t *testing.T) {
	srv := gaiatest.StartFakeGCS(t)
	gaiatest.RunBucketDriverTests(t, func(t *testing.T, bucket string) gaia.Driver { return open(t, srv, bucket) })
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
