// Package s3 is the Gaia hub's S3 storage driver (gaia.Driver), for AWS S3
// and S3-compatible servers (MinIO, versitygw, Ceph RGW, ...), built on
// aws-sdk-go-v2.
//
// It owns the objects under "<bucket>/" keys in one S3 bucket (object key
// "<gaia bucket>/<path>", as the reference hub's S3 driver) and the
// temporary spool files of uploads in progress. It must not touch other
// keys or buckets.
//
// ETags are S3's own, quoted ("<md5 hex>" for these single-part uploads),
// as the reference hub reports them. Rename is copy then delete, not atomic,
// as in the reference hub.
package s3

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"

	"github.com/go-blockstack/go-blockstack/gaia"
	"github.com/go-blockstack/go-blockstack/gaia/internal/spool"
)

// Config says which S3 bucket to use and how to reach it.
type Config struct {
	// Bucket is the S3 bucket; it is created if missing.
	Bucket string `json:"bucket"`
	// Endpoint is the server's base URL, e.g. "http://127.0.0.1:7070";
	// empty means AWS.
	Endpoint string `json:"endpoint"`
	// Region defaults to "us-east-1".
	Region          string `json:"region"`
	AccessKeyID     string `json:"accessKeyId"`
	SecretAccessKey string `json:"secretAccessKey"`
	SessionToken    string `json:"sessionToken"`
	// PathStyle addresses the bucket as <endpoint>/<bucket> instead of
	// <bucket>.<endpoint> (needed by most self-hosted servers).
	PathStyle bool `json:"pathStyle"`
	// CacheControl is stored with each object, for readers that fetch
	// straight from the bucket.
	CacheControl string `json:"cacheControl"`
	// SpoolDir holds uploads larger than spool.InMemory while they are
	// sent (default os.TempDir()). Bodies are spooled because SigV4 over
	// plain HTTP needs a seekable payload to hash.
	SpoolDir string `json:"spoolDir"`
}

// Driver stores objects in one S3 bucket.
type Driver struct {
	client *s3.Client
	cfg    Config
}

var _ gaia.Driver = (*Driver)(nil)

// New connects to S3 and creates the bucket if it does not exist.
func New(ctx context.Context, cfg Config) (*Driver, error) {
	if cfg.Bucket == "" {
		return nil, errors.New("s3 driver: no bucket")
	}
	if cfg.AccessKeyID == "" || cfg.SecretAccessKey == "" {
		return nil, errors.New("s3 driver: access key id and secret access key are required")
	}
	if cfg.Region == "" {
		cfg.Region = "us-east-1"
	}
	opts := s3.Options{
		Region:       cfg.Region,
		Credentials:  credentials.NewStaticCredentialsProvider(cfg.AccessKeyID, cfg.SecretAccessKey, cfg.SessionToken),
		UsePathStyle: cfg.PathStyle,
		// Content-MD5 already guards each upload; the SDK's default CRC
		// trailers are not understood by every S3-compatible server.
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenRequired,
		ResponseChecksumValidation: aws.ResponseChecksumValidationWhenRequired,
	}
	if cfg.Endpoint != "" {
		opts.BaseEndpoint = aws.String(cfg.Endpoint)
	}
	d := &Driver{client: s3.New(opts), cfg: cfg}
	if err := d.ensureBucket(ctx); err != nil {
		return nil, err
	}
	return d, nil
}

func (d *Driver) ensureBucket(ctx context.Context) error {
	_, err := d.client.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: &d.cfg.Bucket})
	if err == nil {
		return nil
	}
	if !isNotFound(err) {
		return fmt.Errorf("s3 driver: head bucket %s: %w", d.cfg.Bucket, err)
	}
	_, err = d.client.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: &d.cfg.Bucket})
	var owned *types.BucketAlreadyOwnedByYou
	if err != nil && !errors.As(err, &owned) {
		return fmt.Errorf("s3 driver: create bucket %s: %w", d.cfg.Bucket, err)
	}
	return nil
}

func isNotFound(err error) bool {
	var nsk *types.NoSuchKey
	var nf *types.NotFound
	var nsb *types.NoSuchBucket
	if errors.As(err, &nsk) || errors.As(err, &nf) || errors.As(err, &nsb) {
		return true
	}
	var re *awshttp.ResponseError
	if errors.As(err, &re) && re.HTTPStatusCode() == http.StatusNotFound {
		return true
	}
	var ae smithy.APIError
	return errors.As(err, &ae) && (ae.ErrorCode() == "NoSuchKey" || ae.ErrorCode() == "NotFound")
}

