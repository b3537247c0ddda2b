package api

import (
	"net/http"
	"regexp"
	"strings"
)

var pathVarRE = regexp.MustCompile(`\{([a-z_]+)\}`)

// openAPI serves an OpenAPI 3 document generated from the routes, so the
// document cannot drift from the handlers.
func (s *Server) openAPI(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, s.openAPIDocument())
}

func (s *Server) openAPIDocument() map[string]any {
	paths := map[string]map[string]any{}
	for _, rt := range s.routes() {
		method, path, _ := strings.Cut(rt.pattern, " ")
		var params []map[string]any
		for _, m := range pathVarRE.FindAllStringSubmatch(path, -1) {
			params = append(params, map[string]any{"name": m[1], "in": "path", "required": true, "schema": map[string]string{"type": "string"}})
		}
		content := map[string]any{"text/plain": map[string]any{"schema": str}}
		if rt.answer != nil {
			content = map[string]any{"application/json": map[string]any{"schema": rt.answer}}
		}
		op := map[string]any{
			"summary": rt.summary,
			"responses": map[string]any{
				"200":     map[string]any{"description": "OK", "content": content},
				"default": map[string]any{"description": "an error", "content": map[string]any{"application/json": map[string]any{"schema": errorSchema}}},
			},
		}
		if params != nil {
			op["parameters"] = params
		}
		if paths[path] == nil {
			paths[path] = map[string]any{}
		}
		paths[path][strings.ToLower(method)] = op
	}
	return map[string]any{
		"openapi": "3.0.3",
		"info":    map[string]any{"title": "go-blockstack node API (Blockstack Core /v1 compatible)", "version": Version},
		"paths":   paths,
	}
}
