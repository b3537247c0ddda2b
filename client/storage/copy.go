package storage

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
)

// CopyFrom stores src's file p at the same path in h's bucket, with the
// content type src's hub serves it with and its bytes as stored (an
// encrypted file stays encrypted, a .sig file is a file like another),
// then reads it back from h's read URL and checks its SHA-256: the copy is
// verified, not assumed. A file h already holds with the same bytes is not
// stored again (a copy interrupted after the store and before its caller
// noted it). It returns the file's SHA-256 (hex) and whether it stored it.
func (h *Hub) CopyFrom(ctx context.Context, src *Hub, p string) (sum string, stored bool, err error) {
	body, ctype, err := src.open(ctx, src.BucketURL(), p, false)
	if err != nil {
		return "", false, err
	}
	defer body.Close()
	// Read no more than this hub takes: the old hub is not trusted to bound it.
	limit := int64(1) << 62
	if max := h.Info().MaxUploadMB; max > 0 {
		limit = int64(max * (1 << 20))
	}
	data, err := io.ReadAll(io.LimitReader(body, limit+1))
	if err != nil {
		return "", false, fmt.Errorf("storage: copy %s: read: %w", p, err)
	}
	if int64(len(data)) > limit {
		return "", false, fmt.Errorf("%w: %s is over the %g MiB the new hub takes", ErrTooLarge, p, h.Info().MaxUploadMB)
	}
	want := sha256.Sum256(data)
	sum = hex.EncodeToString(want[:])
	if have, err := h.read(ctx, h.BucketURL(), p, false, int64(len(data))); err == nil && bytes.Equal(have, data) {
		return sum, false, nil
	}
	if ctype == "" {
		ctype = "application/octet-stream"
	}
	if _, err := h.PutFile(ctx, p, data, PutOptions{ContentType: ctype, IgnoreETag: true}); err != nil {
		return "", false, fmt.Errorf("storage: copy %s: %w", p, err)
	}
	back, err := h.read(ctx, h.BucketURL(), p, false, int64(len(data)))
	if err != nil {
		return "", true, fmt.Errorf("storage: copy %s: reading the copy back: %w", p, err)
	}
	if got := sha256.Sum256(back); got != want {
		return "", true, fmt.Errorf("storage: copy %s: the new hub gives back %d bytes with SHA-256 %x, not the %d bytes with %s that were sent", p, len(back), got, len(data), sum)
	}
	return sum, true, nil
}
