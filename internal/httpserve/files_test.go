package httpserve

import (
	"io/fs"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"testing/fstest"
)

// TestFileServerFS: a path no file system can hold is a 404, not a 500.
func TestFileServerFS(t *testing.T) {
	sub, err := fs.Sub(fstest.MapFS{"static/a.css": {Data: []byte("x")}}, "static") // as the pages are served
	if err != nil {
		t.Fatal(err)
	}
	h := FileServerFS(sub)
	for path, want := range map[string]int{"/a.css": 200, "/b.css": 404, "/\x8d": 404, "/a/../../x": 404} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, &http.Request{Method: "GET", URL: &url.URL{Path: path}})
		if rec.Code != want {
			t.Errorf("%q: HTTP %d, want %d", path, rec.Code, want)
		}
	}
}
