// Package storage is an app's Gaia storage client: it connects to the
// user's hub with the app key, writes files (plain, encrypted, signed or
// both, with ETag preconditions), reads them back from the user's own
// bucket or another user's bucket for the same app with decryption and
// signature checks, lists and deletes them (docs/gaia.md and
// docs/client-formats.md, "Storage"), as @stacks/storage does.
//
// It owns the client side of the hub protocol and the session state that
// goes with it (hub_info, the bearer token, the ETags of the paths it has
// written or read). It must not touch keys beyond the one it is given
// (client/keychain derives it), the formats of encrypted and signed data
// (client/ecies), names or profiles (the lookup path finds another user's
// bucket URL in their profile), or the hub's internals: the token is
// gaiaauth.NewV1Token (or gaiaauth.NewLegacyToken for a hub that only speaks v0).
//
// # Facts checked against @stacks/storage 7.4.0 (storage.ts, hub.ts)
//
//   - connectToGaiaHub: GET <hub>/hub_info; a v1 token when
//     latest_auth_version is v1 or later, with hubUrl, iss, salt, the
//     association token if any, and no iat or exp; otherwise the legacy token.
//   - putFile: If-None-Match: * for a path with no known ETag, If-Match with
//     the last one otherwise (remembered from writes and reads, forgotten on
//     delete), neither with dangerouslyIgnoreEtag. Encrypted data is the
//     cipher object or signed envelope with Content-Type application/json,
//     its size checked against max_file_upload_size_megabytes first.
//   - Sign without encrypt: the content and <path>.sig ({signature,
//     publicKey} over the content, application/json) are uploaded
//     concurrently. The spec gives the .sig upload no precondition; 7.4.0
//     sends If-None-Match: * with it, which fails with 412 on the second
//     signed write of a path, so this client follows the spec.
//   - A failed upload is retried once with a fresh connection (new hub_info
//     and token) when the hub answered 401, 409 or 5xx
//     (isRecoverableGaiaError). The spec and issue 8 say "401 or 412 style";
//     the reference client does not retry 412, and rightly: a 412 means the
//     remembered ETag is stale, a retry with it must fail again and one
//     without it would overwrite another writer's data. A 412 is returned
//     as ErrPrecondition for the caller to re-read. Deletes retry the same
//     way (the reference retries any failure).
//   - getFile reads <read_url_prefix><address>/<path> and keeps its ETag.
//     With verify, a signed encrypted file is checked against the bucket
//     address (own: the app key's; another user's: the address in their
//     bucket URL, getGaiaAddress), and a plain signed file against its .sig,
//     whose absence is a signature error.
//   - listFiles posts {"page": …} until the page is null or a page has no
//     entries, skipping null entries, at most 65536 calls.
//   - deleteFile with wasSigned deletes <path>.sig too.
//   - Paths are percent-escaped as URL paths here ("a b" → "a%20b"); the
//     reference pastes them into the URL and lets fetch escape them.
package storage

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/btcsuite/btcd/btcutil/base58"
	"github.com/go-blockstack/go-blockstack/client/ecies"
	"github.com/go-blockstack/go-blockstack/gaia/gaiaauth"
	"github.com/go-blockstack/go-blockstack/internal/locked"
)

// Config says which hub to use and with which key.
type Config struct {
	// HubURL is the hub's write endpoint, e.g. "https://hub.example".
	HubURL string
	// AppKey is the app private key: it signs the token and owns the
	// bucket, gaiaauth.AddressFromKey(AppKey).
	AppKey *btcec.PrivateKey
	// AssociationToken lets AppKey write to a hub that whitelists the
	// identity that issued it (the auth response carries one).
	AssociationToken string
	// HTTPClient defaults to http.DefaultClient.
	HTTPClient *http.Client
	// MaxRead bounds a file read into memory (GetFile, GetFileFrom,
	// GetSigned; default DefaultMaxRead): a bucket, which a profile anyone
	// writes may name, is not trusted to bound what it sends. GetFileTo
	// streams a file of any size.
	MaxRead int64
}

// DefaultMaxRead is Config.MaxRead's default: 256 MiB, far above the 20 MB
// hubs take by default.
const DefaultMaxRead = 256 << 20

