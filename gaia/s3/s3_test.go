package s3_test

import (
	"context"
	"testing"

	"github.com/go-blockstack/go-blockstack/gaia"
	"github.com/go-blockstack/go-blockstack/gaia/gaiatest"
	gaias3 "github.com/go-blockstack/go-blockstack/gaia/s3"
)

// TestConformance runs the driver suites against a real versitygw: one
// server for the whole test, a fresh bucket per subtest (two drivers over
// it for the shared-bucket suite).
func TestConformance(t *testing.T) {
	srv := gaiatest.StartVersityGW(t)
	gaiatest.RunBucketDriverTests(t, func(t *testing.T, bucket string) gaia.Driver { return open(t, srv, bucket) })
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