// isPreconditionFailed: S3 refused a conditional write (412). Some servers
// answer 409 ConditionalRequestConflict when another conditional write to
// the key is in flight; that writer may win, so this one has lost too.
func isPreconditionFailed(err error) bool {
	var re *awshttp.ResponseError
	if errors.As(err, &re) && (re.HTTPStatusCode() == http.StatusPreconditionFailed) {
		return true
	}
	var ae smithy.APIError
	return errors.As(err, &ae) && (ae.ErrorCode() == "PreconditionFailed" || ae.ErrorCode() == "ConditionalRequestConflict")
}

func key(bucket, p string) (string, error) {
	if err := gaia.ValidateBucket(bucket); err != nil {
		return "", err
	}
	if err := gaia.ValidatePath(p); err != nil {
		return "", err
	}
	return bucket + "/" + p, nil
}

// Put uploads the whole body in one PutObject with its Content-MD5; S3
// stores all of it or nothing. The body is spooled first, so one that
// fails part-way is never sent.
func (d *Driver) Put(ctx context.Context, bucket, p string, body io.Reader, opts gaia.PutOptions) (gaia.ObjectInfo, error) {
	k, err := key(bucket, p)
	if err != nil {
		return gaia.ObjectInfo{}, err
	}
	sp, err := spool.Read(ctx, body, d.cfg.SpoolDir)
	if err != nil {
		return gaia.ObjectInfo{}, fmt.Errorf("s3 put %s: %w", k, err)
	}
	defer sp.Close()
	in := &s3.PutObjectInput{
		Bucket:        &d.cfg.Bucket,
		Key:           &k,
		Body:          sp,
		ContentLength: aws.Int64(sp.Size),
		ContentMD5:    aws.String(base64.StdEncoding.EncodeToString(sp.MD5)),
		ContentType:   aws.String(opts.ContentType),
	}
	// S3's own conditional writes (answered 412), so that they hold against
	// every hub writing to this bucket.
	if opts.IfMatch != "" {
		in.IfMatch = aws.String(gaia.QuotedETag(opts.IfMatch))
	}
	if opts.IfNoneMatch {
		in.IfNoneMatch = aws.String("*")
	}
	if d.cfg.CacheControl != "" {
		in.CacheControl = &d.cfg.CacheControl
	}
	out, err := d.client.PutObject(ctx, in)
	if err != nil {
		// If-Match on a missing key is answered 404 NoSuchKey.
		if isPreconditionFailed(err) || opts.IfMatch != "" && isNotFound(err) {
			return gaia.ObjectInfo{}, fmt.Errorf("s3 put %s: %w", k, gaia.ErrPreconditionFailed)
		}
		return gaia.ObjectInfo{}, fmt.Errorf("s3 put %s: %w", k, err)
	}
	// PutObject reports no modification time; the hub only needs the ETag.
	return gaia.ObjectInfo{Name: p, ETag: aws.ToString(out.ETag), Size: sp.Size, ContentType: opts.ContentType, LastModified: time.Now()}, nil
}

// Get streams an object; the body does not seek.
func (d *Driver) Get(ctx context.Context, bucket, p string) (*gaia.Object, error) {
	k, err := key(bucket, p)
	if err != nil {
		return nil, err
	}
	out, err := d.client.GetObject(ctx, &s3.GetObjectInput{Bucket: &d.cfg.Bucket, Key: &k})
	if err != nil {
		if isNotFound(err) {
			return nil, fmt.Errorf("%w: %s", gaia.ErrNotFound, k)
		}
		return nil, fmt.Errorf("s3 get %s: %w", k, err)
	}
	return &gaia.Object{
		ObjectInfo: gaia.ObjectInfo{Name: p, ETag: aws.ToString(out.ETag), Size: aws.ToInt64(out.ContentLength),
			ContentType: aws.ToString(out.ContentType), LastModified: aws.ToTime(out.LastModified)},
		Body: out.Body,
	}, nil
}

// Stat is HeadObject.
func (d *Driver) Stat(ctx context.Context, bucket, p string) (gaia.ObjectInfo, error) {
	k, err := key(bucket, p)
	if err != nil {
		return gaia.ObjectInfo{}, err
	}
	return d.head(ctx, k, p)
}

