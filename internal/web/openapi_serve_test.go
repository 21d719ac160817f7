package web_test

import (
	"bytes"
	"encoding/json"
	"testing"
)

func TestOpenAPIServedWithoutToken(t *testing.T) {
	apiTest(t, func(t *testing.T, e *env) {
		r := e.reqAs("", "GET", "/api/v1/openapi.json", nil)
		e.ok(r, 200, nil)
		var doc struct {
			OpenAPI string         `json:"openapi"`
			Paths   map[string]any `json:"paths"`
		}
		if err := json.Unmarshal(r.body, &doc); err != nil || doc.OpenAPI != "3.1.0" || len(doc.Paths) == 0 {
			t.Fatalf("document: %v %+v", err, doc)
		}
		if !bytes.Contains(r.body, []byte(`"/api/v1/calls/{ref}/assign"`)) {
			t.Fatal("the document lacks the transitions")
		}
	})
}
