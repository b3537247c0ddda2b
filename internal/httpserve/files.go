package httpserve

import (
	"io/fs"
	"net/http"
)

// FileServerFS is http.FileServerFS for fsys, except that a path fsys
// cannot hold (not UTF-8, say) is a 404: fs.Sub refuses such a name with
// an error that net/http answers as a server error.
func FileServerFS(fsys fs.FS) http.Handler { return http.FileServerFS(validNames{fsys}) }

type validNames struct{ fs.FS }

func (v validNames) Open(name string) (fs.File, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	return v.FS.Open(name)
}