// Hub is a connection to one bucket on one hub. It is safe for concurrent
// use.
type Hub struct {
	cfg     Config
	address string

	mu    sync.Mutex
	info  gaiaauth.HubInfo
	token string
	etags map[string]string
}

// Connect fetches hub_info and makes the bearer token.
func Connect(ctx context.Context, cfg Config) (*Hub, error) {
	if cfg.AppKey == nil {
		return nil, errors.New("storage: no app key")
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = http.DefaultClient
	}
	cfg.HubURL = strings.TrimSuffix(cfg.HubURL, "/")
	h := &Hub{cfg: cfg, address: gaiaauth.AddressFromKey(cfg.AppKey), etags: map[string]string{}}
	if err := h.connect(ctx); err != nil {
		return nil, err
	}
	return h, nil
}

// connect (re)reads hub_info and makes a new token.
func (h *Hub) connect(ctx context.Context) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, h.cfg.HubURL+"/hub_info", nil)
	if err != nil {
		return fmt.Errorf("storage: hub_info: %w", err)
	}
	var info gaiaauth.HubInfo
	if err := h.do(req, "hub_info", "", http.StatusOK, &info); err != nil {
		return err
	}
	if info.ReadURLPrefix == "" {
		return fmt.Errorf("storage: hub_info of %s has no read_url_prefix", h.cfg.HubURL)
	}
	if !strings.HasSuffix(info.ReadURLPrefix, "/") {
		info.ReadURLPrefix += "/"
	}
	var token string
	if authVersion(info.LatestAuthVersion) >= 1 {
		token, err = gaiaauth.NewV1Token(h.cfg.AppKey, info.ChallengeText, gaiaauth.TokenOptions{HubURL: h.cfg.HubURL, AssociationToken: h.cfg.AssociationToken})
		if err != nil {
			return fmt.Errorf("storage: %w", err)
		}
	} else {
		token = gaiaauth.NewLegacyToken(h.cfg.AppKey, info.ChallengeText)
	}
	locked.Do(&h.mu, func() {
		h.info, h.token = info, token
	})
	return nil
}

// authVersion reads "v1" as 1; anything else is 0, the legacy token.
func authVersion(v string) int {
	var n int
	if _, err := fmt.Sscanf(v, "v%d", &n); err != nil {
		return 0
	}
	return n
}

// Address is the bucket's address.
func (h *Hub) Address() string { return h.address }

// Info is the hub's hub_info as last read.
func (h *Hub) Info() gaiaauth.HubInfo {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.info
}

// BucketURL is where the bucket's files are read: read_url_prefix +
// address + "/" (what a profile lists under apps).
func (h *Hub) BucketURL() string { return h.Info().ReadURLPrefix + h.address + "/" }

var (
	// ErrNotFound: the file does not exist (404).
	ErrNotFound = errors.New("storage: no such file")
	// ErrPrecondition: the file changed since this session last saw it
	// (412): re-read it, or write with IgnoreETag to overwrite.
	ErrPrecondition = errors.New("storage: file changed since it was last read or written")
	// ErrConflict: another write or delete of the path is in flight (409).
	ErrConflict = errors.New("storage: concurrent operation on the path")
	// ErrUnauthorized: the hub refused the token (401).
	ErrUnauthorized = errors.New("storage: not authorized")
	// ErrTooLarge: the upload is over the hub's size limit (413, or known
	// before sending).
	ErrTooLarge = errors.New("storage: file too large for the hub")
)

// HubError is a hub or read endpoint answer other than success. It
// matches the Err* value of its status.
type HubError struct {
	Op, Path string
	Status   int
	Body     string
}

func (e *HubError) Error() string {
	return fmt.Sprintf("storage: %s %s: %d %s", e.Op, e.Path, e.Status, strings.TrimSpace(e.Body))
}

func (e *HubError) Is(target error) bool {
	switch e.Status {
	case http.StatusNotFound:
		return target == ErrNotFound
	case http.StatusPreconditionFailed:
		return target == ErrPrecondition
	case http.StatusConflict:
		return target == ErrConflict
	case http.StatusUnauthorized:
		return target == ErrUnauthorized
	case http.StatusRequestEntityTooLarge:
		return target == ErrTooLarge
	}
	return false
}

