package web

import (
	"encoding/json"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"calldesk/internal/access"
	"calldesk/internal/desk"
)

// openAPIFile is the part of an OpenAPI document the tests check.
type openAPIFile struct {
	OpenAPI    string                                `json:"openapi"`
	Paths      map[string]map[string]json.RawMessage `json:"paths"`
	Components struct {
		Parameters map[string]openAPIParam  `json:"parameters"`
		Responses  map[string]any           `json:"responses"`
		Schemas    map[string]openAPISchema `json:"schemas"`
	} `json:"components"`
}

type openAPIParam struct {
	Ref  string `json:"$ref"`
	Name string `json:"name"`
	In   string `json:"in"`
}

type openAPIOp struct {
	OperationID string                     `json:"operationId"`
	Summary     string                     `json:"summary"`
	Parameters  []openAPIParam             `json:"parameters"`
	Security    *[]map[string][]string     `json:"security"`
	RequestBody json.RawMessage            `json:"requestBody"`
	Responses   map[string]json.RawMessage `json:"responses"`
}

type openAPISchema struct {
	Properties           map[string]json.RawMessage `json:"properties"`
	Required             []string                   `json:"required"`
	AdditionalProperties *bool                      `json:"additionalProperties"`
	AllOf                []struct {
		Ref        string                     `json:"$ref"`
		Properties map[string]json.RawMessage `json:"properties"`
	} `json:"allOf"`
}

func loadOpenAPI(t *testing.T) openAPIFile {
	t.Helper()
	var doc openAPIFile
	if err := json.Unmarshal(openAPIDoc, &doc); err != nil {
		t.Fatalf("openapi.json is not valid JSON: %v", err)
	}
	if doc.OpenAPI != "3.1.0" {
		t.Fatalf("openapi %q, want 3.1.0", doc.OpenAPI)
	}
	return doc
}

// TestOpenAPIMatchesRoutes checks the document against the route table both ways: every route is
// documented with its method and path, and every documented operation is a route.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	doc := loadOpenAPI(t)
	routes := map[string]Route{}
	for _, rt := range (&Server{}).Routes() {
		routes[strings.ToLower(rt.Method)+" "+rt.Pattern] = rt
	}
	documented := map[string]bool{}
	ids := map[string]bool{}
	wildcard := regexp.MustCompile(`\{([a-z_]+)\}`)
	for path, item := range doc.Paths {
		var shared []openAPIParam
		if raw, ok := item["parameters"]; ok {
			if err := json.Unmarshal(raw, &shared); err != nil {
				t.Fatal(err)
			}
		}
		for method, raw := range item {
			if method == "parameters" {
				continue
			}
			key := method + " " + path
			documented[key] = true
			rt, ok := routes[key]
			if !ok {
				t.Errorf("openapi.json documents %s %s, which is not a route", strings.ToUpper(method), path)
				continue
			}
			var op openAPIOp
			if err := json.Unmarshal(raw, &op); err != nil {
				t.Fatalf("%s: %v", key, err)
			}
			if op.OperationID == "" || ids[op.OperationID] || op.Summary == "" || len(op.Responses) == 0 {
				t.Errorf("%s: operationId %q (unique), summary and responses are required", key, op.OperationID)
			}
			ids[op.OperationID] = true
			// Path parameters are exactly the pattern's wildcards.
			var inPath []string
			for _, p := range append(slices.Clone(shared), op.Parameters...) {
				if p.Ref != "" {
					p = doc.Components.Parameters[strings.TrimPrefix(p.Ref, "#/components/parameters/")]
				}
				if p.In == "path" {
					inPath = append(inPath, p.Name)
				}
			}
			var want []string
			for _, m := range wildcard.FindAllStringSubmatch(rt.Pattern, -1) {
				want = append(want, m[1])
			}
			sort.Strings(inPath)
			sort.Strings(want)
			if !slices.Equal(inPath, want) {
				t.Errorf("%s: path parameters %v, want %v", key, inPath, want)
			}
			// Token-protected operations document 401; public ones say they need no security.
			public := rt.Needs == access.Public
			if _, has401 := op.Responses["401"]; public != (op.Security != nil && len(*op.Security) == 0) || has401 == public {
				t.Errorf("%s: public %v but security %v, 401 documented %v", key, public, op.Security, has401)
			}
			if (rt.Method == "POST") != (op.RequestBody != nil) {
				t.Errorf("%s: a request body must be documented exactly for POST", key)
			}
		}
	}
	for key, rt := range routes {
		if !documented[key] {
			t.Errorf("route %s %s is not in openapi.json", rt.Method, rt.Pattern)
		}
	}
}

