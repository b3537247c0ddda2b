// Package azure is the Gaia hub's Azure Blob Storage driver (gaia.Driver),
// built on the official SDK, github.com/Azure/azure-sdk-for-go/sdk/storage/azblob.
//
// It owns the block blobs under "<bucket>/" names in one container (blob
// "<gaia bucket>/<path>", as the reference hub's AzDriver) and the
// temporary spool files of uploads in progress. It must not touch other
// blobs or containers.
//
// ETags are the content's MD5 in hex, as the disk and S3 drivers report
// them (the reference AzDriver reports Azure's own ETag), so that a bucket
// moved between hubs keeps its ETags; each blob is uploaded with its MD5
// as a property. Preconditions are Azure's access conditions: If-None-Match
// is sent as "If-None-Match: *", and If-Match reads the blob's properties
// and uploads with "If-Match" on Azure's own ETag of the version whose MD5
// matched, so a write by any other hub in between fails at Azure. Reads
// are one request, properties and content together. Rename is download,
// upload, delete, not atomic, as in the reference hub.
package azure

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/streaming"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/blob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/bloberror"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/blockblob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/container"

	"github.com/go-blockstack/go-blockstack/gaia"
	"github.com/go-blockstack/go-blockstack/gaia/internal/spool"
)

// Config says which container to use and how to reach it, after the
// reference hub's azCredentials.
type Config struct {
	// Container is the blob container (the hub's "bucket"); it is created
	// if missing. Azure allows 3 to 63 lower-case letters, digits and
	// hyphens.
	Container string
	// AccountName and AccountKey are the storage account's shared key.
	AccountName, AccountKey string
	// Endpoint is the account's blob service URL; empty means
	// https://<account>.blob.core.windows.net. An emulator's is
	// http://127.0.0.1:PORT/<account>.
	Endpoint string
	// CacheControl is stored with each blob, for readers that fetch
	// straight from the container.
	CacheControl string
	// SpoolDir holds uploads larger than spool.InMemory while they are
	// sent (default os.TempDir()).
	SpoolDir string
}

// Driver stores blobs in one container.
type Driver struct {
	container *container.Client
	cfg       Config
}

var _ gaia.Driver = (*Driver)(nil)

// New connects to the account and creates the container if it does not
// exist. The container is private: the hub serves reads.
func New(ctx context.Context, cfg Config) (*Driver, error) {
	if cfg.Container == "" {
		return nil, errors.New("azure driver: no container (bucket)")
	}
	if cfg.AccountName == "" || cfg.AccountKey == "" {
		return nil, errors.New("azure driver: account name and account key are required")
	}
	if cfg.Endpoint == "" {
		cfg.Endpoint = "https://" + cfg.AccountName + ".blob.core.windows.net"
	}
	cred, err := azblob.NewSharedKeyCredential(cfg.AccountName, cfg.AccountKey)
	if err != nil {
		return nil, fmt.Errorf("azure driver: %w", err)
	}
	client, err := azblob.NewClientWithSharedKeyCredential(strings.TrimSuffix(cfg.Endpoint, "/")+"/", cred, nil)
	if err != nil {
		return nil, fmt.Errorf("azure driver: %w", err)
	}
	d := &Driver{container: client.ServiceClient().NewContainerClient(cfg.Container), cfg: cfg}
	if _, err := d.container.Create(ctx, nil); err != nil && !bloberror.HasCode(err, bloberror.ContainerAlreadyExists) {
		return nil, fmt.Errorf("azure driver: create container %s: %w", cfg.Container, err)
	}
	return d, nil
}

func blobName(bucket, p string) (string, error) {
	if err := gaia.ValidateBucket(bucket); err != nil {
		return "", err
	}
	if err := gaia.ValidatePath(p); err != nil {
		return "", err
	}
	return bucket + "/" + p, nil
}