// recoverable is isRecoverableGaiaError: worth one retry on a fresh
// connection.
func recoverable(err error) bool {
	var he *HubError
	return errors.As(err, &he) && (he.Status == http.StatusUnauthorized || he.Status == http.StatusConflict || he.Status >= 500 && he.Status <= 599)
}

// do sends req and decodes a JSON answer into out when the status is want.
func (h *Hub) do(req *http.Request, op, path string, want int, out any) error {
	resp, err := h.cfg.HTTPClient.Do(req)
	if err != nil {
		return fmt.Errorf("storage: %s %s: %w", op, path, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != want {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		return &HubError{Op: op, Path: path, Status: resp.StatusCode, Body: string(body)}
	}
	if out == nil {
		return nil
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(out); err != nil {
		return fmt.Errorf("storage: %s %s: bad answer: %w", op, path, err)
	}
	return nil
}

// escapePath escapes a file path for a URL, keeping its slashes.
func escapePath(p string) string { return (&url.URL{Path: p}).EscapedPath() }

// retry runs op, and once more on a fresh connection if the hub answered
// with a recoverable status.
func (h *Hub) retry(ctx context.Context, op func() error) error {
	err := op()
	if !recoverable(err) {
		return err
	}
	if cerr := h.connect(ctx); cerr != nil {
		return fmt.Errorf("%w (reconnecting after it: %v)", err, cerr)
	}
	return op()
}

func (h *Hub) auth() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return "bearer " + h.token
}

// upload is one POST /store of size bytes from body. cond says whether
// to send ETag preconditions, track whether to remember the returned ETag
// (not for .sig files, which are written unconditionally); progress, if
// not nil, hears of the bytes sent.
func (h *Hub) upload(ctx context.Context, path string, body io.Reader, size int64, contentType string, cond, track bool, progress func(sent, total int64)) (publicURL string, err error) {
	switch {
	case size == 0:
		body = http.NoBody // a 0 ContentLength with a body would mean "unknown"
	case progress != nil:
		pr := &progressReader{r: body, total: size, report: progress}
		defer pr.stop()
		body = pr
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.cfg.HubURL+"/store/"+h.address+"/"+escapePath(path), body)
	if err != nil {
		return "", fmt.Errorf("storage: store %s: %w", path, err)
	}
	req.ContentLength = size
	req.Header.Set("Authorization", h.auth())
	req.Header.Set("Content-Type", contentType)
	if cond {
		var etag string
		var known bool
		locked.Do(&h.mu, func() { etag, known = h.etags[path] })
		if known {
			req.Header.Set("If-Match", etag)
		} else {
			req.Header.Set("If-None-Match", "*")
		}
	}
	var out struct {
		PublicURL string `json:"publicURL"`
		ETag      string `json:"etag"`
	}
	if err := h.do(req, "store", path, http.StatusAccepted, &out); err != nil {
		return "", err
	}
	if track && out.ETag != "" {
		locked.Do(&h.mu, func() {
			h.etags[path] = out.ETag
		})
	}
	return out.PublicURL, nil
}

// PutOptions say how PutFile stores a file.
type PutOptions struct {
	// Encrypt encrypts to the app key's public key, or to EncryptTo if set
	// (another reader's key).
	Encrypt   bool
	EncryptTo *btcec.PublicKey
	// Sign signs with the app key: inside the envelope when encrypting,
	// in <path>.sig otherwise.
	Sign bool
	// WasString marks encrypted content as a string for JavaScript readers.
	WasString bool
	// Encoding of encrypted content (default hex, as @stacks/storage).
	Encoding ecies.Encoding
	// ContentType of unencrypted content (default
	// application/octet-stream); encrypted files are application/json.
	ContentType string
	// IgnoreETag writes without preconditions (dangerouslyIgnoreEtag).
	IgnoreETag bool
	// Progress, if set, hears of the bytes of the file sent so far.
	Progress func(sent, total int64)
}

// progressReader reports the bytes read through it, until stop: the HTTP
// client may go on reading a body after its request is over (a retry's
// reports must not mix with them).
type progressReader struct {
	r      io.Reader
	total  int64
	report func(sent, total int64)

	mu      sync.Mutex
	sent    int64
	stopped bool
}

func (p *progressReader) Read(b []byte) (int, error) {
	n, err := p.r.Read(b)
	if n > 0 {
		locked.Do(&p.mu, func() {
			if !p.stopped {
				p.sent += int64(n)
				p.report(p.sent, p.total)
			}
		})
	}
	return n, err
}

func (p *progressReader) stop() {
	locked.Do(&p.mu, func() {
		p.stopped = true
	})
}

// PutFile stores data at path and returns its public URL.
func (h *Hub) PutFile(ctx context.Context, path string, data []byte, opts PutOptions) (string, error) {
	encrypt := opts.Encrypt || opts.EncryptTo != nil
	contentType := opts.ContentType
	if contentType == "" {
		contentType = "application/octet-stream"
	}
	size := len(data)
	if encrypt {
		size = ecies.EncryptedSize(len(data), opts.WasString, opts.Sign, opts.Encoding)
	}
	if max := h.Info().MaxUploadMB; max > 0 && float64(size) > max*(1<<20) {
		return "", fmt.Errorf("%w: %s would be %d bytes, the hub takes %g MiB", ErrTooLarge, path, size, max)
	}
	body := data
	if encrypt {
		to := opts.EncryptTo
		if to == nil {
			to = h.cfg.AppKey.PubKey()
		}
		eopts := ecies.Options{WasString: opts.WasString, Encoding: opts.Encoding}
		var err error
		if opts.Sign {
			body, err = ecies.EncryptAndSign(to, h.cfg.AppKey, data, eopts)
		} else {
			body, err = ecies.EncryptContent(to, data, eopts)
		}
		if err != nil {
			return "", fmt.Errorf("storage: encrypt %s: %w", path, err)
		}
		contentType = "application/json"
	}
	var sig []byte
	if !encrypt && opts.Sign {
		sig = ecies.SignFile(h.cfg.AppKey, data)
	}
	return h.put(ctx, path, func() (io.Reader, error) { return bytes.NewReader(body), nil }, int64(len(body)), contentType, sig, opts)
}

// PutFileFrom stores the size bytes of src at path without holding them
// in memory, for large plain files: src is read once more to sign it
// first, and again for the retry on a fresh connection. Each read has its
// own offset (an *os.File or a *bytes.Reader will do): the HTTP client may
// still be reading a failed try's body when the retry starts. Encrypted
// files cannot stream (the ECIES cipher object is one JSON document whose
// MAC covers all of it): PutFile them.
func (h *Hub) PutFileFrom(ctx context.Context, path string, src io.ReaderAt, size int64, opts PutOptions) (string, error) {
	if opts.Encrypt || opts.EncryptTo != nil {
		return "", fmt.Errorf("storage: put %s: encrypted files do not stream; use PutFile", path)
	}
	if max := h.Info().MaxUploadMB; max > 0 && float64(size) > max*(1<<20) {
		return "", fmt.Errorf("%w: %s is %d bytes, the hub takes %g MiB", ErrTooLarge, path, size, max)
	}
	open := func() (io.Reader, error) { return io.NewSectionReader(src, 0, size), nil }
	var sig []byte
	if opts.Sign {
		d := sha256.New()
		if n, err := io.Copy(d, io.NewSectionReader(src, 0, size)); err != nil || n != size {
			return "", fmt.Errorf("storage: put %s: read %d of %d bytes: %v", path, n, size, err)
		}
		sig = ecies.SignDigest(h.cfg.AppKey, d.Sum(nil)).AppendJSON(nil)
	}
	contentType := opts.ContentType
	if contentType == "" {
		contentType = "application/octet-stream"
	}
	return h.put(ctx, path, open, size, contentType, sig, opts)
}

// put uploads the body that open gives (each try opens it again) and, if
// sig is not nil, its .sig file beside it, retrying once on a fresh
// connection.
func (h *Hub) put(ctx context.Context, path string, open func() (io.Reader, error), size int64, contentType string, sig []byte, opts PutOptions) (string, error) {
	var publicURL string
	err := h.retry(ctx, func() error {
		body, err := open()
		if err != nil {
			return err
		}
		var wg sync.WaitGroup
		var sigErr error
		if sig != nil {
			wg.Go(func() {
				_, sigErr = h.upload(ctx, path+ecies.SigSuffix, bytes.NewReader(sig), int64(len(sig)), "application/json", false, false, nil)
			})
		}
		publicURL, err = h.upload(ctx, path, body, size, contentType, !opts.IgnoreETag, true, opts.Progress)
		wg.Wait()
		if err != nil && sigErr != nil {
			return fmt.Errorf("%w; %w", err, sigErr) // one line, as errors.Join's are not
		}
		return errors.Join(err, sigErr)
	})
	return publicURL, err
}

// GetOptions say how GetFile reads a file.
type GetOptions struct {
	// Decrypt decrypts with the app key.
	Decrypt bool
	// Verify checks the signature: of the envelope when decrypting, of
	// <path>.sig otherwise, against the bucket's address.
	Verify bool
	// Unverified, if set, lets Decrypt without Verify read a signed
	// envelope: it is called, then the envelope is decrypted with its
	// signature unchecked. Unset, such a file is ecies.ErrSignedEnvelope
	// (as @stacks/storage, which fails on it).
	Unverified func()
}

// GetFile reads a file of this bucket. wasString reports how encrypted
// content was marked (false for plain files).
func (h *Hub) GetFile(ctx context.Context, path string, opts GetOptions) (data []byte, wasString bool, err error) {
	return h.get(ctx, h.BucketURL(), h.address, path, opts, true)
}

// GetFileFrom reads a file of another bucket, e.g. another user's bucket
// for this app as their profile lists it (profile.Person.AppBucket). The
// expected signer is the address that ends bucketURL. Decrypting needs the
// file to be encrypted to this app key.
func (h *Hub) GetFileFrom(ctx context.Context, bucketURL, path string, opts GetOptions) (data []byte, wasString bool, err error) {
	addr, err := BucketAddress(bucketURL)
	if err != nil {
		return nil, false, err
	}
	if !strings.HasSuffix(bucketURL, "/") {
		bucketURL += "/"
	}
	return h.get(ctx, bucketURL, addr, path, opts, false)
}

// BucketAddress is the bucket address a bucket URL ends in (getGaiaAddress).
func BucketAddress(bucketURL string) (string, error) {
	u, err := url.Parse(bucketURL)
	if err != nil {
		return "", fmt.Errorf("storage: bucket URL: %w", err)
	}
	parts := strings.Split(strings.TrimSuffix(u.Path, "/"), "/")
	addr := parts[len(parts)-1]
	if _, version, err := base58.CheckDecode(addr); err != nil || version != 0 {
		return "", fmt.Errorf("storage: bucket URL %q does not end in a Gaia address", bucketURL)
	}
	return addr, nil
}

func (h *Hub) get(ctx context.Context, bucketURL, signer, path string, opts GetOptions, own bool) ([]byte, bool, error) {
	if opts.Verify && !opts.Decrypt {
		data, err := h.readSigned(ctx, bucketURL, signer, path, own)
		return data, false, err
	}
	data, err := h.readWhole(ctx, bucketURL, path, own)
	if err != nil {
		return nil, false, err
	}
	switch {
	case opts.Decrypt && opts.Verify:
		pt, ws, err := ecies.VerifyAndDecrypt(h.cfg.AppKey, data, signer)
		if err != nil {
			return nil, false, fmt.Errorf("storage: %s: %w", path, err)
		}
		return pt, ws, nil
	case opts.Decrypt:
		pt, ws, err := ecies.DecryptContent(h.cfg.AppKey, data)
		if errors.Is(err, ecies.ErrSignedEnvelope) && opts.Unverified != nil {
			opts.Unverified()
			pt, ws, err = ecies.DecryptUnverified(h.cfg.AppKey, data)
		}
		if err != nil {
			return nil, false, fmt.Errorf("storage: %s: %w", path, err)
		}
		return pt, ws, nil
	}
	return data, false, nil
}

// GetSigned reads a plain file of any bucket and checks it against its
// .sig file and the address that ends bucketURL, with no hub session:
// what an app needs to read another user's public file by name.
func GetSigned(ctx context.Context, hc *http.Client, bucketURL, path string) ([]byte, error) {
	signer, err := BucketAddress(bucketURL)
	if err != nil {
		return nil, err
	}
	if !strings.HasSuffix(bucketURL, "/") {
		bucketURL += "/"
	}
	if hc == nil {
		hc = http.DefaultClient
	}
	h := &Hub{cfg: Config{HTTPClient: hc}} // reading needs no session
	return h.readSigned(ctx, bucketURL, signer, path, false)
}

// readSigned reads path and its .sig file at once, so that a verified read
// costs one round trip rather than two, and checks the signature against
// signer.
func (h *Hub) readSigned(ctx context.Context, bucketURL, signer, path string, own bool) ([]byte, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	type read struct {
		data []byte
		err  error
	}
	sigc := make(chan read, 1)
	go func() {
		b, err := h.read(ctx, bucketURL, path+ecies.SigSuffix, false, maxSigFile)
		sigc <- read{b, err}
	}()
	data, err := h.readWhole(ctx, bucketURL, path, own)
	if err != nil {
		cancel()
		<-sigc
		return nil, err
	}
	sig := <-sigc
	digest := sha256.Sum256(data)
	if err := checkSig(sig.data, sig.err, path, signer, digest[:]); err != nil {
		return nil, err
	}
	return data, nil
}

// verifySig checks a plain file's .sig file in bucketURL against the
// SHA-256 digest of its content and the signer's address.
func (h *Hub) verifySig(ctx context.Context, bucketURL, path, signer string, digest []byte) error {
	data, err := h.read(ctx, bucketURL, path+ecies.SigSuffix, false, maxSigFile)
	return checkSig(data, err, path, signer, digest)
}

// checkSig checks path's .sig file, as read (err: how the read failed),
// against the digest of its content and the signer's address.
func checkSig(data []byte, err error, path, signer string, digest []byte) error {
	if errors.Is(err, ErrNotFound) {
		return fmt.Errorf("storage: %s: no %s file: %w", path, ecies.SigSuffix, ecies.ErrSignature)
	}
	if err != nil {
		return err
	}
	sig, err := ecies.ParseSignature(data)
	if err != nil {
		return fmt.Errorf("storage: %s: %s file: %w", path, ecies.SigSuffix, err)
	}
	if err := sig.VerifyDigest(digest, signer); err != nil {
		return fmt.Errorf("storage: %s: %w", path, err)
	}
	return nil
}

// GetFileTo streams a plain (unencrypted) file into w without holding it
// in memory: from this bucket if bucketURL is "", else from that bucket.
// With verify it checks the file's .sig against the bucket's address once
// the content has passed, so on an error w has had bytes that must be
// thrown away.
func (h *Hub) GetFileTo(ctx context.Context, bucketURL, path string, w io.Writer, verify bool) (int64, error) {
	own, signer := bucketURL == "", h.address
	if own {
		bucketURL = h.BucketURL()
	} else {
		var err error
		if signer, err = BucketAddress(bucketURL); err != nil {
			return 0, err
		}
		if !strings.HasSuffix(bucketURL, "/") {
			bucketURL += "/"
		}
	}
	body, _, err := h.open(ctx, bucketURL, path, own)
	if err != nil {
		return 0, err
	}
	defer body.Close()
	d := sha256.New()
	n, err := io.Copy(io.MultiWriter(w, d), body)
	if err != nil {
		return n, fmt.Errorf("storage: read %s: %w", path, err)
	}
	if !verify {
		return n, nil
	}
	return n, h.verifySig(ctx, bucketURL, path, signer, d.Sum(nil))
}

// readWhole reads a whole file into memory, up to Config.MaxRead.
func (h *Hub) readWhole(ctx context.Context, bucketURL, path string, own bool) ([]byte, error) {
	limit := h.cfg.MaxRead
	if limit <= 0 {
		limit = DefaultMaxRead
	}
	data, err := h.read(ctx, bucketURL, path, own, limit)
	if errors.Is(err, ErrTooLarge) {
		return nil, fmt.Errorf("%w (a file this large is streamed: GetFileTo, or blockstack gaia get -o FILE)", err)
	}
	return data, err
}

// Bounds of read: a hub, or a bucket URL a profile names, is not trusted
// to bound what it sends.
const (
	// maxSigFile bounds a .sig file: its JSON holds a key and a
	// signature, a few hundred bytes.
	maxSigFile = 64 << 10
)

// read GETs bucketURL+path, keeping the ETag for own files; a file of more
// than limit bytes is an ErrTooLarge, and no more of it than that is read.
func (h *Hub) read(ctx context.Context, bucketURL, path string, own bool, limit int64) ([]byte, error) {
	body, _, err := h.open(ctx, bucketURL, path, own)
	if err != nil {
		return nil, err
	}
	defer body.Close()
	data, err := io.ReadAll(io.LimitReader(body, limit+1))
	if err != nil {
		return nil, fmt.Errorf("storage: read %s: %w", path, err)
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%w: read %s: over %d bytes", ErrTooLarge, path, limit)
	}
	return data, nil
}

// open GETs bucketURL+path and returns the body and its content type,
// keeping the ETag for own files.
func (h *Hub) open(ctx context.Context, bucketURL, path string, own bool) (io.ReadCloser, string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, bucketURL+escapePath(path), nil)
	if err != nil {
		return nil, "", fmt.Errorf("storage: read %s: %w", path, err)
	}
	resp, err := h.cfg.HTTPClient.Do(req)
	if err != nil {
		return nil, "", fmt.Errorf("storage: read %s: %w", path, err)
	}
	if resp.StatusCode != http.StatusOK {
		defer resp.Body.Close()
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		return nil, "", &HubError{Op: "read", Path: path, Status: resp.StatusCode, Body: string(body)}
	}
	if etag := resp.Header.Get("ETag"); own && etag != "" {
		locked.Do(&h.mu, func() {
			h.etags[path] = etag
		})
	}
	return resp.Body, resp.Header.Get("Content-Type"), nil
}

// DeleteFile deletes path and, if wasSigned, its .sig file, and forgets
// its ETag.
func (h *Hub) DeleteFile(ctx context.Context, path string, wasSigned bool) error {
	paths := []string{path}
	if wasSigned {
		paths = append(paths, path+ecies.SigSuffix)
	}
	for _, p := range paths {
		err := h.retry(ctx, func() error {
			req, err := http.NewRequestWithContext(ctx, http.MethodDelete, h.cfg.HubURL+"/delete/"+h.address+"/"+escapePath(p), nil)
			if err != nil {
				return fmt.Errorf("storage: delete %s: %w", p, err)
			}
			req.Header.Set("Authorization", h.auth())
			return h.do(req, "delete", p, http.StatusAccepted, nil)
		})
		if err != nil {
			return err
		}
		locked.Do(&h.mu, func() {
			delete(h.etags, p)
		})
	}
	return nil
}

// maxListCalls bounds ListFiles as listFiles does.
const maxListCalls = 65536

// ListFiles calls fn with each file name of the bucket until fn returns
// false, and returns how many names it passed.
func (h *Hub) ListFiles(ctx context.Context, fn func(name string) bool) (int, error) {
	var page *string
	count := 0
	for range maxListCalls {
		body, _ := json.Marshal(map[string]*string{"page": page})
		var out struct {
			Entries []*string `json:"entries"`
			Page    *string   `json:"page"`
		}
		err := h.retry(ctx, func() error {
			req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.cfg.HubURL+"/list-files/"+h.address, bytes.NewReader(body))
			if err != nil {
				return fmt.Errorf("storage: list-files: %w", err)
			}
			req.Header.Set("Authorization", h.auth())
			req.Header.Set("Content-Type", "application/json")
			return h.do(req, "list-files", "", http.StatusAccepted, &out)
		})
		if err != nil {
			return count, err
		}
		for _, e := range out.Entries {
			if e == nil {
				continue
			}
			count++
			if !fn(*e) {
				return count, nil
			}
		}
		if out.Page == nil || len(out.Entries) == 0 {
			return count, nil
		}
		page = out.Page
	}
	return count, fmt.Errorf("storage: list-files: more than %d pages", maxListCalls)
}
