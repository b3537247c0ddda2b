package gaiatest

import (
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/go-blockstack/go-blockstack/gaia"
)

// OpenBucket makes a driver over the named bucket (an S3 or GCS bucket, an
// Azure container) of one storage server.
type OpenBucket func(t *testing.T, bucket string) gaia.Driver

// RunBucketDriverTests runs the suites of a driver whose storage holds
// many buckets: the conformance suite with a fresh bucket per subtest,
// and the shared-bucket suite with two drivers, each with a client of its
// own, over each of its fresh buckets.
func RunBucketDriverTests(t *testing.T, open OpenBucket) {
	var n atomic.Int64
	fresh := func(kind string) string { return fmt.Sprintf("gaia-%s-%d", kind, n.Add(1)) }
	t.Run("Conformance", func(t *testing.T) {
		RunDriverTests(t, func(t *testing.T) gaia.Driver { return open(t, fresh("test")) })
	})
	t.Run("SharedBucket", func(t *testing.T) {
		RunSharedTests(t, func(t *testing.T) (gaia.Driver, gaia.Driver) {
			b := fresh("shared")
			return open(t, b), open(t, b)
		})
	})
}
