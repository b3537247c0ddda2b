package gaia

import (
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"net/url"
	"strings"
	"unicode/utf8"
)

// Path limits. The reference disk driver allows 4096 characters and 100
// components; one component is capped at 255 bytes, the usual file-name
// limit, so that every driver accepts the same paths.
const (
	MaxPathLen       = 4096
	MaxPathDepth     = 100
	MaxComponentLen  = 255
	maxBucketLen     = 64
	authBucketSuffix = "-auth"
)

// ValidateBucket accepts a Gaia address ([A-Za-z0-9]+, as the reference
// hub's routes) or the revocation bucket "<address>-auth".
func ValidateBucket(b string) error {
	name := strings.TrimSuffix(b, authBucketSuffix)
	if !isAddressLike(name) {
		return fmt.Errorf("%w: bucket %q is not an address", ErrBadPath, b)
	}
	return nil
}

func isAddressLike(s string) bool {
	if s == "" || len(s) > maxBucketLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z') {
			return false
		}
	}
	return true
}

// ValidatePath checks a file path inside a bucket. It is stricter than the
// reference hub (which bans only the substring ".."): no absolute paths,
// empty or "." components, backslashes, control characters (NUL included)
// or invalid UTF-8, so that a path means the same thing on every driver and
// can never leave its bucket.
func ValidatePath(p string) error {
	bad := func(why string) error { return fmt.Errorf("%w: %q: %s", ErrBadPath, truncate(p), why) }
	switch {
	case p == "":
		return bad("empty path")
	case len(p) > MaxPathLen:
		return bad(fmt.Sprintf("longer than %d bytes", MaxPathLen))
	case !utf8.ValidString(p):
		return bad("not valid UTF-8")
	case strings.Contains(p, ".."):
		return bad(`contains ".."`)
	case strings.HasPrefix(p, "/"):
		return bad("absolute path")
	case strings.Contains(p, `\`):
		return bad("contains a backslash")
	}
	for _, r := range p {
		if r < 0x20 || r == 0x7f {
			return bad("contains a control character")
		}
	}
	parts := strings.Split(p, "/")
	if len(parts) > MaxPathDepth {
		return bad(fmt.Sprintf("deeper than %d components", MaxPathDepth))
	}
	for _, c := range parts {
		switch {
		case c == "":
			return bad("empty component")
		case c == ".":
			return bad(`"." component`)
		case len(c) > MaxComponentLen:
			return bad(fmt.Sprintf("component longer than %d bytes", MaxComponentLen))
		}
	}
	return nil
}

func truncate(s string) string {
	if len(s) > 80 {
		return s[:80] + "…"
	}
	return s
}

// splitBucketPath parses the part of a request path after the endpoint
// name ("/store/", "/delete/"), still percent-encoded: "<address>/<path>".
// Encoded slashes, backslashes and NULs are refused rather than decoded, so
// that one request path names exactly one file; the reference hub strips one
// trailing slash ("dir/" stores "dir") and so does this.
//
// With allowAuth the bucket may also be "<address>-auth" (reads of the
// revocation timestamp); writes name plain addresses only.
func splitBucketPath(escaped string, allowAuth bool) (bucket, path string, err error) {
	bucket, rest, ok := strings.Cut(escaped, "/")
	if !ok || rest == "" {
		return "", "", fmt.Errorf("%w: want /<address>/<path>", ErrBadPath)
	}
	name := bucket
	if allowAuth {
		name = strings.TrimSuffix(bucket, authBucketSuffix)
	}
	if !isAddressLike(name) {
		return "", "", fmt.Errorf("%w: %q is not an address", ErrBadPath, truncate(bucket))
	}
	lower := strings.ToLower(rest)
	for _, enc := range []string{"%2f", "%5c", "%00"} {
		if strings.Contains(lower, enc) {
			return "", "", fmt.Errorf("%w: encoded %q in path", ErrBadPath, enc)
		}
	}
	path, err = url.PathUnescape(rest)
	if err != nil {
		return "", "", fmt.Errorf("%w: %v", ErrBadPath, err)
	}
	path = strings.TrimSuffix(path, "/")
	if err := ValidatePath(path); err != nil {
		return "", "", err
	}
	return bucket, path, nil
}

// MD5ETag is the disk driver's ETag: the bare hex MD5 of the content, as
// the reference hub's disk driver reports it.
func MD5ETag(sum []byte) string { return hex.EncodeToString(sum) }

// ContentMD5 returns the MD5 of b (for tests and the S3 driver).
func ContentMD5(b []byte) []byte { s := md5.Sum(b); return s[:] }

// ETagsMatch compares entity tags leniently: drivers differ in quoting (disk
// bare, S3 quoted) and clients echo back whatever a read returned, so quotes
// and a weak "W/" prefix are ignored.
func ETagsMatch(a, b string) bool {
	return a != "" && normalizeETag(a) == normalizeETag(b)
}

// QuotedETag is e in HTTP's quoted form (as S3 and the read endpoint want
// it), whichever form e is in.
func QuotedETag(e string) string { return `"` + normalizeETag(e) + `"` }

func normalizeETag(e string) string {
	e = strings.TrimPrefix(strings.TrimSpace(e), "W/")
	return strings.Trim(e, `"`)
}

// historyPrefix starts the file name of an archived copy
// (putFileArchival): "<dir>/.history.<unix ms>.<id>.<name>".
const historyPrefix = ".history."

func isHistoryPath(p string) bool {
	return strings.HasPrefix(p[strings.LastIndexByte(p, '/')+1:], historyPrefix)
}
