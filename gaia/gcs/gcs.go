// Package gcs is the Gaia hub's Google Cloud Storage driver (gaia.Driver),
// built on the official client, cloud.google.com/go/storage.
//
// It owns the objects under "<bucket>/" names in one GCS bucket (object
// "<gaia bucket>/<path>", as the reference hub's GcDriver) and the
// temporary spool files of uploads in progress. It must not touch other
// objects or buckets.
//
// ETags are the content's MD5 in hex, as the disk and S3 drivers report
// them (the reference GcDriver reports GCS's own etag, which changes with
// metadata too), so that a bucket moved between hubs keeps its ETags.
// Preconditions are GCS generation preconditions: If-None-Match is
// ifGenerationMatch=0, and If-Match reads the object's generation and MD5
// and writes with ifGenerationMatch on that generation, so a write by any
// other hub in between fails the precondition at GCS. Reads also pin the
// generation whose MD5 they report. Rename is copy then delete, not
// atomic, as in the reference hub.
package gcs

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"cloud.google.com/go/storage"
	"google.golang.org/api/googleapi"
	"google.golang.org/api/iterator"
	"google.golang.org/api/option"

	"github.com/go-blockstack/go-blockstack/gaia"
	"github.com/go-blockstack/go-blockstack/gaia/internal/spool"
)

// Config says which bucket to use and how to reach it, after the reference
// hub's gcCredentials.
type Config struct {
	// Bucket is the GCS bucket; it is created (in ProjectID) if missing.
	Bucket string
	// ProjectID is needed only to create the bucket.
	ProjectID string
	// KeyFilename is a service account's JSON key file.
	KeyFilename string
	// ClientEmail and PrivateKey are a service account's, given inline.
	ClientEmail, PrivateKey string
	// Endpoint is an emulator's base URL, e.g. "http://127.0.0.1:4443",
	// reached without credentials. Empty means Google, or the emulator
	// that STORAGE_EMULATOR_HOST names (the client library reads it).
	// Without any credentials the client uses Application Default
	// Credentials.
	Endpoint string
	// CacheControl is stored with each object, for readers that fetch
	// straight from the bucket.
	CacheControl string
	// Resumable sends uploads as resumable sessions (several requests)
	// instead of one request each; the reference hub's "resumable".
	Resumable bool
	// SpoolDir holds uploads larger than spool.InMemory while they are
	// sent (default os.TempDir()).
	SpoolDir string
}

// Driver stores objects in one GCS bucket.
type Driver struct {
	client *storage.Client
	bucket *storage.BucketHandle
	cfg    Config
}

var _ gaia.Driver = (*Driver)(nil)

// New connects to GCS and creates the bucket if it does not exist.
func New(ctx context.Context, cfg Config) (*Driver, error) {
	if cfg.Bucket == "" {
		return nil, errors.New("gcs driver: no bucket")
	}
	var opts []option.ClientOption
	switch {
	case cfg.Endpoint != "":
		opts = append(opts, option.WithEndpoint(strings.TrimSuffix(cfg.Endpoint, "/")+"/storage/v1/"), option.WithoutAuthentication())
	case cfg.KeyFilename != "":
		opts = append(opts, option.WithAuthCredentialsFile(option.ServiceAccount, cfg.KeyFilename))
	case cfg.ClientEmail != "" || cfg.PrivateKey != "":
		if cfg.ClientEmail == "" || cfg.PrivateKey == "" {
			return nil, errors.New("gcs driver: a client email needs its private key, and a private key its client email")
		}
		key, err := json.Marshal(map[string]string{
			"type": "service_account", "client_email": cfg.ClientEmail, "private_key": cfg.PrivateKey,
			"project_id": cfg.ProjectID, "token_uri": "https://oauth2.googleapis.com/token",
		})
		if err != nil {
			return nil, fmt.Errorf("gcs driver: %w", err)
		}
		opts = append(opts, option.WithAuthCredentialsJSON(option.ServiceAccount, key))
	}
	client, err := storage.NewClient(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("gcs driver: %w", err)
	}
	d := &Driver{client: client, bucket: client.Bucket(cfg.Bucket), cfg: cfg}
	if err := d.ensureBucket(ctx); err != nil {
		client.Close()
		return nil, err
	}
	return d, nil
}

// Close releases the client.
func (d *Driver) Close() error { return d.client.Close() }