// etag is the ETag this driver reports: the content MD5, or Azure's ETag
// for a blob stored without one (written by someone else).
func etag(md5 []byte, azETag *azcore.ETag) string {
	if len(md5) == 0 {
		if azETag == nil {
			return ""
		}
		return strings.Trim(string(*azETag), `"`)
	}
	return hex.EncodeToString(md5)
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

// notFound wraps a missing blob as gaia.ErrNotFound.
func notFound(err error, name string) error {
	if bloberror.HasCode(err, bloberror.BlobNotFound) || statusCode(err) == http.StatusNotFound {
		return fmt.Errorf("%w: %s", gaia.ErrNotFound, name)
	}
	return err
}

func statusCode(err error) int {
	var re *azcore.ResponseError
	if errors.As(err, &re) {
		return re.StatusCode
	}
	return 0
}

// Put spools the body (Put Blob needs a seekable body, and its MD5 goes
// with it: checked by Azure, stored as the blob's Content-MD5) and uploads
// it in one request, so a reader sees the old blob or the new one.
func (d *Driver) Put(ctx context.Context, bucket, p string, body io.Reader, opts gaia.PutOptions) (gaia.ObjectInfo, error) {
	name, err := blobName(bucket, p)
	if err != nil {
		return gaia.ObjectInfo{}, err
	}
	sp, err := spool.Read(ctx, body, d.cfg.SpoolDir)
	if err != nil {
		return gaia.ObjectInfo{}, fmt.Errorf("azure put %s: %w", name, err)
	}
	defer sp.Close()
	bb := d.container.NewBlockBlobClient(name)
	var cond blob.ModifiedAccessConditions
	switch {
	case opts.IfNoneMatch:
		cond.IfNoneMatch = to(azcore.ETagAny)
	case opts.IfMatch != "":
		cur, err := bb.GetProperties(ctx, nil)
		if err != nil {
			if errors.Is(notFound(err, name), gaia.ErrNotFound) {
				return gaia.ObjectInfo{}, fmt.Errorf("%w: %s does not exist", gaia.ErrPreconditionFailed, name)
			}
			return gaia.ObjectInfo{}, fmt.Errorf("azure put %s: %w", name, err)
		}
		if !gaia.ETagsMatch(opts.IfMatch, etag(cur.ContentMD5, cur.ETag)) {
			return gaia.ObjectInfo{}, fmt.Errorf("%w: %s is not at ETag %s", gaia.ErrPreconditionFailed, name, opts.IfMatch)
		}
		cond.IfMatch = cur.ETag
	}
	hdr := &blob.HTTPHeaders{BlobContentType: &opts.ContentType, BlobContentMD5: sp.MD5}
	if d.cfg.CacheControl != "" {
		hdr.BlobCacheControl = &d.cfg.CacheControl
	}
	out, err := bb.Upload(ctx, streaming.NopCloser(sp), &blockblob.UploadOptions{
		HTTPHeaders:             hdr,
		TransactionalValidation: blob.TransferValidationTypeMD5(sp.MD5),
		AccessConditions:        &blob.AccessConditions{ModifiedAccessConditions: &cond},
	})
	if err != nil {
		// "If-None-Match: *" on an existing blob is 409 BlobAlreadyExists.
		if bloberror.HasCode(err, bloberror.ConditionNotMet, bloberror.BlobAlreadyExists) || statusCode(err) == http.StatusPreconditionFailed {
			return gaia.ObjectInfo{}, fmt.Errorf("azure put %s: %w", name, gaia.ErrPreconditionFailed)
		}
		return gaia.ObjectInfo{}, fmt.Errorf("azure put %s: %w", name, err)
	}
	return gaia.ObjectInfo{Name: p, ETag: hex.EncodeToString(sp.MD5), Size: sp.Size, ContentType: opts.ContentType,
		LastModified: deref(out.LastModified)}, nil
}

func to[T any](v T) *T { return &v }

// Get downloads the blob: its properties and content in one answer.
func (d *Driver) Get(ctx context.Context, bucket, p string) (*gaia.Object, error) {
	name, err := blobName(bucket, p)
	if err != nil {
		return nil, err
	}
	r, err := d.container.NewBlobClient(name).DownloadStream(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("azure get %s: %w", name, notFound(err, name))
	}
	md5 := r.ContentMD5
	if len(md5) == 0 {
		md5 = r.BlobContentMD5
	}
	return &gaia.Object{
		ObjectInfo: gaia.ObjectInfo{Name: p, ETag: etag(md5, r.ETag), Size: deref(r.ContentLength),
			ContentType: deref(r.ContentType), LastModified: deref(r.LastModified)},
		Body: r.Body,
	}, nil
}

// Stat reads the blob's properties.
func (d *Driver) Stat(ctx context.Context, bucket, p string) (gaia.ObjectInfo, error) {
	name, err := blobName(bucket, p)
	if err != nil {
		return gaia.ObjectInfo{}, err
	}
	r, err := d.container.NewBlobClient(name).GetProperties(ctx, nil)
	if err != nil {
		return gaia.ObjectInfo{}, fmt.Errorf("azure stat %s: %w", name, notFound(err, name))
	}
	return gaia.ObjectInfo{Name: p, ETag: etag(r.ContentMD5, r.ETag), Size: deref(r.ContentLength),
		ContentType: deref(r.ContentType), LastModified: deref(r.LastModified)}, nil
}

// Delete removes the blob; Azure says whether it existed.
func (d *Driver) Delete(ctx context.Context, bucket, p string) error {
	name, err := blobName(bucket, p)
	if err != nil {
		return err
	}
	if _, err := d.container.NewBlobClient(name).Delete(ctx, nil); err != nil {
		return fmt.Errorf("azure delete %s: %w", name, notFound(err, name))
	}
	return nil
}

// Rename copies the blob through the hub (download, then upload with the
// same content type and MD5) and deletes the source. A server-side copy
// may still be pending when Azure answers; this one is complete.
func (d *Driver) Rename(ctx context.Context, bucket, from, to string) error {
	src, err := blobName(bucket, from)
	if err != nil {
		return err
	}
	if _, err := blobName(bucket, to); err != nil {
		return err
	}
	obj, err := d.Get(ctx, bucket, from)
	if err != nil {
		return err
	}
	defer obj.Body.Close()
	if _, err := d.Put(ctx, bucket, to, obj.Body, gaia.PutOptions{ContentType: obj.ContentType}); err != nil {
		return fmt.Errorf("azure rename %s: %w", src, err)
	}
	if _, err := d.container.NewBlobClient(src).Delete(ctx, nil); err != nil {
		return fmt.Errorf("azure delete %s after copy: %w", src, notFound(err, src))
	}
	return nil
}

// List lists "<bucket>/" in name order. The page token is Azure's
// continuation marker, base64url-encoded so that a token this driver did
// not issue is told apart (it does not decode, or Azure refuses it).
func (d *Driver) List(ctx context.Context, bucket string, opts gaia.ListOptions) (gaia.ListResult, error) {
	if err := gaia.ValidateBucket(bucket); err != nil {
		return gaia.ListResult{}, err
	}
	if opts.Limit < 1 {
		return gaia.ListResult{}, fmt.Errorf("azure list: limit %d < 1", opts.Limit)
	}
	prefix := bucket + "/"
	lo := &container.ListBlobsFlatOptions{Prefix: &prefix, MaxResults: to(int32(min(opts.Limit, 5000)))}
	if opts.Page != "" {
		m, err := base64.RawURLEncoding.DecodeString(opts.Page)
		if err != nil || len(m) == 0 {
			return gaia.ListResult{}, fmt.Errorf("%w: %q", gaia.ErrBadPage, opts.Page)
		}
		lo.Marker = to(string(m))
	}
	page, err := d.container.NewListBlobsFlatPager(lo).NextPage(ctx)
	if err != nil {
		if opts.Page != "" && statusCode(err) == http.StatusBadRequest {
			return gaia.ListResult{}, fmt.Errorf("%w: %v", gaia.ErrBadPage, err)
		}
		return gaia.ListResult{}, fmt.Errorf("azure list %s: %w", prefix, err)
	}
	res := gaia.ListResult{Entries: make([]gaia.ObjectInfo, 0, len(page.Segment.BlobItems))}
	for _, b := range page.Segment.BlobItems {
		e := gaia.ObjectInfo{Name: strings.TrimPrefix(deref(b.Name), prefix)}
		if opts.Stat && b.Properties != nil {
			pr := b.Properties
			e.ETag, e.Size, e.ContentType = etag(pr.ContentMD5, pr.ETag), deref(pr.ContentLength), deref(pr.ContentType)
			e.LastModified = deref(pr.LastModified)
		}
		res.Entries = append(res.Entries, e)
	}
	if m := deref(page.NextMarker); m != "" {
		res.NextPage = base64.RawURLEncoding.EncodeToString([]byte(m))
	}
	return res, nil
}
