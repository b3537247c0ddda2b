// Package spool reads an upload whole before a storage driver sends it, for
// the backends whose single-request writes need a seekable body and its
// length and MD5 up front (S3's SigV4 and Content-MD5, Azure's Put Blob,
// Google Cloud Storage's checked uploads). A body that fails part-way is
// thus never sent at all.
//
// It owns the temporary files it makes, removed by Close; it must not be
// used outside the gaia drivers.
package spool

import (
	"bytes"
	"context"
	"crypto/md5"
	"fmt"
	"io"
	"os"
)

// InMemory is the largest body kept in memory; a larger one goes to a
// temporary file.
const InMemory = 1 << 20

// Body is a spooled upload.
type Body struct {
	// Reader reads the body from its start; Seek works.
	io.ReadSeeker
	Size int64
	MD5  []byte
	file *os.File
}

// Close removes the temporary file, if any.
func (b *Body) Close() error {
	if b.file == nil {
		return nil
	}
	b.file.Close()
	return os.Remove(b.file.Name())
}

// Read reads r to its end, stopping if ctx ends, into memory or past
// InMemory into a temporary file in dir ("" for os.TempDir).
func Read(ctx context.Context, r io.Reader, dir string) (*Body, error) {
	sum := md5.New()
	var mem bytes.Buffer
	r = WithContext(ctx, r)
	n, err := io.Copy(io.MultiWriter(&mem, sum), io.LimitReader(r, InMemory+1))
	if err != nil {
		return nil, err
	}
	if n <= InMemory {
		return &Body{ReadSeeker: bytes.NewReader(mem.Bytes()), Size: n, MD5: sum.Sum(nil)}, nil
	}
	f, err := os.CreateTemp(dir, "gaia-spool-*")
	if err != nil {
		return nil, fmt.Errorf("spool upload: %w", err)
	}
	b := &Body{ReadSeeker: f, file: f}
	if _, err := f.Write(mem.Bytes()); err != nil {
		b.Close()
		return nil, fmt.Errorf("spool upload: %w", err)
	}
	m, err := io.Copy(io.MultiWriter(f, sum), r)
	if err != nil {
		b.Close()
		return nil, err
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		b.Close()
		return nil, fmt.Errorf("spool upload: %w", err)
	}
	b.Size, b.MD5 = n+m, sum.Sum(nil)
	return b, nil
}

// WithContext is r, failing with ctx's error once ctx ends: a copy from a
// client's body stops when the request does.
func WithContext(ctx context.Context, r io.Reader) io.Reader { return ctxReader{ctx, r} }

type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