func (d *Driver) ensureBucket(ctx context.Context) error {
	_, err := d.bucket.Attrs(ctx)
	if err == nil {
		return nil
	}
	if !errors.Is(err, storage.ErrBucketNotExist) {
		return fmt.Errorf("gcs driver: bucket %s: %w", d.cfg.Bucket, err)
	}
	if d.cfg.ProjectID == "" {
		return fmt.Errorf("gcs driver: bucket %s does not exist, and without a project id it cannot be created", d.cfg.Bucket)
	}
	if err := d.bucket.Create(ctx, d.cfg.ProjectID, nil); err != nil && httpCode(err) != http.StatusConflict {
		return fmt.Errorf("gcs driver: create bucket %s: %w", d.cfg.Bucket, err)
	}
	return nil
}

// httpCode is the HTTP status of a GCS error, 0 if it has none.
func httpCode(err error) int {
	var ge *googleapi.Error
	if errors.As(err, &ge) {
		return ge.Code
	}
	return 0
}

func objectName(bucket, p string) (string, error) {
	if err := gaia.ValidateBucket(bucket); err != nil {
		return "", err
	}
	if err := gaia.ValidatePath(p); err != nil {
		return "", err
	}
	return bucket + "/" + p, nil
}

// etag is the ETag this driver reports: the content MD5, or GCS's etag for
// an object that has none (a composed object, written by someone else).
func etag(md5 []byte, gcsETag string) string {
	if len(md5) == 0 {
		return gcsETag
	}
	return hex.EncodeToString(md5)
}

func info(p string, a *storage.ObjectAttrs) gaia.ObjectInfo {
	return gaia.ObjectInfo{Name: p, ETag: etag(a.MD5, a.Etag), Size: a.Size, ContentType: a.ContentType, LastModified: a.Updated}
}

// notFound wraps a missing object as gaia.ErrNotFound.
func notFound(err error, name string) error {
	if errors.Is(err, storage.ErrObjectNotExist) || httpCode(err) == http.StatusNotFound {
		return fmt.Errorf("%w: %s", gaia.ErrNotFound, name)
	}
	return err
}

// Put spools the body (so that its MD5 goes with the upload, checked by
// GCS, and a body that fails part-way is never sent) and uploads it with
// the preconditions as generation conditions.
func (d *Driver) Put(ctx context.Context, bucket, p string, body io.Reader, opts gaia.PutOptions) (gaia.ObjectInfo, error) {
	name, err := objectName(bucket, p)
	if err != nil {
		return gaia.ObjectInfo{}, err
	}
	sp, err := spool.Read(ctx, body, d.cfg.SpoolDir)
	if err != nil {
		return gaia.ObjectInfo{}, fmt.Errorf("gcs put %s: %w", name, err)
	}
	defer sp.Close()
	obj := d.bucket.Object(name)
	switch {
	case opts.IfNoneMatch:
		obj = obj.If(storage.Conditions{DoesNotExist: true})
	case opts.IfMatch != "":
		cur, err := obj.Attrs(ctx)
		if errors.Is(err, storage.ErrObjectNotExist) {
			return gaia.ObjectInfo{}, fmt.Errorf("%w: %s does not exist", gaia.ErrPreconditionFailed, name)
		}
		if err != nil {
			return gaia.ObjectInfo{}, fmt.Errorf("gcs put %s: %w", name, err)
		}
		if !gaia.ETagsMatch(opts.IfMatch, etag(cur.MD5, cur.Etag)) {
			return gaia.ObjectInfo{}, fmt.Errorf("%w: %s is not at ETag %s", gaia.ErrPreconditionFailed, name, opts.IfMatch)
		}
		obj = obj.If(storage.Conditions{GenerationMatch: cur.Generation})
	}
	// A cancelled context is what aborts an upload in flight.
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	w := obj.NewWriter(wctx)
	w.ContentType = opts.ContentType
	w.CacheControl = d.cfg.CacheControl
	w.MD5 = sp.MD5
	if !d.cfg.Resumable {
		w.ChunkSize = 0 // one request; the body is in hand
	}
	if _, err := io.Copy(w, sp); err != nil {
		cancel()
		_ = w.Close()
		return gaia.ObjectInfo{}, fmt.Errorf("gcs put %s: %w", name, err)
	}
	if err := w.Close(); err != nil {
		if httpCode(err) == http.StatusPreconditionFailed {
			return gaia.ObjectInfo{}, fmt.Errorf("gcs put %s: %w", name, gaia.ErrPreconditionFailed)
		}
		return gaia.ObjectInfo{}, fmt.Errorf("gcs put %s: %w", name, err)
	}
	return info(p, w.Attrs()), nil
}

