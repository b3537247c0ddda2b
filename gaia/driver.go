// Package gaia is the Gaia storage hub: the HTTP API that @stacks/storage and
// blockstack.js speak (hub_info, store, delete, list-files, revoke-all and a
// read endpoint), the v1 (ES256K JWT) and legacy v0 authentication tokens,
// scopes, association tokens, revocation, and the Driver interface that the
// storage backends implement.
//
// It owns request validation, authentication, authorization and the order
// of the checks (docs/gaia.md); it must not touch storage except
// through a Driver, and it holds no backend-specific code (gaia/disk and
// gaia/s3 do).
package gaia

import (
	"context"
	"errors"
	"io"
	"time"
)

// Driver is a storage backend. Buckets are Gaia addresses (or the
// "<address>-auth" bucket that holds the revocation timestamp); paths have
// already passed ValidatePath, but drivers check again so that no caller can
// make them escape their storage. Every method honours ctx.
//
// Put must be atomic: a reader sees the old object or the new one, never a
// mix, and a failed Put (including a body that errors part-way) leaves the
// old object in place. Put's preconditions (PutOptions.IfMatch,
// IfNoneMatch) must hold against every writer of the storage, including
// other hub processes over the same bucket: drivers of shared storage
// enforce them with the backend's own conditional writes, never with a
// lock of their own process. The hub's per-path lock only queues its own
// requests.
type Driver interface {
	// Put stores body as bucket/path and returns the new object's info.
	Put(ctx context.Context, bucket, path string, body io.Reader, opts PutOptions) (ObjectInfo, error)
	// Get opens an object for reading. ErrNotFound if it does not exist.
	Get(ctx context.Context, bucket, path string) (*Object, error)
	// Stat describes an object. ErrNotFound if it does not exist.
	Stat(ctx context.Context, bucket, path string) (ObjectInfo, error)
	// Delete removes an object. ErrNotFound if it does not exist.
	Delete(ctx context.Context, bucket, path string) error
	// Rename moves an object within a bucket, replacing any object at to.
	// ErrNotFound if from does not exist.
	Rename(ctx context.Context, bucket, from, to string) error
	// List returns one page of the objects in a bucket, in the driver's
	// stable order, starting after opts.Page (an opaque token from an
	// earlier result; "" for the first page).
	List(ctx context.Context, bucket string, opts ListOptions) (ListResult, error)
}

// PutOptions are the metadata stored with an object and the preconditions
// of the write. When a precondition does not hold, Put stores nothing and
// returns ErrPreconditionFailed.
type PutOptions struct {
	ContentType string
	// IfMatch, when not "", writes only over an existing object whose ETag
	// matches it (ETagsMatch: quoted or not).
	IfMatch string
	// IfNoneMatch writes only if no object exists at the path.
	IfNoneMatch bool
}

// ObjectInfo describes a stored object.
type ObjectInfo struct {
	// Name is the path within the bucket (set by List).
	Name string
	// ETag is the driver's entity tag: the content's MD5 in hex, bare for
	// disk, Google Cloud Storage and Azure, quoted for S3 (as S3 reports
	// it). Compare with ETagsMatch.
	ETag         string
	Size         int64
	ContentType  string
	LastModified time.Time
}

// Object is an open object. The caller must Close Body.
type Object struct {
	ObjectInfo
	// Body is the content. When it also implements io.Seeker the read
	// endpoint serves byte ranges.
	Body io.ReadCloser
}

// ListOptions select a page of a listing.
type ListOptions struct {
	// Page is the token from the previous ListResult ("" for the first).
	Page string
	// Limit is the page size (≥ 1).
	Limit int
	// Stat asks for ETag, size, content type and modification time; without
	// it only Name is set.
	Stat bool
}

// ListResult is one page of a listing.
type ListResult struct {
	Entries []ObjectInfo
	// NextPage is "" on the last page.
	NextPage string
}

// Errors that drivers return (wrapped with context); the hub maps them to
// HTTP statuses.
var (
	// ErrNotFound: the object does not exist (404).
	ErrNotFound = errors.New("gaia: object does not exist")
	// ErrBadPath: the bucket or path is invalid (400).
	ErrBadPath = errors.New("gaia: invalid path")
	// ErrConflict: the path cannot be stored because of another object,
	// e.g. on disk "a" is a directory holding "a/b" (409).
	ErrConflict = errors.New("gaia: path conflicts with an existing object")
	// ErrBadPage: the list page token is not one this driver issued (400).
	ErrBadPage = errors.New("gaia: invalid page token")
	// ErrPreconditionFailed: a Put's IfMatch or IfNoneMatch does not hold
	// (412).
	ErrPreconditionFailed = errors.New("gaia: precondition failed")
)