// TestOpenAPIRefsResolve checks that every $ref points at a component that exists.
func TestOpenAPIRefsResolve(t *testing.T) {
	var doc map[string]any
	if err := json.Unmarshal(openAPIDoc, &doc); err != nil {
		t.Fatal(err)
	}
	var walk func(v any)
	n := 0
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			if ref, ok := v["$ref"].(string); ok {
				n++
				var at any = doc
				for _, part := range strings.Split(strings.TrimPrefix(ref, "#/"), "/") {
					m, _ := at.(map[string]any)
					at = m[part]
				}
				if at == nil {
					t.Errorf("$ref %s does not resolve", ref)
				}
			}
			for _, x := range v {
				walk(x)
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	walk(doc)
	if n < 50 {
		t.Fatalf("only %d $refs found; is the walk broken?", n)
	}
}

// TestOpenAPISchemasMatchTypes checks each documented schema lists exactly the JSON fields of the
// Go type the API sends or reads, so the document cannot drift from the code; request schemas
// must refuse other properties, as the decoder does.
func TestOpenAPISchemasMatchTypes(t *testing.T) {
	doc := loadOpenAPI(t)
	for name, v := range map[string]any{
		"Problem": Problem{}, "Snapshot": desk.Snapshot{}, "Call": callJSON{}, "CallDetail": callDetail{},
		"CallList": callList{}, "Entry": entryJSON{}, "EntryList": entryList{}, "NewCall": newCallRequest{},
		"NewEntry": newEntryRequest{}, "AssignRequest": assignRequest{}, "AcceptRequest": acceptRequest{},
		"PendRequest": reasonRequest{}, "HoldRequest": holdRequest{}, "ResolveRequest": resolveRequest{},
		"CloseRequest": reasonRequest{}, "ReopenRequest": reasonRequest{}, "CancelRequest": reasonRequest{},
		"ChangeRequest": changeRequest{}, "SpecialCategoryRequest": specialRequest{}, "Person": personJSON{}, "PersonList": personList{}, "Group": groupJSON{},
		"GroupList": groupList{}, "GroupLeads": groupLeads{}, "Profile": profileJSON{}, "ProfileList": profileList{},
		"ServiceLevel": slaJSON{}, "TargetLevel": targetJSON{},
	} {
		sc, ok := doc.Components.Schemas[name]
		if !ok {
			t.Errorf("schema %s is missing", name)
			continue
		}
		props := map[string]bool{}
		for p := range sc.Properties {
			props[p] = true
		}
		for _, part := range sc.AllOf {
			if part.Ref != "" {
				for p := range doc.Components.Schemas[strings.TrimPrefix(part.Ref, "#/components/schemas/")].Properties {
					props[p] = true
				}
			}
			for p := range part.Properties {
				props[p] = true
			}
		}
		var got []string
		for p := range props {
			got = append(got, p)
		}
		want := jsonFields(reflect.TypeOf(v))
		sort.Strings(got)
		sort.Strings(want)
		if !slices.Equal(got, want) {
			t.Errorf("schema %s has properties %v; the Go type has %v", name, got, want)
		}
		for _, r := range sc.Required {
			if !props[r] {
				t.Errorf("schema %s requires %s, which it does not have", name, r)
			}
		}
		if strings.HasSuffix(name, "Request") || strings.HasPrefix(name, "New") {
			if sc.AdditionalProperties == nil || *sc.AdditionalProperties {
				t.Errorf("request schema %s must set additionalProperties false", name)
			}
		}
	}
}

func jsonFields(t reflect.Type) []string {
	var out []string
	for i := range t.NumField() {
		f := t.Field(i)
		if f.Anonymous {
			out = append(out, jsonFields(f.Type)...)
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name != "" && name != "-" && f.IsExported() {
			out = append(out, name)
		}
	}
	return out
}