// Get reads the object's attributes, then the content of that very
// generation, so that the ETag describes the bytes. An object replaced in
// between is looked up again.
func (d *Driver) Get(ctx context.Context, bucket, p string) (*gaia.Object, error) {
	name, err := objectName(bucket, p)
	if err != nil {
		return nil, err
	}
	for attempt := 0; ; attempt++ {
		a, err := d.bucket.Object(name).Attrs(ctx)
		if err != nil {
			return nil, fmt.Errorf("gcs get %s: %w", name, notFound(err, name))
		}
		r, err := d.bucket.Object(name).Generation(a.Generation).NewReader(ctx)
		if errors.Is(err, storage.ErrObjectNotExist) && attempt < 3 {
			continue // replaced or deleted since Attrs
		}
		if err != nil {
			return nil, fmt.Errorf("gcs get %s: %w", name, notFound(err, name))
		}
		return &gaia.Object{ObjectInfo: info(p, a), Body: r}, nil
	}
}

// Stat reads the object's attributes.
func (d *Driver) Stat(ctx context.Context, bucket, p string) (gaia.ObjectInfo, error) {
	name, err := objectName(bucket, p)
	if err != nil {
		return gaia.ObjectInfo{}, err
	}
	a, err := d.bucket.Object(name).Attrs(ctx)
	if err != nil {
		return gaia.ObjectInfo{}, fmt.Errorf("gcs stat %s: %w", name, notFound(err, name))
	}
	return info(p, a), nil
}

// Delete removes the object; GCS says whether it existed.
func (d *Driver) Delete(ctx context.Context, bucket, p string) error {
	name, err := objectName(bucket, p)
	if err != nil {
		return err
	}
	if err := d.bucket.Object(name).Delete(ctx); err != nil {
		return fmt.Errorf("gcs delete %s: %w", name, notFound(err, name))
	}
	return nil
}

// Rename copies the object (with its metadata and MD5) and deletes the
// source.
func (d *Driver) Rename(ctx context.Context, bucket, from, to string) error {
	src, err := objectName(bucket, from)
	if err != nil {
		return err
	}
	dst, err := objectName(bucket, to)
	if err != nil {
		return err
	}
	if _, err := d.bucket.Object(dst).CopierFrom(d.bucket.Object(src)).Run(ctx); err != nil {
		return fmt.Errorf("gcs copy %s to %s: %w", src, dst, notFound(err, src))
	}
	if err := d.bucket.Object(src).Delete(ctx); err != nil {
		return fmt.Errorf("gcs delete %s after copy: %w", src, notFound(err, src))
	}
	return nil
}

// List lists "<bucket>/" in name order. The page token is the last name of
// the previous page: the listing starts at it (StartOffset is inclusive)
// and skips it, so tokens are plain paths that can be checked.
func (d *Driver) List(ctx context.Context, bucket string, opts gaia.ListOptions) (gaia.ListResult, error) {
	if err := gaia.ValidateBucket(bucket); err != nil {
		return gaia.ListResult{}, err
	}
	if opts.Limit < 1 {
		return gaia.ListResult{}, fmt.Errorf("gcs list: limit %d < 1", opts.Limit)
	}
	prefix := bucket + "/"
	q := &storage.Query{Prefix: prefix}
	if opts.Page != "" {
		if err := gaia.ValidatePath(opts.Page); err != nil {
			return gaia.ListResult{}, fmt.Errorf("%w: %v", gaia.ErrBadPage, err)
		}
		q.StartOffset = prefix + opts.Page
	}
	if !opts.Stat {
		if err := q.SetAttrSelection([]string{"Name"}); err != nil {
			return gaia.ListResult{}, fmt.Errorf("gcs list: %w", err)
		}
	}
	it := d.bucket.Objects(ctx, q)
	it.PageInfo().MaxSize = opts.Limit + 1
	res := gaia.ListResult{Entries: make([]gaia.ObjectInfo, 0, opts.Limit)}
	for {
		a, err := it.Next()
		if errors.Is(err, iterator.Done) {
			return res, nil
		}
		if err != nil {
			return gaia.ListResult{}, fmt.Errorf("gcs list %s: %w", prefix, err)
		}
		name := strings.TrimPrefix(a.Name, prefix)
		if name == opts.Page {
			continue
		}
		if len(res.Entries) == opts.Limit {
			res.NextPage = res.Entries[len(res.Entries)-1].Name
			return res, nil
		}
		e := gaia.ObjectInfo{Name: name}
		if opts.Stat {
			e = info(name, a)
		}
		res.Entries = append(res.Entries, e)
	}
}
