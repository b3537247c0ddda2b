package registrar

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Client talks to a registrar's HTTP API.
type Client struct {
	base string
	hc   *http.Client
	// Waiting, when set, is told each time a request is refused as too
	// many (429) and the client waits the Retry-After the registrar gave
	// before trying again; a client waits only while its context's
	// deadline allows.
	Waiting func(wait time.Duration)
}

// NewClient returns a client of the registrar at baseURL (nil hc: the
// default client).
func NewClient(baseURL string, hc *http.Client) (*Client, error) {
	u, err := url.Parse(baseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("registrar: %q is not an http(s) URL", baseURL)
	}
	if hc == nil {
		hc = http.DefaultClient
	}
	return &Client{base: strings.TrimSuffix(baseURL, "/"), hc: hc}, nil
}

// URL is the registrar's base URL.
func (c *Client) URL() string { return c.base }

// Error is an error answer of the registrar. It matches (errors.Is) the
// package's error of its status code.
type Error struct {
	Code    int
	Message string
	// RetryAfter is the registrar's Retry-After (0: none given).
	RetryAfter time.Duration
}

func (e *Error) Error() string { return fmt.Sprintf("registrar: %d: %s", e.Code, e.Message) }

// Is maps the status code back to the error writeError chose it for.
func (e *Error) Is(target error) bool {
	for _, st := range statuses {
		if st.code == e.Code && st.err == target {
			return true
		}
	}
	return false
}

func (c *Client) do(ctx context.Context, method, path string, body, out any) error {
	var raw []byte
	if body != nil {
		var err error
		if raw, err = json.Marshal(body); err != nil {
			return fmt.Errorf("registrar: %w", err)
		}
	}
	for {
		err := c.once(ctx, method, path, raw, out)
		var e *Error
		if !errors.As(err, &e) || e.Code != http.StatusTooManyRequests || e.RetryAfter <= 0 {
			return err
		}
		if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < e.RetryAfter {
			return err
		}
		if c.Waiting != nil {
			c.Waiting(e.RetryAfter)
		}
		t := time.NewTimer(e.RetryAfter)
		select {
		case <-ctx.Done():
			t.Stop()
			return err
		case <-t.C:
		}
	}
}

// once makes one request.
func (c *Client) once(ctx context.Context, method, path string, body []byte, out any) error {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return fmt.Errorf("registrar: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.hc.Do(req)
	if err != nil {
		return fmt.Errorf("registrar: %s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 300 {
		var e struct {
			Error  string `json:"error"`
			Status any    `json:"status"`
		}
		json.NewDecoder(resp.Body).Decode(&e)
		msg := e.Error
		if msg == "" {
			msg = fmt.Sprint(e.Status)
		}
		secs, _ := strconv.Atoi(resp.Header.Get("Retry-After"))
		return &Error{Code: resp.StatusCode, Message: msg, RetryAfter: time.Duration(max(secs, 0)) * time.Second}
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		return fmt.Errorf("registrar: %s %s: %w", method, path, err)
	}
	return nil
}

// Register sends a signed registration.
func (c *Client) Register(ctx context.Context, req RegisterRequest) (*Accepted, error) {
	var a Accepted
	return &a, c.do(ctx, http.MethodPost, "/register", req, &a)
}

// Submit sends a signed record as an update or a transfer.
func (c *Client) Submit(ctx context.Context, kind Kind, req RecordRequest) (*Accepted, error) {
	var a Accepted
	return &a, c.do(ctx, http.MethodPost, "/"+string(kind), req, &a)
}

// Name reads the registrar's record of fqn; ErrUnknown if it holds none.
func (c *Client) Name(ctx context.Context, fqn string) (*NameRecord, error) {
	var n NameRecord
	return &n, c.do(ctx, http.MethodGet, "/v1/names/"+url.PathEscape(fqn), nil, &n)
}

// Status reads the status of the newest request for name.
func (c *Client) Status(ctx context.Context, name string) (*StatusReply, error) {
	var s StatusReply
	return &s, c.do(ctx, http.MethodGet, "/status/"+url.PathEscape(name), nil, &s)
}
