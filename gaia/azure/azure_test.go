package azure_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/go-blockstack/go-blockstack/gaia"
	"github.com/go-blockstack/go-blockstack/gaia/azure"
	"github.com/go-blockstack/go-blockstack/gaia/gaiatest"
)

// TestConformance runs the driver suite against a real Azurite: one
// server for the whole test, a fresh container per subtest.
func TestConformance(t *testing.T) {
	srv := gaiatest.StartAzurite(t)
	var n atomic.Int64
	gaiatest.RunDriverTests(t, func(t *testing.T) gaia.Driver {
		return open(t, srv, fmt.Sprintf("gaia-test-%d", n.Add(1)))
	})
}

// TestSharedBucket: two hubs, each with its own client, over one container.
func TestSharedBucket(t *testing.T) {
	srv := gaiatest.StartAzurite(t)
	var n atomic.Int64
	gaiatest.RunSharedTests(t, func(t *testing.T) (gaia.Driver, gaia.Driver) {
		c := fmt.Sprintf("gaia-shared-%d", n.Add(1))
		return open(t, srv, c), open(t, srv, c)
	})
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
