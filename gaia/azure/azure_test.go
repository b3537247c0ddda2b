package azure_test

import (
	"context"
	"testing"

	"github.com/go-blockstack/go-blockstack/gaia"
	"github.com/go-blockstack/go-blockstack/gaia/azure"
	"github.com/go-blockstack/go-blockstack/gaia/gaiatest"
)

// TestConformance runs the driver suites against a real Azurite: one
// server for the whole test, a fresh bucket per subtest (two drivers over
// it for the shared-bucket suite).
func TestConformance(t *testing.T) {
	srv := gaiatest.StartAzurite(t)
	gaiatest.RunBucketDriverTests(t, func(t *testing.T, bucket string) gaia.Driver { return open(t, srv, bucket) })
}

func open(t *testing.T, srv *gaiatest.AzureServer, container string) gaia.Driver {
	t.Helper()
	d, err := azure.New(context.Background(), azure.Config{
		Container: container, AccountName: srv.Account, AccountKey: srv.Key, Endpoint: srv.Endpoint, SpoolDir: t.TempDir(),
	})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestNewRejectsBadConfig(t *testing.T) {
	for _, c := range []azure.Config{
		{},
		{Container: "hub"},
		{Container: "hub", AccountName: "a"},
		{Container: "hub", AccountName: "a", AccountKey: "not base64!"},
	} {
		if _, err := azure.New(context.Background(), c); err == nil {
			t.Errorf("New(%+v) succeeded", c)
		}
	}
}