func (d *Driver) head(ctx context.Context, k, p string) (gaia.ObjectInfo, error) {
	out, err := d.client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: &d.cfg.Bucket, Key: &k})
	if err != nil {
		if isNotFound(err) {
			return gaia.ObjectInfo{}, fmt.Errorf("%w: %s", gaia.ErrNotFound, k)
		}
		return gaia.ObjectInfo{}, fmt.Errorf("s3 head %s: %w", k, err)
	}
	return gaia.ObjectInfo{Name: p, ETag: aws.ToString(out.ETag), Size: aws.ToInt64(out.ContentLength),
		ContentType: aws.ToString(out.ContentType), LastModified: aws.ToTime(out.LastModified)}, nil
}

// Delete checks that the object exists (S3's DeleteObject does not say)
// and deletes it.
func (d *Driver) Delete(ctx context.Context, bucket, p string) error {
	k, err := key(bucket, p)
	if err != nil {
		return err
	}
	if _, err := d.head(ctx, k, p); err != nil {
		return err
	}
	if _, err := d.client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: &d.cfg.Bucket, Key: &k}); err != nil {
		return fmt.Errorf("s3 delete %s: %w", k, err)
	}
	return nil
}

// Rename is CopyObject then DeleteObject.
func (d *Driver) Rename(ctx context.Context, bucket, from, to string) error {
	src, err := key(bucket, from)
	if err != nil {
		return err
	}
	dst, err := key(bucket, to)
	if err != nil {
		return err
	}
	if _, err := d.head(ctx, src, from); err != nil {
		return err
	}
	segs := strings.Split(d.cfg.Bucket+"/"+src, "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	if _, err := d.client.CopyObject(ctx, &s3.CopyObjectInput{
		Bucket: &d.cfg.Bucket, Key: &dst, CopySource: aws.String(strings.Join(segs, "/")),
	}); err != nil {
		if isNotFound(err) {
			return fmt.Errorf("%w: %s", gaia.ErrNotFound, src)
		}
		return fmt.Errorf("s3 copy %s to %s: %w", src, dst, err)
	}
	if _, err := d.client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: &d.cfg.Bucket, Key: &src}); err != nil {
		return fmt.Errorf("s3 delete %s after copy: %w", src, err)
	}
	return nil
}

// List is ListObjectsV2 under "<bucket>/" in key order; the page token is
// the last name of the previous page (StartAfter). With Stat each entry is
// also HEADed, because listings carry no content type.
func (d *Driver) List(ctx context.Context, bucket string, opts gaia.ListOptions) (gaia.ListResult, error) {
	if err := gaia.ValidateBucket(bucket); err != nil {
		return gaia.ListResult{}, err
	}
	if opts.Limit < 1 {
		return gaia.ListResult{}, fmt.Errorf("s3 list: limit %d < 1", opts.Limit)
	}
	prefix := bucket + "/"
	in := &s3.ListObjectsV2Input{Bucket: &d.cfg.Bucket, Prefix: &prefix, MaxKeys: aws.Int32(int32(opts.Limit))}
	if opts.Page != "" {
		if err := gaia.ValidatePath(opts.Page); err != nil {
			return gaia.ListResult{}, fmt.Errorf("%w: %v", gaia.ErrBadPage, err)
		}
		in.StartAfter = aws.String(prefix + opts.Page)
	}
	out, err := d.client.ListObjectsV2(ctx, in)
	if err != nil {
		return gaia.ListResult{}, fmt.Errorf("s3 list %s: %w", prefix, err)
	}
	res := gaia.ListResult{Entries: make([]gaia.ObjectInfo, 0, len(out.Contents))}
	for _, o := range out.Contents {
		k := aws.ToString(o.Key)
		name := strings.TrimPrefix(k, prefix)
		info := gaia.ObjectInfo{Name: name}
		if opts.Stat {
			if info, err = d.head(ctx, k, name); err != nil {
				if errors.Is(err, gaia.ErrNotFound) {
					continue // deleted since the listing
				}
				return gaia.ListResult{}, err
			}
		}
		res.Entries = append(res.Entries, info)
	}
	if aws.ToBool(out.IsTruncated) && len(out.Contents) > 0 {
		res.NextPage = strings.TrimPrefix(aws.ToString(out.Contents[len(out.Contents)-1].Key), prefix)
	}
	return res, nil
}
