package gaia

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// The revocation timestamp of bucket A lives where the reference hub keeps
// it: file "authTimestamp" in bucket "A-auth", decimal seconds.
const (
	authTimestampFile        = "authTimestamp"
	authTimestampContentType = "text/plain; charset=UTF-8"
	maxAuthTimestampBytes    = 1024
)

// revocations reads and raises buckets' oldest-valid-token timestamps
// through the driver. Unlike the reference hub, which fetches the timestamp
// from its read URL and caches it, it reads storage on every request: a
// revoke-all made through another hub process over the same storage must
// take effect here at once, and a cache would let a revoked token write
// until the entry expired. That is one small read per authorised request.
type revocations struct {
	driver Driver
}

func newRevocations(d Driver) *revocations { return &revocations{driver: d} }

// oldest returns the bucket's oldest valid token timestamp (0: none).
func (r *revocations) oldest(ctx context.Context, address string) (int64, error) {
	ts, _, err := r.read(ctx, address)
	return ts, err
}

// read returns the stored timestamp and the ETag of its file ("" when there
// is none).
func (r *revocations) read(ctx context.Context, address string) (int64, string, error) {
	obj, err := r.driver.Get(ctx, address+authBucketSuffix, authTimestampFile)
	if errors.Is(err, ErrNotFound) {
		return 0, "", nil
	}
	if err != nil {
		return 0, "", fmt.Errorf("read revocation timestamp of %s: %w", address, err)
	}
	defer obj.Body.Close()
	b, err := io.ReadAll(io.LimitReader(obj.Body, maxAuthTimestampBytes+1))
	if err != nil {
		return 0, "", fmt.Errorf("read revocation timestamp of %s: %w", address, err)
	}
	ts, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
	if err != nil || ts < 0 || len(b) > maxAuthTimestampBytes {
		return 0, "", validationError("Bucket contained an invalid authentication revocation timestamp: %q", truncate(string(b)))
	}
	return ts, obj.ETag, nil
}

// raise stores ts as the bucket's timestamp unless the stored one is
// already later: revocation only ever moves forward, even when hubs over
// one storage raise it at once. Each write is conditional on the version
// read; one that loses to another writer reads again.
func (r *revocations) raise(ctx context.Context, address string, ts int64) error {
	for {
		cur, etag, err := r.read(ctx, address)
		if err != nil {
			return err
		}
		if ts <= cur {
			return nil
		}
		_, err = r.driver.Put(ctx, address+authBucketSuffix, authTimestampFile,
			strings.NewReader(strconv.FormatInt(ts, 10)),
			PutOptions{ContentType: authTimestampContentType, IfMatch: etag, IfNoneMatch: etag == ""})
		if err == nil {
			return nil
		}
		if !errors.Is(err, ErrPreconditionFailed) {
			return fmt.Errorf("write revocation timestamp of %s: %w", address, err)
		}
	}
}
