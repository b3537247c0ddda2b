// Package client is a Gaia hub client built only on the published client
// behaviour of @stacks/storage (atlas-gaia.md B.9): connect through
// /hub_info, a v1 bearer token, putFile with If-None-Match / If-Match ETag
// tracking, reads from the read URL prefix, list-files paging, deleteFile,
// and ECIES encryption of content.
//
// It owns no storage and no server state; it must not reach into the gaia
// hub's internals (only gaia's token and address helpers, which are the
// client side of the protocol).
package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"

	"github.com/btcsuite/btcd/btcec/v2"

	"github.com/go-blockstack/go-blockstack/gaia"
)

// HubInfo is the /hub_info answer.
type HubInfo struct {
	ChallengeText     string  `json:"challenge_text"`
	LatestAuthVersion string  `json:"latest_auth_version"`
	MaxUploadMB       float64 `json:"max_file_upload_size_megabytes"`
	ReadURLPrefix     string  `json:"read_url_prefix"`
}

// Client writes to one bucket (the address of its key) on one hub.
type Client struct {
	hubURL  string
	key     *btcec.PrivateKey
	http    *http.Client
	info    HubInfo
	token   string
	address string

	mu    sync.Mutex
	etags map[string]string // last known ETag per path, as sessionData.etags
}

// Connect fetches hub_info and makes the token, as connectToGaiaHub does.
func Connect(ctx context.Context, hc *http.Client, hubURL string, key *btcec.PrivateKey, opts gaia.TokenOptions) (*Client, error) {
	if hc == nil {
		hc = http.DefaultClient
	}
	hubURL = strings.TrimSuffix(hubURL, "/")
	c := &Client{hubURL: hubURL, key: key, http: hc, address: gaia.AddressFromKey(key), etags: map[string]string{}}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, hubURL+"/hub_info", nil)
	if err != nil {
		return nil, err
	}
	if err := c.do(req, http.StatusOK, &c.info); err != nil {
		return nil, fmt.Errorf("hub_info: %w", err)
	}
	if c.info.LatestAuthVersion != "v1" {
		return nil, fmt.Errorf("hub speaks auth %q, want v1", c.info.LatestAuthVersion)
	}
	if opts.HubURL == "" {
		opts.HubURL = hubURL
	}
	if c.token, err = gaia.NewV1Token(key, c.info.ChallengeText, opts); err != nil {
		return nil, err
	}
	return c, nil
}

// Address is the bucket address.
func (c *Client) Address() string { return c.address }

// Info is the hub's hub_info.
func (c *Client) Info() HubInfo { return c.info }

// HTTPError is a non-success answer from the hub.
type HTTPError struct {
	Status int
	Body   string
}

func (e *HTTPError) Error() string { return fmt.Sprintf("hub answered %d: %s", e.Status, e.Body) }

// IsStatus reports whether err is an HTTPError with that status.
func IsStatus(err error, status int) bool {
	var he *HTTPError
	return errors.As(err, &he) && he.Status == status
}

func (c *Client) do(req *http.Request, want int, out any) error {
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode != want {
		return &HTTPError{Status: resp.StatusCode, Body: string(body)}
	}
	if out != nil {
		if err := json.Unmarshal(body, out); err != nil {
			return fmt.Errorf("decode %s: %w", req.URL.Path, err)
		}
	}
	return nil
}

// PutFile stores data: If-None-Match: * for a path not yet known, If-Match
// with the last ETag otherwise. It returns the public URL.
func (c *Client) PutFile(ctx context.Context, path string, data []byte, contentType string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.hubURL+"/store/"+c.address+"/"+path, bytes.NewReader(data))
	if err != nil {
		return "", err
	}
	req.Header.Set("Authorization", "bearer "+c.token)
	req.Header.Set("Content-Type", contentType)
	c.mu.Lock()
	if etag, ok := c.etags[path]; ok {
		req.Header.Set("If-Match", etag)
	} else {
		req.Header.Set("If-None-Match", "*")
	}
	c.mu.Unlock()
	var out struct {
		PublicURL string `json:"publicURL"`
		ETag      string `json:"etag"`
	}
	if err := c.do(req, http.StatusAccepted, &out); err != nil {
		return "", fmt.Errorf("store %s: %w", path, err)
	}
	c.mu.Lock()
	c.etags[path] = out.ETag
	c.mu.Unlock()
	return out.PublicURL, nil
}

// PutEncrypted stores data ECIES-encrypted to the client's own key, as
// putFile with the default encrypt: true.
func (c *Client) PutEncrypted(ctx context.Context, path string, data []byte) (string, error) {
	obj, err := EncryptECIES(c.key.PubKey(), data, false)
	if err != nil {
		return "", err
	}
	js, err := json.Marshal(obj)
	if err != nil {
		return "", err
	}
	return c.PutFile(ctx, path, js, "application/json")
}

// GetFile reads a file of this bucket from the read URL prefix and
// remembers its ETag.
func (c *Client) GetFile(ctx context.Context, path string) ([]byte, string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.info.ReadURLPrefix+c.address+"/"+path, nil)
	if err != nil {
		return nil, "", err
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, "", err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, "", &HTTPError{Status: resp.StatusCode, Body: string(body)}
	}
	if etag := resp.Header.Get("ETag"); etag != "" {
		c.mu.Lock()
		c.etags[path] = etag
		c.mu.Unlock()
	}
	return body, resp.Header.Get("Content-Type"), nil
}

// GetDecrypted reads and decrypts a file stored by PutEncrypted.
func (c *Client) GetDecrypted(ctx context.Context, path string) ([]byte, error) {
	body, _, err := c.GetFile(ctx, path)
	if err != nil {
		return nil, err
	}
	var obj CipherObject
	if err := json.Unmarshal(body, &obj); err != nil {
		return nil, fmt.Errorf("%s is not an encrypted file: %w", path, err)
	}
	return DecryptECIES(c.key, &obj)
}

// ListFiles calls fn for every file name, following pages as listFiles
// does (skipping null entries, at most 65536 calls).
func (c *Client) ListFiles(ctx context.Context, fn func(name string) bool) (int, error) {
	var page *string
	count := 0
	for calls := 0; calls < 65536; calls++ {
		body, _ := json.Marshal(map[string]any{"page": page})
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.hubURL+"/list-files/"+c.address, bytes.NewReader(body))
		if err != nil {
			return count, err
		}
		req.Header.Set("Authorization", "bearer "+c.token)
		req.Header.Set("Content-Type", "application/json")
		var out struct {
			Entries []*string `json:"entries"`
			Page    *string   `json:"page"`
		}
		if err := c.do(req, http.StatusAccepted, &out); err != nil {
			return count, fmt.Errorf("list-files: %w", err)
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
	return count, errors.New("list-files: too many pages")
}

// DeleteFile deletes a file and forgets its ETag.
func (c *Client) DeleteFile(ctx context.Context, path string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodDelete, c.hubURL+"/delete/"+c.address+"/"+path, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "bearer "+c.token)
	if err := c.do(req, http.StatusAccepted, nil); err != nil {
		return fmt.Errorf("delete %s: %w", path, err)
	}
	c.mu.Lock()
	delete(c.etags, path)
	c.mu.Unlock()
	return nil
}
