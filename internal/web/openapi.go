package web

import (
	_ "embed"
	"net/http"
	"strconv"
)

// openAPIDoc is the hand-written OpenAPI 3.1 description of the API; a test checks it against
// Routes, so an endpoint cannot be added or removed without documenting it.
//
//go:embed openapi.json
var openAPIDoc []byte

// openAPI serves the OpenAPI document. It needs no token, so clients can be generated from it.
func (s *Server) openAPI(w http.ResponseWriter, _ *http.Request, _ *caller) error {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(openAPIDoc)))
	h.Set("Cache-Control", "public, max-age=300")
	w.WriteHeader(http.StatusOK)
	w.Write(openAPIDoc)
	return nil
}
