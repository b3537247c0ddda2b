package s3_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/go-blockstack/go-blockstack/gaia"
	"github.com/go-blockstack/go-blockstack/gaia/gaiatest"
	gaias3 "github.com/go-blockstack/go-blockstack/gaia/s3"
)

// TestConformance runs the driver suite against a real versitygw: one
// server for the whole test, a fresh S3 bucket per subtest.
func TestConformance(t *testing.T) {
	srv := gaiatest.StartVersityGW(t)
	var n atomic.Int64
	gaiatest.RunDriverTests(t, func(t *testing.T) gaia.Driver {
		return open(t, srv, fmt.Sprintf("gaia-test-%d", n.Add(1)))
	})
}

// TestSharedBucket: two hubs, each with its own client, over one bucket.
func TestSharedBucket(t *testing.T) {
	srv := gaiatest.StartVersityGW(t)
	var n atomic.Int64
	gaiatest.RunSharedTests(t, func(t *testing.T) (gaia.Driver, gaia.Driver) {
		b := fmt.Sprintf("gaia-shared-%d", n.Add(1))
		return open(t, srv, b), open(t, srv, b)
	})
}

func open(t *testing.T, srv *gaiatest.S3Server, bucket string) gaia.Driver {
	t.Helper()
	d, err := gaias3.New(context.Background(), gaias3.Config{
		Bucket:          bucket,
		Endpoint:        srv.Endpoint,
		Region:          srv.Region,
		AccessKeyID:     srv.AccessKey,
		SecretAccessKey: srv.SecretKey,
		PathStyle:       true,
		SpoolDir:        t.TempDir(),
	})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestNewRejectsBadConfig(t *testing.T) {
	for _, c := range []gaias3.Config{
		{},
		{Bucket: "b"},
		{Bucket: "b", AccessKeyID: "k"},
	} {
		if _, err := gaias3.New(context.Background(), c); err == nil {
			t.Errorf("New(%+v) succeeded", c)
		}
	}
}
